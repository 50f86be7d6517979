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
        assert_eq!(tables(&mut conn), ["post_change_counter", "post_revisions", "post_slug_aliases", "post_tombstones", "posts", "tag_names", "tags", "users"]);
        conn.revert_all_migrations(folio::db::MIGRATIONS).unwrap();
        assert!(tables(&mut conn).is_empty(), "{:?}", tables(&mut conn));
        conn.run_pending_migrations(folio::db::MIGRATIONS).unwrap();
        assert_eq!(tables(&mut conn), ["post_change_counter", "post_revisions", "post_slug_aliases", "post_tombstones", "posts", "tag_names", "tags", "users"]);
    })
    .await
    .unwrap();
}
