//! The list's filters, sorts, pagination and response shaping.

use serde_json::{Value, json};

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of, titles};

#[tokio::test]
async fn every_filter_narrows_the_list_and_they_combine() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (author_id, author) = app.user_with_role("author").await;
    app.publish_on(
        &admin,
        "Alpha",
        1,
        json!({"tags": ["rust", "web"], "metadata": {"series": "intro", "part": 1}}),
    )
    .await;
    app.publish_on(&admin, "Beta", 2, json!({"tags": ["web"], "metadata": {"series": "intro", "part": 2, "cover": {"alt": "a cat"}}})).await;
    app.publish_on(
        &author,
        "Gamma",
        3,
        json!({"tags": ["rust"], "metadata": {"categories": ["news", "rust"], "pinned": true}}),
    )
    .await;
    app.draft_with(&author, "Draft", json!({"tags": ["rust"]}))
        .await;

    assert_eq!(
        titles(&app.list_posts("tag=rust").await),
        ["Gamma", "Alpha"]
    );
    assert_eq!(
        titles(&app.list_posts(&format!("author={author_id}")).await),
        ["Gamma"]
    );
    assert_eq!(
        titles(&app.list_posts("published_after=2024-01-01T12:00:00Z").await),
        ["Gamma", "Beta"]
    );
    assert_eq!(
        titles(
            &app.list_posts("published_before=2024-01-02T12:00:00Z")
                .await
        ),
        ["Alpha"]
    );
    assert_eq!(
        titles(
            &app.list_posts("published_after=2024-01-02&published_before=2024-01-03")
                .await
        ),
        ["Beta"]
    );
    assert_eq!(
        titles(&app.list_posts("metadata.series=intro").await),
        ["Beta", "Alpha"]
    );
    assert_eq!(titles(&app.list_posts("metadata.part=2").await), ["Beta"]);
    assert_eq!(
        titles(&app.list_posts("metadata[cover][alt]=a%20cat").await),
        ["Beta"]
    );
    assert_eq!(
        titles(&app.list_posts("metadata.categories=news").await),
        ["Gamma"]
    );
    assert_eq!(
        titles(&app.list_posts("metadata.pinned=true").await),
        ["Gamma"]
    );
    assert_eq!(
        titles(&app.list_posts("metadata.series=intro&tag=rust").await),
        ["Alpha"]
    );
    assert_eq!(
        titles(&app.list_posts("metadata.series=nope").await),
        Vec::<String>::new()
    );

    // status: signed-in callers only, and only within what they may see.
    let drafts = app.get_json_as(&author, "/api/v1/posts?status=draft").await;
    assert_eq!(titles(&drafts), ["Draft"]);
    let res = app.get("/api/v1/posts?status=draft").send().await.unwrap();
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn bad_parameters_are_400_problems() {
    let app = TestApp::spawn().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "page=0",
        "page=-3",
        "sort=id",
        "sort=-relevance",
        "sort=relevance",
        "tag=",
        "tag=a&tag=b",
        "author=not-a-uuid",
        "status=retired",
        "published_after=soon",
        "published_before=2024-02-30",
        "published_after=2024-02-01&published_before=2024-01-01",
        "metadata.=x",
        "metadata.a..b=x",
        "metadata.bad%20key=x",
        "q=",
        "fields=id,password",
        "formats=pdf",
        "cursor=garbage",
        "cursor=abc&page=2",
        "featured=true",
        "include=author",
    ] {
        let res = app
            .get(&format!("/api/v1/posts?{query}"))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(res, 400).await;
        assert!(
            problem["detail"].as_str().unwrap().contains('`'),
            "{query}: {problem}"
        );
    }
}

#[tokio::test]
async fn sorts_follow_the_allow_list() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let b = app.publish_on(&token, "banana", 1, json!({})).await;
    app.publish_on(&token, "apple", 2, json!({})).await;
    app.publish_on(&token, "cherry", 3, json!({})).await;
    assert_eq!(
        titles(&app.list_posts("").await),
        ["cherry", "apple", "banana"]
    );
    assert_eq!(
        titles(&app.list_posts("sort=published_at").await),
        ["banana", "apple", "cherry"]
    );
    assert_eq!(
        titles(&app.list_posts("sort=title").await),
        ["apple", "banana", "cherry"]
    );
    assert_eq!(
        titles(&app.list_posts("sort=-title").await),
        ["cherry", "banana", "apple"]
    );
    // Touch banana: it becomes the most recently updated.
    app.patched_post(&token, id_of(&b), json!({"excerpt": "new"}))
        .await;
    assert_eq!(
        titles(&app.list_posts("sort=-updated_at").await)[0],
        "banana"
    );
    assert_eq!(
        titles(&app.list_posts("sort=updated_at").await)[2],
        "banana"
    );
}

#[tokio::test]
async fn page_links_point_at_the_neighbouring_pages() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for day in 1..=5 {
        app.publish_on(&token, &format!("Day {day}"), day, json!({"tags": ["t"]}))
            .await;
    }
    let first = app.list_posts("tag=t&limit=2").await;
    let p = &first["meta"]["pagination"];
    assert_eq!(p["prev"], Value::Null);
    assert_eq!(p["next"], app.url("/api/v1/posts?tag=t&limit=2&page=2"));
    let last = app.list_posts("tag=t&limit=2&page=3").await;
    let p = &last["meta"]["pagination"];
    assert_eq!(p["next"], Value::Null);
    assert_eq!(p["next_cursor"], Value::Null);
    assert_eq!(p["prev"], app.url("/api/v1/posts?tag=t&limit=2&page=2"));
    assert_eq!(titles(&last), ["Day 1"]);
}

/// Walks `sort` with cursors, calling `between` after each page.
async fn walk(app: &TestApp, sort: &str, mut between: impl AsyncFnMut(usize)) -> Vec<String> {
    let mut seen = Vec::new();
    let mut page = app.list_posts(&format!("limit=2&sort={sort}")).await;
    for round in 0.. {
        assert!(round < 50, "the walk does not end");
        seen.extend(titles(&page));
        let Some(cursor) = page["meta"]["pagination"]["next_cursor"].as_str() else {
            break;
        };
        if round > 0 {
            // Cursor pages do not count, and link to the next cursor page.
            assert_eq!(page["meta"]["pagination"]["total"], Value::Null);
            let next = page["meta"]["pagination"]["next"].as_str().unwrap();
            assert!(next.contains(&format!("cursor={cursor}")), "{next}");
        }
        between(round).await;
        page = app
            .list_posts(&format!("limit=2&sort={sort}&cursor={cursor}"))
            .await;
    }
    seen
}

#[tokio::test]
async fn a_cursor_walk_neither_skips_nor_repeats_while_posts_are_added() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for day in [2, 4, 6, 8, 10, 12, 14] {
        app.publish_on(&token, &format!("Day {day:02}"), day, json!({}))
            .await;
    }
    // After each page, add one post ahead of the walk (newer: not expected)
    // and one behind it (older than everything seen: expected once).
    let seen = walk(&app, "-published_at", async |round| {
        let round = i64::try_from(round).unwrap();
        let ahead = 20 + round;
        let behind = 11 - 4 * round;
        app.publish_on(&token, &format!("Day {ahead:02}"), ahead as u32, json!({}))
            .await;
        if behind >= 1 {
            app.publish_on(
                &token,
                &format!("Day {behind:02}"),
                behind as u32,
                json!({}),
            )
            .await;
        }
    })
    .await;
    let expected: Vec<String> = [14, 12, 11, 10, 8, 7, 6, 4, 3, 2]
        .iter()
        .map(|d| format!("Day {d:02}"))
        .collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn cursors_walk_every_sort_including_titles_that_tie() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for (i, title) in ["b", "a", "b", "c", "a"].iter().enumerate() {
        app.publish_on(&token, title, u32::try_from(i).unwrap() + 1, json!({}))
            .await;
    }
    for sort in [
        "title",
        "-title",
        "published_at",
        "-updated_at",
        "updated_at",
    ] {
        let seen = walk(&app, sort, async |_| {}).await;
        assert_eq!(seen.len(), 5, "{sort}: {seen:?}");
        let all = titles(&app.list_posts(&format!("sort={sort}")).await);
        assert_eq!(seen, all, "{sort}");
    }
}

#[tokio::test]
async fn a_cursor_is_refused_with_another_sort() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for day in 1..=3 {
        app.publish_on(&token, &format!("Day {day}"), day, json!({}))
            .await;
    }
    let page = app.list_posts("limit=1").await;
    let cursor = page["meta"]["pagination"]["next_cursor"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/posts?limit=1&sort=title&cursor={cursor}"))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 400).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("sort"),
        "{problem}"
    );
}

#[tokio::test]
async fn drafts_without_a_date_are_walked_by_signed_in_callers() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish_on(&token, "Old", 1, json!({})).await;
    for title in ["Draft one", "Draft two", "Draft three"] {
        app.draft(&token, title).await;
    }
    app.publish_on(&token, "New", 2, json!({})).await;
    for sort in ["-published_at", "published_at"] {
        let mut seen = Vec::new();
        let mut query = format!("limit=2&sort={sort}");
        loop {
            let page = app
                .get_json_as(&token, &format!("/api/v1/posts?{query}"))
                .await;
            seen.extend(titles(&page));
            match page["meta"]["pagination"]["next_cursor"].as_str() {
                Some(c) => query = format!("limit=2&sort={sort}&cursor={c}"),
                None => break,
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            ["Draft one", "Draft three", "Draft two", "New", "Old"],
            "{sort}"
        );
    }
}

#[tokio::test]
async fn fields_and_formats_shape_the_items() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish_on(&token, "Shaped", 1, json!({"markdown": "Some *bold* text"}))
        .await;
    let page = app.list_posts("fields=slug,title").await;
    let item = page["data"][0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "slug", "title"]);

    let page = app.list_posts("formats=html,markdown,plaintext").await;
    let item = &page["data"][0];
    assert_eq!(item["markdown"], "Some *bold* text");
    assert_eq!(item["html"], "<p>Some <em>bold</em> text</p>\n");
    assert_eq!(item["plaintext"], "Some bold text");
    assert!(item["author"]["name"].is_string());

    let page = app.list_posts("fields=title,plaintext").await;
    assert_eq!(page["data"][0]["plaintext"], "Some bold text");
    assert!(page["data"][0].get("markdown").is_none());

    let plain = app.list_posts("").await;
    assert!(plain["data"][0].get("html").is_none());
}
