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
use crate::domain::Visibility;

/// The table of searches by readers who see `visibility`: 1 for the public
/// posts, with or without an author's own drafts (what the statistics say
/// is the same for both), 0 for every post.
fn table(visibility: Visibility) -> usize {
    usize::from(visibility != Visibility::All)
}

/// The most searches remembered at once: each is its text (at most 256
/// characters) and a few numbers, so the table stays under ~0.5 MB
/// however many different words are searched.
pub const MAX_ENTRIES: usize = 1_024;

/// What this instance remembers: one table for searches of every post,
/// one for searches of public posts (an author's own drafts beside them
/// included), each keyed by the search's text (so that a lookup borrows
/// the text instead of copying it).
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

    /// What is remembered of `search` by readers who see `visibility`,
    /// unless it is older than the interval.
    pub fn get(&self, search: &str, visibility: Visibility) -> Option<SearchCount> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries[table(visibility)]
            .get(search)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(found, _)| *found)
    }

    /// Remembers what a search by a reader who sees `visibility` found,
    /// when it is known to be large. When the table is full, expired
    /// entries go first, then all.
    ///
    /// An author's count includes their own drafts: it is theirs alone,
    /// and never kept for the public search that shares its table (the
    /// statistics' estimate counts public posts only, for them too).
    pub fn remember(&self, search: &str, visibility: Visibility, found: SearchCount) {
        let own_count =
            matches!(visibility, Visibility::PublishedOrOwnedBy(_)) && found.counted.is_some();
        if !found.is_known_large() || own_count {
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
        entries[table(visibility)].insert(search.to_owned(), (found, Instant::now()));
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

    const PUBLIC: Visibility = Visibility::Published;

    fn author() -> Visibility {
        Visibility::PublishedOrOwnedBy(uuid::Uuid::nil())
    }

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
        remembered.remember("walrus", PUBLIC, large());
        assert_eq!(remembered.get("walrus", PUBLIC), Some(large()));
        // An author sees what the statistics said of public posts.
        assert_eq!(remembered.get("walrus", author()), Some(large()));
        // Every draft searched too: another search.
        assert_eq!(remembered.get("walrus", Visibility::All), None);
        // Counted up to the cap: large too.
        let cap = crate::db::post_list::SEARCH_COUNT_CAP;
        let counted_to_the_cap = SearchCount {
            counted: Some(cap),
            estimated: 1_500.0,
            ..large()
        };
        remembered.remember("capped", PUBLIC, counted_to_the_cap);
        assert_eq!(remembered.get("capped", PUBLIC), Some(counted_to_the_cap));
        // But not an author's count: their drafts are in it.
        remembered.remember("theirs", author(), counted_to_the_cap);
        assert_eq!(remembered.get("theirs", PUBLIC), None);
        // Counted below the cap, or not counted (a cursor page) and too
        // few by the statistics: asked again every time.
        let counted = SearchCount {
            counted: Some(cap - 1),
            ..large()
        };
        remembered.remember("counted", PUBLIC, counted);
        let unknown = SearchCount {
            estimated: 0.0,
            ..large()
        };
        remembered.remember("unknown", PUBLIC, unknown);
        assert_eq!(remembered.get("counted", PUBLIC), None);
        assert_eq!(remembered.get("unknown", PUBLIC), None);
        assert_eq!(remembered.len(), 2);
    }

    #[test]
    fn an_estimate_is_forgotten_after_the_interval() {
        let remembered = SearchEstimates::new(Duration::from_millis(30));
        remembered.remember("walrus", PUBLIC, large());
        assert!(remembered.get("walrus", PUBLIC).is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(remembered.get("walrus", PUBLIC), None);
    }

    #[test]
    fn the_table_never_holds_more_than_its_bound() {
        let remembered = SearchEstimates::new(Duration::from_secs(3600));
        for i in 0..MAX_ENTRIES + 10 {
            remembered.remember(&format!("word{i}"), PUBLIC, large());
            assert!(remembered.len() <= MAX_ENTRIES);
        }
        // The newest is always kept.
        let newest = format!("word{}", MAX_ENTRIES + 9);
        assert!(remembered.get(&newest, PUBLIC).is_some());
    }
}
