use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::test_app::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, assert_problem};
use crate::helpers::{TestApp, snapshots};

#[tokio::test]
async fn login_returns_a_bearer_token_that_authorises_writes() {
    let app = TestApp::spawn().await;
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    insta::assert_json_snapshot!("token_response", body, {
        ".access_token" => snapshots::secret(),
        ".refresh_token" => snapshots::secret(),
        ".refresh_token_expires_in" => snapshots::seconds_left(),
    });
    let token = body["access_token"].as_str().unwrap();
    app.draft(token, "T").await;
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

#[tokio::test]
async fn a_hash_with_old_parameters_is_upgraded_at_the_next_login() {
    use argon2::password_hash::PasswordHasher;
    use argon2::{Algorithm, Argon2, Params, Version};
    let app = TestApp::spawn().await;
    let old = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(8 * 1024, 1, 1, None).unwrap(),
    )
    .hash_password(b"an-old-but-valid-password")
    .unwrap()
    .to_string();
    let mut conn = app.db.conn().await;
    folio::db::users::insert(
        &mut conn,
        &folio::db::users::NewUser {
            id: uuid::Uuid::now_v7(),
            email: "old@example.com",
            name: "Old",
            password_hash: &old,
            role: "author",
        },
    )
    .await
    .unwrap();
    assert_eq!(
        app.login("old@example.com", "an-old-but-valid-password")
            .await
            .status(),
        200
    );
    let stored = folio::db::users::find_by_email(&mut conn, "old@example.com")
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    // A wrong password never rewrites the hash; the new hash still works.
    assert_problem(app.login("old@example.com", "wrong-password").await, 401).await;
    assert_eq!(
        app.login("old@example.com", "an-old-but-valid-password")
            .await
            .status(),
        200
    );
}

fn token_with(claims: Value, alg: Algorithm, key: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(key)).unwrap()
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// A well-formed access token for the admin, as claims, to spoil one way
/// at a time.
async fn admin_claims(app: &TestApp) -> Value {
    let mut conn = app.db.conn().await;
    let admin = folio::db::users::find_by_email(&mut conn, ADMIN_EMAIL)
        .await
        .unwrap()
        .unwrap();
    // A real session to belong to: tokens of ended sessions are refused.
    let session = session_of(&app.admin_token().await);
    json!({
        "iss": "folio", "aud": "folio-api", "sub": admin.id, "typ": "access",
        "iat": now(), "nbf": now(), "exp": now() + 600, "ver": 0, "sid": session,
    })
}

/// The session id an access token carries.
fn session_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["sid"].clone()
}

fn with(claims: &Value, key: &str, value: Value) -> Value {
    let mut c = claims.clone();
    c[key] = value;
    c
}

fn without(claims: &Value, key: &str) -> Value {
    let mut c = claims.clone();
    c.as_object_mut().unwrap().remove(key);
    c
}

fn signed(claims: &Value) -> String {
    token_with(claims.clone(), Algorithm::HS256, JWT_SECRET.as_bytes())
}

/// Spoils a good token with `spoil` and checks it is refused with a 401
/// problem and a `WWW-Authenticate` challenge.
async fn assert_rejected(spoil: impl FnOnce(&Value) -> String) {
    let app = TestApp::spawn().await;
    let good = admin_claims(&app).await;
    let token = spoil(&good);
    let res = app.get_as(&token, "/api/v1/posts").await;
    assert!(res.headers().get("www-authenticate").is_some());
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn a_well_formed_token_is_accepted_so_the_rejections_below_mean_something() {
    let app = TestApp::spawn().await;
    let token = signed(&admin_claims(&app).await);
    app.get_json_as(&token, "/api/v1/auth/me").await;
}

#[tokio::test]
async fn a_token_with_alg_none_is_401() {
    assert_rejected(|good| {
        let header = base64_like::encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = base64_like::encode(good.to_string().as_bytes());
        format!("{header}.{payload}.")
    })
    .await;
}

#[tokio::test]
async fn a_token_signed_with_another_algorithm_is_401() {
    assert_rejected(|good| token_with(good.clone(), Algorithm::HS512, JWT_SECRET.as_bytes())).await;
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_401() {
    assert_rejected(|good| {
        token_with(
            good.clone(),
            Algorithm::HS256,
            b"another-secret-another-secret-12",
        )
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_is_401() {
    assert_rejected(|good| signed(&with(good, "exp", json!(now() - 120)))).await;
}

#[tokio::test]
async fn a_token_not_yet_valid_is_401() {
    assert_rejected(|good| signed(&with(good, "nbf", json!(now() + 600)))).await;
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_401() {
    assert_rejected(|good| signed(&with(good, "iat", json!(now() + 600)))).await;
}

#[tokio::test]
async fn a_token_for_another_audience_is_401() {
    assert_rejected(|good| signed(&with(good, "aud", json!("other")))).await;
}

#[tokio::test]
async fn a_token_from_another_issuer_is_401() {
    assert_rejected(|good| signed(&with(good, "iss", json!("evil")))).await;
}

#[tokio::test]
async fn a_token_with_an_edited_claim_and_the_old_signature_is_401() {
    // An expired token whose `exp` is pushed back: were the signature not
    // checked, the edited token would be perfectly valid.
    assert_rejected(|good| {
        let expired = signed(&with(good, "exp", json!(now() - 120)));
        let parts: Vec<&str> = expired.split('.').collect();
        let payload = base64_like::encode(good.to_string().as_bytes());
        format!("{}.{payload}.{}", parts[0], parts[2])
    })
    .await;
}

#[tokio::test]
async fn a_token_of_another_type_is_401() {
    assert_rejected(|good| signed(&with(good, "typ", json!("refresh")))).await;
}

#[tokio::test]
async fn a_token_from_before_the_sessions_were_ended_is_401() {
    assert_rejected(|good| signed(&with(good, "ver", json!(-1)))).await;
}

#[tokio::test]
async fn a_token_of_a_session_that_never_was_is_401() {
    assert_rejected(|good| signed(&with(good, "sid", json!(uuid::Uuid::now_v7())))).await;
}

#[tokio::test]
async fn tokens_missing_a_required_claim_are_401() {
    for claim in ["sub", "exp", "nbf", "iat", "iss", "aud", "sid"] {
        assert_rejected(|good| signed(&without(good, claim))).await;
    }
}

#[tokio::test]
async fn garbage_and_key_shaped_strings_are_401() {
    assert_rejected(|_| "not.a.jwt".to_owned()).await;
    assert_rejected(|good| format!("folio_{}", signed(good).replace('.', ""))).await;
}

#[tokio::test]
async fn a_disabled_user_is_locked_out_at_the_next_request() {
    use diesel::ExpressionMethods;
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let (id, token) = app.user_with_role("author").await;
    app.get_json_as(&token, "/api/v1/posts").await;
    let mut conn = app.db.conn().await;
    diesel::update(folio::db::schema::users::table)
        .filter(folio::db::schema::users::id.eq(id))
        .set(folio::db::schema::users::disabled_at.eq(chrono::Utc::now()))
        .execute(&mut conn)
        .await
        .unwrap();
    let res = app.get_as(&token, "/api/v1/posts").await;
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
