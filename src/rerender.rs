//! Rendering stored posts again after the renderer changed.
//!
//! Each post records the [`RENDERER_VERSION`] that produced its HTML. Posts
//! with an older one are re-rendered in small transactions that lock their
//! rows with `FOR UPDATE SKIP LOCKED`: any number of instances (and the
//! `folio rerender` command) can run this at once, each post is rendered
//! once, nobody waits on anybody, and a crash loses one uncommitted batch
//! at most. Reads keep serving the old HTML until a batch commits, so there
//! is no downtime; `updated_at` is left alone because nobody edited anything.

use diesel_async::AsyncConnection;

use crate::config::Config;
use crate::db::posts::Post;
use crate::db::{self, DbPool, posts};
use crate::domain::post::media as post_media;
use crate::render::media::scan_refs;
use crate::render::{self, RENDERER_VERSION, RenderOptions};

/// The media a stored post's body and feature image refer to.
fn media_refs(post: &Post) -> Vec<String> {
    scan_refs(
        [post.markdown.as_str()]
            .into_iter()
            .chain(post.seo.feature_image.as_deref()),
    )
}

/// Posts per transaction: small enough to keep row locks short.
pub const BATCH_SIZE: i64 = 25;

/// Re-renders every stale post; returns how many this caller rendered.
pub async fn run(pool: &DbPool, options: &RenderOptions) -> anyhow::Result<usize> {
    run_in_batches(pool, options, BATCH_SIZE).await
}

pub async fn run_in_batches(
    pool: &DbPool,
    options: &RenderOptions,
    batch_size: i64,
) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let done = batch(pool, options, batch_size).await?;
        if done == 0 {
            return Ok(total);
        }
        total += done;
    }
}

async fn batch(pool: &DbPool, options: &RenderOptions, size: i64) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        let stale = posts::lock_stale(conn, RENDERER_VERSION, size).await?;
        if stale.is_empty() {
            return Ok(0);
        }
        // One look-up for the batch's media; each post renders with its own.
        let refs: Vec<Vec<String>> = stale.iter().map(media_refs).collect();
        let mut all: Vec<String> = refs.iter().flatten().cloned().collect();
        all.sort_unstable();
        all.dedup();
        let index = post_media::lookup_shas(conn, &all).await?;
        let options = options.clone();
        // Rendering is CPU work: keep it off the async workers.
        let rendered = tokio::task::spawn_blocking(move || {
            stale
                .into_iter()
                .zip(refs)
                .map(|(mut post, refs)| {
                    let before = post.clone();
                    let media = index.subset(&refs);
                    match render::render_with_media(&post.markdown, &options, &media) {
                        Ok(r) => post.set_rendered(r),
                        Err(refused) => {
                            // Stored before the limits existed: keep the
                            // HTML it has rather than retry it for ever.
                            tracing::warn!(post = %post.id, %refused, "a stored post is not re-rendered");
                            post.renderer_version = RENDERER_VERSION;
                        }
                    }
                    (before, post)
                })
                .collect::<Vec<_>>()
        })
        .await?;
        for (before, post) in &rendered {
            posts::store_rendered(conn, post).await?;
            post_media::record_usage(conn, post, Some(before)).await?;
        }
        Ok(rendered.len())
    })
    .await
}

/// The start-up task: re-renders stale posts in the background and logs
/// the outcome; the server answers meanwhile with the stored HTML.
pub async fn in_background(pool: DbPool, options: RenderOptions) {
    match run(&pool, &options).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            posts = n,
            version = RENDERER_VERSION,
            "re-rendered stale posts"
        ),
        Err(e) => tracing::warn!(
            error = format!("{e:#}"),
            "re-rendering stale posts stopped; `folio rerender` finishes the job"
        ),
    }
}

/// `folio rerender [--all]`: migrates (the columns must exist), then
/// re-renders stale posts, or every post with `all`.
pub async fn command(config: &Config, all: bool) -> anyhow::Result<usize> {
    let url = config.database.url.expose();
    db::migrate(url).await?;
    let pool = db::pool(url, 2, config.database.timeout)?;
    if all {
        let mut conn = pool.get().await?;
        posts::mark_all_stale(&mut conn).await?;
    }
    run(&pool, &config.render_options()).await
}
