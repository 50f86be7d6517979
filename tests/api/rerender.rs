//! Renderer versions: stale posts are rendered again in batches, by the
//! start-up task or `folio rerender`, without touching `updated_at`, and
//! safely from several processes at once.

use std::time::Duration;

use diesel::sql_types::{BigInt, Integer, Text};
use diesel_async::RunQueryDsl;
use folio::render::{RENDERER_VERSION, RenderOptions};
use serde_json::json;

use crate::helpers::{TestApp, id_of};

#[derive(diesel::QueryableByName, Debug)]
struct Row {
    #[diesel(sql_type = Text)]
    html: String,
    #[diesel(sql_type = Integer)]
    renderer_version: i32,
    #[diesel(sql_type = Integer)]
    word_count: i32,
    #[diesel(sql_type = Text)]
    updated_at: String,
}

async fn row(app: &TestApp, id: &str) -> Row {
    let mut conn = app.db.conn().await;
    diesel::sql_query(
        "SELECT html, renderer_version, word_count, updated_at::text AS updated_at \
         FROM posts WHERE id = $1::uuid",
    )
    .bind::<Text, _>(id)
    .get_result(&mut conn)
    .await
    .unwrap()
}

/// Makes a post look as if an older renderer (or none) had produced it.
async fn make_stale(app: &TestApp, id: &str, version: i32) {
    let mut conn = app.db.conn().await;
    diesel::sql_query(
        "UPDATE posts SET html = 'stale', word_count = 0, toc = '[]', renderer_version = $2 \
         WHERE id = $1::uuid",
    )
    .bind::<Text, _>(id)
    .bind::<Integer, _>(version)
    .execute(&mut conn)
    .await
    .unwrap();
}

async fn post(app: &TestApp, token: &str, title: &str) -> String {
    let created = app
        .draft_with(
            token,
            title,
            json!({"markdown": "## Hello\n\nthree words here"}),
        )
        .await;
    id_of(&created).to_owned()
}

fn pool(app: &TestApp) -> folio::db::DbPool {
    folio::db::pool(&app.db.url(), 4, Duration::from_secs(5)).unwrap()
}

#[tokio::test]
async fn stale_posts_are_rendered_again_without_touching_updated_at() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let old = post(&app, &token, "Old").await;
    let current = post(&app, &token, "Current").await;
    let future = post(&app, &token, "Future").await;
    make_stale(&app, &old, 0).await;
    make_stale(&app, &future, RENDERER_VERSION + 1).await;
    let before = row(&app, &old).await;

    let done = folio::rerender::run(&pool(&app), &RenderOptions::default())
        .await
        .unwrap();
    assert_eq!(done, 1);

    let after = row(&app, &old).await;
    assert_eq!(
        after.html,
        "<h2 id=\"user-content-hello\">Hello</h2>\n<p>three words here</p>\n"
    );
    assert_eq!(after.renderer_version, RENDERER_VERSION);
    assert_eq!(after.word_count, 4);
    assert_eq!(
        after.updated_at, before.updated_at,
        "a re-render is not an edit"
    );
    assert_eq!(row(&app, &current).await.renderer_version, RENDERER_VERSION);
    let untouched = row(&app, &future).await;
    assert_eq!(
        (untouched.html.as_str(), untouched.renderer_version),
        ("stale", RENDERER_VERSION + 1),
        "a newer renderer's output is never downgraded"
    );
}

#[tokio::test]
async fn concurrent_rerenders_render_each_stale_post_exactly_once() {
    let app = TestApp::spawn().await;
    let _ = app.admin_token().await;
    let mut conn = app.db.conn().await;
    let n: i64 = 150;
    diesel::sql_query(
        "INSERT INTO posts (id, slug, title, markdown, html, excerpt, status, author_id, renderer_version) \
         SELECT gen_random_uuid(), 'p-' || i, 'P ' || i, '# P ' || i || E'\\n\\nbody text', '', '', 'draft', \
                (SELECT id FROM users LIMIT 1), 0 \
         FROM generate_series(1, $1) AS i",
    )
    .bind::<BigInt, _>(n)
    .execute(&mut conn)
    .await
    .unwrap();

    let pool = pool(&app);
    let options = RenderOptions::default();
    let (a, b, c) = tokio::join!(
        folio::rerender::run_in_batches(&pool, &options, 7),
        folio::rerender::run_in_batches(&pool, &options, 7),
        folio::rerender::run_in_batches(&pool, &options, 7),
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a + b + c, n as usize, "{a} + {b} + {c}");

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let left: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM posts WHERE renderer_version <> $1 OR html NOT LIKE '<h1 id=\"user-content-p-%'",
    )
    .bind::<Integer, _>(RENDERER_VERSION)
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(left.n, 0);
}

#[tokio::test]
async fn a_starting_instance_rerenders_stale_posts_in_the_background() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let id = post(&app, &token, "Old").await;
    make_stale(&app, &id, 0).await;

    // A second instance on the same database, as after a deploy.
    let second = folio::startup::Application::build(app.config.clone())
        .await
        .unwrap();
    tokio::spawn(second.run_until_stopped());
    for _ in 0..100 {
        if row(&app, &id).await.renderer_version == RENDERER_VERSION {
            assert!(
                row(&app, &id)
                    .await
                    .html
                    .contains("id=\"user-content-hello\"")
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the post was not re-rendered at start-up");
}

#[tokio::test]
async fn the_rerender_command_with_all_renders_every_post_again() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let id = post(&app, &token, "Tampered").await;
    // Current version, but stale HTML (as after a media base URL change).
    make_stale(&app, &id, RENDERER_VERSION).await;

    let run = |args: &'static [&'static str]| {
        let url = app.db.url();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
                .args(args)
                .env("DATABASE_URL", url)
                .env("FOLIO_ADMIN_PASSWORD", "unused-by-rerender")
                .env("RUST_LOG", "warn")
                .output()
                .unwrap()
        })
    };
    let out = run(&["rerender"]).await.unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "re-rendered 0 posts\n"
    );
    assert_eq!(row(&app, &id).await.html, "stale");

    let out = run(&["rerender", "--all"]).await.unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "re-rendered 1 post\n");
    assert!(
        row(&app, &id)
            .await
            .html
            .contains("id=\"user-content-hello\"")
    );

    let out = run(&["rerender", "--bogus"]).await.unwrap();
    assert_eq!(out.status.code(), Some(2));
}
