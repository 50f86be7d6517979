//! Public author profiles, read from `users` (never the email).

use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::lifecycle::PUBLIC_SQL;

#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct AuthorRow {
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub bio: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub avatar_url: Option<String>,
    /// Public posts by this author.
    #[diesel(sql_type = BigInt)]
    pub posts: i64,
}

fn select(filter: &str) -> String {
    let public = &*PUBLIC_SQL;
    format!(
        "SELECT u.slug, u.name, u.bio, u.avatar_url, \
           (SELECT count(*) FROM posts WHERE posts.author_id = u.id AND {public}) AS posts \
         FROM users u {filter}"
    )
}

/// Every user, by slug, with their public post count.
pub async fn list(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<AuthorRow>> {
    diesel::sql_query(select("ORDER BY u.slug"))
        .load(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    slug: &str,
) -> diesel::QueryResult<Option<AuthorRow>> {
    let mut rows: Vec<AuthorRow> = diesel::sql_query(select("WHERE u.slug = $1"))
        .bind::<Text, _>(slug)
        .load(conn)
        .await?;
    Ok(rows.pop())
}
