//! The status lifecycle: scheduled posts appear at their time with nobody
//! acting, exactly once, and roles limit who may publish.

use std::time::Duration;

use chrono::Utc;
use folio::startup::Application;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of};

async fn fast_scheduler() -> TestApp {
    TestApp::spawn_with(|env| {
        env.insert("FOLIO_SCHEDULER_INTERVAL_MS".into(), "50".into());
    })
    .await
}

fn in_ms(ms: i64) -> String {
    (Utc::now() + chrono::Duration::milliseconds(ms)).to_rfc3339()
}

/// Polls until `check` holds, for at most ten seconds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn status_of(app: &TestApp, token: &str, id: &str) -> Value {
    app.get_json_as(token, &format!("/api/v1/posts/{id}")).await["status"].clone()
}

/// The status stored in the row (the API reports a due post as published
/// before the scheduler flips the row).
async fn stored_status(app: &TestApp, id: &str) -> String {
    use diesel::{ExpressionMethods, QueryDsl};
    use diesel_async::RunQueryDsl;
    use folio::db::schema::posts;
    let mut conn = app.db.conn().await;
    let status: folio::domain::PostStatus = posts::table
        .filter(posts::id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .select(posts::status)
        .first(&mut conn)
        .await
        .unwrap();
    status.as_str().to_owned()
}

#[tokio::test]
async fn a_scheduled_post_is_hidden_before_its_time_and_published_after_it() {
    let app = fast_scheduler().await;
    let token = app.admin_token().await;
    let post = app
        .created_post(
            &token,
            json!({"title": "Later", "markdown": "x", "status": "scheduled", "published_at": in_ms(1500)}),
        )
        .await;
    assert_eq!(post["status"], "scheduled");
    let id = id_of(&post).to_owned();

    assert_eq!(
        app.get("/api/v1/posts/later")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let list = app.get_json("/api/v1/posts").await;
    assert_eq!(list["meta"]["pagination"]["total"], 0);

    eventually("the post to be public", || async {
        app.get("/api/v1/posts/later")
            .send()
            .await
            .unwrap()
            .status()
            == StatusCode::OK
    })
    .await;
    eventually("the post to be flipped to published", || async {
        stored_status(&app, &id).await == "published"
    })
    .await;
    let list = app.get_json("/api/v1/posts").await;
    assert_eq!(list["data"][0]["slug"], "later");
}

#[tokio::test]
async fn several_instances_publish_each_scheduled_post_exactly_once() {
    let app = fast_scheduler().await;
    // A second and a third instance on the same database.
    for _ in 0..2 {
        let other = Application::build(app.config.clone()).await.unwrap();
        tokio::spawn(other.run_until_stopped());
    }
    let token = app.admin_token().await;
    let mut ids = Vec::new();
    for n in 0..6 {
        let post = app
            .created_post(
                &token,
                json!({"title": format!("Post {n}"), "markdown": "x", "status": "scheduled", "published_at": in_ms(800)}),
            )
            .await;
        ids.push(id_of(&post).to_owned());
    }
    for id in &ids {
        eventually("every post to be published", || async {
            status_of(&app, &token, id).await == "published"
        })
        .await;
    }
    // Give the other instances time to (wrongly) flip again, then check
    // that each post was written exactly once since its creation.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for id in &ids {
        let res = app
            .get(&format!("/api/v1/posts/{id}"))
            .send()
            .await
            .unwrap();
        let tag = res.headers()["etag"].to_str().unwrap().to_owned();
        assert!(
            tag.ends_with("-2\""),
            "{id} was written more than once: {tag}"
        );
    }
}

#[tokio::test]
async fn a_post_whose_time_passed_while_no_scheduler_ran_is_published_on_start() {
    // An instance whose scheduler ticked at start and then sleeps an hour.
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_SCHEDULER_INTERVAL_MS".into(), "3600000".into());
    })
    .await;
    let token = app.admin_token().await;
    let post = app
        .created_post(
            &token,
            json!({"title": "Overdue", "markdown": "x", "status": "scheduled", "published_at": in_ms(300)}),
        )
        .await;
    let id = id_of(&post).to_owned();
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Reads go by the clock, not by the scheduler: it is public already…
    assert_eq!(
        app.get("/api/v1/posts/overdue")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // …and reads as published, though the row is not flipped yet.
    assert_eq!(status_of(&app, &token, &id).await, "published");
    assert_eq!(stored_status(&app, &id).await, "scheduled");
    // A (re)started instance flips it on its first tick.
    let restarted = Application::build(app.config.clone()).await.unwrap();
    tokio::spawn(restarted.run_until_stopped());
    eventually("the restarted instance to publish it", || async {
        stored_status(&app, &id).await == "published"
    })
    .await;
}

#[tokio::test]
async fn scheduling_needs_a_date_in_the_future() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for body in [
        json!({"title": "A", "markdown": "x", "status": "scheduled"}),
        json!({"title": "A", "markdown": "x", "status": "scheduled", "published_at": "2020-01-01T00:00:00Z"}),
    ] {
        let problem = assert_problem(app.create_post(&token, body).await, 422).await;
        assert_eq!(problem["errors"][0]["field"], "published_at");
    }
    let post = app.draft(&token, "A").await;
    let res = app
        .patch_post(
            &token,
            id_of(&post),
            json!({"status": "scheduled", "published_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_problem(res, 422).await;
}

#[tokio::test]
async fn contributors_cannot_schedule_publish_or_archive() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_with_role("contributor").await;
    for status in ["scheduled", "published", "archived"] {
        let res = app
            .create_post(&token, json!({"title": "C", "markdown": "x", "status": status, "published_at": in_ms(60_000)}))
            .await;
        assert_problem(res, 403).await;
    }
    let post = app.draft(&token, "C").await;
    let res = app
        .patch_post(
            &token,
            id_of(&post),
            json!({"status": "scheduled", "published_at": in_ms(60_000)}),
        )
        .await;
    assert_problem(res, 403).await;
}

#[tokio::test]
async fn an_archived_post_is_hidden_from_the_public_but_kept() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_with_role("author").await;
    let post = app.publish(&token, "Old news").await;
    assert_eq!(
        app.get("/api/v1/posts/old-news")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.patched_post(&token, id_of(&post), json!({"status": "archived"}))
        .await;
    assert_problem(app.get("/api/v1/posts/old-news").send().await.unwrap(), 404).await;
    let mine = app.get_json_as(&token, "/api/v1/posts/old-news").await;
    assert_eq!(mine["status"], "archived");
}
