//! The read cache: ready-to-send published responses (single posts, lists,
//! HTML, feeds), held in this process and kept coherent with PostgreSQL.
//!
//! What may be cached is decided where a shared HTTP cache decides it: an
//! anonymous `GET` whose `200` says `Cache-Control: public`. What must
//! never be served stale is guarded three ways:
//!
//! - **Generations.** Every invalidation bumps a counter. A reader takes a
//!   [`Ticket`] (the generation) *before* it reads the database and may
//!   store its answer only under that generation; an entry from an older
//!   generation is never served. So a read that raced a write cannot
//!   leave the old answer behind, whichever finishes first.
//! - **Writes.** This instance invalidates after each of its own writes,
//!   before the writer sees its answer: a caller never reads its own
//!   acknowledged write stale. Every committed change to what readers see
//!   also sends `NOTIFY folio_content` (a trigger), which every instance
//!   hears over one `LISTEN` connection ([`listener`]). While that
//!   connection is down the cache is off: nothing is served or stored
//!   until it is back and everything older has been dropped.
//! - **The clock.** A scheduled post becomes visible when its time comes,
//!   with no write at all. The cache knows the next such moment (its
//!   *horizon*, from the database's clock) and drops everything when it
//!   passes.
//!
//! Memory is bounded by `FOLIO_CACHE_MAX_BYTES` (bodies and headers; the
//! least useful entries go first) and entries live at most
//! `FOLIO_CACHE_TTL_SECS`.

pub mod listener;
pub mod middleware;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use tokio::sync::Notify;

/// One stored `200`: its headers (ETag, Cache-Control, Content-Type, …)
/// and its body, exactly as sent.
pub struct CachedResponse {
    pub headers: HeaderMap,
    pub body: Bytes,
    generation: u64,
    stored_at: Instant,
}

/// The generation a reader started under; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// No horizon known yet (just invalidated): nothing may be stored.
const HORIZON_UNKNOWN: u64 = 0;
/// No scheduled post is waiting.
const HORIZON_NONE: u64 = u64::MAX;

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, std::sync::Arc<CachedResponse>> for ByBytes {
    fn weight(&self, key: &String, entry: &std::sync::Arc<CachedResponse>) -> u64 {
        // Header names and values plus their map slots, roughly.
        let headers: usize = entry
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 64)
            .sum();
        (key.len() + entry.body.len() + headers + 128) as u64
    }
}

pub struct ResponseCache {
    entries: Cache<String, std::sync::Arc<CachedResponse>, ByBytes>,
    max_entry_bytes: usize,
    ttl: Duration,
    generation: AtomicU64,
    /// Whether the `LISTEN` connection is up (see [`listener`]).
    online: AtomicBool,
    /// Milliseconds after `epoch` when the next scheduled post is due.
    horizon: AtomicU64,
    epoch: Instant,
    /// Wakes the task that looks the horizon up again.
    horizon_stale: Notify,
}

impl ResponseCache {
    /// A cache of at most `max_bytes`; `None` when `max_bytes` is 0 (off).
    pub fn new(max_bytes: u64, ttl: Duration) -> Option<Self> {
        if max_bytes == 0 {
            return None;
        }
        // A typical entry (one post as JSON) is a few KiB.
        let estimated_items = (max_bytes / 8_192).max(16) as usize;
        Some(Self {
            entries: Cache::with_weighter(estimated_items, max_bytes, ByBytes),
            // One huge response (a sitemap, say) must not push out
            // everything else.
            max_entry_bytes: (max_bytes / 16) as usize,
            ttl,
            generation: AtomicU64::new(0),
            online: AtomicBool::new(false),
            horizon: AtomicU64::new(HORIZON_UNKNOWN),
            epoch: Instant::now(),
            horizon_stale: Notify::new(),
        })
    }

    fn now_ms(&self) -> u64 {
        // +1 so that "now" is never HORIZON_UNKNOWN.
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// The stored answer for `key`, if it is still good.
    pub fn get(&self, key: &str) -> Option<std::sync::Arc<CachedResponse>> {
        if !self.online.load(Ordering::Acquire) {
            return None;
        }
        let horizon = self.horizon.load(Ordering::Acquire);
        if horizon == HORIZON_UNKNOWN {
            return None;
        }
        if self.now_ms() >= horizon {
            // A scheduled post just became visible.
            self.invalidate();
            return None;
        }
        let entry = self.entries.get(key)?;
        (entry.generation == self.generation.load(Ordering::Acquire)
            && entry.stored_at.elapsed() < self.ttl)
            .then_some(entry)
    }

    /// Taken before reading the database; `None` when nothing read now may
    /// be stored.
    pub fn ticket(&self) -> Option<Ticket> {
        let generation = self.generation.load(Ordering::Acquire);
        let horizon = self.horizon.load(Ordering::Acquire);
        (self.online.load(Ordering::Acquire)
            && horizon != HORIZON_UNKNOWN
            && self.now_ms() < horizon)
            .then_some(Ticket(generation))
    }

    /// Stores an answer read under `ticket`, unless anything was
    /// invalidated since (then it may be stale) or it is too big.
    pub fn put(&self, ticket: Ticket, key: String, headers: HeaderMap, body: Bytes) {
        if body.len() > self.max_entry_bytes {
            return;
        }
        let entry = std::sync::Arc::new(CachedResponse {
            headers,
            body,
            generation: ticket.0,
            stored_at: Instant::now(),
        });
        // An invalidation between this check and the insert leaves an entry
        // of the old generation, which `get` never serves.
        if self.generation.load(Ordering::Acquire) == ticket.0 {
            self.entries.insert(key, entry);
        }
    }

    /// Drops everything: a write happened here or elsewhere.
    pub fn invalidate(&self) {
        self.horizon.store(HORIZON_UNKNOWN, Ordering::Release);
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.clear();
        self.horizon_stale.notify_one();
    }

    /// The `LISTEN` connection is up (`true`) or lost (`false`). Either way
    /// everything stored so far is dropped: changes may have been missed.
    pub fn set_online(&self, online: bool) {
        if online {
            // Online first, so the horizon lookup this asks for happens.
            self.online.store(true, Ordering::Release);
            self.invalidate();
        } else {
            self.online.store(false, Ordering::Release);
            self.invalidate();
        }
    }

    /// Records when the next scheduled post is due (`None`: none is),
    /// looked up under `ticket`: if anything changed since, the answer
    /// may be outdated and another look follows.
    pub fn set_horizon(&self, ticket: Ticket, due_in: Option<Duration>) {
        let at = due_in.map_or(HORIZON_NONE, |d| {
            self.now_ms().saturating_add(d.as_millis() as u64)
        });
        // Only if no invalidation came in between (which reset the horizon
        // and asked for another look).
        if self.generation.load(Ordering::Acquire) == ticket.0 {
            let _ = self.horizon.compare_exchange(
                HORIZON_UNKNOWN,
                at,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
    }

    /// The current generation, for looking the horizon up.
    pub fn generation(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    /// Waits until the horizon must be looked up again.
    pub async fn horizon_wanted(&self) {
        self.horizon_stale.notified().await;
    }

    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::Acquire)
    }

    /// Bytes held now (for metrics).
    pub fn weight(&self) -> u64 {
        self.entries.weight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_cache() -> ResponseCache {
        let cache = ResponseCache::new(1 << 20, Duration::from_secs(60)).unwrap();
        cache.set_online(true);
        cache.set_horizon(cache.generation(), None);
        cache
    }

    fn put(cache: &ResponseCache, ticket: Ticket, body: &'static str) {
        cache.put(ticket, "k".into(), HeaderMap::new(), Bytes::from(body));
    }

    #[test]
    fn a_stored_answer_is_served_until_an_invalidation() {
        let cache = ready_cache();
        let ticket = cache.ticket().unwrap();
        put(&cache, ticket, "one");
        assert_eq!(cache.get("k").unwrap().body, "one");
        cache.invalidate();
        assert!(cache.get("k").is_none());
    }

    #[test]
    fn a_read_that_raced_a_write_is_not_stored() {
        let cache = ready_cache();
        let before_write = cache.ticket().unwrap();
        cache.invalidate();
        cache.set_horizon(cache.generation(), None);
        put(&cache, before_write, "old");
        assert!(cache.get("k").is_none(), "an answer read before the write");
        let after = cache.ticket().unwrap();
        put(&cache, after, "new");
        assert_eq!(cache.get("k").unwrap().body, "new");
    }

    #[test]
    fn nothing_is_served_or_stored_while_offline_or_before_the_horizon_is_known() {
        let cache = ResponseCache::new(1 << 20, Duration::from_secs(60)).unwrap();
        assert!(cache.ticket().is_none(), "offline at first");
        cache.set_online(true);
        assert!(cache.ticket().is_none(), "horizon not known yet");
        cache.set_horizon(cache.generation(), None);
        let ticket = cache.ticket().unwrap();
        put(&cache, ticket, "x");
        assert!(cache.get("k").is_some());
        cache.set_online(false);
        assert!(cache.get("k").is_none());
        assert!(cache.ticket().is_none());
    }

    #[test]
    fn a_horizon_looked_up_before_an_invalidation_is_ignored() {
        let cache = ready_cache();
        cache.invalidate();
        let looked_up_under = cache.generation();
        cache.invalidate();
        cache.set_horizon(looked_up_under, None);
        assert!(cache.ticket().is_none());
    }

    #[test]
    fn everything_is_dropped_when_a_scheduled_post_falls_due() {
        let cache = ResponseCache::new(1 << 20, Duration::from_secs(60)).unwrap();
        cache.set_online(true);
        cache.set_horizon(cache.generation(), Some(Duration::from_millis(30)));
        put(&cache, cache.ticket().unwrap(), "before");
        assert!(cache.get("k").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("k").is_none());
        assert!(cache.ticket().is_none(), "until the next horizon is known");
    }

    #[test]
    fn entries_expire_and_oversized_ones_are_not_kept() {
        let cache = ResponseCache::new(1 << 20, Duration::from_millis(20)).unwrap();
        cache.set_online(true);
        cache.set_horizon(cache.generation(), None);
        put(&cache, cache.ticket().unwrap(), "x");
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get("k").is_none(), "past its TTL");
        let big = Bytes::from(vec![b'x'; (1 << 20) / 16 + 1]);
        cache.put(cache.ticket().unwrap(), "big".into(), HeaderMap::new(), big);
        assert!(cache.get("big").is_none());
    }

    #[test]
    fn memory_stays_within_the_bound() {
        let cache = ResponseCache::new(64 * 1024, Duration::from_secs(60)).unwrap();
        cache.set_online(true);
        cache.set_horizon(cache.generation(), None);
        for i in 0..200 {
            let ticket = cache.ticket().unwrap();
            let body = Bytes::from(vec![b'x'; 2_000]);
            cache.put(ticket, format!("k{i}"), HeaderMap::new(), body);
        }
        assert!(cache.weight() <= 64 * 1024, "{}", cache.weight());
    }
}
