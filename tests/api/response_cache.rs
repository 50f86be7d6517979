//! The read cache: published reads come from memory, and no write (here,
//! on another instance, or straight in SQL) leaves them stale for long —
//! a writer's own instance not at all.

use std::time::{Duration, Instant};

use folio::config::Secret;
use folio::startup::Application;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::proxy::DbProxy;

fn cache_header(res: &Response) -> &str {
    res.headers()
        .get("x-cache")
        .map_or("", |v| v.to_str().unwrap())
}

/// A second instance on the same database, customised.
async fn sibling(app: &TestApp, customise: impl FnOnce(&mut folio::config::Config)) -> String {
    let mut config = app.config.clone();
    customise(&mut config);
    let second = Application::build(config).await.expect("second instance");
    let base = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    base
}

/// Fetches `url` until the cache answers it (the instance's `LISTEN`
/// connection may still be starting); returns that answer's JSON.
async fn until_hit(client: &reqwest::Client, url: &str) -> Value {
    serde_json::from_str(&until_hit_text(client, url).await).unwrap()
}

/// [`until_hit`] for any body.
async fn until_hit_text(client: &reqwest::Client, url: &str) -> String {
    let start = Instant::now();
    loop {
        let res = client.get(url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        if cache_header(&res) == "hit" {
            return res.text().await.unwrap();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{url} never came from the cache"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Fetches `url` until `done` holds for its JSON; returns how long it took.
async fn until(client: &reqwest::Client, url: &str, done: impl Fn(&Value) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        let res = client.get(url).send().await.unwrap();
        let (status, cache) = (res.status(), cache_header(&res).to_owned());
        let body: Value = res.json().await.unwrap_or_default();
        if status == 200 && done(&body) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{url} did not converge: {status} ({cache}) {body}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Publishes "First" under `slug`, with a body that repeats its title.
async fn published(app: &TestApp, token: &str, slug: &str) -> Value {
    let body = json!({"slug": slug, "markdown": "# First\n\nBody."});
    app.publish_with(token, "First", body).await
}

async fn retitle(app: &TestApp, token: &str, slug: &str, title: &str) {
    let body = json!({"title": title, "markdown": format!("# {title}\n\nBody.")});
    app.patched_post(token, slug, body).await;
}

#[tokio::test]
async fn published_reads_come_from_the_cache_and_a_write_shows_at_once() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    published(&app, &token, "cached").await;
    let paths = [
        "/api/v1/posts/cached",
        "/api/v1/posts?limit=5",
        "/api/v1/posts/cached/html",
        "/feed.json",
    ];
    for path in paths {
        let body = until_hit_text(&app.client, &app.url(path)).await;
        assert!(body.contains("First"), "{path}: {body}");
    }

    retitle(&app, &token, "cached", "Second").await;
    // No wait: the writer's own instance dropped its cache before answering.
    for path in paths {
        let res = app.get(path).send().await.unwrap();
        assert_eq!(cache_header(&res), "miss", "{path}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("Second") && !body.contains("First"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn a_cached_answer_keeps_its_etag_and_answers_304() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    published(&app, &token, "tagged").await;
    let url = app.url("/api/v1/posts/tagged");
    until_hit(&app.client, &url).await;
    let hit = app.get("/api/v1/posts/tagged").send().await.unwrap();
    let etag = hit.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        hit.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let revalidated = app
        .get("/api/v1/posts/tagged")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert_eq!(cache_header(&revalidated), "hit");
    assert_eq!(revalidated.headers()["etag"], etag.as_str());
    assert!(revalidated.bytes().await.unwrap().is_empty());
    // Markdown is another representation, cached on its own.
    let md = app.get_markdown("/api/v1/posts/tagged").await;
    assert!(
        md.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(md.text().await.unwrap().starts_with("---"));
}

#[tokio::test]
async fn credentials_drafts_and_probes_never_touch_the_cache() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.draft_with(&token, "Secret draft", json!({"slug": "draft"}))
        .await;
    published(&app, &token, "public").await;
    until_hit(&app.client, &app.url("/api/v1/posts/public")).await;

    for _ in 0..3 {
        let res = app
            .call(Method::GET, "/api/v1/posts/draft", Some(&token), None)
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(cache_header(&res), "", "an authenticated read");
        let res = app
            .call(
                Method::GET,
                "/api/v1/posts?status=draft",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(cache_header(&res), "", "an authenticated list");
        let anonymous = app.get("/api/v1/posts/draft").send().await.unwrap();
        assert_eq!(
            anonymous.status(),
            404,
            "a draft is never served anonymously"
        );
        for probe in ["/health/live", "/health/ready", "/metrics"] {
            let res = app.get(probe).send().await.unwrap();
            assert_eq!(cache_header(&res), "", "{probe}");
        }
    }
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains("folio_read_cache_lookups_total{result=\"hit\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn racing_readers_never_make_a_writer_read_its_own_write_stale() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    published(&app, &token, "raced").await;
    until_hit(&app.client, &app.url("/api/v1/posts/raced")).await;

    // Readers keep filling the cache while the title changes under them.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|n| {
            let (client, base, stop) = (app.client.clone(), app.base.clone(), stop.clone());
            tokio::spawn(async move {
                let path = if n % 2 == 0 {
                    "/api/v1/posts/raced"
                } else {
                    "/api/v1/posts?limit=1"
                };
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = client.get(format!("{base}{path}")).send().await;
                }
            })
        })
        .collect();

    for round in 0..30 {
        let title = format!("Round {round}");
        retitle(&app, &token, "raced", &title).await;
        let post = app.get_json("/api/v1/posts/raced").await;
        assert_eq!(
            post["title"],
            title.as_str(),
            "the post after round {round}"
        );
        let list = app.get_json("/api/v1/posts?limit=1").await;
        assert_eq!(
            list["data"][0]["title"],
            title.as_str(),
            "the list after round {round}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
}

#[tokio::test]
async fn another_instance_and_writes_straight_in_sql_converge_within_a_second() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    published(&app, &token, "shared").await;
    let other = sibling(&app, |_| {}).await;
    let post_on_b = format!("{other}/api/v1/posts/shared");
    let list_on_b = format!("{other}/api/v1/posts?limit=10");
    until_hit(&app.client, &post_on_b).await;
    until_hit(&app.client, &list_on_b).await;

    // A write on instance A reaches B's cache through NOTIFY.
    retitle(&app, &token, "shared", "Changed on A").await;
    let took = until(&app.client, &post_on_b, |p| p["title"] == "Changed on A").await;
    assert!(took < Duration::from_secs(1), "B converged after {took:?}");
    app.publish(&token, "New on A").await;
    let took = until(&app.client, &list_on_b, |l| {
        l["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["title"] == "New on A")
    })
    .await;
    assert!(
        took < Duration::from_secs(1),
        "B's list converged after {took:?}"
    );

    // So does a change no instance made (the CLI, a migration, psql).
    until_hit(&app.client, &post_on_b).await;
    until_hit(&app.client, &app.url("/api/v1/posts/shared")).await;
    let mut conn = app.db.conn().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE posts SET title = 'Changed in SQL' WHERE slug = 'shared'"),
        &mut conn,
    )
    .await
    .unwrap();
    for url in [post_on_b, app.url("/api/v1/posts/shared")] {
        let took = until(&app.client, &url, |p| p["title"] == "Changed in SQL").await;
        assert!(
            took < Duration::from_secs(1),
            "{url} converged after {took:?}"
        );
    }
}

#[tokio::test]
async fn without_its_notifications_an_instance_serves_nothing_stale_and_flushes_when_they_return() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    published(&app, &token, "outage").await;
    let mut proxy = DbProxy::reserve();
    proxy.start();
    let port = proxy.port;
    // B reads through its pool as usual; only its LISTEN connection goes
    // through the proxy, so B keeps answering while it hears nothing.
    let other = sibling(&app, |config| {
        let url = config
            .database
            .url
            .expose()
            .replace(":5432/", &format!(":{port}/"));
        config.database.listen_url = Secret::new(url);
    })
    .await;
    let post_on_b = format!("{other}/api/v1/posts/outage");
    until_hit(&app.client, &post_on_b).await;

    proxy.stop();
    // B notices at once (the connection closes) and stops using its cache.
    let start = Instant::now();
    loop {
        let res = app.client.get(&post_on_b).send().await.unwrap();
        if cache_header(&res) == "miss" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "B kept its cache"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    retitle(&app, &token, "outage", "Changed while B was deaf").await;
    for _ in 0..5 {
        let res = app.client.get(&post_on_b).send().await.unwrap();
        assert_eq!(cache_header(&res), "miss");
        let post: Value = res.json().await.unwrap();
        assert_eq!(post["title"], "Changed while B was deaf");
    }

    proxy.start();
    let post = until_hit(&app.client, &post_on_b).await;
    assert_eq!(post["title"], "Changed while B was deaf");
}

#[tokio::test]
async fn a_scheduled_post_counts_in_cached_answers_when_its_time_comes() {
    // The scheduler would flip the post (a write) only much later; what
    // follows the clock (a tag's public post count) must not wait for it.
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_SCHEDULER_INTERVAL_MS".into(), "3600000".into());
    })
    .await;
    let token = app.admin_token().await;
    app.publish_with(&token, "Now", json!({"tags": ["rust"]}))
        .await;
    let due = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    app.created_post(
        &token,
        json!({"title": "Later", "markdown": "x", "tags": ["rust"],
               "status": "scheduled", "published_at": due.to_rfc3339()}),
    )
    .await;
    let tag = app.url("/api/v1/tags/rust");
    let before = until_hit(&app.client, &tag).await;
    assert_eq!(before["post_count"], 1, "{before}");

    let took = until(&app.client, &tag, |t| t["post_count"] == 2).await;
    let late = chrono::Utc::now() - due;
    assert!(
        late < chrono::Duration::milliseconds(500),
        "counted {late:?} after it was due (waited {took:?})"
    );
}

#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_CACHE_MAX_BYTES".into(), "0".into());
    })
    .await;
    let token = app.admin_token().await;
    published(&app, &token, "uncached").await;
    for _ in 0..3 {
        let res = app.get("/api/v1/posts/uncached").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(cache_header(&res), "");
    }
}

/// Whether `url` answers from the cache now, and its body.
async fn fetch(client: &reqwest::Client, url: &str) -> (String, String) {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    let cache = cache_header(&res).to_owned();
    (cache, res.text().await.unwrap())
}

/// Two posts, every read of both cached; returns A's id.
async fn two_cached_posts(app: &TestApp, token: &str, base: &str) -> String {
    let a = published(app, token, "post-a").await;
    let body = json!({"slug": "post-b", "markdown": "# Other\n\nBody."});
    app.publish_with(token, "Other", body).await;
    let id = a["id"].as_str().unwrap().to_owned();
    for path in the_reads(&id) {
        until_hit_text(&app.client, &format!("{base}{path}")).await;
    }
    id
}

/// A's reads (by slug, by id, HTML, the page), B's, and collections.
fn the_reads(id: &str) -> Vec<String> {
    let mut reads: Vec<String> = [
        "/api/v1/posts/post-a",
        "/api/v1/posts/post-a/html",
        "/api/v1/posts/post-a/html?document=true",
        "/api/v1/posts/post-b",
        "/api/v1/posts/post-b/html",
        "/api/v1/posts?limit=5",
        "/feed.json",
        "/sitemap.xml",
        "/api/v1/tags",
    ]
    .map(str::to_owned)
    .to_vec();
    reads.push(format!("/api/v1/posts/{id}"));
    reads
}

/// After A was renamed and retitled "Second": every read of A redirects or
/// shows it, every collection shows it (none from the cache before it was
/// read again), while B's reads are still hits.
async fn only_a_and_the_collections_were_dropped(client: &reqwest::Client, base: &str, id: &str) {
    for path in the_reads(id) {
        let url = format!("{base}{path}");
        if path.contains("post-a") {
            // Renamed: the old slug redirects, from the database.
            let res = client.get(&url).send().await.unwrap();
            assert_eq!(res.status(), 301, "{path}");
            assert_eq!(cache_header(&res), "", "{path}");
            continue;
        }
        let (cache, body) = fetch(client, &url).await;
        if path.contains("post-b") {
            assert_eq!(cache, "hit", "{path}: another post's read stays cached");
            assert!(body.contains("Other"), "{path}: {body}");
        } else {
            assert_eq!(cache, "miss", "{path}: dropped by the write");
            if !path.contains("tags") {
                assert!(
                    body.contains("Second") || body.contains("post-a-2"),
                    "{path}: {body}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_write_drops_its_posts_reads_and_the_collections_and_keeps_other_posts() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let id = two_cached_posts(&app, &token, &app.base).await;
    let md = app.url("/api/v1/posts/post-b");
    let res = app
        .client
        .get(&md)
        .header("accept", "text/markdown")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let body = json!({"title": "Second", "slug": "post-a-2", "markdown": "# Second\n\nBody."});
    app.patched_post(&token, &id, body).await;
    // No wait: the writer's own instance dropped what the write changed.
    only_a_and_the_collections_were_dropped(&app.client, &app.base, &id).await;
    let (cache, body) = fetch(&app.client, &app.url("/api/v1/posts/post-a-2")).await;
    assert_eq!(cache, "miss");
    assert!(body.contains("Second"));

    // A deletion drops the post's reads: 404 at once, B still a hit.
    until_hit_text(&app.client, &app.url("/api/v1/posts/post-a-2")).await;
    let res = app.delete_post(&token, &id).await;
    assert_eq!(res.status(), 204);
    for path in ["/api/v1/posts/post-a-2", &format!("/api/v1/posts/{id}")] {
        let res = app.get(path).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    let (cache, _) = fetch(&app.client, &app.url("/api/v1/posts/post-b")).await;
    assert_eq!(cache, "hit");
}

#[tokio::test]
async fn another_instance_drops_what_a_write_changed_and_keeps_other_posts() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let other = sibling(&app, |_| {}).await;
    let id = two_cached_posts(&app, &token, &other).await;
    // Waits on a read of A that `the_reads` leaves for the checks below.
    let post_on_b = format!("{other}/api/v1/posts/{id}?formats=toc");
    until_hit(&app.client, &post_on_b).await;

    let body = json!({"title": "Second", "slug": "post-a-2", "markdown": "# Second\n\nBody."});
    app.patched_post(&token, &id, body).await;
    let took = until(&app.client, &post_on_b, |p| p["title"] == "Second").await;
    assert!(took < Duration::from_secs(1), "B converged after {took:?}");
    only_a_and_the_collections_were_dropped(&app.client, &other, &id).await;

    // A change no instance made names the post too.
    let b_on_b = format!("{other}/api/v1/posts/post-b");
    until_hit(&app.client, &post_on_b).await;
    until_hit(&app.client, &b_on_b).await;
    let mut conn = app.db.conn().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE posts SET title = 'Third' WHERE slug = 'post-a-2'"),
        &mut conn,
    )
    .await
    .unwrap();
    let took = until(&app.client, &post_on_b, |p| p["title"] == "Third").await;
    assert!(took < Duration::from_secs(1), "B converged after {took:?}");
    let (cache, _) = fetch(&app.client, &b_on_b).await;
    assert_eq!(cache, "hit", "another post's read stays cached");

    // A change whose reach is wider (an author's name shows in every
    // post) drops everything.
    let me = app.get_json_as(&token, "/api/v1/auth/me").await;
    app.patched_user(
        &token,
        me["id"].as_str().unwrap(),
        json!({"name": "Renamed"}),
    )
    .await;
    let took = until(&app.client, &b_on_b, |p| p["author"]["name"] == "Renamed").await;
    assert!(took < Duration::from_secs(1), "B converged after {took:?}");
}

/// Collects what `folio_content` carries while `during` runs, and for a
/// moment after it.
async fn heard_during(app: &TestApp, during: impl AsyncFnOnce()) -> Vec<String> {
    use futures_util::StreamExt;
    let mut conn = app.db.conn().await;
    diesel_async::RunQueryDsl::execute(diesel::sql_query("LISTEN folio_content"), &mut conn)
        .await
        .unwrap();
    during().await;
    let mut heard = Vec::new();
    let mut notifications = std::pin::pin!(conn.notifications_stream());
    while let Ok(Some(n)) =
        tokio::time::timeout(Duration::from_millis(500), notifications.next()).await
    {
        heard.push(n.unwrap().payload);
    }
    heard
}

/// Folio's own post writes do not notify from their transaction (that
/// would take PostgreSQL's notification lock at every commit and make
/// writers commit one at a time): they send a bare wake-up after commit,
/// and the followers read what changed. Anything else writing posts (here
/// `psql`-style SQL) still names them.
#[tokio::test]
async fn folio_writes_wake_the_followers_after_commit_and_other_writers_still_notify() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    published(&app, &token, "quiet").await;

    let heard = heard_during(&app, async || {
        retitle(&app, &token, "quiet", "Edited").await
    })
    .await;
    assert!(heard.iter().any(|p| p == "wake"), "{heard:?}");
    assert!(
        heard.iter().all(|p| p == "wake"),
        "a Folio write notified from its transaction: {heard:?}"
    );

    let heard = heard_during(&app, async || {
        let mut conn = app.db.conn().await;
        diesel_async::RunQueryDsl::execute(
            diesel::sql_query("UPDATE posts SET title = 'By SQL' WHERE slug = 'quiet'"),
            &mut conn,
        )
        .await
        .unwrap();
    })
    .await;
    assert!(
        heard
            .iter()
            .any(|p| p.starts_with("posts: ") && p.contains("quiet")),
        "{heard:?}"
    );
}

/// A change written the way Folio writes (no notification from the
/// transaction) whose wake-up never comes (its instance died right after
/// committing) still reaches every instance's cache: the followers read
/// the change numbers at least every second.
#[tokio::test]
async fn a_change_whose_wake_up_was_lost_still_reaches_every_instance() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    published(&app, &token, "unannounced").await;
    let other = sibling(&app, |_| {}).await;
    let urls = [
        app.url("/api/v1/posts/unannounced"),
        format!("{other}/api/v1/posts/unannounced"),
    ];
    for url in &urls {
        until_hit(&app.client, url).await;
    }
    let heard = heard_during(&app, async || {
        let mut conn = app.db.conn().await;
        diesel_async::RunQueryDsl::execute(
            diesel::sql_query("SET folio.notify = 'after_commit'"),
            &mut conn,
        )
        .await
        .unwrap();
        diesel_async::RunQueryDsl::execute(
            diesel::sql_query("UPDATE posts SET title = 'Unannounced' WHERE slug = 'unannounced'"),
            &mut conn,
        )
        .await
        .unwrap();
    })
    .await;
    assert_eq!(heard, Vec::<String>::new(), "nothing was announced");
    for url in &urls {
        let took = until(&app.client, url, |p| p["title"] == "Unannounced").await;
        assert!(
            took < Duration::from_secs(3),
            "{url} converged after {took:?}"
        );
    }
}
