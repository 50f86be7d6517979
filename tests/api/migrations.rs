use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;

use crate::helpers::test_db::TestDb;

/// Every `down.sql` undoes its `up.sql`: revert everything, check nothing
/// is left, and apply everything again.
#[tokio::test]
async fn migrations_revert_cleanly_and_apply_again() {
    let db = TestDb::new().await;
    let url = db.url();
    tokio::task::spawn_blocking(move || {
        use diesel::{Connection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            table_name: String,
        }
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).unwrap();
        let tables = |conn: &mut AsyncConnectionWrapper<AsyncPgConnection>| -> Vec<String> {
            diesel::sql_query(
                "SELECT table_name::text AS table_name FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' ORDER BY 1",
            )
            .load::<Name>(conn)
            .unwrap()
            .into_iter()
            .map(|n| n.table_name)
            .collect()
        };
        assert_eq!(tables(&mut conn), ["api_keys", "login_throttle", "post_change_counter", "post_revisions", "post_slug_aliases", "post_tombstones", "posts", "refresh_tokens", "search_settings", "tag_names", "tags", "users"]);
        conn.revert_all_migrations(folio::db::MIGRATIONS).unwrap();
        assert!(tables(&mut conn).is_empty(), "{:?}", tables(&mut conn));
        conn.run_pending_migrations(folio::db::MIGRATIONS).unwrap();
        assert_eq!(tables(&mut conn), ["api_keys", "login_throttle", "post_change_counter", "post_revisions", "post_slug_aliases", "post_tombstones", "posts", "refresh_tokens", "search_settings", "tag_names", "tags", "users"]);
    })
    .await
    .unwrap();
}

/// Posts imported before the SEO columns kept those front-matter keys in
/// metadata; the migration moves them into the columns, and reverting it
/// puts them back.
#[tokio::test]
async fn the_seo_migration_moves_metadata_keys_into_columns_and_back() {
    let db = TestDb::new().await;
    let url = db.url();
    tokio::task::spawn_blocking(move || {
        use diesel::{Connection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            metadata: String,
        }
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url).unwrap();
        // Back to just before the SEO columns.
        while conn
            .applied_migrations()
            .unwrap()
            .iter()
            .any(|v| v.to_string().contains("000505"))
        {
            conn.revert_last_migration(folio::db::MIGRATIONS).unwrap();
        }
        diesel::sql_query(
            "INSERT INTO users (id, email, name, password_hash, role) \
             VALUES ('00000000-0000-7000-8000-000000000001', 'old@example.com', 'Old', 'x', 'author')",
        )
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(
            "INSERT INTO posts (id, slug, title, markdown, html, excerpt, status, metadata, author_id) \
             VALUES ('00000000-0000-7000-8000-000000000002', 'old', 'Old', '', '', '', 'draft', \
             '{\"featured\": true, \"meta_title\": \"T\", \"og_image\": 3, \"series\": \"s\"}', \
             '00000000-0000-7000-8000-000000000001')",
        )
        .execute(&mut conn)
        .unwrap();
        conn.run_pending_migrations(folio::db::MIGRATIONS).unwrap();
        let moved: Row = diesel::sql_query(
            "SELECT jsonb_build_object('metadata', metadata, 'featured', featured, \
             'meta_title', meta_title, 'og_image', og_image)::text AS metadata FROM posts",
        )
        .get_result(&mut conn)
        .unwrap();
        let moved: serde_json::Value = serde_json::from_str(&moved.metadata).unwrap();
        assert_eq!(
            moved,
            serde_json::json!({"metadata": {"og_image": 3, "series": "s"}, "featured": true,
                               "meta_title": "T", "og_image": null})
        );
        while conn
            .applied_migrations()
            .unwrap()
            .iter()
            .any(|v| v.to_string().contains("000505"))
        {
            conn.revert_last_migration(folio::db::MIGRATIONS).unwrap();
        }
        let back: Row = diesel::sql_query("SELECT metadata::text AS metadata FROM posts")
            .get_result(&mut conn)
            .unwrap();
        let back: serde_json::Value = serde_json::from_str(&back.metadata).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"featured": true, "meta_title": "T", "og_image": 3, "series": "s"})
        );
    })
    .await
    .unwrap();
}
