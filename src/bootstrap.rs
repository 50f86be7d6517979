//! The first admin: created when no user exists yet, so a fresh install can
//! be logged into at once.

use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::{Role, password};
use crate::config::Config;
use crate::db::{self, DbPool, users};

pub async fn ensure_admin(pool: &DbPool, config: &Config) -> anyhow::Result<()> {
    let Some(admin) = &config.auth.admin else {
        let mut conn = pool.get().await?;
        if users::count(&mut conn).await? == 0 {
            tracing::warn!(
                "no user exists and FOLIO_ADMIN_EMAIL/FOLIO_ADMIN_PASSWORD are unset: nobody can log in"
            );
        }
        return Ok(());
    };
    let email = admin.email.trim().to_lowercase();
    let plain = admin.password.expose().clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&plain)).await??;

    let mut conn = pool.get().await?;
    let created = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            // Instances starting together must not each create an admin.
            diesel::sql_query(format!(
                "SELECT pg_advisory_xact_lock({})",
                db::startup_lock()
            ))
            .execute(conn)
            .await?;
            if users::count(conn).await? > 0 {
                return Ok(false);
            }
            users::insert(
                conn,
                &users::NewUser {
                    id: Uuid::now_v7(),
                    email: &email,
                    name: "Admin",
                    password_hash: &hash,
                    role: Role::Admin.as_str(),
                },
            )
            .await?;
            Ok(true)
        })
        .await?;

    if created {
        tracing::info!(email = %admin.email, "created the first admin");
        if admin.generated {
            // Printed once, straight to the terminal and never through the
            // log pipeline, so it does not end up in log storage.
            println!(
                "\n  Folio created an admin for development:\n    email:    {}\n    password: {}\n  Set FOLIO_ADMIN_EMAIL and FOLIO_ADMIN_PASSWORD to choose your own.\n",
                admin.email,
                admin.password.expose()
            );
        }
    }
    Ok(())
}
