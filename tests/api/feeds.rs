//! RSS, Atom, JSON Feed and the sitemap: valid documents, expected items,
//! absolute links, filters, caching.

use serde_json::{Value, json};

use crate::helpers::test_app::assert_problem;
use crate::helpers::{TestApp, snapshots};

async fn fetch(app: &TestApp, path: &str, content_type: &str) -> String {
    let res = app.get(path).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with(content_type), "{path}: {ct}");
    assert!(res.headers().contains_key("etag"), "{path}");
    res.text().await.unwrap()
}

/// The text of every `name` element under an element named `parent`.
fn texts(doc: &roxmltree::Document, parent: &str, name: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.tag_name().name() == parent)
        .flat_map(|p| {
            p.children()
                .filter(|c| c.tag_name().name() == name)
                .collect::<Vec<_>>()
        })
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

async fn seed(app: &TestApp) -> (String, String) {
    let token = app.admin_token().await;
    let (author_id, author) = app.user_with_role("author").await;
    app.publish_on(
        &token,
        "Tom & Jerry <3",
        1,
        json!({"tags": ["cartoons"], "markdown": "Some <b>bold</b> & \u{1b} text"}),
    )
    .await;
    app.publish_on(&author, "Second", 2, json!({"tags": ["rust"]}))
        .await;
    app.draft(&token, "A draft").await;
    (author_id.to_string(), token)
}

#[tokio::test]
async fn rss_is_valid_xml_with_absolute_links_and_escaped_text() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_PUBLIC_URL".into(), "https://cms.example.com".into());
        env.insert("FOLIO_SITE_TITLE".into(), "Tom's <blog>".into());
    })
    .await;
    let (author_id, _) = seed(&app).await;
    let body = fetch(&app, "/rss.xml", "application/rss+xml").await;
    let doc = roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
    assert_eq!(texts(&doc, "channel", "title"), ["Tom's <blog>"]);
    assert_eq!(texts(&doc, "item", "title"), ["Second", "Tom & Jerry <3"]);
    assert_eq!(
        texts(&doc, "item", "link"),
        [
            "https://cms.example.com/blog/second",
            "https://cms.example.com/blog/tom-jerry-3"
        ]
    );
    let content = texts(&doc, "item", "encoded");
    assert!(content[1].contains("<b>bold</b> &amp; "), "{}", content[1]);

    let body = fetch(&app, "/rss.xml?tag=cartoons", "application/rss+xml").await;
    let doc = roxmltree::Document::parse(&body).unwrap();
    assert_eq!(texts(&doc, "item", "title"), ["Tom & Jerry <3"]);
    assert_eq!(texts(&doc, "item", "category"), ["cartoons"]);
    let body = fetch(
        &app,
        &format!("/rss.xml?author={author_id}"),
        "application/rss+xml",
    )
    .await;
    let doc = roxmltree::Document::parse(&body).unwrap();
    assert_eq!(texts(&doc, "item", "title"), ["Second"]);
}

#[tokio::test]
async fn atom_is_valid_xml_with_entries_and_a_self_link() {
    let app = TestApp::spawn_with(|env| {
        env.insert(
            "FOLIO_POST_URL_PATTERN".into(),
            "https://www.example.com/p/{id}/{slug}".into(),
        );
    })
    .await;
    seed(&app).await;
    let body = fetch(&app, "/atom.xml?tag=rust", "application/atom+xml").await;
    let doc = roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    assert_eq!(texts(&doc, "entry", "title"), ["Second"]);
    let links: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "link")
        .filter_map(|n| n.attribute("href"))
        .collect();
    assert!(
        links.contains(&app.url("/atom.xml?tag=rust").as_str()),
        "{links:?}"
    );
    assert!(links.contains(&"https://www.example.com/"), "{links:?}");
    assert!(
        links
            .iter()
            .any(|l| l.starts_with("https://www.example.com/p/") && l.ends_with("/second")),
        "{links:?}"
    );
    assert_eq!(texts(&doc, "author", "name"), ["A author"]);
}

#[tokio::test]
async fn json_feed_is_version_1_1_with_the_expected_items() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let body = fetch(&app, "/feed.json", "application/feed+json").await;
    let feed: Value = serde_json::from_str(&body).unwrap();
    // Two items, newest first: no drafts.
    snapshots::redacted().bind(|| {
        insta::assert_json_snapshot!("json_feed", feed, {
            ".home_page_url" => snapshots::base_url(&app.base),
            ".feed_url" => snapshots::base_url(&app.base),
            ".items[].url" => snapshots::base_url(&app.base),
            ".items[].date_modified" => snapshots::timestamp(),
        });
    });
}

#[tokio::test]
async fn the_sitemap_lists_published_posts_only() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let body = fetch(&app, "/sitemap.xml", "application/xml").await;
    let doc = roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    // Oldest first, so a page of a paged sitemap keeps its posts.
    assert_eq!(
        texts(&doc, "url", "loc"),
        [app.url("/blog/tom-jerry-3"), app.url("/blog/second")]
    );
    assert!(
        texts(&doc, "url", "lastmod")
            .iter()
            .all(|d| d.ends_with('Z'))
    );
}

#[tokio::test]
async fn feeds_refuse_bad_parameters_and_answer_304() {
    let app = TestApp::spawn().await;
    for path in [
        "/rss.xml?author=nobody",
        "/atom.xml?tag=",
        "/feed.json?tag=a&tag=b",
        "/rss.xml?limit=5",
        "/sitemap.xml?limit=2",
        "/sitemap.xml?page=0",
        "/sitemap.xml?page=two",
        "/sitemap.xml?page=1&page=1",
        "/sitemap.xml?page=100001",
    ] {
        assert_problem(app.get(path).send().await.unwrap(), 400).await;
    }
    let empty = fetch(&app, "/atom.xml", "application/atom+xml").await;
    roxmltree::Document::parse(&empty).unwrap();
    for path in ["/rss.xml", "/atom.xml", "/feed.json", "/sitemap.xml"] {
        let res = app.get(path).send().await.unwrap();
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .get(path)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
}

/// A NUL in a feed's filter once reached PostgreSQL and answered 500
/// (found by schemathesis); any parameter carrying one is a 400.
#[tokio::test]
async fn a_nul_in_a_feed_filter_is_a_400_problem() {
    let app = TestApp::spawn().await;
    for path in [
        "/rss.xml?tag=a%00b",
        "/atom.xml?tag=%00",
        "/feed.json?tag=x%00",
        "/api/v1/posts?tag=a%00b",
    ] {
        let res = app.get(path).send().await.unwrap();
        assert_problem(res, 400).await;
    }
}

/// More published posts than one sitemap file holds: `/sitemap.xml` is a
/// sitemap index naming each page, every public post is on exactly one
/// page (oldest first, drafts on none), and a page past the last is a 404.
/// A site of 100,000 posts is no longer a single 5 MB answer listing only
/// the newest 50,000.
#[tokio::test]
async fn a_large_sitemap_is_an_index_of_pages_that_list_every_post_once() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_SITEMAP_PAGE_SIZE".into(), "2".into());
    })
    .await;
    let token = app.admin_token().await;
    for day in 1..=5 {
        app.publish_on(&token, &format!("Post {day}"), day, json!({}))
            .await;
    }
    app.draft(&token, "A draft").await;

    let body = fetch(&app, "/sitemap.xml", "application/xml").await;
    let doc = roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    assert_eq!(doc.root_element().tag_name().name(), "sitemapindex");
    let pages = texts(&doc, "sitemap", "loc");
    assert_eq!(
        pages,
        (1..=3)
            .map(|n| app.url(&format!("/sitemap.xml?page={n}")))
            .collect::<Vec<_>>()
    );
    let mut listed = Vec::new();
    for page in &pages {
        let path = page.strip_prefix(&app.base).unwrap();
        let body = fetch(&app, path, "application/xml").await;
        let doc = roxmltree::Document::parse(&body).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "urlset");
        listed.extend(texts(&doc, "url", "loc"));
    }
    assert_eq!(
        listed,
        (1..=5)
            .map(|n| app.url(&format!("/blog/post-{n}")))
            .collect::<Vec<_>>()
    );
    assert_problem(app.get("/sitemap.xml?page=4").send().await.unwrap(), 404).await;
}
