//! `/api/v1/users` and `/api/v1/auth/me`.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::test_app::{ADMIN_EMAIL, USER_PASSWORD, assert_problem};
use crate::helpers::{TestApp, id_of, post_path, snapshots};

async fn create_user(app: &TestApp, admin: &str, body: Value) -> Response {
    app.call(Method::POST, "/api/v1/users", Some(admin), Some(body))
        .await
}

fn new_user(email: &str, role: &str) -> Value {
    json!({"email": email, "name": "Ada Lovelace", "password": "analytical-engine", "role": role})
}

#[tokio::test]
async fn an_admin_creates_a_user_who_can_then_log_in_with_that_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = create_user(&app, &admin, new_user(" Ada@Example.com ", "author")).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let user: Value = res.json().await.unwrap();
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    // The email trimmed and lower-cased; enabled.
    snapshots::redacted().bind(|| insta::assert_json_snapshot!("created_user", user));
    assert_eq!(
        location,
        app.url(&format!("/api/v1/users/{}", user["id"].as_str().unwrap()))
    );

    let fetched = app
        .get_json_as(&admin, location.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(fetched, user);
    let listed = app.get_json_as(&admin, "/api/v1/users").await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);

    let token = app.token_for("ada@example.com", "analytical-engine").await;
    let me = app.get_json_as(&token, "/api/v1/auth/me").await;
    assert_eq!(me, user);
}

#[tokio::test]
async fn passwords_set_through_the_api_are_stored_as_argon2id_with_owasp_parameters() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = create_user(&app, &admin, new_user("ada@example.com", "editor")).await;
    assert_eq!(res.status(), 201);
    let mut conn = app.db.conn().await;
    let stored = folio::db::users::find_by_email(&mut conn, "ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let params = stored.password_hash.split('$').collect::<Vec<_>>();
    assert_eq!(params[1], "argon2id", "{}", stored.password_hash);
    assert_eq!(params[2], "v=19");
    let (mut m, mut t, mut p) = (0, 0, 0);
    for kv in params[3].split(',') {
        let (k, v) = kv.split_once('=').unwrap();
        let v: u32 = v.parse().unwrap();
        match k {
            "m" => m = v,
            "t" => t = v,
            "p" => p = v,
            _ => {}
        }
    }
    assert!(m >= 19 * 1024 && t >= 2 && p >= 1, "m={m} t={t} p={p}");
}

#[tokio::test]
async fn invalid_user_bodies_are_422_naming_the_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let cases = [
        (
            json!({"email": "nope", "name": "A", "password": "long-enough-pw", "role": "author"}),
            "email",
        ),
        (
            json!({"email": "a@b.c", "name": " ", "password": "long-enough-pw", "role": "author"}),
            "name",
        ),
        (
            json!({"email": "a@b.c", "name": "A", "password": "short", "role": "author"}),
            "password",
        ),
        (
            json!({"email": "a@b.c", "name": "A", "password": "long-enough-pw", "role": "owner"}),
            "role",
        ),
        (
            json!({"email": "a@b.c", "name": "A", "password": "long-enough-pw"}),
            "role",
        ),
        (
            json!({"email": "a@b.c", "name": "A", "password": "long-enough-pw", "role": "author", "id": "x"}),
            "id",
        ),
    ];
    for (body, field) in cases {
        let res = create_user(&app, &admin, body.clone()).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let listed = app.get_json_as(&admin, "/api/v1/users").await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_taken_email_is_409_whatever_its_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = create_user(
        &app,
        &admin,
        new_user(&ADMIN_EMAIL.to_uppercase(), "author"),
    )
    .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn an_admin_changes_a_role_and_it_applies_from_the_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, token) = app.user_with_role("editor").await;
    assert_eq!(
        app.call(Method::GET, "/api/v1/users", Some(&token), None)
            .await
            .status(),
        403
    );
    let user = app
        .patched_user(&admin, id, json!({"role": "admin", "name": "Promoted"}))
        .await;
    assert_eq!(user["role"], "admin");
    assert_eq!(user["name"], "Promoted");
    // The same access token now carries admin rights: roles are read per request.
    assert_eq!(
        app.call(Method::GET, "/api/v1/users", Some(&token), None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_demoted_disabled_or_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me = app.get_json_as(&admin, "/api/v1/auth/me").await;
    let id = id_of(&me);
    let path = format!("/api/v1/users/{id}");
    for body in [json!({"role": "editor"}), json!({"disabled": true})] {
        let res = app.patch_user(&admin, id, body).await;
        assert_problem(res, 409).await;
    }
    assert_problem(
        app.call(Method::DELETE, &path, Some(&admin), None).await,
        409,
    )
    .await;
    // With a second admin, the first may step down.
    let (_, _second) = app.user_with_role("admin").await;
    app.patched_user(&admin, id, json!({"role": "editor"}))
        .await;
}

#[tokio::test]
async fn deleting_a_user_anonymises_them_keeps_their_posts_and_frees_the_email() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, token) = app.user_with_role("author").await;
    let email = {
        let me = app.get_json_as(&token, "/api/v1/auth/me").await;
        me["email"].as_str().unwrap().to_owned()
    };
    let post = app.publish(&token, "Mine").await;

    let path = format!("/api/v1/users/{id}");
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&admin), None)
            .await
            .status(),
        204
    );

    assert_problem(
        app.call(Method::GET, "/api/v1/auth/me", Some(&token), None)
            .await,
        401,
    )
    .await;
    assert_problem(app.login(&email, USER_PASSWORD).await, 401).await;
    assert_problem(app.call(Method::GET, &path, Some(&admin), None).await, 404).await;
    assert_problem(
        app.call(Method::DELETE, &path, Some(&admin), None).await,
        404,
    )
    .await;
    let fetched = app.get_json(&post_path(&post)).await;
    assert_eq!(fetched["author"]["name"], "Deleted user");
    let listed = app.get_json_as(&admin, "/api/v1/users").await;
    assert!(!listed.to_string().contains(&email));
    let res = create_user(&app, &admin, new_user(&email, "author")).await;
    assert_eq!(res.status(), 201, "the email is free again");
}

#[tokio::test]
async fn unknown_users_and_malformed_ids_are_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for path in [
        "/api/v1/users/00000000-0000-0000-0000-000000000000",
        "/api/v1/users/not-a-uuid",
    ] {
        assert_problem(app.call(Method::GET, path, Some(&admin), None).await, 404).await;
        assert_problem(
            app.call(
                Method::PATCH,
                path,
                Some(&admin),
                Some(json!({"name": "x"})),
            )
            .await,
            404,
        )
        .await;
    }
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = TestApp::spawn().await;
    let first = app.admin_token().await;
    let me = app.get_json_as(&first, "/api/v1/auth/me").await;
    let first_id = id_of(&me);
    let (second_id, second) = app.user_with_role("admin").await;
    let demote = json!({"role": "editor"});
    let (a, b) = tokio::join!(
        app.patch_user(&first, second_id, demote.clone()),
        app.patch_user(&second, first_id, demote.clone()),
    );
    // Whoever won is still an admin (they demoted the other).
    let winner = if a.status() == 200 { &first } else { &second };
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    // The loser is refused either by the last-admin rule (409) or, when the
    // winner committed before it was even authorised, as a non-admin (403).
    assert!(matches!(statuses, [200, 403] | [200, 409]), "{statuses:?}");
    let listed = app.get_json_as(winner, "/api/v1/users").await;
    let admins = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == "admin")
        .count();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn null_or_unknown_fields_in_a_user_update_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, _) = app.insert_user("author").await;
    let path = format!("/api/v1/users/{id}");
    let before = app.get_json_as(&admin, &path).await;
    for (body, field) in [
        (json!({"name": null}), "name"),
        (json!({"disabled": null}), "disabled"),
        (json!({"role": "owner"}), "role"),
        (json!({"email": "not-an-email"}), "email"),
        (json!({"password": "short"}), "password"),
        (json!({"token_version": 7}), "token_version"),
    ] {
        let res = app.patch_user(&admin, id, body.clone()).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let after = app.get_json_as(&admin, &path).await;
    assert_eq!(after, before);
}
