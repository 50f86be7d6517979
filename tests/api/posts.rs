use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, id_of, post_path, snapshots};

#[tokio::test]
async fn create_post_returns_201_with_location_and_rendered_html() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .create_post(
            &token,
            json!({
                "title": "Hello, World!",
                "markdown": "# Hi\n\nSome *text* <script>alert(1)</script>",
                "status": "published",
                "tags": ["rust", "web"],
                "metadata": {"series": "intro"}
            }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let post: Value = res.json().await.unwrap();
    assert_eq!(location, app.url(&post_path(&post)));
    assert!(!post["html"].as_str().unwrap().contains("<script"));

    // The Location answers with the same post.
    let fetched = app
        .get_json(location.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(fetched, post);

    snapshots::redacted().bind(|| {
        insta::assert_json_snapshot!("created_post", post, {
            ".published_at" => snapshots::timestamp(),
        });
    });
}

#[tokio::test]
async fn posts_are_fetched_by_id_or_slug_and_as_an_html_fragment() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .publish_with(
            &token,
            "Frag",
            json!({"markdown": "A [link](https://example.com)"}),
        )
        .await;
    let by_slug = app.get_json("/api/v1/posts/frag").await;
    let by_id = app.get_json(&post_path(&post)).await;
    assert_eq!(by_slug, post);
    assert_eq!(by_id, post);

    let res = app.get("/api/v1/posts/frag/html").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        res.text().await.unwrap(),
        "<p>A <a href=\"https://example.com\" rel=\"noopener noreferrer\">link</a></p>\n"
    );
}

#[tokio::test]
async fn anonymous_writes_get_401_with_www_authenticate() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app.draft(&token, "Mine").await;
    let path = post_path(&post);
    let attempts = [
        app.request(Method::POST, "/api/v1/posts")
            .json(&json!({"title": "t", "markdown": "m"})),
        app.request(Method::PATCH, &path)
            .json(&json!({"title": "t"})),
        app.request(Method::DELETE, &path),
    ];
    for attempt in attempts {
        let res = attempt.send().await.unwrap();
        assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"folio\"");
        assert_problem(res, 401).await;
    }
    // Nothing changed.
    assert_eq!(app.get_json_as(&token, &path).await["title"], "Mine");
}

#[tokio::test]
async fn drafts_are_invisible_to_anonymous_callers() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let draft = app.draft(&token, "Secret").await;
    assert_eq!(draft["status"], "draft");
    assert!(draft["published_at"].is_null());
    for path in [
        "/api/v1/posts/secret".to_owned(),
        post_path(&draft),
        "/api/v1/posts/secret/html".to_owned(),
    ] {
        assert_problem(app.get(&path).send().await.unwrap(), 404).await;
        assert_eq!(app.get_as(&token, &path).await.status(), 200, "{path}");
    }
    let list = app.get_json("/api/v1/posts").await;
    assert_eq!(list["meta"]["pagination"]["total"], 0);
    let list = app.get_json_as(&token, "/api/v1/posts").await;
    assert_eq!(list["meta"]["pagination"]["total"], 1);
}

#[tokio::test]
async fn list_is_newest_first_paginated_and_without_bodies() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for day in 1..=5 {
        app.publish_with(
            &token,
            &format!("Day {day}"),
            json!({"markdown": "body", "published_at": format!("2024-01-0{day}T12:00:00Z")}),
        )
        .await;
    }
    let page = app.list_posts("limit=2&page=2").await;
    let titles: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Day 3", "Day 2"]);
    let pagination = &page["meta"]["pagination"];
    for (field, value) in [("page", 2), ("limit", 2), ("pages", 3), ("total", 5)] {
        assert_eq!(pagination[field], value, "{pagination}");
    }
    let item = &page["data"][0];
    assert!(
        item.get("markdown").is_none() && item.get("html").is_none(),
        "{item}"
    );
    assert_eq!(item["excerpt"], "body");

    let default = app.get_json("/api/v1/posts").await;
    assert_eq!(default["meta"]["pagination"]["limit"], 15);
    assert_eq!(default["data"].as_array().unwrap().len(), 5);

    let past_end = app.list_posts("page=99").await;
    assert_eq!(past_end["data"], json!([]));
    assert_eq!(past_end["meta"]["pagination"]["total"], 5);
}

#[tokio::test]
async fn bad_pagination_is_a_400_problem() {
    let app = TestApp::spawn().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "page=0",
        "page=-3",
        "page=x",
        "page=1000001",
        "limit=99999999999999999999",
    ] {
        let res = app
            .get(&format!("/api/v1/posts?{query}"))
            .send()
            .await
            .unwrap();
        assert_problem(res, 400).await;
    }
}

#[tokio::test]
async fn patch_updates_only_what_is_sent_and_renders_again() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .draft_with(
            &token,
            "Before",
            json!({"markdown": "old *body*", "excerpt": "Mine", "tags": ["a"], "metadata": {"k": 1}}),
        )
        .await;
    let id = id_of(&post);

    let updated = app
        .patched_post(&token, id, json!({"markdown": "new **body**"}))
        .await;
    assert_eq!(updated["title"], "Before");
    assert_eq!(updated["html"], "<p>new <strong>body</strong></p>\n");
    assert_eq!(updated["excerpt"], "Mine", "a custom excerpt is kept");
    assert_eq!(updated["tags"], json!(["a"]));
    assert_eq!(updated["slug"], post["slug"]);
    assert!(updated["updated_at"].as_str() > post["updated_at"].as_str());

    // null clears; the excerpt goes back to being derived.
    let cleared = app
        .patched_post(
            &token,
            id,
            json!({"excerpt": null, "tags": null, "metadata": null}),
        )
        .await;
    assert_eq!(cleared["excerpt"], "new body");
    assert_eq!(cleared["tags"], json!([]));
    assert_eq!(cleared["metadata"], json!({}));

    let published = app
        .patched_post(&token, id, json!({"status": "published", "slug": "after"}))
        .await;
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].is_string());
    assert_eq!(
        app.get("/api/v1/posts/after")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // Fields that cannot be cleared, and unknown fields, are 422 and change nothing.
    for body in [
        json!({"title": null}),
        json!({"title": ""}),
        json!({"author": "someone"}),
        json!({"status": "retired"}),
    ] {
        let problem = assert_problem(app.patch_post(&token, id, body.clone()).await, 422).await;
        assert!(
            problem["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "{body}: {problem}"
        );
    }
    let after = app.get_json(&post_path(&post)).await;
    assert_eq!(after, published);

    // Clearing a published post's date publishes it now, as on create.
    let redated = app
        .patched_post(&token, id, json!({"published_at": null}))
        .await;
    assert_eq!(redated["status"], "published");
    assert!(redated["published_at"].as_str() > published["published_at"].as_str());
}

#[tokio::test]
async fn delete_returns_204_and_then_404() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app.publish(&token, "Gone").await;
    let path = post_path(&post);
    let res = app.delete_post(&token, id_of(&post)).await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get(&path).send().await.unwrap(), 404).await;
    assert_problem(app.get("/api/v1/posts/gone").send().await.unwrap(), 404).await;
    let again = app.delete_post(&token, id_of(&post)).await;
    assert_problem(again, 404).await;
}

#[tokio::test]
async fn a_taken_slug_is_409_but_derived_slugs_get_a_suffix() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.draft(&token, "Same").await;
    let second = app.draft(&token, "Same").await;
    assert_eq!(second["slug"], "same-2");
    let res = app
        .create_post(
            &token,
            json!({"title": "Other", "slug": "same", "markdown": "x"}),
        )
        .await;
    assert_problem(res, 409).await;
    let third = app.draft(&token, "Third").await;
    let res = app
        .patch_post(&token, id_of(&third), json!({"slug": "same-2"}))
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn invalid_fields_are_422_and_all_listed() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = app
        .create_post(
            &token,
            json!({"title": "  ", "slug": "Not A Slug", "markdown": "x", "tags": [""], "metadata": [1]}),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    // Every invalid field, in the body's order, each with its reason.
    insta::assert_json_snapshot!("invalid_fields_problem", problem);

    for (body, field) in [
        (json!({"markdown": "x"}), "title"),
        (
            json!({"title": "t", "markdown": "x", "author": "me"}),
            "author",
        ),
        (
            json!({"title": "t", "markdown": "x", "status": "live"}),
            "status",
        ),
        (json!({"title": 5, "markdown": "x"}), "title"),
        (
            json!({"title": "t", "markdown": "x", "tags": ["a", 7]}),
            "tags[1]",
        ),
        (
            json!({"title": "t", "slug": "550e8400-e29b-41d4-a716-446655440000", "markdown": "x"}),
            "slug",
        ),
    ] {
        let problem = assert_problem(app.create_post(&token, body.clone()).await, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    let list = app.get_json_as(&token, "/api/v1/posts").await;
    assert_eq!(list["meta"]["pagination"]["total"], 0, "nothing was stored");
}

#[tokio::test]
async fn authors_manage_only_their_own_posts() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user_with_role("author").await;
    let (_, bob) = app.user_with_role("author").await;
    let draft = app.draft(&alice, "Alice draft").await;
    let public = app.publish(&alice, "Alice public").await;

    // Bob cannot see Alice's draft at all, and cannot change her published post.
    assert_problem(app.get_as(&bob, &post_path(&draft)).await, 404).await;
    let patch = async |post: &Value, token: &str| {
        app.patch_post(token, id_of(post), json!({"title": "Bob was here"}))
            .await
    };
    assert_problem(patch(&draft, &bob).await, 404).await;
    assert_problem(patch(&public, &bob).await, 403).await;
    assert_problem(app.delete_post(&bob, id_of(&public)).await, 403).await;
    let bob_list = app.get_json_as(&bob, "/api/v1/posts").await;
    assert_eq!(bob_list["meta"]["pagination"]["total"], 1);

    // Alice and an editor can.
    assert_eq!(patch(&draft, &alice).await.status(), 200);
    let (_, editor) = app.user_with_role("editor").await;
    assert_eq!(patch(&public, &editor).await.status(), 200);
}

#[tokio::test]
async fn contributors_cannot_publish() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_with_role("contributor").await;
    let res = app
        .create_post(
            &token,
            json!({"title": "Eager", "markdown": "x", "status": "published"}),
        )
        .await;
    assert_problem(res, 403).await;
    let draft = app.draft(&token, "Patient").await;
    let res = app
        .patch_post(&token, id_of(&draft), json!({"status": "published"}))
        .await;
    assert_problem(res, 403).await;
}
