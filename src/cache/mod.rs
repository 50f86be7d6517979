//! The read cache: ready-to-send published responses (single posts, lists,
//! HTML, feeds), held in this process and kept coherent with PostgreSQL.
//!
//! What may be cached is decided where a shared HTTP cache decides it: an
//! anonymous `GET` whose `200` says `Cache-Control: public`. What must
//! never be served stale is guarded four ways:
//!
//! - **Dependencies.** Every entry depends on one thing that a write can
//!   change ([`Dep`]): a single post's reads (its JSON, Markdown and HTML,
//!   named by the id or slug in the URL) on that post, everything else
//!   (lists, search, feeds, the sitemap, tags, authors, `/sync`) on the
//!   *collections*. A write drops what depends on the posts it touched and
//!   on the collections; other posts' reads stay. Writes whose reach is
//!   wider (tags renamed, authors changed, settings, `TRUNCATE`) drop
//!   everything.
//! - **Tickets.** Invalidations are numbered by one clock. Each post key
//!   (hashed into a fixed table of slots, so memory is bounded and a
//!   collision only drops more, never less), the collections and
//!   "everything" remember the number of their last invalidation. A reader
//!   takes a [`Ticket`] (the clock) *before* it reads the database; its
//!   answer is stored and served only while nothing it depends on was
//!   invalidated after that. So a read that raced a write cannot leave the
//!   old answer behind, whichever finishes first.
//! - **Writes.** This instance invalidates after each of its own writes,
//!   before the writer sees its answer: a caller never reads its own
//!   acknowledged write stale. Every instance follows the committed
//!   changes over one `LISTEN` connection ([`listener`]): posts by their
//!   change numbers, read after each wake-up (Folio sends one after its
//!   writes commit, [`crate::db::wake`]) and at least every second; other
//!   changes (tags, authors, settings, old slugs, posts written by
//!   anything but Folio) by `NOTIFY folio_content` from triggers, naming
//!   what they touched. While that connection is down the cache is off:
//!   nothing is served or stored until it is back and everything older has
//!   been dropped.
//! - **The clock.** A scheduled post becomes visible when its time comes,
//!   with no write at all. That changes collections only (a single post's
//!   read is a 404 before, and 404s are not stored). The cache knows the
//!   next such moment (its *horizon*, from the database's clock) and drops
//!   the collections when it passes; until a horizon is known after a
//!   write, no collection is served or stored.
//!
//! Memory is bounded by `FOLIO_CACHE_MAX_BYTES` (bodies and headers; the
//! least useful entries go first) and entries live at most
//! `FOLIO_CACHE_TTL_SECS`.

pub mod listener;
pub mod middleware;

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use tokio::sync::Notify;

use crate::db::posts::PostKey;

/// One stored `200`: its headers (ETag, Cache-Control, Content-Type,
/// Content-Encoding, …) and its body, exactly as sent.
pub struct CachedResponse {
    pub headers: HeaderMap,
    pub body: Bytes,
    ticket: u64,
    dep: Dep,
    stored_at: Instant,
}

/// What a cached answer depends on: what a write must drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dep {
    /// One post's own reads; the slot of the id or slug its URL names.
    Post(usize),
    /// Lists, search, feeds, the sitemap, tags, authors, `/sync`: anything
    /// any post write may change.
    Collections,
}

/// When a reader started (the invalidation clock) and what it depends on;
/// see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    at: u64,
    dep: Dep,
}

/// The post keys a write touched (ids and slugs, old and new), carried
/// from a handler to the gate in the response's extensions. A write that
/// sends none drops everything.
#[derive(Debug, Clone, Default)]
pub struct Touched(pub Vec<String>);

impl Touched {
    /// Records on `res` that its write touched these posts (a write may
    /// record several times; the keys add up).
    pub fn record<I, S>(res: &mut actix_web::HttpResponse, keys: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut ext = res.extensions_mut();
        let keys = keys.into_iter().map(Into::into);
        match ext.get_mut::<Touched>() {
            Some(touched) => touched.0.extend(keys),
            None => {
                ext.insert(Touched(keys.collect()));
            }
        }
    }
}

/// How many slots post keys hash into: 32 KiB of counters. A slot shared
/// by two posts only makes a write to one drop the other's entries too.
const SLOTS: usize = 4096;

/// No horizon known yet (collections just invalidated): no collection may
/// be served or stored.
const HORIZON_UNKNOWN: u64 = 0;
/// No scheduled post is waiting.
const HORIZON_NONE: u64 = u64::MAX;

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Arc<CachedResponse>> for ByBytes {
    fn weight(&self, key: &String, entry: &Arc<CachedResponse>) -> u64 {
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
    entries: Cache<String, Arc<CachedResponse>, ByBytes>,
    max_entry_bytes: usize,
    ttl: Duration,
    /// The invalidation clock: every invalidation raises it.
    clock: AtomicU64,
    /// The clock at the last invalidation of everything.
    everything: AtomicU64,
    /// The clock at the last invalidation of the collections.
    collections: AtomicU64,
    /// The clock at the last invalidation of each slot of post keys.
    posts: Box<[AtomicU64]>,
    hasher: std::hash::RandomState,
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
            clock: AtomicU64::new(1),
            everything: AtomicU64::new(0),
            collections: AtomicU64::new(0),
            posts: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            hasher: std::hash::RandomState::new(),
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

    /// What a read of the post named `raw` in a URL (its id or slug)
    /// depends on; `None` when `raw` names no post (nothing to store).
    pub fn post_dep(&self, raw: &str) -> Option<Dep> {
        PostKey::parse(raw).map(|key| Dep::Post(self.slot(&key)))
    }

    fn slot(&self, key: &PostKey) -> usize {
        let mut h = self.hasher.build_hasher();
        match key {
            PostKey::Id(id) => (0u8, id.as_bytes()).hash(&mut h),
            PostKey::Slug(slug) => (1u8, slug.as_str()).hash(&mut h),
        }
        (h.finish() % SLOTS as u64) as usize
    }

    /// Whether nothing `dep` depends on was invalidated after `at`.
    fn unchanged_since(&self, at: u64, dep: Dep) -> bool {
        let last = match dep {
            Dep::Post(slot) => self.posts[slot].load(Ordering::Acquire),
            Dep::Collections => self.collections.load(Ordering::Acquire),
        };
        last <= at && self.everything.load(Ordering::Acquire) <= at
    }

    /// Whether collections may be served or stored now: the horizon is
    /// known and has not passed (when it has, they are dropped).
    fn collections_current(&self) -> bool {
        let horizon = self.horizon.load(Ordering::Acquire);
        if horizon == HORIZON_UNKNOWN {
            return false;
        }
        if self.now_ms() >= horizon {
            // A scheduled post just became visible.
            self.invalidate_collections();
            return false;
        }
        true
    }

    /// The stored answer for `key`, if it is still good.
    pub fn get(&self, key: &str) -> Option<Arc<CachedResponse>> {
        if !self.online.load(Ordering::Acquire) {
            return None;
        }
        let entry = self.entries.get(key)?;
        if entry.dep == Dep::Collections && !self.collections_current() {
            return None;
        }
        (self.unchanged_since(entry.ticket, entry.dep) && entry.stored_at.elapsed() < self.ttl)
            .then_some(entry)
    }

    /// Taken before reading the database, for an answer that depends on
    /// `dep`; `None` when nothing read now may be stored.
    pub fn ticket(&self, dep: Dep) -> Option<Ticket> {
        let at = self.clock.load(Ordering::Acquire);
        let ready = self.online.load(Ordering::Acquire)
            && (dep != Dep::Collections || self.collections_current());
        ready.then_some(Ticket { at, dep })
    }

    /// Stores an answer read under `ticket`, unless what it depends on was
    /// invalidated since (then it may be stale) or it is too big.
    pub fn put(&self, ticket: Ticket, key: String, headers: HeaderMap, body: Bytes) {
        if body.len() > self.max_entry_bytes {
            return;
        }
        let entry = Arc::new(CachedResponse {
            headers,
            // A copy of exactly its length: the response's own buffer was
            // sized before it was filled (a compressor's output, JSON
            // written into a guess), and kept whole it would hold up to
            // 1.6× the bytes the budget counts.
            body: Bytes::copy_from_slice(&body),
            ticket: ticket.at,
            dep: ticket.dep,
            stored_at: Instant::now(),
        });
        // An invalidation between this check and the insert leaves an entry
        // with an older ticket, which `get` never serves.
        if self.unchanged_since(ticket.at, ticket.dep) {
            self.entries.insert(key, entry);
        }
    }

    /// The next number of the invalidation clock.
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Forgets the horizon and asks for it again. Called after the clock
    /// was raised, so a lookup that started before cannot set it.
    fn horizon_wanted_again(&self) {
        self.horizon.store(HORIZON_UNKNOWN, Ordering::Release);
        self.horizon_stale.notify_one();
    }

    /// Drops everything: a write whose reach is not known, or a
    /// notification connection lost or regained.
    pub fn invalidate(&self) {
        let at = self.tick();
        self.everything.fetch_max(at, Ordering::AcqRel);
        self.entries.clear();
        self.horizon_wanted_again();
    }

    /// Drops the collections (lists, feeds, tags…), which any post write
    /// may change; single posts' reads stay.
    pub fn invalidate_collections(&self) {
        let at = self.tick();
        self.collections.fetch_max(at, Ordering::AcqRel);
        self.horizon_wanted_again();
    }

    /// Drops what a write to these posts may have changed: the reads of
    /// each post named (by id or slug; old and new slugs both) and the
    /// collections. Keys that name no post are skipped.
    pub fn invalidate_posts<S: AsRef<str>>(&self, keys: impl IntoIterator<Item = S>) {
        let at = self.tick();
        for key in keys {
            if let Some(key) = PostKey::parse(key.as_ref()) {
                self.posts[self.slot(&key)].fetch_max(at, Ordering::AcqRel);
            }
        }
        self.collections.fetch_max(at, Ordering::AcqRel);
        self.horizon_wanted_again();
    }

    /// The `LISTEN` connection is up (`true`) or lost (`false`). Either way
    /// everything stored so far is dropped: changes may have been missed.
    pub fn set_online(&self, online: bool) {
        // Online first, so the horizon lookup this asks for happens.
        self.online.store(online, Ordering::Release);
        self.invalidate();
    }

    /// Records when the next scheduled post is due (`None`: none is),
    /// looked up under `ticket`: if the collections were dropped since,
    /// the answer may be outdated and another look follows.
    pub fn set_horizon(&self, ticket: Ticket, due_in: Option<Duration>) {
        let at = due_in.map_or(HORIZON_NONE, |d| {
            self.now_ms().saturating_add(d.as_millis() as u64)
        });
        if self.unchanged_since(ticket.at, Dep::Collections) {
            let _ = self.horizon.compare_exchange(
                HORIZON_UNKNOWN,
                at,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
    }

    /// A ticket for looking the horizon up (taken whether or not the
    /// horizon is known).
    pub fn horizon_ticket(&self) -> Ticket {
        Ticket {
            at: self.clock.load(Ordering::Acquire),
            dep: Dep::Collections,
        }
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
        cache.set_horizon(cache.horizon_ticket(), None);
        cache
    }

    fn put(cache: &ResponseCache, ticket: Ticket, key: &str, body: &'static str) {
        cache.put(ticket, key.into(), HeaderMap::new(), Bytes::from(body));
    }

    const A: &str = "0191e1a4-5b0c-7c3a-9f00-00000000000a";

    #[test]
    fn a_stored_answer_is_served_until_an_invalidation() {
        let cache = ready_cache();
        let ticket = cache.ticket(Dep::Collections).unwrap();
        put(&cache, ticket, "k", "one");
        assert_eq!(cache.get("k").unwrap().body, "one");
        cache.invalidate();
        assert!(cache.get("k").is_none());
    }

    #[test]
    fn a_post_write_drops_that_post_and_the_collections_and_keeps_other_posts() {
        let cache = ready_cache();
        let by_slug = cache.post_dep("post-a").unwrap();
        let by_id = cache.post_dep(A).unwrap();
        let other = cache.post_dep("post-b").unwrap();
        put(&cache, cache.ticket(by_slug).unwrap(), "a", "a");
        put(&cache, cache.ticket(by_id).unwrap(), "a-id", "a");
        put(&cache, cache.ticket(other).unwrap(), "b", "b");
        put(&cache, cache.ticket(Dep::Collections).unwrap(), "list", "l");
        cache.invalidate_posts([A, "post-a", "post-a-renamed"]);
        assert!(cache.get("a").is_none(), "by its old slug");
        assert!(cache.get("a-id").is_none(), "by its id");
        assert!(cache.get("list").is_none(), "the collections");
        assert_eq!(cache.get("b").unwrap().body, "b", "another post stays");
        // The id in any spelling names the same post.
        put(&cache, cache.ticket(by_id).unwrap(), "a-id", "a2");
        cache.invalidate_posts([A.to_uppercase()]);
        assert!(cache.get("a-id").is_none());
    }

    #[test]
    fn a_read_that_raced_a_write_to_its_post_is_not_stored() {
        let cache = ready_cache();
        let a = cache.post_dep("post-a").unwrap();
        let b = cache.post_dep("post-b").unwrap();
        let (before_a, before_b) = (cache.ticket(a).unwrap(), cache.ticket(b).unwrap());
        let before_list = cache.ticket(Dep::Collections).unwrap();
        cache.invalidate_posts(["post-a"]);
        cache.set_horizon(cache.horizon_ticket(), None);
        put(&cache, before_a, "a", "old");
        put(&cache, before_list, "list", "old");
        put(&cache, before_b, "b", "b");
        assert!(cache.get("a").is_none(), "an answer read before the write");
        assert!(cache.get("list").is_none(), "a list read before the write");
        assert_eq!(cache.get("b").unwrap().body, "b", "unaffected by the write");
        put(&cache, cache.ticket(a).unwrap(), "a", "new");
        assert_eq!(cache.get("a").unwrap().body, "new");
    }

    #[test]
    fn nothing_is_served_or_stored_while_offline_or_before_the_horizon_is_known() {
        let cache = ResponseCache::new(1 << 20, Duration::from_secs(60)).unwrap();
        let a = cache.post_dep("post-a").unwrap();
        assert!(cache.ticket(Dep::Collections).is_none(), "offline at first");
        assert!(cache.ticket(a).is_none(), "offline at first");
        cache.set_online(true);
        assert!(
            cache.ticket(Dep::Collections).is_none(),
            "horizon not known yet"
        );
        put(&cache, cache.ticket(a).unwrap(), "a", "a");
        cache.set_horizon(cache.horizon_ticket(), None);
        let ticket = cache.ticket(Dep::Collections).unwrap();
        put(&cache, ticket, "k", "x");
        assert!(cache.get("k").is_some());
        assert!(cache.get("a").is_some());
        cache.set_online(false);
        assert!(cache.get("k").is_none());
        assert!(cache.get("a").is_none());
        assert!(cache.ticket(Dep::Collections).is_none());
        assert!(cache.ticket(a).is_none());
    }

    #[test]
    fn a_horizon_looked_up_before_an_invalidation_is_ignored() {
        let cache = ready_cache();
        cache.invalidate_posts(["post-a"]);
        let looked_up_under = cache.horizon_ticket();
        cache.invalidate_posts(["post-b"]);
        cache.set_horizon(looked_up_under, None);
        assert!(cache.ticket(Dep::Collections).is_none());
    }

    #[test]
    fn the_collections_are_dropped_when_a_scheduled_post_falls_due() {
        let cache = ResponseCache::new(1 << 20, Duration::from_secs(60)).unwrap();
        cache.set_online(true);
        cache.set_horizon(cache.horizon_ticket(), Some(Duration::from_millis(30)));
        put(
            &cache,
            cache.ticket(Dep::Collections).unwrap(),
            "k",
            "before",
        );
        let a = cache.post_dep("post-a").unwrap();
        put(&cache, cache.ticket(a).unwrap(), "a", "a");
        assert!(cache.get("k").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("k").is_none());
        assert!(
            cache.ticket(Dep::Collections).is_none(),
            "until the next horizon is known"
        );
        // A single post's read does not change when another post falls due.
        assert!(cache.get("a").is_some());
    }

    #[test]
    fn entries_expire_and_oversized_ones_are_not_kept() {
        let cache = ResponseCache::new(1 << 20, Duration::from_millis(20)).unwrap();
        cache.set_online(true);
        cache.set_horizon(cache.horizon_ticket(), None);
        put(&cache, cache.ticket(Dep::Collections).unwrap(), "k", "x");
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get("k").is_none(), "past its TTL");
        let big = Bytes::from(vec![b'x'; (1 << 20) / 16 + 1]);
        let ticket = cache.ticket(Dep::Collections).unwrap();
        cache.put(ticket, "big".into(), HeaderMap::new(), big);
        assert!(cache.get("big").is_none());
    }

    #[test]
    fn memory_stays_within_the_bound() {
        let cache = ResponseCache::new(64 * 1024, Duration::from_secs(60)).unwrap();
        cache.set_online(true);
        cache.set_horizon(cache.horizon_ticket(), None);
        for i in 0..200 {
            let ticket = cache.ticket(cache.post_dep(&format!("p-{i}")).unwrap());
            let body = Bytes::from(vec![b'x'; 2_000]);
            cache.put(ticket.unwrap(), format!("k{i}"), HeaderMap::new(), body);
        }
        assert!(cache.weight() <= 64 * 1024, "{}", cache.weight());
    }
}
