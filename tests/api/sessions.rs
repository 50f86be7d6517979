//! Refresh tokens: rotation, reuse detection, logout, and sessions ending
//! when a password changes or a user is disabled.

use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::RunQueryDsl;
use folio::db::schema::refresh_tokens;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::{ADMIN_EMAIL, ADMIN_PASSWORD, USER_PASSWORD, assert_problem};

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.call(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": token})),
    )
    .await
}

/// Refreshes, asserts 200 and returns the new pair.
async fn refreshed(app: &TestApp, token: &str) -> Value {
    let res = refresh(app, token).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn logout(app: &TestApp, body: Value) -> reqwest::Response {
    app.call(Method::POST, "/api/v1/auth/logout", None, Some(body))
        .await
}

async fn change_password(app: &TestApp, access: &str, body: Value) -> reqwest::Response {
    app.call(
        Method::POST,
        "/api/v1/auth/password",
        Some(access),
        Some(body),
    )
    .await
}

async fn me_status(app: &TestApp, access: &str) -> u16 {
    app.call(Method::GET, "/api/v1/auth/me", Some(access), None)
        .await
        .status()
        .as_u16()
}

async fn expire_every_refresh_token(app: &TestApp) {
    let mut conn = app.db.conn().await;
    diesel::update(refresh_tokens::table)
        .set(refresh_tokens::expires_at.eq(chrono::Utc::now() - chrono::Duration::seconds(1)))
        .execute(&mut conn)
        .await
        .unwrap();
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[tokio::test]
async fn login_returns_an_opaque_refresh_token_beside_the_access_token() {
    let app = TestApp::spawn().await;
    let session = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let refresh_token = str_of(&session, "refresh_token");
    assert_eq!(refresh_token.len(), 43, "256 bits, base64url");
    assert!(!refresh_token.contains('.'), "not a JWT");
    let lifetime = session["refresh_token_expires_in"].as_u64().unwrap();
    assert!(
        (30 * 86_400 - 5..=30 * 86_400).contains(&lifetime),
        "{lifetime}"
    );
    assert_eq!(me_status(&app, str_of(&session, "access_token")).await, 200);
}

#[tokio::test]
async fn refresh_tokens_are_stored_only_as_sha256_hashes() {
    let app = TestApp::spawn().await;
    let session = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let token = str_of(&session, "refresh_token");
    let mut conn = app.db.conn().await;
    let hashes: Vec<Vec<u8>> = refresh_tokens::table
        .select(refresh_tokens::token_hash)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(hashes, [folio::auth::secret::digest(token)]);
    assert!(
        !hashes[0]
            .windows(8)
            .any(|w| token.as_bytes().starts_with(w))
    );
}

#[tokio::test]
async fn refreshing_rotates_both_tokens_and_the_new_ones_work() {
    let app = TestApp::spawn().await;
    let first = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let second = refreshed(&app, str_of(&first, "refresh_token")).await;
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["token_type"], "Bearer");
    assert_eq!(me_status(&app, str_of(&second, "access_token")).await, 200);
    // And the new refresh token rotates again.
    let res = refresh(&app, str_of(&second, "refresh_token")).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn reusing_a_used_refresh_token_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let first = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let other_session = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let second = refreshed(&app, str_of(&first, "refresh_token")).await;

    // A thief replays the first token: refused...
    assert_problem(refresh(&app, str_of(&first, "refresh_token")).await, 401).await;
    // ...and the legitimate newest token of that family is dead too.
    assert_problem(refresh(&app, str_of(&second, "refresh_token")).await, 401).await;
    // Another session (another login) is untouched.
    assert_eq!(
        refresh(&app, str_of(&other_session, "refresh_token"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn unknown_expired_and_foreign_refresh_tokens_are_401() {
    let app = TestApp::spawn().await;
    let session = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = str_of(&session, "access_token");
    for bad in [
        "nonsense",
        access,
        "folio_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        assert_problem(refresh(&app, bad).await, 401).await;
    }
    expire_every_refresh_token(&app).await;
    assert_problem(refresh(&app, str_of(&session, "refresh_token")).await, 401).await;
}

#[tokio::test]
async fn a_refresh_token_is_never_accepted_as_an_access_token() {
    let app = TestApp::spawn().await;
    let session = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let res = app
        .call(
            Method::GET,
            "/api/v1/auth/me",
            Some(str_of(&session, "refresh_token")),
            None,
        )
        .await;
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn logout_revokes_the_session_and_answers_204_even_for_unknown_tokens() {
    let app = TestApp::spawn().await;
    let session = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let rotated = refreshed(&app, str_of(&session, "refresh_token")).await;
    let rotated_token = str_of(&rotated, "refresh_token");
    let res = logout(&app, json!({"refresh_token": rotated_token})).await;
    assert_eq!(res.status(), 204);
    assert_problem(refresh(&app, rotated_token).await, 401).await;
    let res = logout(&app, json!({"refresh_token": "never-issued"})).await;
    assert_eq!(res.status(), 204);
    assert_problem(logout(&app, json!({"token": "x"})).await, 422).await;
}

#[tokio::test]
async fn changing_the_password_ends_every_session() {
    let app = TestApp::spawn().await;
    let (_, email) = app.insert_user("author").await;
    let session = app.session_for(&email, USER_PASSWORD).await;
    let access = str_of(&session, "access_token");
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let wrong = change_password(
        &app,
        access,
        change("not-my-password", "a-brand-new-password"),
    )
    .await;
    assert_problem(wrong, 403).await;
    let weak = change_password(&app, access, change(USER_PASSWORD, "short")).await;
    let body = assert_problem(weak, 422).await;
    assert_eq!(body["errors"][0]["field"], "new_password");
    let smuggled = json!({"current_password": USER_PASSWORD, "new_password": "a-brand-new-password", "role": "admin"});
    assert_problem(change_password(&app, access, smuggled).await, 422).await;

    let res = change_password(&app, access, change(USER_PASSWORD, "a-brand-new-password")).await;
    assert_eq!(res.status(), 204);
    assert_eq!(me_status(&app, access).await, 401, "old access token");
    assert_problem(refresh(&app, str_of(&session, "refresh_token")).await, 401).await;
    assert_problem(app.login(&email, USER_PASSWORD).await, 401).await;
    let new = app.session_for(&email, "a-brand-new-password").await;
    assert_eq!(me_status(&app, str_of(&new, "access_token")).await, 200);
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_locks_them_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, email) = app.insert_user("editor").await;
    let session = app.session_for(&email, USER_PASSWORD).await;
    let access = str_of(&session, "access_token");
    assert_eq!(me_status(&app, access).await, 200);

    let user = app
        .patched_user(&admin, id, json!({"disabled": true}))
        .await;
    assert!(user["disabled_at"].is_string());

    assert_eq!(me_status(&app, access).await, 401);
    assert_problem(refresh(&app, str_of(&session, "refresh_token")).await, 401).await;
    assert_problem(app.login(&email, USER_PASSWORD).await, 401).await;

    // Enabled again, they can log in anew (old sessions stay dead).
    app.patched_user(&admin, id, json!({"disabled": false}))
        .await;
    assert_eq!(me_status(&app, access).await, 401);
    app.session_for(&email, USER_PASSWORD).await;
}

#[tokio::test]
async fn two_refreshes_racing_with_one_token_get_one_pair_and_kill_the_family() {
    let app = TestApp::spawn().await;
    let session = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let token = str_of(&session, "refresh_token");
    let (a, b) = tokio::join!(refresh(&app, token), refresh(&app, token));
    let mut answers = Vec::new();
    for res in [a, b] {
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        answers.push((status, body));
    }
    answers.sort_by_key(|(status, _)| *status);
    assert_eq!(answers[0].0, 200);
    assert_eq!(answers[1].0, 401);
    let winner = str_of(&answers[0].1, "refresh_token");
    assert_problem(refresh(&app, winner).await, 401).await;
}

#[tokio::test]
async fn token_answers_are_never_cached() {
    let app = TestApp::spawn().await;
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let session: Value = res.json().await.unwrap();
    let res = refresh(&app, str_of(&session, "refresh_token")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn refreshing_never_extends_the_session_past_its_login_lifetime() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_REFRESH_TOKEN_TTL_SECS".into(), "3600".into());
    })
    .await;
    let first = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let second = refreshed(&app, str_of(&first, "refresh_token")).await;
    let (a, b) = (
        first["refresh_token_expires_in"].as_u64().unwrap(),
        second["refresh_token_expires_in"].as_u64().unwrap(),
    );
    assert!(a <= 3600 && b < a, "{a} then {b}");
    let mut conn = app.db.conn().await;
    let mut expiries: Vec<chrono::DateTime<chrono::Utc>> = refresh_tokens::table
        .select(refresh_tokens::expires_at)
        .load(&mut conn)
        .await
        .unwrap();
    expiries.dedup();
    assert_eq!(expiries.len(), 1, "one family, one end: {expiries:?}");
}

#[tokio::test]
async fn a_login_forgets_the_users_expired_refresh_tokens() {
    let app = TestApp::spawn().await;
    let (other, other_email) = app.insert_user("author").await;
    app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.session_for(&other_email, USER_PASSWORD).await;
    expire_every_refresh_token(&app).await;
    app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut conn = app.db.conn().await;
    let left: Vec<uuid::Uuid> = refresh_tokens::table
        .select(refresh_tokens::user_id)
        .load(&mut conn)
        .await
        .unwrap();
    // The admin's new token and the other user's expired one (theirs to tidy).
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.contains(&other));
}

#[tokio::test]
async fn logging_out_ends_the_sessions_access_tokens_at_once() {
    let app = TestApp::spawn().await;
    let session = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let other = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = str_of(&session, "access_token");
    assert_eq!(me_status(&app, access).await, 200);
    let res = logout(
        &app,
        json!({"refresh_token": str_of(&session, "refresh_token")}),
    )
    .await;
    assert_eq!(res.status(), 204);
    // Not minutes later, when it would have expired: now.
    assert_eq!(me_status(&app, access).await, 401);
    // The user's other sessions go on.
    assert_eq!(me_status(&app, str_of(&other, "access_token")).await, 200);
}

#[tokio::test]
async fn a_reused_refresh_token_ends_the_families_access_tokens_too() {
    let app = TestApp::spawn().await;
    let first = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let second = refreshed(&app, str_of(&first, "refresh_token")).await;
    assert_eq!(me_status(&app, str_of(&second, "access_token")).await, 200);
    // A copy of the first refresh token comes back: someone kept it.
    assert_problem(refresh(&app, str_of(&first, "refresh_token")).await, 401).await;
    for access in [
        str_of(&first, "access_token"),
        str_of(&second, "access_token"),
    ] {
        assert_eq!(me_status(&app, access).await, 401);
    }
}
