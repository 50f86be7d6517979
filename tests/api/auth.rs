use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, assert_problem};

#[tokio::test]
async fn login_returns_a_bearer_token_that_authorises_writes() {
    let app = TestApp::spawn().await;
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();
    let res = app
        .create_post(token, json!({"title": "T", "markdown": "x"}))
        .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn login_is_case_insensitive_on_email() {
    let app = TestApp::spawn().await;
    let res = app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    let wrong_password =
        assert_problem(app.login(ADMIN_EMAIL, "not-the-password").await, 401).await;
    let unknown_email =
        assert_problem(app.login("nobody@example.com", ADMIN_PASSWORD).await, 401).await;
    assert_eq!(wrong_password, unknown_email);
}

#[tokio::test]
async fn the_first_admin_is_created_once_with_an_argon2id_hash() {
    let app = TestApp::spawn().await;
    // A second instance on the same database must not add another admin.
    let second = folio::startup::Application::build(app.config.clone())
        .await
        .unwrap();
    drop(second);
    let mut conn = app.db.conn().await;
    let users = folio::db::users::count(&mut conn).await.unwrap();
    assert_eq!(users, 1);
    let admin = folio::db::users::find_by_email(&mut conn, ADMIN_EMAIL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.role, "admin");
    assert!(
        admin
            .password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
}

fn token_with(claims: Value, alg: Algorithm, key: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(key)).unwrap()
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_are_rejected() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn().await;
    let admin = folio::db::users::find_by_email(&mut conn, ADMIN_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let good = json!({
        "iss": "folio", "aud": "folio-api", "sub": admin.id, "typ": "access",
        "iat": now(), "nbf": now(), "exp": now() + 600,
    });
    let with = |key: &str, value: Value| {
        let mut c = good.clone();
        c[key] = value;
        c
    };
    let secret = JWT_SECRET.as_bytes();
    // The control: a well-formed token works.
    let ok = token_with(good.clone(), Algorithm::HS256, secret);
    assert_eq!(
        app.get("/api/v1/posts")
            .bearer_auth(&ok)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let header_none = {
        use base64_like::encode;
        let header = encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = encode(good.to_string().as_bytes());
        format!("{header}.{payload}.")
    };
    let tampered = {
        let parts: Vec<&str> = ok.split('.').collect();
        let payload =
            base64_like::encode(with("sub", json!(uuid::Uuid::nil())).to_string().as_bytes());
        format!("{}.{payload}.{}", parts[0], parts[2])
    };
    let bad_tokens = [
        ("alg none", header_none),
        ("HS512", token_with(good.clone(), Algorithm::HS512, secret)),
        (
            "wrong key",
            token_with(
                good.clone(),
                Algorithm::HS256,
                b"another-secret-another-secret-12",
            ),
        ),
        (
            "expired",
            token_with(with("exp", json!(now() - 120)), Algorithm::HS256, secret),
        ),
        (
            "not yet valid",
            token_with(with("nbf", json!(now() + 600)), Algorithm::HS256, secret),
        ),
        (
            "wrong aud",
            token_with(with("aud", json!("other")), Algorithm::HS256, secret),
        ),
        (
            "wrong iss",
            token_with(with("iss", json!("evil")), Algorithm::HS256, secret),
        ),
        (
            "wrong type",
            token_with(with("typ", json!("refresh")), Algorithm::HS256, secret),
        ),
        ("edited claim", tampered),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, token) in bad_tokens {
        let res = app
            .get("/api/v1/posts")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{what}");
        assert!(res.headers().get("www-authenticate").is_some(), "{what}");
        assert_problem(res, 401).await;
    }
}

#[tokio::test]
async fn a_disabled_user_is_locked_out_at_the_next_request() {
    use diesel::ExpressionMethods;
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let (id, token) = app.user_with_role("author").await;
    assert_eq!(
        app.get("/api/v1/posts")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let mut conn = app.db.conn().await;
    diesel::update(folio::db::schema::users::table)
        .filter(folio::db::schema::users::id.eq(id))
        .set(folio::db::schema::users::disabled_at.eq(chrono::Utc::now()))
        .execute(&mut conn)
        .await
        .unwrap();
    let res = app
        .get("/api/v1/posts")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn a_malformed_authorization_header_is_401_not_anonymous() {
    let app = TestApp::spawn().await;
    for value in ["Basic YWJjOmRlZg==", "Bearer", "Bearer    ", "token abc"] {
        let res = app
            .get("/api/v1/posts")
            .header("authorization", value)
            .send()
            .await
            .unwrap();
        assert_problem(res, 401).await;
    }
}

/// URL-safe base64 without padding, as JWTs use (kept here so the test
/// does not lean on the code under test).
mod base64_like {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
