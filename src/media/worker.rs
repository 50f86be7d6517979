//! The variant workers every instance runs (`FOLIO_MEDIA_WORKERS` of
//! them; 0 turns them off). Each claims a job from the queue
//! ([`crate::db::media_jobs`]), decodes the original once, makes every
//! planned variant from it, stores them and marks them ready. Woken by
//! an upload on this instance, and otherwise polling, so jobs uploaded
//! through another instance are found too.

use std::time::Duration;

use uuid::Uuid;

use super::ingest::Kind;
use super::store::{original_key, variant_key};
use super::variants::{self, Planned};
use crate::db::{media, media_jobs};
use crate::state::AppState;

/// How long a claimed job is held before another instance may take it
/// over (its worker died): far longer than any image takes.
const LEASE: Duration = Duration::from_secs(600);
const POLL: Duration = Duration::from_secs(1);
const MAX_ATTEMPTS: i32 = 3;

pub fn start(state: &AppState) {
    for _ in 0..state.media.workers {
        tokio::spawn(run(state.clone()));
    }
}

async fn run(state: AppState) {
    loop {
        let worked = if state.is_prepared() {
            match work_once(&state).await {
                Ok(worked) => worked,
                Err(e) => {
                    tracing::warn!(error = format!("{e:#}"), "media: the job queue failed");
                    false
                }
            }
        } else {
            false
        };
        if !worked {
            let _ = tokio::time::timeout(POLL, state.media.wake.notified()).await;
        }
    }
}

/// Claims and does one job; false when none was due.
async fn work_once(state: &AppState) -> anyhow::Result<bool> {
    let mut conn = state.pool.get().await?;
    let Some(job) = media_jobs::claim(&mut conn, &state.media.instance, LEASE).await? else {
        return Ok(false);
    };
    drop(conn);
    let started = std::time::Instant::now();
    match make_variants(state, job.media_id).await {
        Ok(made) => {
            let mut conn = state.pool.get().await?;
            media_jobs::complete(&mut conn, job.media_id, &state.media.instance).await?;
            tracing::info!(
                media = %job.media_id,
                variants = made,
                ms = started.elapsed().as_millis() as u64,
                "media: variants made"
            );
        }
        Err(e) => {
            tracing::warn!(media = %job.media_id, attempt = job.attempts, error = format!("{e:#}"), "media: making variants failed");
            let mut conn = state.pool.get().await?;
            let retry_in = Duration::from_secs(30 * u64::from(job.attempts.unsigned_abs()));
            media_jobs::fail(
                &mut conn,
                job.media_id,
                &format!("{e:#}"),
                retry_in,
                MAX_ATTEMPTS,
            )
            .await?;
        }
    }
    Ok(true)
}

async fn make_variants(state: &AppState, id: Uuid) -> anyhow::Result<usize> {
    let mut conn = state.pool.get().await?;
    let Some(item) = media::find(&mut conn, id).await? else {
        return Ok(0); // deleted meanwhile (its job went with it)
    };
    let item = media::with_variants(&mut conn, vec![item])
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("the item vanished"))?;
    drop(conn);
    let planned: Vec<Planned> = item
        .variants
        .iter()
        .filter(|v| !v.is_ready())
        .filter_map(|v| {
            Some(Planned {
                width: u32::try_from(v.width).ok()?,
                height: u32::try_from(v.height).ok()?,
                format: match v.format.as_str() {
                    "webp" => "webp",
                    "jpeg" => "jpeg",
                    "png" => "png",
                    _ => return None,
                },
            })
        })
        .collect();
    if planned.is_empty() {
        return Ok(0);
    }
    let kind = Kind::from_ext(&item.media.ext)
        .ok_or_else(|| anyhow::anyhow!("unknown type {}", item.media.ext))?;
    let permit = state.media.decoding.clone().acquire_owned().await?;
    let original = state
        .media
        .store
        .read_all(&original_key(&item.media.sha256, &item.media.ext))
        .await?;
    let caps = state.media.caps;
    let made = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut made = Vec::new();
        variants::make(&original, kind, caps, &planned, |p, bytes| {
            made.push((p, bytes));
            Ok(())
        })?;
        anyhow::Ok(made)
    })
    .await??;
    let count = made.len();
    for (p, bytes) in made {
        let len = bytes.len() as i64;
        let width = p.width as i32;
        state
            .media
            .store
            .put(
                &variant_key(&item.media.sha256, width, p.format),
                bytes.into(),
            )
            .await?;
        let mut conn = state.pool.get().await?;
        media_jobs::variant_ready(&mut conn, id, width, p.format, len).await?;
    }
    Ok(count)
}
