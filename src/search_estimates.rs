//! Large searches, remembered by each instance for one scheduler interval
//! (issue 17, search at 100,000 posts and on sites of a few thousand).
//!
//! A search whose words are in more posts than it counts learns so in a
//! first statement ([`post_list::search_first`]), then reads its page in a
//! second. The first learns it from the planner's statistics when they
//! are sure of it, which depends only on the words, on whether drafts are
//! searched, and on the copy of the statistics (`search_statistics`) that
//! every instance re-reads on its scheduler tick; else it counts up to the
//! cap, which costs as much as reading that many matches (~2 ms of
//! PostgreSQL's CPU at 5,000 posts against ~0.3 ms for the page).
//! Remembered for one interval, a repeated large search skips the first
//! statement.
//!
//! Only searches known to be large are kept, and only those with no other
//! filter: a search over fewer matches than the cap counts them on every
//! run, as its total is exact. Each instance keeps its own; losing them (a
//! restart, another instance) costs that one statement again. What one
//! remembers can be one interval old: after an `ANALYZE`, the old
//! statistics' word (which the copy already allows), and after writes
//! that leave fewer matches than the cap, a total still given as "at least
//! 1,000" and the page still read newest first. The page itself is always
//! read afresh.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::db::post_list::SearchCount;

/// The most searches remembered at once: each is its text (at most 256
/// characters) and a few numbers, so the table stays under ~0.5 MB
/// however many different words are searched.
pub const MAX_ENTRIES: usize = 1_024;

/// What this instance remembers: one table for searches of every post,
/// one for searches of public posts only, each keyed by the search's text
/// (so that a lookup borrows the text instead of copying it).
#[derive(Debug)]
pub struct SearchEstimates {
    ttl: Duration,
    entries: Mutex<[HashMap<String, (SearchCount, Instant)>; 2]>,
}

impl SearchEstimates {
    /// Estimates kept for `ttl` (the scheduler interval).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new([HashMap::new(), HashMap::new()]),
        }
    }

    /// The estimate remembered for `search`, unless it is older than the
    /// interval.
    pub fn get(&self, search: &str, public_only: bool) -> Option<SearchCount> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries[usize::from(public_only)]
            .get(search)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(found, _)| *found)
    }

    /// Remembers what a search found, when it is known to be large. When
    /// the table is full, expired entries go first, then all.
    pub fn remember(&self, search: &str, public_only: bool, found: SearchCount) {
        if !found.is_known_large() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.iter().map(HashMap::len).sum::<usize>() >= MAX_ENTRIES {
            for table in entries.iter_mut() {
                table.retain(|_, (_, at)| at.elapsed() < self.ttl);
            }
            if entries.iter().map(HashMap::len).sum::<usize>() >= MAX_ENTRIES {
                entries.iter_mut().for_each(HashMap::clear);
            }
        }
        entries[usize::from(public_only)].insert(search.to_owned(), (found, Instant::now()));
    }

    /// How many searches are remembered, expired ones included.
    #[cfg(test)]
    fn len(&self) -> usize {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.iter().map(HashMap::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn large() -> SearchCount {
        SearchCount {
            counted: None,
            estimated: 25_000.0,
            posts: 100_000.0,
        }
    }

    #[test]
    fn only_searches_known_to_be_large_are_remembered() {
        let remembered = SearchEstimates::new(Duration::from_secs(3600));
        remembered.remember("walrus", true, large());
        assert_eq!(remembered.get("walrus", true), Some(large()));
        // Drafts searched too: another search.
        assert_eq!(remembered.get("walrus", false), None);
        // Counted up to the cap: large too.
        let cap = crate::db::post_list::SEARCH_COUNT_CAP;
        let counted_to_the_cap = SearchCount {
            counted: Some(cap),
            estimated: 1_500.0,
            ..large()
        };
        remembered.remember("capped", true, counted_to_the_cap);
        assert_eq!(remembered.get("capped", true), Some(counted_to_the_cap));
        // Counted below the cap, or not counted (a cursor page) and too
        // few by the statistics: asked again every time.
        let counted = SearchCount {
            counted: Some(cap - 1),
            ..large()
        };
        remembered.remember("counted", true, counted);
        let unknown = SearchCount {
            estimated: 0.0,
            ..large()
        };
        remembered.remember("unknown", true, unknown);
        assert_eq!(remembered.get("counted", true), None);
        assert_eq!(remembered.get("unknown", true), None);
        assert_eq!(remembered.len(), 2);
    }

    #[test]
    fn an_estimate_is_forgotten_after_the_interval() {
        let remembered = SearchEstimates::new(Duration::from_millis(30));
        remembered.remember("walrus", true, large());
        assert!(remembered.get("walrus", true).is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(remembered.get("walrus", true), None);
    }

    #[test]
    fn the_table_never_holds_more_than_its_bound() {
        let remembered = SearchEstimates::new(Duration::from_secs(3600));
        for i in 0..MAX_ENTRIES + 10 {
            remembered.remember(&format!("word{i}"), true, large());
            assert!(remembered.len() <= MAX_ENTRIES);
        }
        // The newest is always kept.
        let newest = format!("word{}", MAX_ENTRIES + 9);
        assert!(remembered.get(&newest, true).is_some());
    }
}
