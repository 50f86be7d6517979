//! Webhooks against real receivers on loopback: signed deliveries of
//! every event, retries, disabling, the outbox's all-or-nothing, two
//! instances, a crash mid-retry, build-hook debouncing, the SSRF guard and
//! secret rotation.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diesel_async::RunQueryDsl;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::TestApp;
use crate::helpers::receiver::{Hit, Receiver};
use crate::helpers::test_app::assert_problem;

const WAIT: Duration = Duration::from_secs(30);

/// Loopback allowed (the receivers live there), quick retries and polls.
fn quick(env: &mut HashMap<String, String>) {
    for (k, v) in [
        ("FOLIO_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8"),
        ("FOLIO_WEBHOOK_RETRY_BASE_MS", "50"),
        ("FOLIO_WEBHOOK_RETRY_MAX_MS", "200"),
        ("FOLIO_WEBHOOK_POLL_MS", "50"),
        ("FOLIO_WEBHOOK_TIMEOUT_MS", "3000"),
    ] {
        env.insert(k.into(), v.into());
    }
}

async fn spawn() -> (TestApp, String) {
    let app = TestApp::spawn_with(quick).await;
    let token = app.admin_token().await;
    (app, token)
}

async fn subscribe(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .call(Method::POST, "/api/v1/webhooks", Some(token), Some(body))
        .await;
    assert_eq!(res.status(), 201, "create webhook");
    res.json().await.unwrap()
}

/// Checks a delivery's signature the way the Standard Webhooks libraries
/// do, written here from the specification rather than taken from Folio:
/// any of the space-separated `v1,` signatures may match.
fn verifies(secret: &str, hit: &Hit) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .unwrap();
    let signed = format!(
        "{}.{}.{}",
        hit.header("webhook-id"),
        hit.header("webhook-timestamp"),
        String::from_utf8_lossy(&hit.body)
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(signed.as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    hit.header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

async fn deliveries(app: &TestApp, token: &str, webhook: &str) -> Vec<Value> {
    let page = app
        .get_json_as(
            token,
            &format!("/api/v1/webhooks/{webhook}/deliveries?limit=100"),
        )
        .await;
    page["data"].as_array().unwrap().clone()
}

async fn publish(app: &TestApp, token: &str, title: &str) -> Value {
    app.created_post(
        token,
        json!({"title": title, "markdown": "Hello", "status": "published"}),
    )
    .await
}

#[tokio::test]
async fn secrets_are_shown_once_and_bad_subscriptions_are_refused() {
    let (app, token) = spawn().await;
    let created = subscribe(
        &app,
        &token,
        json!({"url": "https://example.com/hook", "events": ["post.published", "post.published"], "description": "Site"}),
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(created["events"], json!(["post.published"]));
    assert_eq!(created["kind"], "webhook");
    let id = created["id"].as_str().unwrap();
    for path in [format!("/api/v1/webhooks/{id}"), "/api/v1/webhooks".into()] {
        let text = app
            .call(Method::GET, &path, Some(&token), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(!text.contains(&secret[6..]), "{path} shows the secret");
        assert!(!text.contains("secret\":"), "{path}: {text}");
    }

    // A build hook's URL is its secret: shown as its origin only.
    let hook = subscribe(
        &app,
        &token,
        json!({"kind": "build_hook", "url": "https://api.vercel.com/v1/integrations/deploy/prj_x/SeCrEt", "events": ["*"]}),
    )
    .await;
    assert_eq!(hook["secret"], Value::Null);
    assert_eq!(hook["url"], "https://api.vercel.com/…");
    assert_eq!(hook["debounce_ms"], 10000);
    let listed = app
        .call(Method::GET, "/api/v1/webhooks", Some(&token), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains("SeCrEt"), "{listed}");

    for (body, field) in [
        (json!({"url": "ftp://example.com/", "events": ["*"]}), "url"),
        (
            json!({"url": "http://10.0.0.7/hook", "events": ["*"]}),
            "url",
        ),
        (
            json!({"url": "http://169.254.169.254/latest", "events": ["*"]}),
            "url",
        ),
        (
            json!({"url": "https://u:p@example.com/", "events": ["*"]}),
            "url",
        ),
        (
            json!({"url": "https://example.com/", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://example.com/", "events": ["post.exploded"]}),
            "events[0]",
        ),
        (
            json!({"url": "https://example.com/", "events": ["*"], "debounce_ms": 5}),
            "debounce_ms",
        ),
        (
            json!({"url": "https://example.com/", "events": ["*"], "kind": "build_hook", "debounce_ms": 3600001}),
            "debounce_ms",
        ),
        (
            json!({"url": "https://example.com/", "events": ["*"], "description": "x".repeat(1001)}),
            "description",
        ),
        (
            json!({"url": format!("https://example.com/{}", "a".repeat(2048)), "events": ["*"]}),
            "url",
        ),
    ] {
        let res = app
            .call(
                Method::POST,
                "/api/v1/webhooks",
                Some(&token),
                Some(body.clone()),
            )
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }

    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/webhooks/{id}"),
            Some(&token),
            Some(json!({"events": ["*"], "description": null, "active": false})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["events"], json!(["*"]));
    assert_eq!(patched["description"], Value::Null);
    assert_eq!(patched["active"], false);

    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let res = app
        .call(
            Method::GET,
            &format!("/api/v1/webhooks/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn every_post_change_readers_can_see_is_delivered_signed_with_its_sync_token() {
    let (app, token) = spawn().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, &token, json!({"url": receiver.url, "events": ["*"]})).await;
    let secret = hook["secret"].as_str().unwrap();

    // A draft written, edited and deleted was never public: no event.
    let draft = app
        .created_post(&token, json!({"title": "Secret draft", "markdown": "x"}))
        .await;
    let draft_path = format!("/api/v1/posts/{}", draft["id"].as_str().unwrap());
    app.call(
        Method::PATCH,
        &draft_path,
        Some(&token),
        Some(json!({"title": "Still secret"})),
    )
    .await;
    app.call(Method::DELETE, &draft_path, Some(&token), None)
        .await;

    let post = publish(&app, &token, "Hello world").await;
    let path = format!("/api/v1/posts/{}", post["id"].as_str().unwrap());
    let hits = receiver.wait_for(1, WAIT).await;
    let first = &hits[0];
    assert!(verifies(secret, first), "{:?}", first.headers);
    assert_eq!(first.header("content-type"), "application/json");
    assert!(first.header("user-agent").starts_with("Folio-Webhooks/"));
    let body = first.json();
    assert_eq!(body["type"], "post.published");
    assert_eq!(body["id"], first.header("webhook-id"));
    assert_eq!(body["data"]["slug"], "hello-world");
    assert_eq!(body["data"]["title"], "Hello world");
    assert_eq!(body["data"]["status"], "published");
    assert!(
        body["data"]["api_url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/posts/hello-world")
    );
    assert!(
        body["data"]["url"]
            .as_str()
            .unwrap()
            .ends_with("hello-world")
    );
    let timestamp: i64 = first.header("webhook-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 60);
    // The sync token fetches exactly this change first.
    let sync = app
        .get_json_as(
            &token,
            &format!(
                "/api/v1/sync?since={}",
                body["data"]["sync_token"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(sync["posts"][0]["id"], post["id"], "{sync}");

    let changes = [
        (json!({"title": "Hello again"}), "post.updated", json!(null)),
        (
            json!({"slug": "moved"}),
            "post.updated",
            json!("hello-world"),
        ),
        (json!({"status": "draft"}), "post.unpublished", json!(null)),
        (
            json!({"status": "published"}),
            "post.published",
            json!(null),
        ),
    ];
    for (i, (patch, event, previous_slug)) in changes.iter().enumerate() {
        let res = app
            .call(Method::PATCH, &path, Some(&token), Some(patch.clone()))
            .await;
        assert_eq!(res.status(), 200, "{patch}");
        let hit = receiver.wait_for(i + 2, WAIT).await.pop().unwrap();
        let body = hit.json();
        assert_eq!(body["type"], *event, "{patch}: {body}");
        assert_eq!(
            body["data"]["previous_slug"], *previous_slug,
            "{patch}: {body}"
        );
        assert!(verifies(secret, &hit));
    }
    let unpublished = &receiver.hits()[3].json();
    assert_eq!(unpublished["data"]["previous_status"], "published");

    app.call(Method::DELETE, &path, Some(&token), None).await;
    let deleted = receiver.wait_for(6, WAIT).await.pop().unwrap().json();
    assert_eq!(deleted["type"], "post.deleted");
    assert_eq!(deleted["data"]["slug"], "moved");

    let tag = app
        .call(
            Method::POST,
            "/api/v1/tags",
            Some(&token),
            Some(json!({"name": "Rust"})),
        )
        .await;
    assert_eq!(tag.status(), 201);
    let tagged = receiver.wait_for(7, WAIT).await.pop().unwrap().json();
    assert_eq!(tagged["type"], "tag.created");
    assert_eq!(tagged["data"]["slug"], "rust");

    let ids: HashSet<String> = receiver
        .hits()
        .iter()
        .map(|h| h.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), 7, "each event has its own id");
    receiver
        .assert_stays_at(7, Duration::from_millis(500))
        .await;

    let log = deliveries(&app, &token, hook["id"].as_str().unwrap()).await;
    assert_eq!(log.len(), 7);
    assert!(log.iter().all(|d| d["state"] == "succeeded"), "{log:?}");
    assert_eq!(log[0]["event_type"], "tag.created", "newest first");
    assert_eq!(log[0]["attempt_log"][0]["status_code"], 200);
    assert_eq!(log[0]["attempt_log"][0]["response_snippet"], "answered 200");
}

#[tokio::test]
async fn a_receiver_that_fails_three_times_gets_the_same_event_a_fourth_time() {
    let (app, token) = spawn().await;
    let receiver = Receiver::start().await;
    receiver.answer_next(&[500, 502, 429]);
    let hook = subscribe(
        &app,
        &token,
        json!({"url": receiver.url, "events": ["post.published"]}),
    )
    .await;
    publish(&app, &token, "Flaky").await;
    let hits = receiver.wait_for(4, WAIT).await;
    assert_eq!(
        hits.iter().map(|h| h.status).collect::<Vec<_>>(),
        [500, 502, 429, 200]
    );
    let ids: HashSet<&str> = hits.iter().map(|h| h.header("webhook-id")).collect();
    assert_eq!(ids.len(), 1, "retries keep the webhook-id");
    // Each attempt is signed afresh, and waits longer than the one before.
    let secret = hook["secret"].as_str().unwrap();
    assert!(hits.iter().all(|h| verifies(secret, h)));
    // Back-off: at least half of 50 ms, doubling each time.
    for (pair, least) in hits.windows(2).zip([25, 50, 100]) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(least), "{gap:?} < {least} ms");
    }
    receiver
        .assert_stays_at(4, Duration::from_millis(500))
        .await;

    let id = hook["id"].as_str().unwrap();
    let log = deliveries(&app, &token, id).await;
    assert_eq!(log.len(), 1);
    let delivery = &log[0];
    assert_eq!(delivery["state"], "succeeded");
    assert_eq!(delivery["attempts"], 4);
    let statuses: Vec<&Value> = delivery["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(
        statuses,
        [&json!(500), &json!(502), &json!(429), &json!(200)]
    );
    assert_eq!(
        delivery["attempt_log"][0]["response_snippet"],
        "answered 500"
    );
    assert_eq!(
        delivery["attempt_log"][0]["error"],
        "the receiver answered 500"
    );
    let webhook = app
        .get_json_as(&token, &format!("/api/v1/webhooks/{id}"))
        .await;
    assert_eq!(webhook["failing_since"], Value::Null, "a success clears it");

    // (The counters are the process's, shared by the tests running in it.)
    let metrics = app
        .get("/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "folio_webhook_deliveries_total{outcome=\"retrying\"}",
        "folio_webhook_deliveries_total{outcome=\"succeeded\"}",
        "folio_webhook_queue_depth",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn attempts_are_bounded_and_a_failed_delivery_can_be_redelivered() {
    let app = TestApp::spawn_with(|env| {
        quick(env);
        env.insert("FOLIO_WEBHOOK_MAX_ATTEMPTS".into(), "2".into());
    })
    .await;
    let token = app.admin_token().await;
    let receiver = Receiver::start().await;
    receiver.answer_next(&[500, 500]);
    let hook = subscribe(&app, &token, json!({"url": receiver.url, "events": ["*"]})).await;
    let id = hook["id"].as_str().unwrap();
    publish(&app, &token, "Doomed").await;
    receiver.wait_for(2, WAIT).await;
    receiver
        .assert_stays_at(2, Duration::from_millis(600))
        .await;
    let log = deliveries(&app, &token, id).await;
    assert_eq!(log[0]["state"], "failed");
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["next_attempt_at"], Value::Null);

    let delivery = log[0]["id"].as_str().unwrap();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(res.status(), 202);
    let hits = receiver.wait_for(3, WAIT).await;
    assert_eq!(hits[2].header("webhook-id"), hits[0].header("webhook-id"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = deliveries(&app, &token, id).await;
    assert_eq!(log[0]["state"], "succeeded", "{:?}", log[0]);
    assert_eq!(log[0]["attempts"], 3);

    let res = app
        .call(
            Method::POST,
            &format!(
                "/api/v1/webhooks/{id}/deliveries/{}/redeliver",
                uuid::Uuid::now_v7()
            ),
            Some(&token),
            None,
        )
        .await;
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn gone_switches_a_webhook_off_and_so_does_failing_for_too_long() {
    let (app, token) = spawn().await;
    let gone = Receiver::start().await;
    gone.answer_next(&[410]);
    let hook = subscribe(&app, &token, json!({"url": gone.url, "events": ["*"]})).await;
    let id = hook["id"].as_str().unwrap();
    publish(&app, &token, "One").await;
    gone.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let webhook = app
        .get_json_as(&token, &format!("/api/v1/webhooks/{id}"))
        .await;
    assert_eq!(webhook["active"], false, "{webhook}");
    assert!(
        webhook["disabled_reason"].as_str().unwrap().contains("410"),
        "{webhook}"
    );
    publish(&app, &token, "Two").await;
    gone.assert_stays_at(1, Duration::from_millis(500)).await;
    let log = deliveries(&app, &token, id).await;
    assert_eq!(
        log.len(),
        1,
        "a switched-off webhook gets no new deliveries"
    );

    // Switched back on, it delivers again, and says nothing of the past.
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/webhooks/{id}"),
            Some(&token),
            Some(json!({"active": true})),
        )
        .await;
    let webhook: Value = res.json().await.unwrap();
    assert_eq!(webhook["disabled_reason"], Value::Null);
    publish(&app, &token, "Three").await;
    assert_eq!(
        gone.wait_for(2, WAIT).await[1].json()["data"]["title"],
        "Three"
    );

    // Failing since longer than FOLIO_WEBHOOK_DISABLE_AFTER_SECS (3 days).
    let failing = Receiver::start().await;
    failing.answer_next(&[503]);
    let hook = subscribe(&app, &token, json!({"url": failing.url, "events": ["*"]})).await;
    let id = hook["id"].as_str().unwrap();
    let mut conn = app.db.conn().await;
    diesel::sql_query(format!(
        "UPDATE webhooks SET failing_since = now() - interval '4 days' WHERE id = '{id}'"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    publish(&app, &token, "Four").await;
    failing.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let webhook = app
        .get_json_as(&token, &format!("/api/v1/webhooks/{id}"))
        .await;
    assert_eq!(webhook["active"], false, "{webhook}");
    assert!(
        webhook["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("every delivery has failed since"),
        "{webhook}"
    );
    let log = deliveries(&app, &token, id).await;
    assert_eq!(log[0]["state"], "failed", "its pending retry is given up");
}

#[tokio::test]
async fn a_rolled_back_change_has_no_event_and_a_committed_one_always_has() {
    let (app, token) = spawn().await;
    let receiver = Receiver::start().await;
    subscribe(&app, &token, json!({"url": receiver.url, "events": ["*"]})).await;
    let draft = app
        .created_post(&token, json!({"title": "Held back", "markdown": "x"}))
        .await;
    let id = draft["id"].as_str().unwrap();
    let count = async |app: &TestApp| -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = app.db.conn().await;
        let n: N = diesel::sql_query("SELECT count(*) AS n FROM events WHERE type LIKE 'post.%'")
            .get_result(&mut conn)
            .await
            .unwrap();
        n.n
    };
    // Whoever writes, and however: the trigger is in the transaction.
    let mut conn = app.db.conn().await;
    for sql in [
        "BEGIN",
        &format!("UPDATE posts SET status = 'published', published_at = now() WHERE id = '{id}'"),
        "ROLLBACK",
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    assert_eq!(count(&app).await, 0);
    // A request whose write fails in the database (the slug is taken)
    // leaves no event behind either.
    publish(&app, &token, "Taken").await;
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/posts/{id}"),
            Some(&token),
            Some(json!({"status": "published", "slug": "taken"})),
        )
        .await;
    assert_problem(res, 409).await;
    assert_eq!(
        receiver.wait_for(1, WAIT).await[0].json()["data"]["slug"],
        "taken"
    );
    receiver
        .assert_stays_at(1, Duration::from_millis(400))
        .await;
    assert_eq!(count(&app).await, 1);

    for sql in [
        "BEGIN",
        &format!("UPDATE posts SET status = 'published', published_at = now() WHERE id = '{id}'"),
        "COMMIT",
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    assert_eq!(count(&app).await, 2);
    assert_eq!(
        receiver.wait_for(2, WAIT).await[1].json()["data"]["title"],
        "Held back"
    );
}

#[tokio::test]
async fn a_scheduled_post_fires_once_when_it_falls_due_whatever_the_instances() {
    let fast_scheduler = |env: &mut HashMap<String, String>| {
        quick(env);
        env.insert("FOLIO_SCHEDULER_INTERVAL_MS".into(), "50".into());
    };
    let app = TestApp::spawn_with(fast_scheduler).await;
    app.another_instance(fast_scheduler).await;
    app.another_instance(fast_scheduler).await;
    let token = app.admin_token().await;
    let receiver = Receiver::start().await;
    subscribe(&app, &token, json!({"url": receiver.url, "events": ["*"]})).await;
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let post = app
        .created_post(
            &token,
            json!({"title": "Later", "markdown": "x", "status": "scheduled", "published_at": at}),
        )
        .await;
    receiver
        .assert_stays_at(0, Duration::from_millis(500))
        .await;
    let hits = receiver.wait_for(1, WAIT).await;
    let body = hits[0].json();
    assert_eq!(body["type"], "post.published");
    assert_eq!(body["data"]["id"], post["id"]);
    assert_eq!(body["data"]["previous_status"], "scheduled");
    receiver.assert_stays_at(1, Duration::from_secs(1)).await;
}

#[tokio::test]
async fn two_instances_deliver_each_event_once_and_never_at_the_same_time() {
    let app = TestApp::spawn_with(quick).await;
    app.another_instance(quick).await;
    let token = app.admin_token().await;
    let receiver = Receiver::start().await;
    // Slow answers widen the window in which a second worker could grab a
    // delivery already in flight.
    receiver.set_delay(Duration::from_millis(100));
    // Every third answer fails once, so retries race too.
    receiver.answer_next(&[500, 200, 200, 500, 200, 200, 500]);
    subscribe(
        &app,
        &token,
        json!({"url": receiver.url, "events": ["post.published"]}),
    )
    .await;
    const POSTS: usize = 24;
    for i in 0..POSTS {
        publish(&app, &token, &format!("Post {i}")).await;
    }
    let hits = receiver.wait_for(POSTS + 3, WAIT).await;
    receiver
        .assert_stays_at(POSTS + 3, Duration::from_millis(800))
        .await;
    assert_eq!(
        receiver.overlaps(),
        0,
        "one event was delivered twice at once"
    );
    let mut succeeded: HashMap<String, usize> = HashMap::new();
    for hit in hits.iter().filter(|h| h.status == 200) {
        *succeeded
            .entry(hit.header("webhook-id").to_owned())
            .or_default() += 1;
    }
    assert_eq!(succeeded.len(), POSTS, "every event arrived");
    assert!(succeeded.values().all(|n| *n == 1), "{succeeded:?}");
}

#[tokio::test]
async fn a_delivery_resumes_after_folio_is_killed_mid_retry() {
    let db = crate::helpers::test_db::TestDb::new().await;
    let receiver = Receiver::start().await;
    let env = [
        ("FOLIO_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8"),
        ("FOLIO_WEBHOOK_RETRY_BASE_MS", "3000"),
        ("FOLIO_WEBHOOK_POLL_MS", "50"),
    ];
    let (mut first, port) = crate::shutdown::spawn_binary(&db, &env).await;
    let base = format!("http://127.0.0.1:{port}");
    let client = crate::helpers::http_client();
    let token = crate::shutdown::login(port).await;
    receiver.answer_next(&[500]);
    let res = client
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url, "events": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = client
        .post(format!("{base}/api/v1/posts"))
        .bearer_auth(&token)
        .json(&json!({"title": "Survivor", "markdown": "x", "status": "published"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // The first attempt fails; Folio is killed while it waits to retry.
    receiver.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.kill().unwrap();
    first.wait().unwrap();

    #[derive(diesel::QueryableByName, Debug)]
    struct State {
        #[diesel(sql_type = diesel::sql_types::Text)]
        state: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        attempts: i32,
    }
    let mut conn = db.conn().await;
    let state: State = diesel::sql_query("SELECT state, attempts FROM webhook_deliveries")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (state.state.as_str(), state.attempts),
        ("pending", 1),
        "{state:?}"
    );

    let (mut second, _) = crate::shutdown::spawn_binary(&db, &env).await;
    let hits = receiver.wait_for(2, WAIT).await;
    assert_eq!(hits[1].status, 200);
    assert_eq!(hits[0].header("webhook-id"), hits[1].header("webhook-id"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let state: State = diesel::sql_query("SELECT state, attempts FROM webhook_deliveries")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!((state.state.as_str(), state.attempts), ("succeeded", 2));
    second.kill().unwrap();
    second.wait().unwrap();
}

#[tokio::test]
async fn a_build_hook_turns_a_hundred_post_import_into_one_call() {
    let (app, token) = spawn().await;
    let build = Receiver::start().await;
    let signed = Receiver::start().await;
    subscribe(
        &app,
        &token,
        json!({"kind": "build_hook", "url": build.url, "events": ["*"], "debounce_ms": 2000}),
    )
    .await;
    subscribe(
        &app,
        &token,
        json!({"url": signed.url, "events": ["post.published"]}),
    )
    .await;
    let dir = std::env::temp_dir().join(format!("folio-import-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..100 {
        std::fs::write(
            dir.join(format!("post-{i:03}.md")),
            format!("---\ntitle: Imported {i}\ndate: 2024-01-01\n---\n\nBody {i}.\n"),
        )
        .unwrap();
    }
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .args(["import", dir.to_str().unwrap()])
        .env("FOLIO_URL", &app.base)
        .env("FOLIO_TOKEN", &token);
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The signed webhook gets every event; the build hook one call.
    signed.wait_for(100, WAIT).await;
    let calls = build.wait_for(1, WAIT).await;
    build.assert_stays_at(1, Duration::from_secs(3)).await;
    assert!(calls[0].body.is_empty());
    assert_eq!(calls[0].header("webhook-signature"), "");
    std::fs::remove_dir_all(dir).unwrap();

    // The next burst gets its own call.
    publish(&app, &token, "After the import").await;
    build.wait_for(2, WAIT).await;
}

#[tokio::test]
async fn internal_targets_are_refused_even_behind_a_name_and_redirects_are_not_followed() {
    // Loopback not allowed here.
    let app = TestApp::spawn_with(|env| {
        quick(env);
        env.remove("FOLIO_WEBHOOK_ALLOWED_NETWORKS");
    })
    .await;
    let token = app.admin_token().await;
    let receiver = Receiver::start().await;
    let port = receiver.port();
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://[::1]:{port}/hook"),
        format!("http://127.1:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        "http://169.254.169.254/latest/meta-data/".into(),
        "http://192.168.0.1/".into(),
    ] {
        let res = app
            .call(
                Method::POST,
                "/api/v1/webhooks",
                Some(&token),
                Some(json!({"url": url, "events": ["*"]})),
            )
            .await;
        let problem = assert_problem(res, 422).await;
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("internal"),
            "{url}: {problem}"
        );
    }
    // A name is checked where it leads when connecting: `localhost`
    // resolves to loopback, so nothing is sent.
    let hook = subscribe(
        &app,
        &token,
        json!({"url": format!("http://localhost:{port}/hook"), "events": ["*"]}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/ping"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let ping: Value = res.json().await.unwrap();
    assert_eq!(ping["ok"], false);
    let error = ping["delivery"]["attempt_log"][0]["error"]
        .as_str()
        .unwrap();
    assert!(error.contains("internal"), "{error}");
    publish(&app, &token, "Not for loopback").await;
    receiver
        .assert_stays_at(0, Duration::from_millis(600))
        .await;

    // Redirects are not followed (they could lead anywhere).
    let (app, token) = spawn().await;
    let elsewhere = Receiver::start().await;
    receiver.answer_next(&[307]);
    receiver.with_header("location", &elsewhere.url);
    let hook = subscribe(&app, &token, json!({"url": receiver.url, "events": ["*"]})).await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{}/ping", hook["id"].as_str().unwrap()),
            Some(&token),
            None,
        )
        .await;
    let ping: Value = res.json().await.unwrap();
    assert_eq!(ping["ok"], false);
    assert!(
        ping["delivery"]["last_error"]
            .as_str()
            .unwrap()
            .contains("redirects are not followed"),
        "{ping}"
    );
    elsewhere
        .assert_stays_at(0, Duration::from_millis(300))
        .await;
}

#[tokio::test]
async fn during_a_rotation_deliveries_verify_with_either_secret() {
    let (app, token) = spawn().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, &token, json!({"url": receiver.url, "events": ["*"]})).await;
    let id = hook["id"].as_str().unwrap();
    let old = hook["secret"].as_str().unwrap().to_owned();
    let rotate = async |overlap: u32| -> Value {
        let res = app
            .call(
                Method::POST,
                &format!("/api/v1/webhooks/{id}/rotate-secret"),
                Some(&token),
                Some(json!({"overlap_seconds": overlap})),
            )
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    };
    let rotated = rotate(3600).await;
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_expires_at"].is_string());
    publish(&app, &token, "During").await;
    let hit = receiver.wait_for(1, WAIT).await.pop().unwrap();
    assert_eq!(hit.header("webhook-signature").split(' ').count(), 2);
    assert!(verifies(&old, &hit), "the old secret still verifies");
    assert!(verifies(&new, &hit), "the new secret verifies");

    // Without an overlap the old secret stops at once.
    let newest = rotate(0).await["secret"].as_str().unwrap().to_owned();
    publish(&app, &token, "After").await;
    let hit = receiver.wait_for(2, WAIT).await.pop().unwrap();
    assert!(verifies(&newest, &hit));
    assert!(!verifies(&new, &hit));
    assert!(!verifies(&old, &hit));

    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            Some(&token),
            Some(json!({"overlap_seconds": 604801})),
        )
        .await;
    assert_problem(res, 422).await;
    let build = subscribe(
        &app,
        &token,
        json!({"kind": "build_hook", "url": receiver.url, "events": ["*"]}),
    )
    .await;
    let res = app
        .call(
            Method::POST,
            &format!(
                "/api/v1/webhooks/{}/rotate-secret",
                build["id"].as_str().unwrap()
            ),
            Some(&token),
            Some(json!({})),
        )
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn ping_test_deliveries_and_the_log() {
    let (app, token) = spawn().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(
        &app,
        &token,
        json!({"url": receiver.url, "events": ["tag.created"], "active": false}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    // A ping reaches even a webhook that is off: check it before going live.
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/ping"),
            Some(&token),
            None,
        )
        .await;
    let ping: Value = res.json().await.unwrap();
    assert_eq!(ping["ok"], true, "{ping}");
    assert_eq!(ping["delivery"]["state"], "succeeded");
    let hit = &receiver.hits()[0];
    assert_eq!(hit.event_type(), "webhook.ping");
    assert!(verifies(hook["secret"].as_str().unwrap(), hit));

    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/test"),
            Some(&token),
            Some(json!({"event": "post.published"})),
        )
        .await;
    assert_problem(res, 409).await;
    app.call(
        Method::PATCH,
        &format!("/api/v1/webhooks/{id}"),
        Some(&token),
        Some(json!({"active": true})),
    )
    .await;
    let post = publish(&app, &token, "Example").await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/test"),
            Some(&token),
            Some(json!({"event": "post.published"})),
        )
        .await;
    assert_eq!(res.status(), 202);
    let test = receiver.wait_for(2, WAIT).await.pop().unwrap().json();
    assert_eq!(test["type"], "post.published");
    assert_eq!(test["data"]["test"], true);
    assert_eq!(test["data"]["id"], post["id"], "the newest published post");
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/test"),
            Some(&token),
            Some(json!({"event": "*"})),
        )
        .await;
    assert_problem(res, 422).await;

    // The log pages newest first.
    let first = app
        .get_json_as(&token, &format!("/api/v1/webhooks/{id}/deliveries?limit=1"))
        .await;
    assert_eq!(first["data"][0]["event_type"], "post.published");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_json_as(
            &token,
            &format!("/api/v1/webhooks/{id}/deliveries?limit=1&cursor={cursor}"),
        )
        .await;
    assert_eq!(second["data"][0]["event_type"], "webhook.ping");
    assert_eq!(second["next_cursor"], Value::Null);
    for query in ["limit=0", "limit=101", "cursor=nope"] {
        let res = app
            .call(
                Method::GET,
                &format!("/api/v1/webhooks/{id}/deliveries?{query}"),
                Some(&token),
                None,
            )
            .await;
        assert_problem(res, 400).await;
    }
}

#[tokio::test]
async fn the_log_is_pruned_after_its_age() {
    let (app, token) = spawn().await;
    let receiver = Receiver::start().await;
    let hook = subscribe(&app, &token, json!({"url": receiver.url, "events": ["*"]})).await;
    publish(&app, &token, "Old news").await;
    receiver.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut conn = app.db.conn().await;
    for sql in [
        "UPDATE webhook_deliveries SET completed_at = now() - interval '31 days'",
        "UPDATE events SET created_at = now() - interval '31 days'",
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    let pruned = folio::db::webhooks::prune(&mut conn, app.config.webhooks.log_retention)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    assert!(
        deliveries(&app, &token, hook["id"].as_str().unwrap())
            .await
            .is_empty()
    );
}

/// With polling all but off, a post written through Folio still reaches
/// its webhook at once: the workers wake on the notification Folio sends
/// after the write commits. The write's own transaction notifies nothing
/// (a notifying transaction holds PostgreSQL's notification lock through
/// its commit, one writer at a time).
#[tokio::test]
async fn a_write_wakes_the_workers_after_commit_not_from_its_transaction() {
    use futures_util::StreamExt;
    let app = TestApp::spawn_with(|env| {
        quick(env);
        env.insert("FOLIO_WEBHOOK_POLL_MS".into(), "60000".into());
        env.insert("FOLIO_SCHEDULER_INTERVAL_MS".into(), "50".into());
    })
    .await;
    let token = app.admin_token().await;
    let receiver = Receiver::start().await;
    subscribe(
        &app,
        &token,
        json!({"url": receiver.url, "events": ["post.published"]}),
    )
    .await;
    let mut conn = app.db.conn().await;
    diesel::sql_query("LISTEN folio_webhooks")
        .execute(&mut conn)
        .await
        .unwrap();

    publish(&app, &token, "Woken").await;
    let hits = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert!(String::from_utf8_lossy(&hits[0].body).contains("Woken"));
    let mut notifications = std::pin::pin!(conn.notifications_stream());
    let heard = tokio::time::timeout(Duration::from_millis(300), notifications.next()).await;
    assert!(
        heard.is_err(),
        "the write notified folio_webhooks: {heard:?}"
    );

    // The scheduler wakes them too when it publishes a post that fell due.
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    app.created_post(
        &token,
        json!({"title": "Due", "markdown": "x", "status": "scheduled", "published_at": at}),
    )
    .await;
    let hits = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert!(String::from_utf8_lossy(&hits[1].body).contains("Due"));
}
