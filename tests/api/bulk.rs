//! `POST /api/v1/bulk/posts`: many posts in one request, idempotent by
//! slug, each reported by position; one post's failure never loses or
//! half-writes another.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::receiver::Receiver;
use crate::helpers::test_app::assert_problem;

async fn bulk(app: &TestApp, token: &str, items: &Value) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/bulk/posts")
        .bearer_auth(token)
        .json(items)
        .send()
        .await
        .unwrap()
}

async fn bulk_ok(app: &TestApp, token: &str, items: &Value) -> Value {
    let res = bulk(app, token, items).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn statuses(answer: &Value) -> Vec<&str> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

fn post(slug: &str, title: &str) -> Value {
    json!({"title": title, "slug": slug, "markdown": format!("# {title}\n\nBody."), "status": "published", "tags": ["bulk"]})
}

async fn status_of(app: &TestApp, token: &str, slug: &str) -> u16 {
    app.call(
        Method::GET,
        &format!("/api/v1/posts/{slug}"),
        Some(token),
        None,
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn a_mixed_batch_writes_the_good_posts_and_reports_the_bad_by_position() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let deep = format!("{} deep\n", ">".repeat(20_000));
    let huge = "x".repeat(1_100_000);
    let items = json!([
        post("first", "First"),
        {"title": "", "slug": "no-title", "markdown": "x"},
        {"title": "Deep", "slug": "deep", "markdown": deep},
        post("first", "First again"),
        {"title": "Derived slug", "markdown": "Body"},
        {"title": "Huge", "slug": "huge", "markdown": huge},
        {"title": "Unknown field", "slug": "unknown", "markdown": "x", "colour": "red"},
        post("last", "Last"),
    ]);
    let answer = bulk_ok(&app, &token, &items).await;
    assert_eq!(
        statuses(&answer),
        [
            "created", "failed", "failed", "failed", "created", "failed", "failed", "created"
        ],
        "{answer:#}"
    );
    assert_eq!(
        answer["summary"],
        json!({"created": 3, "updated": 0, "unchanged": 0, "failed": 5})
    );
    let results = answer["results"].as_array().unwrap();
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["index"], i);
    }
    let problem = |i: usize| &results[i]["problem"];
    assert_eq!(problem(1)["status"], 422);
    assert_eq!(problem(1)["errors"][0]["field"], "title");
    assert_eq!(problem(2)["status"], 422);
    assert_eq!(problem(2)["errors"][0]["field"], "markdown");
    assert_eq!(problem(3)["status"], 409);
    assert_eq!(results[3]["slug"], "first");
    assert_eq!(problem(5)["status"], 413);
    assert_eq!(problem(6)["status"], 422);
    assert_eq!(problem(6)["errors"][0]["field"], "colour");
    for r in results.iter().filter(|r| r["status"] == "failed") {
        assert!(r["problem"]["type"].is_string() && r["problem"]["detail"].is_string());
        assert!(r.get("id").is_none());
    }
    assert_eq!(results[4]["slug"], "derived-slug");

    let first = app.get_json_as(&token, "/api/v1/posts/first").await;
    assert_eq!(
        first["title"], "First",
        "the duplicate did not overwrite it"
    );
    assert_eq!(first["id"], results[0]["id"]);
    assert_eq!(
        first["html"],
        "<h1 id=\"user-content-first\">First</h1>\n<p>Body.</p>\n"
    );
    assert_eq!(status_of(&app, &token, "derived-slug").await, 200);
    assert_eq!(status_of(&app, &token, "last").await, 200);
    for slug in ["no-title", "deep", "huge", "unknown"] {
        assert_eq!(status_of(&app, &token, slug).await, 404, "{slug}");
    }
}

#[tokio::test]
async fn the_same_batch_again_is_unchanged_and_a_changed_post_is_updated() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let items = json!([post("a", "A"), post("b", "B"), {"title": "C", "markdown": "c"}]);
    let first = bulk_ok(&app, &token, &items).await;
    assert_eq!(statuses(&first), ["created"; 3]);
    let before = app.get_json_as(&token, "/api/v1/posts/a").await;

    let again = bulk_ok(&app, &token, &items).await;
    assert_eq!(statuses(&again), ["unchanged"; 3]);
    assert_eq!(
        again["summary"],
        json!({"created": 0, "updated": 0, "unchanged": 3, "failed": 0})
    );
    for i in 0..3 {
        assert_eq!(again["results"][i]["id"], first["results"][i]["id"]);
    }
    let after = app.get_json_as(&token, "/api/v1/posts/a").await;
    assert_eq!(after["updated_at"], before["updated_at"]);
    assert_eq!(after["published_at"], before["published_at"]);

    // Updating by slug: only the post that changed is written.
    let changed =
        json!([post("a", "A, retitled"), post("b", "B"), {"title": "C", "markdown": "c"}]);
    let answer = bulk_ok(&app, &token, &changed).await;
    assert_eq!(statuses(&answer), ["updated", "unchanged", "unchanged"]);
    let a = app.get_json_as(&token, "/api/v1/posts/a").await;
    assert_eq!(a["title"], "A, retitled");
    assert_eq!(a["id"], before["id"]);
    assert_eq!(a["published_at"], before["published_at"], "not re-dated");
    let revisions = app
        .get_json_as(
            &token,
            &format!("/api/v1/posts/{}/revisions", a["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(
        revisions["data"].as_array().map(Vec::len),
        Some(2),
        "{revisions}"
    );
    // The first, written with the new posts in one statement, is theirs.
    let first = app
        .get_json_as(
            &token,
            &format!("/api/v1/posts/{}/revisions/1", a["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(first["snapshot"]["title"], "A", "{first}");

    // NDJSON says the same.
    let lines: String = changed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{p}\n\n"))
        .collect();
    let res = app
        .request(Method::POST, "/api/v1/bulk/posts")
        .bearer_auth(&token)
        .header("content-type", "application/x-ndjson")
        .body(lines)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(statuses(&answer), ["unchanged"; 3]);
}

#[tokio::test]
async fn bulk_needs_posts_write_and_never_changes_a_post_the_caller_may_not() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let key = app
        .call(
            Method::POST,
            "/api/v1/api-keys",
            Some(&admin),
            Some(json!({"name": "reader", "scopes": ["content:read"]})),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_problem(bulk(&app, &key, &json!([post("x", "X")])).await, 403).await;
    assert_eq!(status_of(&app, &admin, "x").await, 404);

    let (_, other) = app.user_with_role("contributor").await;
    let theirs = app
        .created_post(
            &other,
            json!({"title": "Theirs", "slug": "theirs", "markdown": "mine"}),
        )
        .await;
    let (_, contributor) = app.user_with_role("contributor").await;
    let answer = bulk_ok(
        &app,
        &contributor,
        &json!([
            {"title": "Taken over", "slug": "theirs", "markdown": "yours now"},
            {"title": "Mine", "slug": "mine", "markdown": "a draft"},
            post("published-by-me", "Published"),
        ]),
    )
    .await;
    assert_eq!(statuses(&answer), ["failed", "created", "failed"]);
    // Another contributor's draft is not theirs to see: the slug is taken,
    // as a single create would say.
    assert_eq!(answer["results"][0]["problem"]["status"], 409);
    assert_eq!(answer["results"][2]["problem"]["status"], 403);
    // A post they can see but not change: 403.
    app.created_post(&admin, post("public", "Public")).await;
    let answer = bulk_ok(&app, &contributor, &json!([post("public", "Mine now")])).await;
    assert_eq!(answer["results"][0]["problem"]["status"], 403, "{answer}");
    let public = app.get_json_as(&admin, "/api/v1/posts/public").await;
    assert_eq!(public["title"], "Public");
    let still = app.get_json_as(&admin, "/api/v1/posts/theirs").await;
    assert_eq!(still["title"], "Theirs");
    assert_eq!(still["id"], theirs["id"]);
    assert_eq!(status_of(&app, &admin, "published-by-me").await, 404);
}

#[tokio::test]
async fn too_many_posts_or_bytes_and_bodies_that_are_not_arrays_are_refused_whole() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_MAX_BULK_BYTES".into(), "65536".into());
    })
    .await;
    let token = app.admin_token().await;
    let many: Vec<Value> = (0..501).map(|_| json!({})).collect();
    let p = assert_problem(bulk(&app, &token, &Value::Array(many)).await, 413).await;
    assert!(p["detail"].as_str().unwrap().contains("500"), "{p}");
    let big = json!([{"title": "Big", "markdown": "x".repeat(70_000)}]);
    assert_problem(bulk(&app, &token, &big).await, 413).await;
    let p = assert_problem(bulk(&app, &token, &post("one", "One")).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "body");
    for (content_type, body, status) in [
        ("application/json", "[{", 400),
        ("application/json", "", 400),
        ("text/plain", "[]", 415),
        ("application/x-www-form-urlencoded", "a=b", 415),
    ] {
        let res = app
            .request(Method::POST, "/api/v1/bulk/posts")
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(res, status).await;
    }
    // Nothing was written by any of them.
    let list = app.get_json_as(&token, "/api/v1/posts").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0), "{list}");
    let empty = bulk_ok(&app, &token, &json!([])).await;
    assert_eq!(
        empty["summary"],
        json!({"created": 0, "updated": 0, "unchanged": 0, "failed": 0})
    );
}

#[tokio::test]
async fn a_post_the_database_refuses_rolls_back_alone() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let mut conn = app.db.conn().await;
    diesel::sql_query(
        "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION 'boom'; END $$",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(
        "CREATE TRIGGER refuse_boom AFTER INSERT ON posts FOR EACH ROW \
         WHEN (NEW.title = 'Boom') EXECUTE FUNCTION refuse_boom()",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let items: Vec<Value> = (0..60)
        .map(|i| {
            if i == 10 || i == 55 {
                post(&format!("p{i}"), "Boom")
            } else {
                post(&format!("p{i}"), &format!("Post {i}"))
            }
        })
        .collect();
    let answer = bulk_ok(&app, &token, &Value::Array(items)).await;
    assert_eq!(answer["summary"]["created"], 58, "{answer:#}");
    assert_eq!(answer["summary"]["failed"], 2);
    for i in [10, 55] {
        assert_eq!(answer["results"][i]["status"], "failed");
        assert_eq!(answer["results"][i]["problem"]["status"], 500);
        assert_eq!(
            answer["results"][i]["problem"]["detail"],
            "an unexpected error occurred"
        );
        assert_eq!(status_of(&app, &token, &format!("p{i}")).await, 404);
    }
    for i in [0, 9, 11, 49, 50, 54, 56, 59] {
        assert_eq!(status_of(&app, &token, &format!("p{i}")).await, 200, "p{i}");
    }
    // Revisions and tags were written with their posts, and only with them.
    let list = app.get_json_as(&token, "/api/v1/posts?limit=100").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(58));
}

#[tokio::test]
async fn a_bulk_of_published_posts_sends_one_webhook_each() {
    let app = TestApp::spawn_with(|env| {
        for (k, v) in [
            ("FOLIO_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8"),
            ("FOLIO_WEBHOOK_RETRY_BASE_MS", "50"),
            ("FOLIO_WEBHOOK_RETRY_MAX_MS", "200"),
            ("FOLIO_WEBHOOK_POLL_MS", "50"),
        ] {
            env.insert(k.into(), v.into());
        }
    })
    .await;
    let token = app.admin_token().await;
    let receiver = Receiver::start().await;
    let res = app
        .call(
            Method::POST,
            "/api/v1/webhooks",
            Some(&token),
            Some(json!({"url": receiver.url, "events": ["post.published"]})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let items: Vec<Value> = (0..100)
        .map(|i| post(&format!("w{i}"), &format!("W {i}")))
        .collect();
    let answer = bulk_ok(&app, &token, &Value::Array(items)).await;
    assert_eq!(answer["summary"]["created"], 100);
    let hits = receiver.wait_for(100, Duration::from_secs(60)).await;
    let slugs: BTreeSet<String> = hits
        .iter()
        .map(|h| {
            let body = h.json();
            assert_eq!(body["type"], "post.published");
            body["data"]["slug"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(slugs.len(), 100);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.hits().len(), 100, "one delivery per post");
}

#[tokio::test]
async fn other_methods_on_the_bulk_path_are_405_and_a_post_named_bulk_stays_a_post() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
        for bearer in [None, Some(token.as_str())] {
            let res = app
                .call(method.clone(), "/api/v1/bulk/posts", bearer, None)
                .await;
            assert_eq!(res.headers()["allow"], "POST", "{method}");
            assert_problem(res, 405).await;
        }
    }
    // The bulk path shadows no post: one called `bulk` reads as any other.
    let res = app
        .call(
            Method::POST,
            "/api/v1/posts",
            Some(&token),
            Some(json!({"title": "Bulk", "markdown": "x", "status": "published"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app.get("/api/v1/posts/bulk").send().await.unwrap();
    assert_eq!(res.status(), 200);
}

/// Two imports at once whose posts add the same new tags in opposite
/// orders (what `bench/load.sh` seeding did with two workers): each
/// batch's tags are created together and in one order, so neither
/// transaction waits for the other in a cycle and no post fails.
#[tokio::test]
async fn two_bulk_requests_adding_the_same_new_tags_in_opposite_orders_both_succeed() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let tags: Vec<String> = (0..40).map(|i| format!("shared-{i:02}")).collect();
    let items = |side: &str, order: Vec<&String>| {
        let posts: Vec<Value> = order
            .into_iter()
            .enumerate()
            .map(|(i, tag)| {
                json!({"title": format!("{side} {i}"), "slug": format!("{side}-{i}"),
                       "markdown": "Body.", "status": "published", "tags": [tag]})
            })
            .collect();
        Value::Array(posts)
    };
    let forwards = items("fwd", tags.iter().collect());
    let backwards = items("bwd", tags.iter().rev().collect());
    let (a, b) = tokio::join!(
        bulk_ok(&app, &token, &forwards),
        bulk_ok(&app, &token, &backwards)
    );
    for answer in [a, b] {
        assert_eq!(answer["summary"]["created"], 40, "{answer}");
        assert_eq!(answer["summary"]["failed"], 0, "{answer}");
    }
    let listed = app.get_json("/api/v1/tags").await;
    let found = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["slug"].as_str().unwrap().starts_with("shared-"))
        .count();
    assert_eq!(found, 40);
}
