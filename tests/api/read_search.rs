//! Full-text search, and the indexes behind every filter and sort.

use diesel_async::RunQueryDsl;
use folio::db::post_list::{self, ListFilter, PageRequest, Sort, SortKey};
use folio::domain::Visibility;
use serde_json::{Value, json};

use crate::helpers::{TestApp, id_of, titles};

#[tokio::test]
async fn search_ranks_title_matches_first_and_marks_the_snippet() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish_on(
        &token,
        "Cooking pasta",
        1,
        json!({"markdown": "Boil water. Then think about borrow checkers for a while."}),
    )
    .await;
    app.publish_on(
        &token,
        "Borrow checkers explained",
        2,
        json!({"markdown": "Ownership in depth."}),
    )
    .await;
    app.publish_on(
        &token,
        "Gardening",
        3,
        json!({"markdown": "Nothing relevant: 1 < 2 & 3."}),
    )
    .await;

    let hits = app.list_posts("q=borrow%20checker").await;
    assert_eq!(
        titles(&hits),
        ["Borrow checkers explained", "Cooking pasta"]
    );
    let first = &hits["data"][0];
    let second = &hits["data"][1];
    assert!(
        first["rank"].as_f64().unwrap() > second["rank"].as_f64().unwrap(),
        "{hits}"
    );
    let snippet = second["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("<mark>borrow</mark> <mark>checkers</mark>"),
        "{snippet}"
    );
    assert_eq!(hits["meta"]["pagination"]["total"], 2);

    // Markup in the text comes back escaped, never as live HTML.
    let hits = app.list_posts("q=relevant").await;
    let snippet = hits["data"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("1 &lt; 2 &amp; 3"), "{snippet}");
}

#[tokio::test]
async fn search_understands_phrases_exclusions_or_and_tags() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish_on(
        &token,
        "One",
        1,
        json!({"markdown": "quick brown fox", "tags": ["animals"]}),
    )
    .await;
    app.publish_on(&token, "Two", 2, json!({"markdown": "brown quick fox"}))
        .await;
    app.publish_on(
        &token,
        "Three",
        3,
        json!({"markdown": "lazy dog", "tags": ["kubernetes"]}),
    )
    .await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        titles(&app.list_posts("q=%22quick%20brown%22").await),
        ["One"]
    );
    assert_eq!(
        titles(&app.list_posts("q=fox%20-brown%20quick").await),
        Vec::<String>::new()
    );
    assert_eq!(titles(&app.list_posts("q=fox%20-animals").await), ["Two"]);
    assert_eq!(
        sorted(titles(&app.list_posts("q=lazy%20or%20quick").await)),
        ["One", "Three", "Two"]
    );
    assert_eq!(titles(&app.list_posts("q=kubernetes").await), ["Three"]);
    // Stop words alone match nothing rather than failing.
    assert_eq!(titles(&app.list_posts("q=the").await), Vec::<String>::new());
    // Combined with filters and another sort.
    assert_eq!(
        titles(&app.list_posts("q=fox&sort=published_at").await),
        ["One", "Two"]
    );
    assert_eq!(
        titles(&app.list_posts("q=fox&published_after=2024-01-02").await),
        ["Two"]
    );
}

#[tokio::test]
async fn a_search_pages_by_number_in_every_sort_from_one_statement() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    for (day, title) in [
        (1, "Delta"),
        (2, "Alpha"),
        (3, "Charlie"),
        (4, "Bravo"),
        (5, "Echo"),
    ] {
        app.publish_on(&token, title, day, json!({"markdown": "A walrus story."}))
            .await;
    }
    app.publish_on(&token, "Unrelated", 6, json!({"markdown": "Nothing."}))
        .await;
    let page = |query: &str| {
        let app = &app;
        let query = format!("q=walrus&limit=2&{query}");
        async move { app.list_posts(&query).await }
    };
    // The count and the page come from the same statement: every page
    // reports the total, and the pages together hold each hit once.
    let first = page("sort=title").await;
    assert_eq!(titles(&first), ["Alpha", "Bravo"]);
    assert_eq!(first["meta"]["pagination"]["total"], 5);
    assert_eq!(first["meta"]["pagination"]["total_exact"], true);
    assert_eq!(
        titles(&page("sort=title&page=2").await),
        ["Charlie", "Delta"]
    );
    assert_eq!(titles(&page("sort=-title&page=3").await), ["Alpha"]);
    assert_eq!(
        titles(&page("sort=published_at&page=2").await),
        ["Charlie", "Bravo"]
    );
    assert_eq!(titles(&page("sort=-published_at").await), ["Echo", "Bravo"]);
    assert_eq!(titles(&page("sort=-updated_at&page=3").await), ["Delta"]);
    let past = page("page=4").await;
    assert_eq!(past["data"], json!([]));
    assert_eq!(past["meta"]["pagination"]["total"], 5);
    // Each hit carries its rank and a snippet.
    let hit = &first["data"][0];
    assert!(hit["rank"].as_f64().unwrap() > 0.0, "{hit}");
    assert_eq!(
        hit["snippet"],
        "Alpha A <mark>walrus</mark> story. A <mark>walrus</mark> story."
    );
}

#[tokio::test]
async fn search_follows_edits_and_walks_by_cursor() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app.publish_on(&token, "Plain", 1, json!({})).await;
    for day in 2..=6 {
        app.publish_on(
            &token,
            &format!("Zebra {day}"),
            day,
            json!({"markdown": "zebra ".repeat(day as usize)}),
        )
        .await;
    }
    assert_eq!(
        titles(&app.list_posts("q=xylophone").await),
        Vec::<String>::new()
    );
    app.patched_post(
        &token,
        id_of(&post),
        json!({"markdown": "now about a xylophone"}),
    )
    .await;
    assert_eq!(titles(&app.list_posts("q=xylophone").await), ["Plain"]);

    let all = titles(&app.list_posts("q=zebra").await);
    let mut seen = Vec::new();
    let mut query = "q=zebra&limit=2".to_owned();
    loop {
        let page = app.list_posts(&query).await;
        seen.extend(titles(&page));
        match page["meta"]["pagination"]["next_cursor"].as_str() {
            Some(c) => query = format!("q=zebra&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, all);
    assert_eq!(seen.len(), 5);
}

#[tokio::test]
async fn the_search_language_is_a_setting() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_SEARCH_LANGUAGE".into(), "simple".into());
    })
    .await;
    let token = app.admin_token().await;
    app.publish_on(&token, "Running", 1, json!({})).await;
    // `simple` does not stem: "run" no longer finds "running".
    assert_eq!(titles(&app.list_posts("q=run").await), Vec::<String>::new());
    let hits = app.list_posts("q=running").await;
    assert_eq!(titles(&hits), ["Running"]);
    assert_eq!(
        hits["data"][0]["snippet"],
        "<mark>Running</mark> The body of <mark>Running</mark>. The body of <mark>Running</mark>."
    );
}

#[tokio::test]
async fn snippets_mark_the_words_the_search_language_stems_to_a_match() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_SEARCH_LANGUAGE".into(), "german".into());
    })
    .await;
    let token = app.admin_token().await;
    app.publish_on(
        &token,
        "Stadtbild",
        1,
        json!({"markdown": "Die alten Häuser am Fluss. Ein Haus steht leer."}),
    )
    .await;
    // PostgreSQL's German stemmer found the post; the snippet marks the
    // same words, umlaut and plural included.
    let hits = app.list_posts("q=H%C3%A4user").await;
    assert_eq!(titles(&hits), ["Stadtbild"]);
    let snippet = hits["data"][0]["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("alten <mark>Häuser</mark> am Fluss. Ein <mark>Haus</mark> steht"),
        "{snippet}"
    );
}

#[tokio::test]
async fn an_unknown_search_language_stops_start_up() {
    let db = crate::helpers::test_db::TestDb::new().await;
    let mut env = crate::helpers::test_app::test_env(&db);
    env.insert("FOLIO_SEARCH_LANGUAGE".into(), "klingon".into());
    let config = folio::config::Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let err = folio::startup::Application::build(config)
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("FOLIO_SEARCH_LANGUAGE"), "{err}");
}

/// The plan of the list query with sequential scans priced out, as
/// PostgreSQL would choose on a large table.
async fn plan(app: &TestApp, filter: &ListFilter, sort: Sort) -> String {
    let mut conn = app.db.conn().await;
    diesel::sql_query("SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .unwrap();
    let page = page_request(sort, 0, 16, post_list::SearchPath::Collect);
    post_list::explain_page(&mut conn, filter, &page)
        .await
        .unwrap()
}

/// A page of listed posts without their bodies, from its first row.
fn page_request(sort: Sort, offset: i64, limit: i64, path: post_list::SearchPath) -> PageRequest {
    PageRequest {
        sort,
        after: None,
        offset,
        limit,
        with_markdown: false,
        with_html: false,
        with_plain_text: false,
        search_path: path,
    }
}

#[tokio::test]
async fn every_filter_and_sort_is_served_by_an_index() {
    let app = TestApp::spawn().await;
    // The benchmark's seed, smaller: the planner needs realistic statistics.
    let seed = include_str!("../../bench/seed.sql")
        .replace(":n", "5000")
        // VACUUM cannot run in the implicit transaction of a batch.
        .replace("VACUUM ANALYZE", "ANALYZE");
    let mut conn = app.db.conn().await;
    diesel_async::SimpleAsyncConnection::batch_execute(&mut conn, &seed)
        .await
        .unwrap();
    let public = ListFilter::new(Visibility::Published);
    let everything = ListFilter::new(Visibility::All);
    let by = |key, descending| Sort { key, descending };
    let cases: Vec<(&str, ListFilter, Sort, &str)> = vec![
        ("default", public.clone(), Sort::NEWEST, "posts_public_idx"),
        (
            "oldest",
            public.clone(),
            by(SortKey::PublishedAt, false),
            "posts_public_idx",
        ),
        (
            "updated",
            public.clone(),
            by(SortKey::UpdatedAt, true),
            "posts_public_updated_idx",
        ),
        (
            "title",
            public.clone(),
            by(SortKey::Title, false),
            "posts_public_title_idx",
        ),
        (
            "all, title",
            everything.clone(),
            by(SortKey::Title, true),
            "posts_title_idx",
        ),
        (
            "all, updated",
            everything.clone(),
            by(SortKey::UpdatedAt, true),
            "posts_updated_idx",
        ),
        (
            "all, newest",
            everything.clone(),
            Sort::NEWEST,
            "posts_all_idx",
        ),
        (
            "tag",
            ListFilter {
                tag: Some("tag42".into()),
                ..public.clone()
            },
            Sort::NEWEST,
            "posts_tags_idx",
        ),
        (
            "author",
            ListFilter {
                author: Some(uuid::Uuid::nil()),
                ..everything.clone()
            },
            Sort::NEWEST,
            "posts_author_published_idx",
        ),
        (
            "status",
            ListFilter {
                status: Some(folio::domain::PostStatus::Draft),
                ..everything.clone()
            },
            Sort::NEWEST,
            "posts_status_published_idx",
        ),
        (
            "metadata",
            ListFilter {
                metadata: vec![vec![json!({"n": 7})]],
                ..public.clone()
            },
            Sort::NEWEST,
            "posts_metadata_idx",
        ),
        (
            "search",
            ListFilter {
                search: Some("coffee garden".into()),
                ..public.clone()
            },
            Sort::RELEVANCE,
            "posts_search_idx",
        ),
        (
            "after",
            ListFilter {
                published_after: Some(chrono::Utc::now()),
                ..everything.clone()
            },
            Sort::NEWEST,
            "posts_all_idx",
        ),
    ];
    for (name, filter, sort, index) in cases {
        let plan = plan(&app, &filter, sort).await;
        assert!(plan.contains(index), "{name}: expected {index} in\n{plan}");
        assert!(
            !plan.contains("Seq Scan on posts"),
            "{name}: sequential scan in\n{plan}"
        );
    }
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_and_skips_the_page_query() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish_on(&token, "Only", 1, json!({})).await;
    let page: Value = app.list_posts("page=1000000&limit=100").await;
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["meta"]["pagination"]["total"], 1);
    assert_eq!(page["meta"]["pagination"]["next"], Value::Null);
}

#[tokio::test]
async fn a_huge_posts_snippet_is_cut_from_a_window_around_its_match() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    // The match lies ~1,200 characters in, and the post goes on for
    // ~300 KB: the snippet shows the match, not the start, and is short.
    let body = format!(
        "{} The pangolin sleeps here. {}",
        "Nothing to see. ".repeat(75),
        "More filler text follows. ".repeat(12_000)
    );
    app.publish_on(&token, "A long read", 1, json!({ "markdown": body }))
        .await;
    let hits = app.list_posts("q=pangolins").await;
    assert_eq!(titles(&hits), ["A long read"]);
    let snippet = hits["data"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>pangolin</mark>"), "{snippet}");
    assert!(snippet.len() < 600, "{} bytes: {snippet}", snippet.len());
}

#[tokio::test]
async fn a_search_counts_up_to_its_cap_then_lists_the_newest_first() {
    let app = TestApp::spawn().await;
    let cap = post_list::SEARCH_COUNT_CAP;
    seed_walruses(&app, cap + 5).await;
    let page = app.list_posts("q=walrus&limit=3").await;
    let pagination = &page["meta"]["pagination"];
    assert_eq!(pagination["total"], cap, "{pagination}");
    assert_eq!(pagination["total_exact"], false);
    assert_eq!(pagination["pages"], (cap + 2) / 3);
    // Equal ranks or not, more matches than are ranked come newest first,
    // and a cursor goes on in that order.
    let expected =
        |from: i64| -> Vec<String> { (0..3).map(|k| format!("Walrus {}", from - k)).collect() };
    assert_eq!(titles(&page), expected(cap + 5));
    assert!(page["data"][0]["rank"].as_f64().unwrap() > 0.0);
    let cursor = pagination["next_cursor"].as_str().unwrap();
    let next = app
        .list_posts(&format!("q=walrus&limit=3&cursor={cursor}"))
        .await;
    assert_eq!(titles(&next), expected(cap + 2));
    // Page numbers end at the cap.
    let last = app
        .list_posts(&format!("q=walrus&limit=3&page={}", (cap + 2) / 3))
        .await;
    assert_eq!(last["meta"]["pagination"]["next"], Value::Null);
    // A narrower search is counted exactly and ranked.
    let few = app.list_posts("q=%22walrus%201000%22").await;
    assert_eq!(titles(&few), ["Walrus 1000"]);
    assert_eq!(few["meta"]["pagination"]["total_exact"], true, "{few}");
}

/// A search's first statement parses the query once for everything it
/// computes from it (the rank, the estimate, the snippets' lexemes), and
/// counts its matches once for both the total and whether to read the page.
/// Each use of a placeholder or of an inlined expression is run again:
/// three parses and two counts before.
#[tokio::test]
async fn a_search_parses_its_query_and_counts_its_matches_once() {
    let app = TestApp::spawn().await;
    seed_walruses(&app, 30).await;
    let mut conn = app.db.conn().await;
    let filter = ListFilter::new(Visibility::Published);
    let page = page_request(Sort::RELEVANCE, 0, 16, post_list::SearchPath::Collect);
    let plan = post_list::explain_analyze_search_first(&mut conn, &filter, "walrus", &page)
        .await
        .unwrap();
    // The count, and the sort of the hits for the page.
    assert_eq!(plan.matches("CTE Scan on hits").count(), 2, "{plan}");
    assert_eq!(plan.matches("Aggregate").count(), 1, "{plan}");
    // The shared query, and the language for the index's condition.
    assert_eq!(plan.matches("on search_settings").count(), 2, "{plan}");
    // And the statement still finds and ranks what it did.
    let (found, posts) = post_list::search_first(&mut conn, &filter, "walrus", &page)
        .await
        .unwrap();
    assert_eq!(found.counted, Some(30));
    assert_eq!(posts.len(), 16);
    assert!(posts.iter().all(|p| p.rank.is_some_and(|r| r > 0.0)));
}

/// `n` posts titled `Walrus i`, all matching `walrus`, published a day
/// apart: straight into the table (the trigger indexes them as a write
/// would).
async fn seed_walruses(app: &TestApp, n: i64) {
    let mut conn = app.db.conn().await;
    diesel::sql_query(format!(
        "INSERT INTO posts (id, slug, title, markdown, html, plain_text, excerpt, status, \
         published_at, author_id) \
         SELECT gen_random_uuid(), 'walrus-' || i, 'Walrus ' || i, 'walrus facts', \
         '<p>walrus facts</p>', 'walrus facts', 'walrus facts', 'published', \
         timestamptz '2020-01-01' + i * interval '1 day', (SELECT id FROM users LIMIT 1) \
         FROM generate_series(1, {n}) AS i"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
}

/// `n` walruses (see [`seed_walruses`]) under fresh statistics, a
/// connection to plan and read on, and the search of the public posts for
/// them.
async fn analysed_walruses(app: &TestApp, n: i64) -> (diesel_async::AsyncPgConnection, ListFilter) {
    seed_walruses(app, n).await;
    let mut conn = app.db.conn().await;
    diesel::sql_query("ANALYZE posts")
        .execute(&mut conn)
        .await
        .unwrap();
    let filter = ListFilter {
        search: Some("walrus".into()),
        ..ListFilter::new(Visibility::Published)
    };
    (conn, filter)
}

#[tokio::test]
async fn a_walk_on_a_site_of_a_few_thousand_posts_reads_the_newest_first() {
    let app = TestApp::spawn().await;
    // Few enough posts that PostgreSQL, told that a search matches one
    // post in two hundred, would rather test every post and sort the
    // matches than walk the index until it has a page.
    let n = 3_000;
    let (mut conn, filter) = analysed_walruses(&app, n).await;
    let page = page_request(Sort::NEWEST, 0, 16, post_list::SearchPath::Walk);
    let plan = post_list::explain_page(&mut conn, &filter, &page)
        .await
        .unwrap();
    assert!(plan.contains("posts_public_idx"), "{plan}");
    assert!(!plan.contains("Seq Scan on posts"), "{plan}");
    let rows = post_list::page(&mut conn, &filter, &page).await.unwrap();
    let titles: Vec<_> = rows.iter().map(|r| r.title.as_str().to_owned()).collect();
    let expected: Vec<_> = (n - 15..=n).rev().map(|i| format!("Walrus {i}")).collect();
    assert_eq!(titles, expected);
}

#[tokio::test]
async fn a_walked_page_keeps_its_plan_from_run_to_run() {
    let app = TestApp::spawn().await;
    // Enough posts that a plan for a tenth of them costs more than one
    // for the page at hand, as on a real site.
    let n = 20_000;
    let (mut conn, filter) = analysed_walruses(&app, n).await;
    let walk = |offset: i64| page_request(Sort::NEWEST, offset, 4, post_list::SearchPath::Walk);
    // Prepared statements and their plans belong to one connection.
    #[derive(diesel::QueryableByName)]
    struct Plans {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement: String,
        #[diesel(sql_type = diesel::sql_types::Int8)]
        generic_plans: i64,
        #[diesel(sql_type = diesel::sql_types::Int8)]
        custom_plans: i64,
    }
    let run = async |conn: &mut diesel_async::AsyncPgConnection, offset: i64| {
        let rows = post_list::page(conn, &filter, &walk(offset)).await.unwrap();
        let titles: Vec<_> = rows.iter().map(|r| r.title.as_str().to_owned()).collect();
        let newest = n - offset;
        let expected: Vec<_> = (newest - 3..=newest)
            .rev()
            .map(|i| format!("Walrus {i}"))
            .collect();
        assert_eq!(titles, expected);
    };
    for _ in 0..8 {
        run(&mut conn, 0).await;
    }
    let plans: Vec<Plans> = diesel::sql_query(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements \
         WHERE statement LIKE '%ts_match_vq%' AND statement NOT LIKE '%pg_prepared_statements%'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    // The first page's statement (its page size written in) is planned
    // once and kept, not planned again on every run.
    let [first] = &plans[..] else {
        panic!("{} walk statements", plans.len());
    };
    assert!(
        first.generic_plans >= 3,
        "{} generic, {} custom: {}",
        first.generic_plans,
        first.custom_plans,
        first.statement
    );
    // A deeper page (`LIMIT` and `OFFSET` bound) is planned for the
    // values at hand, and walks on from there.
    run(&mut conn, 4).await;
    // Kept or not, the plan walks the newest posts.
    let plan = post_list::explain_page(&mut conn, &filter, &walk(0))
        .await
        .unwrap();
    assert!(plan.contains("posts_public_idx"), "{plan}");
}

/// Posts whose stored search vectors differ from what the SQL functions
/// (the language change's re-index) make of their text.
async fn vectors_out_of_step(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT count(*) AS n FROM posts, search_settings s \
         WHERE search_vector IS DISTINCT FROM \
               posts_search_vector(s.language, title, excerpt, markdown, tags) \
            OR search_rank_vector IS DISTINCT FROM \
               posts_search_rank_vector(s.language, title, excerpt, tags)",
    )
    .await
}

/// The `n` of a `SELECT count(*) AS n …`.
async fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db.conn().await;
    let count: Count = diesel::sql_query(sql).get_result(&mut conn).await.unwrap();
    count.n
}

#[tokio::test]
async fn the_trigger_indexes_a_post_as_the_search_functions_do() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let post = app
        .draft_with(
            &token,
            "Otters at play",
            json!({
                "markdown": "# Rivers\n\nOtters **slide** down [banks](https://example.com/banks).\n\n```\nlet otter = 1;\n```",
                "excerpt": "Playful mustelids",
                "tags": ["Wild life", "rivers"],
            }),
        )
        .await;
    app.draft(&token, "No tags, no excerpt").await;
    assert_eq!(vectors_out_of_step(&app).await, 0);
    let id = id_of(&post);

    // Each part of the vector changes alone, and the search follows it.
    for (change, word) in [
        (json!({"title": "Beavers at work"}), "beaver"),
        (json!({"tags": ["dams"]}), "dams"),
        (json!({"excerpt": "Busy rodents"}), "rodent"),
        (json!({"markdown": "Lodges of *sticks*."}), "sticks"),
    ] {
        app.patched_post(&token, id, change).await;
        assert_eq!(vectors_out_of_step(&app).await, 0, "after {word}");
        let hits = app
            .get_json_as(&token, &format!("/api/v1/posts?q={word}&status=draft"))
            .await;
        assert_eq!(titles(&hits), ["Beavers at work"], "{word}");
    }
    // A change that leaves the text alone keeps the vectors it had.
    app.patched_post(
        &token,
        id,
        json!({"status": "published", "slug": "beavers"}),
    )
    .await;
    assert_eq!(vectors_out_of_step(&app).await, 0);
    assert_eq!(
        titles(&app.list_posts("q=lodges").await),
        ["Beavers at work"]
    );
    assert_eq!(
        titles(&app.list_posts("q=otter").await),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_new_search_language_re_indexes_the_posts_already_written() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.publish_on(&token, "Running", 1, json!({"tags": ["Jogging"]}))
        .await;
    let mut conn = app.db.conn().await;
    // What start-up does when FOLIO_SEARCH_LANGUAGE changed: every post's
    // vectors made again in the new language, by one statement.
    assert!(
        post_list::set_search_language(&mut conn, "simple")
            .await
            .unwrap()
    );
    assert_eq!(vectors_out_of_step(&app).await, 0);
    // `simple` does not stem: "run" no longer finds "Running".
    assert_eq!(titles(&app.list_posts("q=run").await), Vec::<String>::new());
    assert_eq!(titles(&app.list_posts("q=jogging").await), ["Running"]);
}

/// The text a snippet is cut from is kept apart from the post, by
/// triggers (`post_snippet_sources`): every way of writing a body must
/// keep it, and it must end where [`post_list::SNIPPET_SOURCE_CHARS`] says.
#[tokio::test]
async fn a_snippet_follows_every_write_of_the_body_and_ends_where_its_source_does() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let mark = |hits: &Value| hits["data"][0]["snippet"].as_str().unwrap().to_owned();

    // "okapi" ends 6 characters inside the source, "quokka" starts past
    // it: the post is found by both, but only the first is in its snippet.
    let pad = "filler ".repeat(post_list::SNIPPET_SOURCE_CHARS / 7 - 1);
    let body = format!("{pad}okapi {}quokka", "filler ".repeat(20));
    let post = app
        .publish_on(&token, "Zoo", 1, json!({ "markdown": body }))
        .await;
    let id = id_of(&post).to_owned();
    assert!(mark(&app.list_posts("q=okapi").await).contains("<mark>okapi</mark>"));
    let far = app.list_posts("q=quokka").await;
    assert_eq!(titles(&far), ["Zoo"]);
    assert!(!mark(&far).contains("quokka"), "{far}");

    // An edit of the body.
    app.patched_post(&token, &id, json!({"markdown": "The wombat digs."}))
        .await;
    assert!(mark(&app.list_posts("q=wombat").await).contains("<mark>wombat</mark>"));
    assert!(!mark(&app.list_posts("q=zoo").await).contains("okapi"));

    // A bulk import, creating one post and rewriting the other.
    let res = app
        .call(
            reqwest::Method::POST,
            "/api/v1/bulk/posts",
            Some(&token),
            Some(json!([
                {"slug": "zoo", "title": "Zoo", "markdown": "A tapir naps.", "status": "published"},
                {"slug": "farm", "title": "Farm", "markdown": "An alpaca grazes.", "status": "published"}
            ])),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(mark(&app.list_posts("q=tapir").await).contains("<mark>tapir</mark>"));
    assert!(mark(&app.list_posts("q=alpaca").await).contains("<mark>alpaca</mark>"));

    // A deleted post takes its source with it.
    assert_eq!(snippet_sources(&app).await, 2);
    assert_eq!(app.delete_post(&token, &id).await.status(), 204);
    assert_eq!(snippet_sources(&app).await, 1);
}

async fn snippet_sources(app: &TestApp) -> i64 {
    count(app, "SELECT count(*) AS n FROM post_snippet_sources").await
}

/// `posts_search_estimate` for public posts, as a search statement calls
/// it: (the matches it is sure of, the posts there are).
async fn estimate(app: &TestApp, q: &str) -> (f64, f64) {
    #[derive(diesel::QueryableByName)]
    struct Estimate {
        #[diesel(sql_type = diesel::sql_types::Float8)]
        matches: f64,
        #[diesel(sql_type = diesel::sql_types::Float8)]
        posts: f64,
    }
    let mut conn = app.db.conn().await;
    let e: Estimate = diesel::sql_query(
        "SELECT matches, posts FROM posts_search_estimate(websearch_to_tsquery('english', $1), true, 2000)",
    )
    .bind::<diesel::sql_types::Text, _>(q)
    .get_result(&mut conn)
    .await
    .unwrap();
    (e.matches, e.posts)
}

#[tokio::test]
async fn the_estimate_reads_the_statistics_each_instance_copies_on_its_tick() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_SCHEDULER_INTERVAL_MS".into(), "50".into());
    })
    .await;
    // 3,000 published posts about walruses, every other one about narwhals
    // too, and 1,000 drafts about both.
    let mut conn = app.db.conn().await;
    diesel::sql_query(
        "INSERT INTO posts (id, slug, title, markdown, html, plain_text, excerpt, status, \
         published_at, author_id) \
         SELECT gen_random_uuid(), 'walrus-' || i, 'Walrus ' || i, t, '<p>' || t || '</p>', t, t, \
         CASE WHEN i > 3000 THEN 'draft' ELSE 'published' END, \
         CASE WHEN i > 3000 THEN NULL ELSE timestamptz '2020-01-01' + i * interval '1 hour' END, \
         (SELECT id FROM users LIMIT 1) \
         FROM generate_series(1, 4000) AS i, \
         LATERAL (SELECT CASE WHEN i % 2 = 0 OR i > 3000 THEN 'walrus narwhal' ELSE 'walrus' END AS t) w",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("ANALYZE posts")
        .execute(&mut conn)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    while estimate(&app, "narwhal").await.0 == 0.0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the scheduler never copied the statistics"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Shares of the 4,000 posts, applied to the 3,000 published ones.
    let (narwhal, posts) = estimate(&app, "narwhal").await;
    assert!((posts - 3000.0).abs() < 1.0, "{posts}");
    assert!((narwhal - 1875.0).abs() < 50.0, "{narwhal}");
    assert!((estimate(&app, "walrus").await.0 - 3000.0).abs() < 1.0);
    assert!((estimate(&app, "walrus narwhal").await.0 - 1875.0).abs() < 50.0);
    assert!((estimate(&app, "walrus or narwhal").await.0 - 3000.0).abs() < 1.0);
    // What the statistics cannot bound is counted instead.
    assert_eq!(estimate(&app, "walrus -narwhal").await.0, 0.0);
    assert_eq!(estimate(&app, "\"walrus narwhal\"").await.0, 0.0);
    assert_eq!(estimate(&app, "pangolin").await.0, 0.0);
    // Ticks that find nothing new write nothing.
    let refreshed_at = || {
        count(
            &app,
            "SELECT (extract(epoch FROM refreshed_at) * 1000000)::int8 AS n FROM search_statistics",
        )
    };
    let before = refreshed_at().await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(refreshed_at().await, before);
}

/// What the statistics said of a large search is remembered by the
/// instance for one scheduler interval (`folio::search_estimates`): a
/// repeated search goes straight to its page. After that it asks again.
#[tokio::test]
async fn an_instance_remembers_a_search_the_statistics_made_large() {
    // Past the estimate's threshold: the statistics say "large".
    remembered_for_one_interval(2_500).await;
}

/// A search counted to the cap (the statistics not sure it is large) is
/// remembered the same way: counting cost as much as reading 1,000
/// matches, on every run.
#[tokio::test]
async fn an_instance_remembers_a_search_counted_to_the_cap() {
    // Too few posts for the statistics to say "large": counted.
    remembered_for_one_interval(1_200).await;
}

/// An author's search counts their own drafts beside the public posts:
/// what it counted is never remembered for everyone else's search.
#[tokio::test]
async fn an_authors_count_is_not_remembered_for_the_public() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_CACHE_MAX_BYTES".into(), "0".into());
    })
    .await;
    let cap = post_list::SEARCH_COUNT_CAP;
    seed_walruses(&app, cap - 5).await;
    let (author, token) = app.user_with_role("author").await;
    let mut conn = app.db.conn().await;
    diesel::sql_query(format!(
        "INSERT INTO posts (id, slug, title, markdown, html, plain_text, excerpt, status, \
         author_id) \
         SELECT gen_random_uuid(), 'draft-walrus-' || i, 'Draft walrus ' || i, 'walrus facts', \
         '<p>walrus facts</p>', 'walrus facts', 'walrus facts', 'draft', '{author}' \
         FROM generate_series(1, 10) AS i"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    // The author's search counts to the cap: their drafts are in it.
    let theirs = app
        .get_json_as(&token, "/api/v1/posts?q=walrus&limit=3")
        .await;
    assert_eq!(
        theirs["meta"]["pagination"]["total_exact"], false,
        "{theirs}"
    );
    // The public's, straight after, counts the public posts.
    let public = app.list_posts("q=walrus&limit=3").await;
    assert_eq!(public["meta"]["pagination"]["total"], cap - 5, "{public}");
    assert_eq!(public["meta"]["pagination"]["total_exact"], true);
}

/// `walruses` published posts matching `walrus`, a search that is large;
/// then only ten left: within one scheduler interval the instance still
/// plans the search as large, after it counts again. A search counted
/// below the cap is never remembered.
async fn remembered_for_one_interval(walruses: i64) {
    // Long enough for a slow machine to delete and analyse in between.
    let interval = std::time::Duration::from_secs(3);
    let app = TestApp::spawn_with(|env| {
        env.insert(
            "FOLIO_SCHEDULER_INTERVAL_MS".into(),
            interval.as_millis().to_string(),
        );
        // Every answer from the database, none from the response cache.
        env.insert("FOLIO_CACHE_MAX_BYTES".into(), "0".into());
    })
    .await;
    let mut conn = app.db.conn().await;
    let sql = |sql: &'static str| diesel::sql_query(sql);
    seed_walruses(&app, walruses).await;
    analyse_and_copy_statistics(&mut conn).await;
    let asked = std::time::Instant::now();
    let large = app.list_posts("q=walrus&limit=3").await;
    // The search was remembered between these two moments.
    let answered = std::time::Instant::now();
    let pagination = &large["meta"]["pagination"];
    assert_eq!(pagination["total"], post_list::SEARCH_COUNT_CAP, "{large}");
    assert_eq!(pagination["total_exact"], false);
    let newest: Vec<_> = (walruses - 2..=walruses)
        .rev()
        .map(|i| format!("Walrus {i}"))
        .collect();
    assert_eq!(titles(&large), newest);

    // Ten walruses left, and statistics that say so, in one transaction
    // so that no tick of the instance sees them before its copy does.
    sql("BEGIN").execute(&mut conn).await.unwrap();
    sql(
        "DELETE FROM posts WHERE slug LIKE 'walrus-%' AND title NOT IN \
         (SELECT 'Walrus ' || i FROM generate_series(1, 10) AS i)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    analyse_and_copy_statistics(&mut conn).await;
    sql("COMMIT").execute(&mut conn).await.unwrap();

    // Within the interval the instance plans from what it remembered: the
    // page is right (the posts are read afresh), the total a lower bound.
    let remembered = app.list_posts("q=walrus&limit=3").await;
    assert!(
        asked.elapsed() < interval,
        "the machine was too slow for this test"
    );
    assert_eq!(remembered["meta"]["pagination"]["total_exact"], false);
    assert_eq!(titles(&remembered), ["Walrus 10", "Walrus 9", "Walrus 8"]);
    // A search with another filter never uses it: counted.
    let filtered = app
        .list_posts("q=walrus&limit=3&published_after=2019-01-01T00:00:00Z")
        .await;
    assert!(
        asked.elapsed() < interval,
        "the machine was too slow for this test"
    );
    assert_eq!(filtered["meta"]["pagination"]["total"], 10, "{filtered}");
    // After it, the search is asked again: few, counted and ranked.
    tokio::time::sleep(interval.saturating_sub(answered.elapsed())).await;
    let fresh = app.list_posts("q=walrus&limit=3").await;
    assert_eq!(fresh["meta"]["pagination"]["total"], 10, "{fresh}");
    assert_eq!(fresh["meta"]["pagination"]["total_exact"], true);
    // Counted below the cap, it was not remembered: a new walrus counts.
    sql(
        "INSERT INTO posts (id, slug, title, markdown, html, plain_text, excerpt, status, \
         published_at, author_id) \
         SELECT gen_random_uuid(), 'walrus-new', 'Walrus new', markdown, html, plain_text, \
         excerpt, status, published_at, author_id FROM posts WHERE slug = 'walrus-10'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let one_more = app.list_posts("q=walrus&limit=3").await;
    assert_eq!(one_more["meta"]["pagination"]["total"], 11, "{one_more}");
}

/// What autovacuum and the next scheduler tick would do: fresh statistics
/// for `posts`, and the copy a search's estimate reads.
async fn analyse_and_copy_statistics(conn: &mut diesel_async::AsyncPgConnection) {
    diesel::sql_query("ANALYZE posts")
        .execute(conn)
        .await
        .unwrap();
    diesel::sql_query("SELECT folio_refresh_search_statistics()")
        .execute(conn)
        .await
        .unwrap();
}
