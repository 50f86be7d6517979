//! One definition of "public now": the moment a scheduled post falls due,
//! every read reports it published and counts it, on the database's clock,
//! whether or not the scheduler has flipped its row.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.get(path).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

#[tokio::test]
async fn a_post_falling_due_is_published_everywhere_at_the_same_instant() {
    // A scheduler that will not run during the test: only the clock acts.
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_SCHEDULER_INTERVAL_MS".into(), "3600000".into());
    })
    .await;
    let token = app.admin_token().await;
    let due = Utc::now() + chrono::Duration::milliseconds(1_500);
    app.created_post(
        &token,
        json!({"title": "Due soon", "slug": "due-soon", "markdown": "x", "tags": ["Soon"],
               "status": "scheduled", "published_at": due.to_rfc3339()}),
    )
    .await;

    // Before its time: nowhere (and the read cache has these answers).
    assert_eq!(get(&app, "/api/v1/posts/due-soon").await.0, 404);
    let (_, list) = get(&app, "/api/v1/posts").await;
    assert_eq!(json(&list)["meta"]["pagination"]["total"], 0);
    assert!(!get(&app, "/feed.json").await.1.contains("due-soon"));
    assert!(!get(&app, "/sitemap.xml").await.1.contains("due-soon"));
    assert_eq!(get(&app, "/api/v1/tags/soon").await.0, 404);

    let wait = (due - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(100);
    tokio::time::sleep(wait).await;

    // After it, everywhere, as published; the row still says scheduled.
    let (status, post) = get(&app, "/api/v1/posts/due-soon").await;
    assert_eq!(status, 200);
    assert_eq!(json(&post)["status"], "published");
    let list = json(&get(&app, "/api/v1/posts").await.1);
    assert_eq!(list["data"][0]["slug"], "due-soon", "{list}");
    assert_eq!(list["data"][0]["status"], "published");
    let published: Value = app
        .get("/api/v1/posts?status=published")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(published["meta"]["pagination"]["total"], 1);
    let scheduled: Value = app
        .get("/api/v1/posts?status=scheduled")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(scheduled["meta"]["pagination"]["total"], 0);
    let feed = json(&get(&app, "/feed.json").await.1);
    assert!(
        feed["items"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/due-soon"),
        "{feed}"
    );
    assert!(get(&app, "/sitemap.xml").await.1.contains("due-soon"));
    let tag = json(&get(&app, "/api/v1/tags/soon").await.1);
    assert_eq!(tag["post_count"], 1);
    let sync = json(&get(&app, "/api/v1/sync").await.1);
    assert_eq!(sync["posts"][0]["status"], "published", "{sync}");
    let authors = json(&get(&app, "/api/v1/authors").await.1);
    assert_eq!(authors["data"][0]["post_count"], 1);

    let mut conn = app.db.conn().await;
    let row: Vec<(String,)> = {
        use diesel::QueryDsl;
        use diesel_async::RunQueryDsl;
        folio::db::schema::posts::table
            .select((diesel::dsl::sql::<diesel::sql_types::Text>("status"),))
            .load(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(row, [("scheduled".to_owned(),)]);
}

/// The SQL spelling of "public" (`db::lifecycle::is_public`) and the Rust
/// one (`PostStatus::is_public_at`) agree on every status and date.
#[tokio::test]
async fn the_sql_and_the_rust_definitions_of_public_agree() {
    use diesel::{ExpressionMethods, QueryDsl};
    use diesel_async::RunQueryDsl;
    use folio::db::schema::posts;
    use folio::domain::PostStatus;

    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let mut conn = app.db.conn().await;
    let now = Utc::now();
    let dates = [
        None,
        Some(now - chrono::Duration::days(1)),
        Some(now + chrono::Duration::days(1)),
    ];
    let statuses = [
        PostStatus::Draft,
        PostStatus::Scheduled,
        PostStatus::Published,
        PostStatus::Archived,
    ];
    let mut n = 0;
    for status in statuses {
        for date in dates {
            // Check constraints keep every published and scheduled post dated.
            if matches!(status, PostStatus::Scheduled | PostStatus::Published) && date.is_none() {
                continue;
            }
            n += 1;
            let post = app
                .created_post(&token, json!({"title": format!("P{n}"), "markdown": "x"}))
                .await;
            let id = uuid::Uuid::parse_str(post["id"].as_str().unwrap()).unwrap();
            diesel::update(posts::table.filter(posts::id.eq(id)))
                .set((posts::status.eq(status), posts::published_at.eq(date)))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
    let rows: Vec<(PostStatus, Option<chrono::DateTime<Utc>>, Option<bool>)> = posts::table
        .select((
            posts::status,
            posts::published_at,
            folio::db::lifecycle::is_public(),
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 10);
    let now = Utc::now();
    for (status, date, sql) in rows {
        assert_eq!(
            sql.unwrap_or(false),
            status.is_public_at(date, now),
            "{status:?} at {date:?}"
        );
    }
}
