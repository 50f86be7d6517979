//! Who may do what: every role (and anonymous callers) against every kind
//! of operation, from one table. Each check runs on fresh posts.

use reqwest::Method;
use serde_json::json;

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of, post_path};

/// Columns of the table.
const ROLES: [&str; 5] = ["admin", "editor", "author", "contributor", "anonymous"];
/// `SKIP` where the operation means nothing for that caller (anonymous
/// callers have no posts of their own).
const SKIP: u16 = 0;

#[rustfmt::skip]
const MATRIX: &[(&str, [u16; 5])] = &[
    //                                    admin editor author contrib anon
    ("list posts",                        [200, 200, 200, 200, 200]),
    ("read a published post",             [200, 200, 200, 200, 200]),
    ("read own draft",                    [200, 200, 200, 200, SKIP]),
    ("read another's draft",              [200, 200, 404, 404, 404]),
    ("create a draft",                    [201, 201, 201, 201, 401]),
    ("create a published post",           [201, 201, 201, 403, 401]),
    ("update own draft",                  [200, 200, 200, 200, SKIP]),
    ("publish own draft",                 [200, 200, 200, 403, SKIP]),
    ("update another's published post",   [200, 200, 403, 403, 401]),
    ("update another's draft",            [200, 200, 404, 404, 401]),
    ("delete own draft",                  [204, 204, 204, 204, SKIP]),
    ("delete another's published post",   [204, 204, 403, 403, 401]),
    ("delete another's draft",            [204, 204, 404, 404, 401]),
    ("read own account",                  [200, 200, 200, 200, 401]),
    ("list users",                        [200, 403, 403, 403, 401]),
    ("create a user",                     [201, 403, 403, 403, 401]),
    ("change a user's role",              [200, 403, 403, 403, 401]),
    ("delete a user",                     [204, 403, 403, 403, 401]),
    ("list API keys",                     [200, 403, 403, 403, 401]),
    ("create an API key",                 [201, 403, 403, 403, 401]),
];

/// A title whose derived slug is never taken.
fn unique() -> String {
    format!("P {}", uuid::Uuid::now_v7().simple())
}

struct World {
    app: TestApp,
    /// Another author, whose posts the callers try to reach.
    other: String,
}

impl World {
    async fn post(&self, token: &str, status: &str) -> String {
        let post = self
            .app
            .created_post(
                token,
                json!({"title": unique(), "markdown": "x", "status": status}),
            )
            .await;
        id_of(&post).to_owned()
    }

    async fn run(&self, op: &str, caller: Option<&str>) -> u16 {
        let app = &self.app;
        let post_path = |id: &str| format!("/api/v1/posts/{id}");
        let own = |status: &'static str| async move { self.post(caller.unwrap(), status).await };
        let (method, path, body) = match op {
            "list posts" => (Method::GET, "/api/v1/posts".to_owned(), None),
            "read a published post" => (
                Method::GET,
                post_path(&self.post(&self.other, "published").await),
                None,
            ),
            "read own draft" => (Method::GET, post_path(&own("draft").await), None),
            "read another's draft" => (
                Method::GET,
                post_path(&self.post(&self.other, "draft").await),
                None,
            ),
            "create a draft" => (
                Method::POST,
                "/api/v1/posts".into(),
                Some(json!({"title": unique(), "markdown": "x"})),
            ),
            "create a published post" => (
                Method::POST,
                "/api/v1/posts".into(),
                Some(json!({"title": unique(), "markdown": "x", "status": "published"})),
            ),
            "update own draft" => (
                Method::PATCH,
                post_path(&own("draft").await),
                Some(json!({"title": "New"})),
            ),
            "publish own draft" => (
                Method::PATCH,
                post_path(&own("draft").await),
                Some(json!({"status": "published"})),
            ),
            "update another's published post" => (
                Method::PATCH,
                post_path(&self.post(&self.other, "published").await),
                Some(json!({"title": "Mine now"})),
            ),
            "update another's draft" => (
                Method::PATCH,
                post_path(&self.post(&self.other, "draft").await),
                Some(json!({"title": "Mine now"})),
            ),
            "delete own draft" => (Method::DELETE, post_path(&own("draft").await), None),
            "delete another's published post" => (
                Method::DELETE,
                post_path(&self.post(&self.other, "published").await),
                None,
            ),
            "delete another's draft" => (
                Method::DELETE,
                post_path(&self.post(&self.other, "draft").await),
                None,
            ),
            "read own account" => (Method::GET, "/api/v1/auth/me".into(), None),
            "list users" => (Method::GET, "/api/v1/users".into(), None),
            "create a user" => (
                Method::POST,
                "/api/v1/users".into(),
                Some(
                    json!({"email": format!("{}@example.com", uuid::Uuid::now_v7().simple()),
                            "name": "N", "password": "long-enough-pw", "role": "author"}),
                ),
            ),
            "change a user's role" => {
                let (id, _) = app.insert_user("contributor").await;
                (
                    Method::PATCH,
                    format!("/api/v1/users/{id}"),
                    Some(json!({"role": "author"})),
                )
            }
            "delete a user" => {
                let (id, _) = app.insert_user("contributor").await;
                (Method::DELETE, format!("/api/v1/users/{id}"), None)
            }
            "list API keys" => (Method::GET, "/api/v1/api-keys".into(), None),
            "create an API key" => (
                Method::POST,
                "/api/v1/api-keys".into(),
                Some(json!({"name": "k", "scopes": ["content:read"]})),
            ),
            other => panic!("unknown operation {other}"),
        };
        let res = app.call(method, &path, caller, body).await;
        let status = res.status().as_u16();
        if status >= 400 {
            assert_problem(res, status).await;
        }
        status
    }
}

#[tokio::test]
async fn every_role_may_do_exactly_what_the_matrix_allows() {
    let app = TestApp::spawn().await;
    let (_, other) = app.user_with_role("author").await;
    let admin = app.admin_token().await;
    let mut tokens = vec![Some(admin)];
    for role in &ROLES[1..4] {
        tokens.push(Some(app.user_with_role(role).await.1));
    }
    tokens.push(None);
    let world = World { app, other };

    let mut wrong = Vec::new();
    for (op, expected) in MATRIX {
        for (i, want) in expected.iter().enumerate() {
            if *want == SKIP {
                continue;
            }
            let got = world.run(op, tokens[i].as_deref()).await;
            if got != *want {
                wrong.push(format!("{} / {op}: expected {want}, got {got}", ROLES[i]));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn bodies_setting_fields_the_caller_may_not_set_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (_, author) = app.user_with_role("author").await;
    let (admin_id, _) = app.insert_user("admin").await;
    let res = app
        .create_post(
            &author,
            json!({"title": "T", "markdown": "x", "author": admin_id}),
        )
        .await;
    assert_problem(res, 422).await;
    let res = app
        .create_post(
            &author,
            json!({"title": "T", "markdown": "x", "author_id": admin_id}),
        )
        .await;
    assert_problem(res, 422).await;

    let post = app.draft(&author, "T").await;
    for body in [
        json!({"author_id": admin_id}),
        json!({"title": "New", "role": "admin"}),
    ] {
        let res = app.patch_post(&author, id_of(&post), body).await;
        assert_problem(res, 422).await;
    }
    let after = app.get_json_as(&author, &post_path(&post)).await;
    assert_eq!(after, post);
    let me = app.get_json_as(&author, "/api/v1/auth/me").await;
    assert_eq!(me["role"], "author");
}
