//! Preview links: a token that reads one post, and nothing else, until it
//! expires, is revoked, or its post is deleted.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::test_app::assert_problem;

async fn link(app: &TestApp, token: &str, post: &str, body: Value) -> Value {
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/posts/{post}/previews"),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn read(app: &TestApp, token: &str) -> reqwest::Response {
    app.call(Method::GET, "/api/v1/preview", Some(token), None)
        .await
}

fn id(post: &Value) -> &str {
    post["id"].as_str().unwrap()
}

#[tokio::test]
async fn a_preview_token_reads_its_post_and_nothing_else() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, author) = app.user_with_role("author").await;
    let draft = app
        .created_post(
            &author,
            json!({"title": "Secret draft", "markdown": "# Secret\n\nDraft body"}),
        )
        .await;
    let other = app
        .created_post(&author, json!({"title": "Other draft", "markdown": "x"}))
        .await;
    let created = link(&app, &author, id(&draft), json!({})).await;
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("folio_pv_"));
    assert_eq!(token.len(), "folio_pv_".len() + 43);
    assert!(token.starts_with(created["prefix"].as_str().unwrap()));

    // The header and the query string both work, for JSON and HTML.
    let res = read(&app, token).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert_eq!(res.headers()["x-robots-tag"], "noindex, nofollow");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["post"]["title"], "Secret draft");
    assert_eq!(body["post"]["status"], "draft");
    assert!(body["preview"]["revision"].is_null());
    for url in ["json", "html", "document"] {
        let url = created["urls"][url].as_str().unwrap();
        assert!(url.contains("preview_token=folio_pv_"), "{url}");
        let path = url.trim_start_matches(&app.base);
        let res = app.get(path).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        let text = res.text().await.unwrap();
        assert!(text.contains("Secret"), "{url}: {text}");
        if path.contains("document=true") {
            assert!(text.contains(r#"<meta name="robots" content="noindex, nofollow">"#));
        }
    }

    // Nothing else: not the post's own URL, not lists, not another draft,
    // not writes; anonymous readers still cannot see the draft.
    for (method, path) in [
        (Method::GET, format!("/api/v1/posts/{}", id(&draft))),
        (Method::GET, format!("/api/v1/posts/{}", id(&other))),
        (Method::GET, "/api/v1/posts".to_owned()),
        (Method::GET, "/api/v1/sync".to_owned()),
        (
            Method::GET,
            format!("/api/v1/posts/{}/revisions", id(&draft)),
        ),
        (Method::PATCH, format!("/api/v1/posts/{}", id(&draft))),
        (
            Method::GET,
            format!("/api/v1/posts/{}/previews", id(&draft)),
        ),
    ] {
        let res = app
            .call(
                method.clone(),
                &path,
                Some(token),
                Some(json!({"title": "x"})),
            )
            .await;
        assert_problem(res, 403).await;
        let query = format!("{path}?preview_token={token}");
        let res = app.call(method.clone(), &query, None, None).await;
        assert!(
            [400, 401, 404].contains(&res.status().as_u16()),
            "{method} {query}: {}",
            res.status()
        );
    }
    let res = app
        .call(
            Method::GET,
            &format!("/api/v1/posts/{}", id(&draft)),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 404);
    // Other credentials do not read previews.
    assert_problem(read(&app, &admin).await, 403).await;
    assert_problem(app.get("/api/v1/preview").send().await.unwrap(), 401).await;
    let forged = format!("folio_pv_{}", "A".repeat(43));
    assert_problem(read(&app, &forged).await, 401).await;
}

#[tokio::test]
async fn links_stop_working_when_revoked_expired_or_their_post_is_deleted() {
    let app = TestApp::spawn().await;
    let (_, author) = app.user_with_role("author").await;
    let draft = app
        .created_post(&author, json!({"title": "Draft", "markdown": "x"}))
        .await;
    let keep = link(&app, &author, id(&draft), json!({"expires_in": 3600})).await;
    let revoked = link(&app, &author, id(&draft), json!({})).await;
    let expiring = link(&app, &author, id(&draft), json!({"expires_in": 60})).await;
    for l in [&keep, &revoked, &expiring] {
        assert_eq!(read(&app, l["token"].as_str().unwrap()).await.status(), 200);
    }
    let expires_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(keep["expires_at"].clone()).unwrap();
    let left = expires_at - chrono::Utc::now();
    assert!(left > chrono::Duration::minutes(59) && left <= chrono::Duration::hours(1));

    let path = format!("/api/v1/posts/{}/previews", id(&draft));
    let res = app
        .call(
            Method::DELETE,
            &format!("{path}/{}", revoked["id"].as_str().unwrap()),
            Some(&author),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(read(&app, revoked["token"].as_str().unwrap()).await, 401).await;

    // Expiry is the database's clock: move it into the past.
    let mut conn = app.db.conn().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE post_previews SET expires_at = now() - interval '1 second' WHERE id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(
            expiring["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap(),
        ),
        &mut conn,
    )
    .await
    .unwrap();
    assert_problem(read(&app, expiring["token"].as_str().unwrap()).await, 401).await;

    // The list shows the live one only, and never a token.
    let list: Value = app
        .call(Method::GET, &path, Some(&author), None)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [keep["id"].as_str().unwrap()]);
    assert!(list["data"][0].get("token").is_none());

    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/posts/{}", id(&draft)),
            Some(&author),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(read(&app, keep["token"].as_str().unwrap()).await, 401).await;
}

#[tokio::test]
async fn a_pinned_link_keeps_showing_its_revision_after_later_edits() {
    let app = TestApp::spawn().await;
    let (_, author) = app.user_with_role("author").await;
    let post = app
        .created_post(
            &author,
            json!({"title": "Version one", "markdown": "# One\n\nfirst body", "tags": ["a"]}),
        )
        .await;
    let path = format!("/api/v1/posts/{}", id(&post));
    let edit = |title: &'static str, body: &'static str| {
        let (app, author, path) = (&app, author.clone(), path.clone());
        async move {
            let res = app
                .call(
                    Method::PATCH,
                    &path,
                    Some(&author),
                    Some(json!({"title": title, "markdown": body})),
                )
                .await;
            assert_eq!(res.status(), 200);
        }
    };
    edit("Version two", "# Two\n\nsecond body").await;
    let pinned = link(&app, &author, id(&post), json!({"revision": 1})).await;
    let follows = link(&app, &author, id(&post), json!({})).await;
    edit("Version three", "# Three\n\nthird body").await;

    let body: Value = read(&app, pinned["token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["post"]["title"], "Version one");
    assert!(
        body["post"]["html"]
            .as_str()
            .unwrap()
            .contains("first body")
    );
    assert_eq!(body["preview"]["revision"], 1);
    let body: Value = read(&app, follows["token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["post"]["title"], "Version three");
    let html = app
        .call(
            Method::GET,
            "/api/v1/preview/html",
            Some(pinned["token"].as_str().unwrap()),
            None,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("first body") && !html.contains("third"),
        "{html}"
    );

    // A revision that does not exist cannot be pinned.
    let res = app
        .call(
            Method::POST,
            &format!("{path}/previews"),
            Some(&author),
            Some(json!({"revision": 99})),
        )
        .await;
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn preview_answers_are_never_cached() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let draft = app
        .created_post(&admin, json!({"title": "Uncached", "markdown": "v1"}))
        .await;
    let created = link(&app, &admin, id(&draft), json!({})).await;
    let url = created["urls"]["json"].as_str().unwrap();
    let path = url.trim_start_matches(&app.base).to_owned();
    for _ in 0..3 {
        let res = app.get(&path).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "private, no-store");
        assert!(res.headers().get("x-cache").is_none());
    }
    // A change shows at once: nothing kept the old answer.
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/posts/{}", id(&draft)),
            Some(&admin),
            Some(json!({"title": "Changed"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = app.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["post"]["title"], "Changed");
}

#[tokio::test]
async fn who_may_make_links_and_their_bounds() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_PREVIEW_MAX_TTL_SECS".into(), "3600".into());
    })
    .await;
    let (_, owner) = app.user_with_role("contributor").await;
    let (_, other) = app.user_with_role("author").await;
    let draft = app
        .created_post(&owner, json!({"title": "Mine", "markdown": "x"}))
        .await;
    let path = format!("/api/v1/posts/{}/previews", id(&draft));
    // Another author cannot see the draft at all.
    let res = app
        .call(Method::POST, &path, Some(&other), Some(json!({})))
        .await;
    assert_problem(res, 404).await;
    for expires_in in [0, 59, 3601] {
        let res = app
            .call(
                Method::POST,
                &path,
                Some(&owner),
                Some(json!({"expires_in": expires_in})),
            )
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["errors"][0]["field"], "expires_in");
    }
    // The default is a day, or the maximum when that is shorter.
    let made = link(&app, &owner, id(&draft), json!({})).await;
    let expires_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(made["expires_at"].clone()).unwrap();
    assert!(expires_at - chrono::Utc::now() <= chrono::Duration::hours(1));
    for _ in 1..50 {
        link(&app, &owner, id(&draft), json!({})).await;
    }
    let res = app
        .call(Method::POST, &path, Some(&owner), Some(json!({})))
        .await;
    assert_problem(res, 409).await;
}

/// The token travels in URLs; Folio's own logs never write it, even at
/// debug level.
#[tokio::test]
async fn the_token_never_reaches_the_logs() {
    let db = crate::helpers::test_db::TestDb::new().await;
    let log = std::env::temp_dir().join(format!("folio-preview-log-{}.txt", uuid::Uuid::now_v7()));
    let (mut child, port) = crate::shutdown::spawn_binary_logging(
        &db,
        &[("RUST_LOG", "debug"), ("FOLIO_LOG_FORMAT", "json")],
        Some(&log),
    )
    .await;
    let admin = crate::shutdown::login(port).await;
    let client = crate::helpers::http_client();
    let base = format!("http://127.0.0.1:{port}");
    let post: Value = client
        .post(format!("{base}/api/v1/posts"))
        .bearer_auth(&admin)
        .json(&json!({"title": "Logged", "markdown": "x"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created: Value = client
        .post(format!("{base}/api/v1/posts/{}/previews", id(&post)))
        .bearer_auth(&admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    for url in ["json", "document"] {
        let res = client
            .get(created["urls"][url].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = client
        .get(format!("{base}/api/v1/posts?preview_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    child.kill().unwrap();
    let _ = child.wait();
    let written = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(
        written.contains("/api/v1/preview"),
        "the log has the requests: {}",
        &written[..written.len().min(3000)]
    );
    assert!(!written.contains(&token[9..]), "the token is in the log");
}
