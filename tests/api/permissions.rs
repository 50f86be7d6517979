//! The access matrix, derived from the route table: every operation the
//! server runs, called by every kind of principal, answered as declared.
//!
//! The operations come from the OpenAPI document (which comes from the
//! route tree), so a new route without a row here fails
//! `every_operation_has_a_row`. The expected answers are written out by
//! hand, not read from the permission table, so a wrong row in the table
//! fails too; `the_matrix_agrees_with_the_permission_table` then checks
//! that the table says the same as this file.
//!
//! `leaks` at the end checks that what a principal may not see appears in
//! none of the places that list, search, count or describe posts.

use std::collections::{BTreeSet, HashMap};

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::helpers::test_app::{
    ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, USER_PASSWORD, assert_problem,
};

/// The principals, in the order of the matrix's columns.
const PRINCIPALS: [&str; 13] = [
    "anonymous",
    "admin",
    "editor",
    "author",
    "contributor",
    "key content:read",
    "key preview:read",
    "key posts:write",
    "disabled user",
    "deleted user",
    "expired token",
    "logged-out session",
    "preview token",
];

/// Shorthands for rows.
const OPEN: [u16; 13] = [200; 13];

#[rustfmt::skip]
const MATRIX: &[(&str, [u16; 13])] = &[
    //                          anon adm  edi  aut  con  k:r  k:p  k:w  dis  del  exp  out  pv
    ("live",                   OPEN),
    ("ready",                  OPEN),
    ("metrics",                OPEN),
    ("rss_feed",               OPEN),
    ("atom_feed",              OPEN),
    ("json_feed",              OPEN),
    ("sitemap",                OPEN),
    ("login",                  OPEN),
    ("refresh",                OPEN),
    ("logout",                 [204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204]),
    ("list_posts",             [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("get_post",               [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("get_post_html",          [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("sync_posts",             [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("list_tags",              [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("get_tag",                [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("list_authors",           [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("get_author",             [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("me",                     [401, 200, 200, 200, 200, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("change_password",        [401, 204, 204, 204, 204, 403, 403, 403, 401, 401, 401, 401, 403]),
    // Posts: each caller works on a published post of their own (a key's
    // is its admin's). Contributors may not change a post that has left
    // draft; a key without `preview:read` sees the post, as it is public.
    ("create_post",            [401, 201, 201, 201, 201, 403, 403, 201, 401, 401, 401, 401, 403]),
    ("bulk_posts",             [401, 200, 200, 200, 200, 403, 403, 200, 401, 401, 401, 401, 403]),
    ("update_post",            [401, 200, 200, 200, 403, 403, 403, 200, 401, 401, 401, 401, 403]),
    ("replace_post",           [401, 200, 200, 200, 403, 403, 403, 200, 401, 401, 401, 401, 403]),
    ("delete_post",            [401, 204, 204, 204, 403, 403, 403, 204, 401, 401, 401, 401, 403]),
    ("restore_revision",       [401, 200, 200, 200, 403, 403, 403, 200, 401, 401, 401, 401, 403]),
    ("list_revisions",         [401, 200, 200, 200, 200, 403, 200, 403, 401, 401, 401, 401, 403]),
    ("get_revision",           [401, 200, 200, 200, 200, 403, 200, 403, 401, 401, 401, 401, 403]),
    ("render_preview",         [401, 200, 200, 200, 200, 403, 403, 200, 401, 401, 401, 401, 403]),
    ("create_tag",             [401, 201, 201, 403, 403, 403, 403, 201, 401, 401, 401, 401, 403]),
    ("update_tag",             [401, 200, 200, 403, 403, 403, 403, 200, 401, 401, 401, 401, 403]),
    ("delete_tag",             [401, 204, 204, 403, 403, 403, 403, 204, 401, 401, 401, 401, 403]),
    ("list_users",             [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("create_user",            [401, 201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("get_user",               [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("update_user",            [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("delete_user",            [401, 204, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("clear_login_throttle",   [401, 204, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("list_api_keys",          [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("create_api_key",         [401, 201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("delete_api_key",         [401, 204, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("list_webhooks",        [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("create_webhook",       [401, 201, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("get_webhook",          [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("update_webhook",       [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("delete_webhook",       [401, 204, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("rotate_webhook_secret", [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("ping_webhook",         [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("test_webhook",         [401, 202, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("list_webhook_deliveries", [401, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    ("redeliver_webhook_delivery", [401, 202, 403, 403, 403, 403, 403, 403, 401, 401, 401, 401, 403]),
    // Preview links: whoever may read the post's history makes and
    // revokes them; the token reads its post and nothing else.
    ("create_preview",         [401, 201, 201, 201, 201, 403, 403, 201, 401, 401, 401, 401, 403]),
    ("list_previews",          [401, 200, 200, 200, 200, 403, 403, 200, 401, 401, 401, 401, 403]),
    ("delete_preview",         [401, 204, 204, 204, 204, 403, 403, 204, 401, 401, 401, 401, 403]),
    ("get_preview",            [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("get_preview_html",       [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("stream_events",          [200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 200]),
    // Media: the files are public and ignore credentials; the library is
    // read by anyone signed in; uploads are writes. Each caller edits and
    // deletes an item of their own (a key's is its admin's).
    ("get_media_file",         OPEN),
    ("get_media_variant",      OPEN),
    ("list_media",             [401, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("get_media",              [401, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401, 401, 403]),
    ("upload_media",           [401, 201, 201, 201, 201, 403, 403, 201, 401, 401, 401, 401, 403]),
    ("update_media",           [401, 200, 200, 200, 200, 403, 403, 200, 401, 401, 401, 401, 403]),
    ("delete_media",           [401, 204, 204, 204, 204, 403, 403, 204, 401, 401, 401, 401, 403]),
];

/// A small PNG no other call uploaded (uploads of the same bytes are 200s).
fn unique_png() -> Vec<u8> {
    let seed = Uuid::new_v4();
    let b = seed.as_bytes();
    let img = image::RgbImage::from_fn(40, 30, |x, y| {
        image::Rgb([b[(x % 16) as usize], b[(y % 16) as usize], (x + y) as u8])
    });
    crate::media::encode(image::DynamicImage::ImageRgb8(img), image::ImageFormat::Png)
}

/// The operations of the API by id, with their method and path.
fn operations() -> Vec<(String, Method, String)> {
    let spec: Value = serde_json::from_str(&folio::openapi::spec_json()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let id = op["operationId"].as_str().unwrap().to_owned();
            ops.push((id, method, path.clone()));
        }
    }
    ops.sort_by(|a, b| a.0.cmp(&b.0));
    ops
}

#[test]
fn every_operation_has_a_row() {
    let declared: BTreeSet<&str> = MATRIX.iter().map(|(id, _)| *id).collect();
    let served: BTreeSet<String> = operations().into_iter().map(|(id, ..)| id).collect();
    let missing: Vec<&String> = served
        .iter()
        .filter(|id| !declared.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the access matrix: {missing:?}"
    );
    let stale: Vec<&&str> = declared
        .iter()
        .filter(|id| !served.contains(**id))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for operations that do not exist: {stale:?}"
    );
}

/// The matrix and the permission table say the same: a principal the
/// table refuses gets 401 or 403 here, and one it admits does not.
#[test]
fn the_matrix_agrees_with_the_permission_table() {
    use folio::auth::permissions::{self, KeyAccess, PreviewTokens};
    use folio::auth::{Role, Scope};
    let roles = [Role::Admin, Role::Editor, Role::Author, Role::Contributor];
    let scopes = [Scope::ContentRead, Scope::PreviewRead, Scope::PostsWrite];
    for (id, row) in MATRIX {
        let p = permissions::of(id).unwrap();
        let refused = |status: u16| status == 401 || status == 403;
        if p.identifies {
            let anonymous = p.anonymous && p.preview != PreviewTokens::Required;
            assert_eq!(refused(row[0]), !anonymous, "{id}: anonymous");
        }
        for (i, role) in roles.iter().enumerate() {
            if !p.allows_role(*role) {
                assert!(refused(row[1 + i]), "{id}: the table refuses {role:?}");
            }
        }
        for (i, scope) in scopes.iter().enumerate() {
            let admitted = match p.key {
                KeyAccess::Refused => false,
                KeyAccess::Any => true,
                KeyAccess::Scope(needed) => needed == *scope,
            };
            let status = row[5 + i];
            if p.identifies && !admitted {
                assert_eq!(status, 403, "{id}: a key with {scope:?}");
            }
        }
        if p.identifies {
            assert_eq!(
                refused(row[12]),
                p.preview == PreviewTokens::Refused,
                "{id}: a preview token"
            );
        }
    }
}

/// A new webhook; returns its path. `localhost` is refused when
/// connecting (loopback is not allowed here), so pings fail at once, with
/// no network.
async fn webhook(app: &TestApp, admin: &str) -> String {
    let res = app
        .call(
            Method::POST,
            "/api/v1/webhooks",
            Some(admin),
            Some(json!({"url": "http://localhost:9/hook", "events": ["*"]})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let hook: Value = res.json().await.unwrap();
    format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap())
}

/// A new preview link to a post, made by `admin`.
async fn preview_link(app: &TestApp, admin: &str, post_id: &str) -> Value {
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/posts/{post_id}/previews"),
            Some(admin),
            Some(json!({})),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// Everything the calls need, made once.
struct World {
    app: TestApp,
    tokens: HashMap<&'static str, Option<String>>,
    /// Users behind the principals (keys act as the admin).
    users: HashMap<&'static str, Uuid>,
    admin: String,
    published: Value,
    /// The path of a webhook the webhook calls share.
    webhook: String,
    /// An image with its variants made, for the file reads.
    media: Value,
}

fn forge(claims: Value) -> String {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

impl World {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.admin_token().await;
        let mut tokens = HashMap::new();
        let mut users = HashMap::new();
        tokens.insert("anonymous", None);
        tokens.insert("admin", Some(admin.clone()));
        users.insert(
            "admin",
            Uuid::parse_str(claims_of(&admin)["sub"].as_str().unwrap()).unwrap(),
        );
        for role in ["editor", "author", "contributor"] {
            let (id, token) = app.user_with_role(role).await;
            tokens.insert(role, Some(token));
            users.insert(role, id);
        }
        for (principal, scope) in [
            ("key content:read", "content:read"),
            ("key preview:read", "preview:read"),
            ("key posts:write", "posts:write"),
        ] {
            let res = app
                .call(
                    Method::POST,
                    "/api/v1/api-keys",
                    Some(&admin),
                    Some(json!({"name": principal, "scopes": [scope]})),
                )
                .await;
            assert_eq!(res.status(), 201);
            let key: Value = res.json().await.unwrap();
            tokens.insert(principal, Some(key["key"].as_str().unwrap().to_owned()));
            users.insert(principal, users["admin"]);
        }
        // A user disabled, and one deleted, after they signed in.
        for (principal, path_suffix) in [("disabled user", "disable"), ("deleted user", "delete")] {
            let (id, token) = app.user_with_role("author").await;
            let res = match path_suffix {
                "disable" => {
                    app.call(
                        Method::PATCH,
                        &format!("/api/v1/users/{id}"),
                        Some(&admin),
                        Some(json!({"disabled": true})),
                    )
                    .await
                }
                _ => {
                    app.call(
                        Method::DELETE,
                        &format!("/api/v1/users/{id}"),
                        Some(&admin),
                        None,
                    )
                    .await
                }
            };
            assert!(res.status().is_success(), "{principal}: {}", res.status());
            tokens.insert(principal, Some(token));
        }
        // A token past its expiry, of a session that is open.
        let mut expired = claims_of(&app.admin_token().await);
        let now = jsonwebtoken::get_current_timestamp();
        expired["iat"] = json!(now - 3_600);
        expired["nbf"] = json!(now - 3_600);
        expired["exp"] = json!(now - 600);
        tokens.insert("expired token", Some(forge(expired)));
        // The access token of a session that was logged out.
        let (_, email) = app.insert_user("author").await;
        let session = app.session_for(&email, USER_PASSWORD).await;
        let res = app
            .call(
                Method::POST,
                "/api/v1/auth/logout",
                None,
                Some(json!({"refresh_token": session["refresh_token"]})),
            )
            .await;
        assert_eq!(res.status(), 204);
        tokens.insert(
            "logged-out session",
            Some(session["access_token"].as_str().unwrap().to_owned()),
        );

        let published = app
            .created_post(
                &admin,
                json!({"title": "Public post", "markdown": "# Hi", "status": "published", "tags": ["Public tag"]}),
            )
            .await;
        // A preview link to the public post: its token is a principal.
        let link = preview_link(&app, &admin, published["id"].as_str().unwrap()).await;
        tokens.insert(
            "preview token",
            Some(link["token"].as_str().unwrap().to_owned()),
        );
        let webhook = webhook(&app, &admin).await;
        let media = crate::media::uploaded(&app, &admin, unique_png(), "m.png").await;
        let media = crate::media::all_ready(&app, &admin, media["id"].as_str().unwrap()).await;
        Self {
            media,
            app,
            tokens,
            users,
            admin,
            published,
            webhook,
        }
    }

    fn token(&self, principal: &str) -> Option<&str> {
        self.tokens[principal].as_deref()
    }

    /// A published post owned by the principal (a key's admin; the admin
    /// for those who cannot write), made for one call.
    async fn own_published_post(&self, principal: &str) -> Value {
        let writer = match principal {
            "editor" | "author" => self.token(principal).unwrap().to_owned(),
            "contributor" => {
                // Contributors write drafts; an editor publishes them.
                let draft = self
                    .app
                    .created_post(
                        self.token(principal).unwrap(),
                        json!({"title": format!("C {}", Uuid::now_v7()), "markdown": "# Draft\n\nv1"}),
                    )
                    .await;
                let path = format!("/api/v1/posts/{}", draft["id"].as_str().unwrap());
                let res = self
                    .app
                    .call(
                        Method::PATCH,
                        &path,
                        Some(&self.admin),
                        Some(json!({"status": "published"})),
                    )
                    .await;
                assert_eq!(res.status(), 200);
                return res.json().await.unwrap();
            }
            _ => self.admin.clone(),
        };
        self.app
            .created_post(
                &writer,
                json!({"title": format!("P {}", Uuid::now_v7()), "markdown": "# Post\n\nv1", "status": "published"}),
            )
            .await
    }

    /// The request an operation is tried with, for one principal.
    async fn request(&self, id: &str, principal: &str) -> (Method, String, Option<Value>) {
        let app = &self.app;
        let published_id = self.published["id"].as_str().unwrap();
        let own = || async { self.own_published_post(principal).await };
        let post_path = |post: &Value| format!("/api/v1/posts/{}", post["id"].as_str().unwrap());
        match id {
            "live" => (Method::GET, "/health/live".into(), None),
            "get_media_file" => {
                let url = url::Url::parse(self.media["url"].as_str().unwrap()).unwrap();
                (Method::GET, url.path().to_owned(), None)
            }
            "get_media_variant" => {
                let url = self.media["variants"][0]["url"].as_str().unwrap();
                let url = url::Url::parse(url).unwrap();
                (Method::GET, url.path().to_owned(), None)
            }
            "list_media" => (Method::GET, "/api/v1/media".into(), None),
            "get_media" => (
                Method::GET,
                format!("/api/v1/media/{}", self.media["id"].as_str().unwrap()),
                None,
            ),
            "upload_media" => (Method::POST, "/api/v1/media".into(), None),
            "update_media" | "delete_media" => {
                // Uploaded by the caller where the caller may upload.
                let uploader = match principal {
                    "admin" | "editor" | "author" | "contributor" | "key posts:write" => {
                        self.token(principal).unwrap().to_owned()
                    }
                    _ => self.admin.clone(),
                };
                let item = crate::media::uploaded(app, &uploader, unique_png(), "u.png").await;
                let path = format!("/api/v1/media/{}", item["id"].as_str().unwrap());
                if id == "update_media" {
                    (Method::PATCH, path, Some(json!({"alt": "An image"})))
                } else {
                    (Method::DELETE, path, None)
                }
            }
            "ready" => (Method::GET, "/health/ready".into(), None),
            "metrics" => (Method::GET, "/metrics".into(), None),
            "rss_feed" => (Method::GET, "/rss.xml".into(), None),
            "atom_feed" => (Method::GET, "/atom.xml".into(), None),
            "json_feed" => (Method::GET, "/feed.json".into(), None),
            "sitemap" => (Method::GET, "/sitemap.xml".into(), None),
            "login" => (
                Method::POST,
                "/api/v1/auth/login".into(),
                Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
            ),
            "refresh" | "logout" => {
                let session = app.session_for(ADMIN_EMAIL, ADMIN_PASSWORD).await;
                let path = if id == "refresh" {
                    "/api/v1/auth/refresh"
                } else {
                    "/api/v1/auth/logout"
                };
                (
                    Method::POST,
                    path.into(),
                    Some(json!({"refresh_token": session["refresh_token"]})),
                )
            }
            "list_posts" => (Method::GET, "/api/v1/posts".into(), None),
            "get_post" => (Method::GET, format!("/api/v1/posts/{published_id}"), None),
            "get_post_html" => (
                Method::GET,
                format!("/api/v1/posts/{published_id}/html"),
                None,
            ),
            "sync_posts" => (Method::GET, "/api/v1/sync".into(), None),
            "list_tags" => (Method::GET, "/api/v1/tags".into(), None),
            "get_tag" => (Method::GET, "/api/v1/tags/public-tag".into(), None),
            "list_authors" => (Method::GET, "/api/v1/authors".into(), None),
            "get_author" => {
                let authors: Value = app
                    .get("/api/v1/authors")
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let slug = authors["data"][0]["slug"].as_str().unwrap().to_owned();
                (Method::GET, format!("/api/v1/authors/{slug}"), None)
            }
            "me" => (Method::GET, "/api/v1/auth/me".into(), None),
            // The same password again, so the principal can sign in anew.
            "change_password" => {
                let current = if principal == "admin" {
                    ADMIN_PASSWORD
                } else {
                    USER_PASSWORD
                };
                (
                    Method::POST,
                    "/api/v1/auth/password".into(),
                    Some(json!({"current_password": current, "new_password": current})),
                )
            }
            "create_post" => (
                Method::POST,
                "/api/v1/posts".into(),
                Some(json!({"title": format!("N {}", Uuid::now_v7()), "markdown": "x"})),
            ),
            "bulk_posts" => (
                Method::POST,
                "/api/v1/bulk/posts".into(),
                Some(json!([{"title": format!("N {}", Uuid::now_v7()), "markdown": "x"}])),
            ),
            "update_post" => (
                Method::PATCH,
                post_path(&own().await),
                Some(json!({"title": "Changed"})),
            ),
            "replace_post" => (
                Method::PUT,
                post_path(&own().await),
                Some(json!({"title": "Replaced", "markdown": "# New", "status": "published"})),
            ),
            "delete_post" => (Method::DELETE, post_path(&own().await), None),
            "restore_revision" => {
                let post = own().await;
                (
                    Method::POST,
                    format!("{}/revisions/1/restore", post_path(&post)),
                    None,
                )
            }
            "list_revisions" => (
                Method::GET,
                format!("{}/revisions", post_path(&own().await)),
                None,
            ),
            "get_revision" => (
                Method::GET,
                format!("{}/revisions/1", post_path(&own().await)),
                None,
            ),
            "render_preview" => (
                Method::POST,
                "/api/v1/render".into(),
                Some(json!({"markdown": "# Preview"})),
            ),
            "create_tag" => (
                Method::POST,
                "/api/v1/tags".into(),
                Some(json!({"name": format!("T {}", Uuid::now_v7().simple())})),
            ),
            "update_tag" | "delete_tag" => {
                let name = format!("T {}", Uuid::now_v7().simple());
                let res = app
                    .call(
                        Method::POST,
                        "/api/v1/tags",
                        Some(&self.admin),
                        Some(json!({"name": name})),
                    )
                    .await;
                assert_eq!(res.status(), 201);
                let tag: Value = res.json().await.unwrap();
                let path = format!("/api/v1/tags/{}", tag["slug"].as_str().unwrap());
                if id == "update_tag" {
                    (Method::PATCH, path, Some(json!({"description": "New"})))
                } else {
                    (Method::DELETE, path, None)
                }
            }
            "list_users" => (Method::GET, "/api/v1/users".into(), None),
            "create_user" => (
                Method::POST,
                "/api/v1/users".into(),
                Some(
                    json!({"email": format!("{}@example.com", Uuid::now_v7().simple()),
                            "name": "N", "password": "long-enough-pw", "role": "author"}),
                ),
            ),
            "get_user" => (
                Method::GET,
                format!("/api/v1/users/{}", self.users["editor"]),
                None,
            ),
            "update_user" | "delete_user" | "clear_login_throttle" => {
                let (target, _) = app.insert_user("contributor").await;
                match id {
                    "update_user" => (
                        Method::PATCH,
                        format!("/api/v1/users/{target}"),
                        Some(json!({"role": "author"})),
                    ),
                    "delete_user" => (Method::DELETE, format!("/api/v1/users/{target}"), None),
                    _ => (
                        Method::DELETE,
                        format!("/api/v1/users/{target}/login-throttle"),
                        None,
                    ),
                }
            }
            "list_api_keys" => (Method::GET, "/api/v1/api-keys".into(), None),
            "create_api_key" => (
                Method::POST,
                "/api/v1/api-keys".into(),
                Some(json!({"name": "k", "scopes": ["content:read"]})),
            ),
            "delete_api_key" => {
                let res = app
                    .call(
                        Method::POST,
                        "/api/v1/api-keys",
                        Some(&self.admin),
                        Some(json!({"name": "doomed", "scopes": ["content:read"]})),
                    )
                    .await;
                let key: Value = res.json().await.unwrap();
                (
                    Method::DELETE,
                    format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()),
                    None,
                )
            }
            "list_webhooks" => (Method::GET, "/api/v1/webhooks".into(), None),
            "create_webhook" => (
                Method::POST,
                "/api/v1/webhooks".into(),
                Some(json!({"url": "https://example.com/hook", "events": ["*"]})),
            ),
            "get_webhook"
            | "update_webhook"
            | "delete_webhook"
            | "rotate_webhook_secret"
            | "ping_webhook"
            | "test_webhook"
            | "list_webhook_deliveries"
            | "redeliver_webhook_delivery" => {
                // One webhook serves every call but its deletion: there may
                // be only 100.
                let path = if id == "delete_webhook" {
                    webhook(app, &self.admin).await
                } else {
                    self.webhook.clone()
                };

                match id {
                    "get_webhook" => (Method::GET, path, None),
                    "update_webhook" => (Method::PATCH, path, Some(json!({"description": "New"}))),
                    "delete_webhook" => (Method::DELETE, path, None),
                    "rotate_webhook_secret" => (
                        Method::POST,
                        format!("{path}/rotate-secret"),
                        Some(json!({})),
                    ),
                    "ping_webhook" => (Method::POST, format!("{path}/ping"), None),
                    "test_webhook" => (
                        Method::POST,
                        format!("{path}/test"),
                        Some(json!({"event": "post.published"})),
                    ),
                    "list_webhook_deliveries" => (Method::GET, format!("{path}/deliveries"), None),
                    _ => {
                        let res = app
                            .call(
                                Method::POST,
                                &format!("{path}/ping"),
                                Some(&self.admin),
                                None,
                            )
                            .await;
                        let ping: Value = res.json().await.unwrap();
                        let delivery = ping["delivery"]["id"].as_str().unwrap().to_owned();
                        (
                            Method::POST,
                            format!("{path}/deliveries/{delivery}/redeliver"),
                            None,
                        )
                    }
                }
            }
            "create_preview" => (
                Method::POST,
                format!("{}/previews", post_path(&own().await)),
                Some(json!({})),
            ),
            "list_previews" => (
                Method::GET,
                format!("{}/previews", post_path(&own().await)),
                None,
            ),
            "delete_preview" => {
                let post = own().await;
                let link = preview_link(app, &self.admin, post["id"].as_str().unwrap()).await;
                (
                    Method::DELETE,
                    format!(
                        "{}/previews/{}",
                        post_path(&post),
                        link["id"].as_str().unwrap()
                    ),
                    None,
                )
            }
            "get_preview" => (Method::GET, "/api/v1/preview".into(), None),
            "get_preview_html" => (Method::GET, "/api/v1/preview/html".into(), None),
            "stream_events" => (Method::GET, "/api/v1/events".into(), None),
            other => panic!("no request for {other}: add one"),
        }
    }

    /// Signs a principal in again after something ended its sessions.
    async fn renew(&mut self, principal: &'static str) {
        let token = match principal {
            "admin" => self.app.admin_token().await,
            "editor" | "author" | "contributor" => {
                let mut conn = self.app.db.conn().await;
                let user = folio::db::users::find(&mut conn, self.users[principal])
                    .await
                    .unwrap()
                    .unwrap();
                self.app.token_for(&user.email, USER_PASSWORD).await
            }
            _ => return,
        };
        if principal == "admin" {
            self.admin = token.clone();
        }
        self.tokens.insert(principal, Some(token));
    }
}

#[tokio::test]
async fn every_operation_answers_every_principal_as_declared() {
    let mut world = World::new().await;
    let expected: HashMap<&str, [u16; 13]> = MATRIX.iter().copied().collect();
    let mut wrong = Vec::new();
    for (id, ..) in operations() {
        let row = expected[id.as_str()];
        for (column, principal) in PRINCIPALS.iter().enumerate() {
            let (method, path, body) = world.request(&id, principal).await;
            let res = if id == "upload_media" {
                // A raw image body, not JSON; a new image each time.
                let mut req = world
                    .app
                    .request(method.clone(), &path)
                    .header("content-type", "application/octet-stream")
                    .body(unique_png());
                if let Some(token) = world.token(principal) {
                    req = req.bearer_auth(token);
                }
                req.send().await.unwrap()
            } else {
                world
                    .app
                    .call(method.clone(), &path, world.token(principal), body)
                    .await
            };
            let status = res.status().as_u16();
            if status >= 400 {
                assert_problem(res, status).await;
            }
            if status != row[column] {
                wrong.push(format!(
                    "{id} ({method} {path}) as {principal}: expected {}, got {status}",
                    row[column]
                ));
            }
            if id == "change_password" && status == 204 {
                world.renew(principal).await;
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// What a principal may not see appears nowhere it could look: lists,
/// search, filters, `/sync`, feeds, the sitemap, tags, authors, revisions,
/// single reads, writes' answers and error messages. The same places show
/// it to those who may see it, so the check cannot pass by showing nothing.
#[tokio::test]
async fn drafts_leak_nowhere_to_those_who_may_not_see_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (owner_id, owner) = app.user_with_role("author").await;
    let (_, other_author) = app.user_with_role("author").await;
    let (_, contributor) = app.user_with_role("contributor").await;
    let key = |scope: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let res = app
                .call(
                    Method::POST,
                    "/api/v1/api-keys",
                    Some(&admin),
                    Some(json!({"name": scope, "scopes": [scope]})),
                )
                .await;
            let key: Value = res.json().await.unwrap();
            key["key"].as_str().unwrap().to_owned()
        }
    };
    let read_key = key("content:read").await;
    let write_key = key("posts:write").await;
    let preview_key = key("preview:read").await;
    // The owner's account name is a secret too while they have nothing
    // public.
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{owner_id}"),
            Some(&admin),
            Some(json!({"name": "Zebra Owner"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let draft = app
        .created_post(
            &owner,
            json!({"title": "Zebra secret plan", "slug": "zebra-secret-plan",
                   "markdown": "# Zebra heading\n\nzebra body", "tags": ["Zebra tag"]}),
        )
        .await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    // A revision, and a draft that is gone (a tombstone nobody may see).
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/posts/{draft_id}"),
            Some(&owner),
            Some(json!({"markdown": "zebra body, edited"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let doomed = app
        .created_post(
            &owner,
            json!({"title": "Zebra doomed", "slug": "zebra-doomed", "markdown": "zebra"}),
        )
        .await;
    let doomed_id = doomed["id"].as_str().unwrap().to_owned();
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/posts/{doomed_id}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    // Something public, so the lists are not empty.
    app.created_post(
        &admin,
        json!({"title": "Public", "markdown": "hello", "status": "published", "tags": ["Open"]}),
    )
    .await;

    let reads = [
        "/api/v1/posts",
        "/api/v1/posts?q=zebra",
        "/api/v1/posts?tag=Zebra%20tag",
        "/api/v1/posts?sort=title",
        "/api/v1/sync",
        "/api/v1/tags",
        "/api/v1/tags/zebra-tag",
        "/api/v1/authors",
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/sitemap.xml",
    ];
    let single = [
        format!("/api/v1/posts/{draft_id}"),
        "/api/v1/posts/zebra-secret-plan".to_owned(),
        format!("/api/v1/posts/{draft_id}/html"),
        format!("/api/v1/posts/{draft_id}/revisions"),
        format!("/api/v1/posts/{draft_id}/revisions/1"),
    ];
    let secret = |body: &str| {
        let lower = body.to_lowercase();
        lower.contains("zebra") || body.contains(&draft_id) || body.contains(&doomed_id)
    };

    let outsiders: [(&str, Option<&str>); 5] = [
        ("anonymous", None),
        ("another author", Some(&other_author)),
        ("a contributor", Some(&contributor)),
        ("a content:read key", Some(&read_key)),
        ("a posts:write key", Some(&write_key)),
    ];
    let mut leaks = Vec::new();
    for (who, token) in outsiders {
        let mut paths: Vec<String> = reads.iter().map(|p| (*p).to_owned()).collect();
        paths.extend(single.iter().cloned());
        for path in paths {
            // Authors are public profiles to signed-in users, by design.
            if path == "/api/v1/authors" && matches!(who, "another author" | "a contributor") {
                continue;
            }
            let res = app.call(Method::GET, &path, token, None).await;
            let status = res.status();
            let body = res.text().await.unwrap();
            if secret(&body) {
                leaks.push(format!("GET {path} as {who} ({status}): {body:.300}"));
            }
        }
        if let Some(token) = token {
            // A write's answer tells nothing either: changing the draft is
            // a 404 like reading it, and a taken slug names nothing but
            // the slug the caller sent.
            for (method, path, body) in [
                (
                    Method::PATCH,
                    format!("/api/v1/posts/{draft_id}"),
                    Some(json!({})),
                ),
                (Method::DELETE, format!("/api/v1/posts/{draft_id}"), None),
                (
                    Method::POST,
                    format!("/api/v1/posts/{draft_id}/revisions/1/restore"),
                    None,
                ),
            ] {
                let res = app.call(method.clone(), &path, Some(token), body).await;
                let status = res.status();
                let text = res.text().await.unwrap();
                if secret(&text) || status.is_success() {
                    leaks.push(format!("{method} {path} as {who} ({status}): {text:.300}"));
                }
            }
            let res = app
                .create_post(
                    token,
                    json!({"title": "Mine", "slug": "zebra-secret-plan", "markdown": "x"}),
                )
                .await;
            let status = res.status();
            let text = res.text().await.unwrap();
            if text.contains(&draft_id) || text.to_lowercase().contains("secret plan") {
                leaks.push(format!("a taken slug as {who} ({status}): {text:.300}"));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));

    // Those who may see the draft see it in the same places.
    for (who, token) in [
        ("the admin", &admin),
        ("its author", &owner),
        ("a preview:read key", &preview_key),
    ] {
        for path in [
            "/api/v1/posts",
            "/api/v1/posts?q=zebra",
            "/api/v1/sync",
            "/api/v1/tags",
        ] {
            let res = app.call(Method::GET, path, Some(token), None).await;
            let body = res.text().await.unwrap();
            assert!(
                body.contains("zebra"),
                "GET {path} as {who} misses the draft: {body:.300}"
            );
        }
        let res = app
            .call(
                Method::GET,
                &format!("/api/v1/posts/{draft_id}/revisions"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(res.status(), 200, "{who}");
    }
}
