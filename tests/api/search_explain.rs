//! `bench/search_explain.sh`: the statements of a search, exactly as
//! `GET /api/v1/posts?q=…` sends them, under `EXPLAIN (ANALYZE, BUFFERS)`
//! on seeded posts, with PostgreSQL's CPU time per search. Ignored: a
//! benchmark, not a test.
//!
//! `SEARCH_EXPLAIN_POSTS` (1000) posts are seeded with
//! `bench/search_seed.sql` into a fresh test database; or
//! `SEARCH_EXPLAIN_DATABASE_URL` names a database already migrated and
//! seeded (the script's `--keep`).

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use folio::db::post_list::{self, ListFilter, PageRequest, Sort};
use folio::domain::Visibility;

/// What the benchmark searches for: (name, query, tag filter).
const CASES: &[(&str, &str, Option<&str>)] = &[
    ("rare word (~0.15% of posts)", "k123", None),
    ("topic word (~25%)", "rust", None),
    ("common word (~98%)", "server", None),
    ("two common words", "server review", None),
    ("phrase", "\"rust notes\"", None),
    ("topic word and a tag", "rust", Some("search")),
    ("no match", "xylophone", None),
];

/// Searches run per case to time PostgreSQL's CPU.
const TIMED_RUNS: u32 = 50;

#[tokio::test]
#[ignore = "a benchmark: bench/search_explain.sh runs it"]
async fn search_explain() {
    let (mut conn, _db) = match std::env::var("SEARCH_EXPLAIN_DATABASE_URL") {
        Ok(url) => (AsyncPgConnection::establish(&url).await.unwrap(), None),
        Err(_) => {
            let db = crate::helpers::test_db::TestDb::new().await;
            let posts: u32 = std::env::var("SEARCH_EXPLAIN_POSTS")
                .map_or(1000, |n| n.parse().expect("SEARCH_EXPLAIN_POSTS: a number"));
            let mut conn = db.conn().await;
            let seed = include_str!("../../bench/search_seed.sql")
                .replace(":n", &posts.to_string())
                .replace("VACUUM ANALYZE posts;", "")
                .replace("VACUUM ANALYZE users;", "");
            let started = std::time::Instant::now();
            conn.batch_execute(&seed).await.unwrap();
            // Statistics and a visibility map, as autovacuum would leave.
            conn.batch_execute("VACUUM ANALYZE posts").await.unwrap();
            conn.batch_execute("VACUUM ANALYZE users").await.unwrap();
            println!("seeded {posts} posts in {:.0?}", started.elapsed());
            (conn, Some(db))
        }
    };
    // What each instance's scheduler tick does: the estimate reads this copy.
    post_list::refresh_search_statistics(&mut conn)
        .await
        .unwrap();
    print_sizes(&mut conn).await;
    for &(name, q, tag) in CASES {
        let filter = ListFilter {
            search: Some(q.to_owned()),
            tag: tag.map(str::to_owned),
            ..ListFilter::new(Visibility::Published)
        };
        // The first page of 15, as `GET /api/v1/posts?q=…` reads it: one
        // statement that counts and, when the matches are few, reads the
        // page; a second one for the page when they are many.
        let page = |plan: post_list::SearchPlan| PageRequest {
            sort: plan.sort,
            after: None,
            offset: 0,
            limit: 16,
            with_markdown: false,
            with_html: false,
            with_plain_text: false,
            search_path: plan.path,
        };
        let first = page(post_list::SearchPlan {
            sort: Sort::RELEVANCE,
            path: post_list::SearchPath::Collect,
        });
        let (found, _) = post_list::search_first(&mut conn, &filter, q, &first)
            .await
            .unwrap();
        let plan = post_list::plan_search(&found, Sort::RELEVANCE, None, 0, 16);
        let second = found.is_large().then(|| page(plan));
        println!(
            "\n### {name}: q={q}{}\n\ncounted {:?}, estimated {:.0} of {:.0} posts; total {:?}; \
             page read by {:?} in {:?} order{}",
            tag.map(|t| format!("&tag={t}")).unwrap_or_default(),
            found.counted,
            found.estimated,
            found.posts,
            found.total(),
            plan.path,
            plan.sort.key,
            if second.is_some() {
                ", by a second statement"
            } else {
                ""
            },
        );
        let ms = cpu_ms(&mut conn, async |conn| {
            post_list::search_first(conn, &filter, q, &first)
                .await
                .unwrap();
            if let Some(second) = &second {
                post_list::page(conn, &filter, second).await.unwrap();
            }
        })
        .await;
        println!("PostgreSQL CPU per search: {ms:.2} ms");
        print_plan_cache(&mut conn).await;
        println!("```");
        println!(
            "{}",
            post_list::explain_analyze_search_first(&mut conn, &filter, q, &first)
                .await
                .unwrap()
        );
        if let Some(second) = &second {
            println!();
            println!(
                "{}",
                post_list::explain_analyze_page(&mut conn, &filter, second)
                    .await
                    .unwrap()
            );
        }
        println!("```");
    }
}

/// Whether PostgreSQL planned the cached statements once (generic plans)
/// or on every run (custom plans), which would cost each search a plan.
async fn print_plan_cache(conn: &mut AsyncPgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Plans {
        #[diesel(sql_type = diesel::sql_types::Int8)]
        generic: i64,
        #[diesel(sql_type = diesel::sql_types::Int8)]
        custom: i64,
    }
    let p: Plans = diesel::sql_query(
        "SELECT coalesce(sum(generic_plans), 0)::int8 AS generic, \
         coalesce(sum(custom_plans), 0)::int8 AS custom FROM pg_prepared_statements",
    )
    .get_result(conn)
    .await
    .unwrap();
    println!(
        "prepared statements so far: {} runs with a generic plan, {} planned for their values\n",
        p.generic, p.custom
    );
}

async fn print_sizes(conn: &mut AsyncPgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Sizes {
        #[diesel(sql_type = diesel::sql_types::Int8)]
        posts: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        heap: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        search_index: String,
    }
    let s: Sizes = diesel::sql_query(
        "SELECT (SELECT count(*) FROM posts) AS posts, \
         pg_size_pretty(pg_relation_size('posts')) AS heap, \
         pg_size_pretty(pg_relation_size('posts_search_idx')) AS search_index",
    )
    .get_result(conn)
    .await
    .unwrap();
    println!(
        "{} posts; heap {}, search index {}",
        s.posts, s.heap, s.search_index
    );
}

/// PostgreSQL's CPU time per run of `search`, in ms: the backend's user
/// and system ticks over [`TIMED_RUNS`] runs, after one to warm up (the
/// machine is shared; CPU time is steadier than wall time).
async fn cpu_ms(conn: &mut AsyncPgConnection, search: impl AsyncFn(&mut AsyncPgConnection)) -> f64 {
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Int4)]
        pid: i32,
    }
    let pid: Pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result(conn)
        .await
        .unwrap();
    let ticks = || {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.pid))
            .expect("PostgreSQL on this machine");
        // Fields 14 and 15 (utime, stime), counted after the command's
        // closing parenthesis.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<u64> = rest
            .split(' ')
            .skip(11)
            .take(2)
            .map(|f| f.parse().unwrap())
            .collect();
        fields[0] + fields[1]
    };
    search(conn).await;
    let before = ticks();
    for _ in 0..TIMED_RUNS {
        search(conn).await;
    }
    let after = ticks();
    // Linux counts 100 ticks a second.
    #[allow(clippy::cast_precision_loss)]
    let ms = (after - before) as f64 * 10.0 / f64::from(TIMED_RUNS);
    ms
}
