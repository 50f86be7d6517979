//! Publishes scheduled posts when their time comes, with nobody acting.
//!
//! Every instance runs this loop: nothing about the schedule lives in
//! memory (it is the post's `status` and `published_at`), so a restart
//! loses nothing, and the flip itself is safe to race (see
//! [`crate::db::lifecycle::publish_due`]). The interval is
//! `FOLIO_SCHEDULER_INTERVAL_MS`; visibility does not wait for it, since
//! reads already treat a scheduled post whose time has come as public.
//!
//! The same tick copies the planner's statistics that a search's estimate
//! reads ([`post_list::refresh_search_statistics`]): a comparison when
//! nothing changed, one row written when `posts` was analysed.

use crate::db::{lifecycle, post_list};
use crate::state::AppState;

pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(state.config.site.scheduler_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if !state.is_prepared() {
            continue;
        }
        let mut conn = match state.pool.get().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler: no database connection");
                continue;
            }
        };
        match lifecycle::publish_due(&mut conn).await {
            Ok(ids) => {
                for id in &ids {
                    tracing::info!(post = %id, "published a scheduled post");
                }
                if !ids.is_empty() {
                    // Their events and changes, for every instance.
                    state.waker.wake();
                }
            }
            Err(e) => tracing::warn!(error = %e, "scheduler: publishing failed"),
        }
        if let Err(e) = post_list::refresh_search_statistics(&mut conn).await {
            tracing::warn!(error = %e, "scheduler: copying the search statistics failed");
        }
    }
}
