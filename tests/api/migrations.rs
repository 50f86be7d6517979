//! The migrations in `migrations/` against a real PostgreSQL.
//!
//! Every `down.sql` must undo its `up.sql` exactly: the round-trip test
//! compares `pg_dump --schema-only` of the database before a migration is
//! applied with the dump after it is reverted, so a leftover trigger,
//! function, index, column default or comment fails it, not just a
//! leftover table (Lemmy does the same in
//! `crates/diesel_utils/src/schema_setup/mod.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use diesel::{Connection, RunQueryDsl};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;

use crate::helpers::test_db::{TestDb, database_url};

type BlockingPg = AsyncConnectionWrapper<AsyncPgConnection>;

/// Starting from a database with no migrations, each migration in turn is
/// applied, reverted — and the schema must then be exactly what it was
/// before — and applied again. At the end, reverting everything must give
/// back the empty database's schema, and applying everything again the
/// template's (the schema every other test runs against).
#[tokio::test]
async fn every_down_sql_restores_the_exact_schema_its_up_sql_changed() {
    // The template, migrated once by the helpers: what `migrate` makes.
    let template = TestDb::new().await;
    let template_url = template.url();
    tokio::task::spawn_blocking(move || {
        let empty = EmptyDatabase::create();
        let mut conn = BlockingPg::establish(&empty.url()).expect("connect to the empty database");
        let mut problems = Vec::new();

        let empty_schema = schema(&empty.url());
        let migrations = conn
            .pending_migrations(folio::db::MIGRATIONS)
            .expect("list migrations");
        assert!(!migrations.is_empty(), "no migrations found");
        assert!(
            conn.applied_migrations().expect("applied").is_empty(),
            "the database the round trip starts from has migrations applied"
        );

        for migration in &migrations {
            let name = migration.name().to_string();
            let version = migration.name().version().as_owned();
            let before = schema(&empty.url());
            let applied = conn
                .run_next_migration(folio::db::MIGRATIONS)
                .unwrap_or_else(|e| panic!("{name}: up.sql failed: {e}"))
                .as_owned();
            assert_eq!(applied, version, "{name} was not the next migration to run");
            let reverted = conn
                .revert_last_migration(folio::db::MIGRATIONS)
                .unwrap_or_else(|e| panic!("{name}: down.sql failed: {e}"));
            assert_eq!(reverted, version, "{name} was not the migration reverted");
            if let Some(diff) = diff(&before, &schema(&empty.url())) {
                problems.push(format!(
                    "{name}: down.sql does not restore the schema it had before up.sql \
                     (- before up.sql, + after down.sql):\n{diff}"
                ));
            }
            // Applying it again must work even when the revert was wrong;
            // if it cannot, the rest of the round trip means nothing.
            if let Err(e) = conn.run_next_migration(folio::db::MIGRATIONS) {
                problems.push(format!(
                    "{name}: up.sql fails after down.sql: {e} (stopping here)"
                ));
                panic!("{}", problems.join("\n\n"));
            }
        }

        let template_schema = schema(&template_url);
        if let Some(diff) = diff(&template_schema, &schema(&empty.url())) {
            problems.push(format!(
                "applying, reverting and applying each migration in turn gives another schema \
                 than applying them all once (- template, + after the round trips):\n{diff}"
            ));
        }

        while !conn.applied_migrations().expect("applied").is_empty() {
            conn.revert_last_migration(folio::db::MIGRATIONS)
                .unwrap_or_else(|e| panic!("reverting every migration: {e}"));
        }
        if let Some(diff) = diff(&empty_schema, &schema(&empty.url())) {
            problems.push(format!(
                "reverting every migration does not give back the empty database's schema \
                 (- empty database, + after reverting everything):\n{diff}"
            ));
        }

        conn.run_pending_migrations(folio::db::MIGRATIONS)
            .unwrap_or_else(|e| panic!("applying every migration again: {e}"));
        if let Some(diff) = diff(&template_schema, &schema(&empty.url())) {
            problems.push(format!(
                "applying every migration again does not give the template's schema \
                 (- template, + after applying everything again):\n{diff}"
            ));
        }

        assert!(problems.is_empty(), "\n\n{}\n", problems.join("\n\n"));
    })
    .await
    // The panic's own message, not the JoinError's debug print of it.
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
}

/// `embed_migrations!` cannot ask Cargo to watch `migrations/`: a new
/// migration directory is not compiled in until something else in the
/// crate is, while the test template's name (a hash of the directory)
/// changes at once — so a template built meanwhile lacks the migration
/// under the name that claims it. Say so plainly instead of letting
/// every other test fail on a missing column.
#[tokio::test]
async fn the_binary_and_the_test_template_hold_every_migration_in_the_directory() {
    use diesel::migration::MigrationSource;

    let mut on_disk: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .expect("migrations/")
            .map(|entry| entry.expect("entry"))
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.'))
            .collect();
    on_disk.sort();
    let mut embedded: Vec<String> =
        MigrationSource::<diesel::pg::Pg>::migrations(&folio::db::MIGRATIONS)
            .expect("embedded migrations")
            .iter()
            .map(|m| m.name().to_string())
            .collect();
    embedded.sort();
    assert_eq!(
        embedded, on_disk,
        "the build embeds other migrations than migrations/ holds: `touch src/db/mod.rs` \
         and build again (and drop any folio_tpl_* database the stale build made)"
    );

    // Versions as diesel keeps them: the name up to `_`, without dashes.
    let expected: Vec<String> = on_disk
        .iter()
        .map(|name| name.split('_').next().unwrap_or_default().replace('-', ""))
        .collect();
    let db = TestDb::new().await;
    let url = db.url();
    let mut applied = tokio::task::spawn_blocking(move || {
        let mut conn = BlockingPg::establish(&url).expect("connect");
        conn.applied_migrations()
            .expect("applied")
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    applied.sort();
    assert_eq!(
        applied, expected,
        "the test template was migrated by a stale build: drop the folio_tpl_* databases"
    );
}

/// A database created from nothing, with no migration applied (the
/// helpers' `TestDb` clones the migrated template), dropped when this goes
/// out of scope, also when the test fails.
struct EmptyDatabase {
    name: String,
}

impl EmptyDatabase {
    /// Call from a blocking thread (`spawn_blocking`).
    fn create() -> Self {
        let name = format!("folio_empty_{}", uuid::Uuid::new_v4().simple());
        let mut admin = BlockingPg::establish(&database_url("postgres"))
            .expect("PostgreSQL must be reachable at TEST_DATABASE_URL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create an empty database");
        Self { name }
    }

    fn url(&self) -> String {
        database_url(&self.name)
    }
}

impl Drop for EmptyDatabase {
    fn drop(&mut self) {
        // No panics here: this may run while a failed assertion unwinds.
        if let Ok(mut admin) = BlockingPg::establish(&database_url("postgres")) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

/// `pg_dump`: from `PATH`, else from `pg_config --bindir` (Debian keeps
/// the versioned binaries off `PATH`).
fn pg_dump() -> &'static Path {
    static PG_DUMP: OnceLock<PathBuf> = OnceLock::new();
    PG_DUMP.get_or_init(|| {
        let on_path = Command::new("pg_dump")
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success());
        if on_path {
            return PathBuf::from("pg_dump");
        }
        let bindir = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .expect("neither pg_dump nor pg_config is on PATH");
        assert!(bindir.status.success(), "pg_config --bindir failed");
        Path::new(String::from_utf8_lossy(&bindir.stdout).trim()).join("pg_dump")
    })
}

/// The schema of the database at `url` as `pg_dump` prints it, without
/// what is not schema: diesel's bookkeeping table (its rows record which
/// migrations ran, which is not what the round trip compares), the
/// version header, the session `SET`s, the random keys of
/// `\restrict`/`\unrestrict` (pg_dump since 15.14), and blank lines.
fn schema(url: &str) -> Vec<String> {
    let out = Command::new(pg_dump())
        .args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--exclude-table=public.__diesel_schema_migrations",
        ])
        .arg(format!("--dbname={url}"))
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", pg_dump().display()));
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    normalise(&String::from_utf8(out.stdout).expect("pg_dump prints UTF-8"))
}

fn normalise(dump: &str) -> Vec<String> {
    dump.lines()
        .map(str::trim_end)
        .filter(|line| {
            !(line.is_empty()
                || *line == "--"
                || line.starts_with("-- Dumped from database version")
                || line.starts_with("-- Dumped by pg_dump version")
                || line.starts_with("SET ")
                || line.starts_with("SELECT pg_catalog.set_config(")
                || line.starts_with("\\restrict ")
                || line.starts_with("\\unrestrict "))
        })
        .map(str::to_owned)
        .collect()
}

/// The lines that differ between two dumps, `-` for `before` only and `+`
/// for `after` only, with a little context and the name of the object
/// each change is in; `None` when they are equal.
fn diff(before: &[String], after: &[String]) -> Option<String> {
    if before == after {
        return None;
    }
    let edits = edit_script(before, after);
    const CONTEXT: usize = 2;
    let changed: Vec<usize> = (0..edits.len()).filter(|&i| edits[i].0 != ' ').collect();
    let mut out = String::new();
    let mut shown_until = 0;
    let mut i = 0;
    while i < changed.len() {
        // One hunk: changes no more than 2 × CONTEXT lines apart.
        let first = changed[i];
        let start = first.saturating_sub(CONTEXT).max(shown_until);
        let mut last = first;
        while i + 1 < changed.len() && changed[i + 1] <= last + 2 * CONTEXT + 1 {
            i += 1;
            last = changed[i];
        }
        let end = (last + CONTEXT + 1).min(edits.len());
        // pg_dump heads every object with `-- Name: …; Type: …`: say which
        // object the hunk's first change is in.
        let object = edits[..first]
            .iter()
            .rev()
            .find(|(op, line)| *op != '+' && line.starts_with("-- Name: "));
        out.push_str("  @@");
        if let Some((_, header)) = object.filter(|_| !edits[first].1.starts_with("-- Name: ")) {
            out.push_str(&format!(" in {}", header.trim_start_matches("-- ")));
        }
        out.push('\n');
        for (op, line) in &edits[start..end] {
            out.push_str(&format!("  {op} {line}\n"));
        }
        shown_until = end;
        i += 1;
    }
    Some(out)
}

/// A shortest edit script between the two line lists (longest common
/// subsequence; dumps are a few thousand lines, and the common prefix and
/// suffix are cut off first, so the table stays small).
fn edit_script<'a>(before: &'a [String], after: &'a [String]) -> Vec<(char, &'a str)> {
    let prefix = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let suffix = before[prefix..]
        .iter()
        .rev()
        .zip(after[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let a = &before[prefix..before.len() - suffix];
    let b = &after[prefix..after.len() - suffix];
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut edits: Vec<(char, &str)> = before[..prefix].iter().map(|l| (' ', l.as_str())).collect();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            edits.push((' ', &a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            edits.push(('-', &a[i]));
            i += 1;
        } else {
            edits.push(('+', &b[j]));
            j += 1;
        }
    }
    edits.extend(
        before[before.len() - suffix..]
            .iter()
            .map(|l| (' ', l.as_str())),
    );
    edits
}

/// Posts imported before the SEO columns kept those front-matter keys in
/// metadata; the migration moves them into the columns, and reverting it
/// puts them back.
#[tokio::test]
async fn the_seo_migration_moves_metadata_keys_into_columns_and_back() {
    let db = TestDb::new().await;
    let url = db.url();
    tokio::task::spawn_blocking(move || {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            metadata: String,
        }
        let mut conn = BlockingPg::establish(&url).unwrap();
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

#[test]
fn the_dump_diff_names_the_object_and_shows_only_what_differs() {
    let lines = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
    let before = lines(
        "-- Name: a; Type: TABLE\nCREATE TABLE a (\n    x integer\n);\n\
         -- Name: f(); Type: FUNCTION\nCREATE FUNCTION f()\n    SELECT 1\n$$;",
    );
    let after = lines(
        "-- Name: a; Type: TABLE\nCREATE TABLE a (\n    x integer\n);\n\
         -- Name: f(); Type: FUNCTION\nCREATE FUNCTION f()\n    SELECT 2\n$$;",
    );
    assert_eq!(diff(&before, &before), None);
    assert_eq!(
        diff(&before, &after).unwrap(),
        "  @@ in Name: f(); Type: FUNCTION\n\
         \x20   -- Name: f(); Type: FUNCTION\n\
         \x20   CREATE FUNCTION f()\n\
         \x20 -     SELECT 1\n\
         \x20 +     SELECT 2\n\
         \x20   $$;\n"
    );
}
