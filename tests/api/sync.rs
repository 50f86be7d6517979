//! Delta sync: every change since a token, deletions as tombstones, none skipped.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of};

async fn sync(app: &TestApp, token: Option<&str>, query: &str) -> Value {
    let mut req = app.get(&format!("/api/v1/sync?{query}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "sync?{query}");
    res.json().await.unwrap()
}

fn slugs(batch: &Value, list: &str) -> Vec<String> {
    batch[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap_or("?").to_owned())
        .collect()
}

#[tokio::test]
async fn a_delta_sync_follows_creates_updates_and_deletes_oldest_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = app.publish(&admin, "a").await;
    let b = app.publish(&admin, "b").await;
    app.publish(&admin, "c").await;

    let first = sync(&app, None, "").await;
    assert_eq!(slugs(&first, "posts"), ["a", "b", "c"]);
    assert_eq!(first["deleted"], json!([]));
    assert_eq!(first["has_more"], false);
    assert!(
        first["posts"][0]["markdown"].is_string(),
        "whole posts, bodies included"
    );
    let token = first["next_token"].as_str().unwrap().to_owned();

    app.patched_post(&admin, id_of(&a), json!({"title": "A again"}))
        .await;
    let res = app.delete_post(&admin, id_of(&b)).await;
    assert_eq!(res.status(), 204);
    app.publish(&admin, "d").await;

    let second = sync(&app, None, &format!("since={token}")).await;
    assert_eq!(slugs(&second, "posts"), ["a", "d"]);
    assert_eq!(second["posts"][0]["title"], "A again");
    assert_eq!(second["deleted"].as_array().unwrap().len(), 1);
    assert_eq!(second["deleted"][0]["id"], b["id"]);
    assert_eq!(second["deleted"][0]["slug"], "b");
    assert!(second["deleted"][0]["deleted_at"].is_string());
    let token = second["next_token"].as_str().unwrap().to_owned();

    let third = sync(&app, None, &format!("since={token}")).await;
    assert_eq!(third["posts"], json!([]));
    assert_eq!(third["deleted"], json!([]));
    assert_eq!(third["next_token"], token.as_str(), "no change, same token");
}

#[tokio::test]
async fn paging_one_change_at_a_time_sees_every_change_in_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = app.publish(&admin, "a").await;
    let b = app.publish(&admin, "b").await;
    app.publish(&admin, "c").await;
    let res = app.delete_post(&admin, id_of(&b)).await;
    assert_eq!(res.status(), 204);
    app.patched_post(&admin, id_of(&a), json!({"title": "A2"}))
        .await;

    let mut seen = Vec::new();
    let mut token = "0".to_owned();
    loop {
        let batch = sync(&app, None, &format!("since={token}&limit=1")).await;
        let mut items: Vec<String> = slugs(&batch, "posts");
        items.extend(
            slugs(&batch, "deleted")
                .into_iter()
                .map(|s| format!("-{s}")),
        );
        assert!(items.len() <= 1);
        seen.extend(items);
        token = batch["next_token"].as_str().unwrap().to_owned();
        if batch["has_more"] == false {
            break;
        }
    }
    // a's change moved it after b's deletion; b's creation is superseded.
    assert_eq!(seen, ["c", "-b", "a"]);
}

#[tokio::test]
async fn a_post_hidden_again_comes_as_a_tombstone_and_drafts_never_show_at_all() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let post = app.publish(&admin, "visible").await;
    let token = sync(&app, None, "").await["next_token"]
        .as_str()
        .unwrap()
        .to_owned();

    app.patched_post(&admin, id_of(&post), json!({"status": "draft"}))
        .await;
    app.draft_with(&admin, "Secret", json!({"slug": "secret"}))
        .await;

    let anon = sync(&app, None, &format!("since={token}")).await;
    assert_eq!(anon["posts"], json!([]));
    // The unpublished post, without its slug; the draft that never was
    // public is not mentioned at all (not even its id).
    let deleted = anon["deleted"].as_array().unwrap();
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0]["id"], post["id"]);
    assert!(deleted[0]["slug"].is_null(), "{deleted:?}");
    assert!(!anon.to_string().contains("secret"), "{anon}");

    // Whoever may manage them gets them as posts.
    let mine = sync(&app, Some(&admin), &format!("since={token}")).await;
    assert_eq!(slugs(&mine, "posts"), ["visible", "secret"]);
}

#[tokio::test]
async fn updated_since_starts_from_a_moment_instead_of_a_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    app.publish(&admin, "old").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let newer = app.publish(&admin, "new").await;
    let at = newer["updated_at"].as_str().unwrap();
    let batch = sync(&app, None, &format!("updated_since={}", urlencode(at))).await;
    assert_eq!(slugs(&batch, "posts"), ["new"]);
    let far = sync(&app, None, "updated_since=2999-01-01T00:00:00Z").await;
    assert_eq!(far["posts"], json!([]));
    assert_eq!(far["next_token"], batch["next_token"]);
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn bad_sync_parameters_are_400() {
    let app = TestApp::spawn().await;
    for query in [
        "since=abc",
        "since=-1",
        "limit=0",
        "limit=101",
        "updated_since=yesterday",
        "since=1&updated_since=2024-01-01T00:00:00Z",
    ] {
        assert_problem(
            app.get(&format!("/api/v1/sync?{query}"))
                .send()
                .await
                .unwrap(),
            400,
        )
        .await;
    }
}

#[tokio::test]
async fn concurrent_writers_never_slip_behind_a_readers_token() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_DB_POOL_SIZE".into(), "8".into());
    })
    .await;
    let admin = app.admin_token().await;
    let writers = async {
        let mut ids = HashSet::new();
        for round in 0..5 {
            // Six creates at once, each its own task: their transactions overlap.
            let mut tasks = tokio::task::JoinSet::new();
            for n in 0..6 {
                let (client, url, admin) =
                    (app.client.clone(), app.url("/api/v1/posts"), admin.clone());
                tasks.spawn(async move {
                    let res = client
                        .post(url)
                        .bearer_auth(admin)
                        .json(&json!({"title": format!("p {round} {n}"), "markdown": "x", "status": "published"}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 201);
                    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
                });
            }
            ids.extend(tasks.join_all().await);
        }
        ids
    };
    let reader = async {
        let mut seen = HashSet::new();
        let mut token = "0".to_owned();
        for _ in 0..40 {
            let batch = sync(&app, None, &format!("since={token}&limit=3")).await;
            for p in batch["posts"].as_array().unwrap() {
                seen.insert(p["id"].as_str().unwrap().to_owned());
            }
            token = batch["next_token"].as_str().unwrap().to_owned();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (seen, token)
    };
    let (ids, (mut seen, mut token)) = tokio::join!(writers, reader);
    loop {
        let batch = sync(&app, None, &format!("since={token}")).await;
        for p in batch["posts"].as_array().unwrap() {
            seen.insert(p["id"].as_str().unwrap().to_owned());
        }
        token = batch["next_token"].as_str().unwrap().to_owned();
        if batch["has_more"] == false {
            break;
        }
    }
    assert_eq!(seen, ids, "a change was skipped");
}

/// The race the racing-writers test above looks for, made certain: a
/// change that took its number and has not committed while a later one
/// has. A reader must stop below it; a reader that went on to the later
/// change (as it would with numbers from a plain sequence and nothing
/// else) would never see it.
#[tokio::test]
async fn a_change_still_being_written_holds_every_token_below_it() {
    use diesel::sql_types::Uuid as SqlUuid;
    use diesel_async::RunQueryDsl;

    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let slow = app
        .created_post(
            &admin,
            json!({"title": "Slow", "markdown": "x", "status": "published"}),
        )
        .await;
    let slow_id: uuid::Uuid = id_of(&slow).parse().unwrap();
    let start = sync(&app, None, "since=0").await;
    let token = start["next_token"].as_str().unwrap().to_owned();

    // An edit that takes its number and stays open.
    let mut writer = app.db.conn().await;
    diesel::sql_query("BEGIN")
        .execute(&mut writer)
        .await
        .unwrap();
    diesel::sql_query("UPDATE posts SET title = 'Slow, edited' WHERE id = $1")
        .bind::<SqlUuid, _>(slow_id)
        .execute(&mut writer)
        .await
        .unwrap();
    // A later change commits first.
    app.created_post(
        &admin,
        json!({"title": "Fast", "markdown": "x", "status": "published"}),
    )
    .await;
    let held = sync(&app, None, &format!("since={token}")).await;
    assert_eq!(
        slugs(&held, "posts"),
        Vec::<String>::new(),
        "a change above one still being written was answered"
    );
    assert_eq!(held["next_token"], token.as_str());

    diesel::sql_query("COMMIT")
        .execute(&mut writer)
        .await
        .unwrap();
    // As the admin: an anonymous answer may come from the read cache, which
    // hears of a change made outside the API (this raw SQL) only when its
    // notification arrives, a moment after the commit.
    let after = sync(
        &app,
        Some(&admin),
        &format!("since={}", held["next_token"].as_str().unwrap()),
    )
    .await;
    let titles: Vec<&str> = after["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Slow, edited", "Fast"],
        "in number order, none skipped"
    );

    // A writer that rolls back holds nothing back once it has.
    diesel::sql_query("BEGIN")
        .execute(&mut writer)
        .await
        .unwrap();
    diesel::sql_query("UPDATE posts SET title = 'Never' WHERE id = $1")
        .bind::<SqlUuid, _>(slow_id)
        .execute(&mut writer)
        .await
        .unwrap();
    diesel::sql_query("ROLLBACK")
        .execute(&mut writer)
        .await
        .unwrap();
    app.created_post(
        &admin,
        json!({"title": "Later", "markdown": "x", "status": "published"}),
    )
    .await;
    let last = sync(
        &app,
        None,
        &format!("since={}", after["next_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(slugs(&last, "posts"), ["later"]);
}
