//! A fresh PostgreSQL database per test, cloned from a template that is
//! migrated once per migration set, and dropped when the test ends.

use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio::sync::OnceCell;

/// The server the tests use: `TEST_DATABASE_URL` without a database name.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

pub fn database_url(name: &str) -> String {
    format!("{}/{name}", server_url())
}

async fn admin_conn() -> AsyncPgConnection {
    AsyncPgConnection::establish(&database_url("postgres"))
        .await
        .expect("PostgreSQL must be reachable at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432)")
}

/// A name that changes whenever any migration changes, so a stale
/// template is never reused.
fn template_name() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut entries: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations/")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for dir in entries {
        for file in ["up.sql", "down.sql"] {
            let bytes = std::fs::read(dir.join(file)).unwrap_or_default();
            for b in dir.to_string_lossy().bytes().chain(bytes) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    format!("folio_tpl_{hash:016x}")
}

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(name)
            .get_result(conn)
            .await
            .expect("query pg_database");
    found.exists
}

/// Creates the migrated template once. Built under a temporary name and
/// renamed when complete, so a crash never leaves a half-migrated template
/// and concurrent test binaries cannot both build it.
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            let mut conn = admin_conn().await;
            if !database_exists(&mut conn, &name).await {
                let tmp = format!("folio_tpl_tmp_{}", uuid::Uuid::new_v4().simple());
                diesel::sql_query(format!("CREATE DATABASE {tmp}"))
                    .execute(&mut conn)
                    .await
                    .expect("create template");
                folio::db::migrate(&database_url(&tmp))
                    .await
                    .expect("migrate template");
                let renamed = diesel::sql_query(format!("ALTER DATABASE {tmp} RENAME TO {name}"))
                    .execute(&mut conn)
                    .await;
                if renamed.is_err() {
                    // Another process finished first; use theirs.
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {tmp} WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                }
            }
            name
        })
        .await
}

pub struct TestDb {
    pub name: String,
}

impl TestDb {
    pub async fn new() -> Self {
        let template = template().await;
        let name = format!("folio_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = admin_conn().await;
        // Cloning can briefly fail while another test clones the same
        // template ("being accessed by other users"): retry.
        let mut tries = 0;
        loop {
            match diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(&mut conn)
                .await
            {
                Ok(_) => break,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        Self { name }
    }

    pub fn url(&self) -> String {
        database_url(&self.name)
    }

    pub async fn conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url())
            .await
            .expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // The media folder the test app stored files in (see `test_env`).
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join("folio-test-media").join(&name));
        // Drop runs outside any async context we can rely on: use a thread
        // with its own small runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mut conn = admin_conn().await;
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            });
        })
        .join();
    }
}
