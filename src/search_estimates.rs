//! Large searches' estimates, remembered by each instance for one
//! scheduler interval (issue 17, search at 100,000 posts).
//!
//! A search whose words are in more posts than it counts learns so from
//! the planner's statistics ([`post_list::search_first`]), then reads its
//! page in a second statement. What the first statement learnt depends
//! only on the words, on whether drafts are searched, and on the copy of
//! the statistics (`search_statistics`), which changes only when `posts` is
//! analysed and which every instance re-reads on its scheduler tick.
//! Remembered for that long, a repeated large search skips the first
//! statement: one round trip and one run of the estimate's PL/pgSQL fewer.
//!
//! Only estimates that made a search large are kept, and only for searches
//! with no other filter: a search over fewer matches counts them, and the
//! count changes with every write. Each instance keeps its own; losing
//! them (a restart, another instance) costs that one statement again and
//! changes no answer beyond what a statistics refresh already can: after
//! an `ANALYZE`, an instance may plan a search from the old statistics for
//! at most one more interval.

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

    /// Remembers what a search found, when the statistics alone made it
    /// large. When the table is full, expired entries go first, then all.
    pub fn remember(&self, search: &str, public_only: bool, found: SearchCount) {
        if !found.is_large_by_estimate() {
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
    fn only_what_the_statistics_made_large_is_remembered() {
        let remembered = SearchEstimates::new(Duration::from_secs(3600));
        remembered.remember("walrus", true, large());
        assert_eq!(remembered.get("walrus", true), Some(large()));
        // Drafts searched too: another search.
        assert_eq!(remembered.get("walrus", false), None);
        // Counted, or too few by the statistics: asked again every time.
        let counted = SearchCount {
            counted: Some(1_000),
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
        assert_eq!(remembered.len(), 1);
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
