//! Opaque keyset cursors: base64url of the last post's sort-key value and
//! id, and the sort they belong to. A cursor is a position, not an offset,
//! so posts added meanwhile never shift a walk (no skips, no repeats).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::post_list::{After, KeyValue, Sort};

use super::list_params::sort_name;

#[derive(Serialize, Deserialize)]
struct Wire {
    /// The sort, as written in `sort=`.
    s: String,
    /// Microseconds since the epoch (times), a string (titles) or a rank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    t: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<f32>,
    i: Uuid,
}

pub fn encode(sort: Sort, after: &After) -> String {
    let mut wire = Wire {
        s: sort_name(sort).to_owned(),
        t: None,
        x: None,
        r: None,
        i: after.id,
    };
    match &after.value {
        KeyValue::Time(t) => wire.t = t.map(|t| t.timestamp_micros()),
        KeyValue::Text(x) => wire.x = Some(x.clone()),
        KeyValue::Rank(r) => wire.r = Some(*r),
    }
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).unwrap_or_default())
}

/// Reads a cursor made by [`encode`] for the same sort.
pub fn decode(raw: &str, sort: Sort) -> Result<After, &'static str> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| "is not a cursor from this API")?;
    let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| "is not a cursor from this API")?;
    if wire.s != sort_name(sort) {
        return Err("belongs to another sort order; keep `sort` as it was");
    }
    use crate::db::post_list::SortKey::*;
    let value = match (sort.key, wire.t, wire.x, wire.r) {
        (PublishedAt, t, None, None) => KeyValue::Time(match t {
            Some(t) => Some(DateTime::from_timestamp_micros(t).ok_or("is out of range")?),
            None => None,
        }),
        (UpdatedAt, Some(t), None, None) => KeyValue::Time(Some(
            DateTime::from_timestamp_micros(t).ok_or("is out of range")?,
        )),
        (Title, None, Some(x), None) => KeyValue::Text(x),
        (Relevance, None, None, Some(r)) if r.is_finite() => KeyValue::Rank(r),
        // A search matching more posts than it ranks lists them newest
        // first: its cursor holds a time.
        (Relevance, t, None, None) => KeyValue::Time(match t {
            Some(t) => Some(DateTime::from_timestamp_micros(t).ok_or("is out of range")?),
            None => None,
        }),
        _ => return Err("is not a cursor from this API"),
    };
    Ok(After { value, id: wire.i })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::post_list::SortKey;

    fn sort(key: SortKey, descending: bool) -> Sort {
        Sort { key, descending }
    }

    #[test]
    fn a_cursor_round_trips_every_kind_of_key() {
        let id = Uuid::now_v7();
        for (s, value) in [
            (Sort::NEWEST, KeyValue::Time(None)),
            (
                sort(SortKey::UpdatedAt, false),
                KeyValue::Time(DateTime::from_timestamp_micros(1_700_000_000_123_456)),
            ),
            (
                sort(SortKey::Title, true),
                KeyValue::Text("Ünïcode, \"quoted\"".into()),
            ),
            (Sort::RELEVANCE, KeyValue::Rank(0.123_456_79)),
            (
                Sort::RELEVANCE,
                KeyValue::Time(DateTime::from_timestamp_micros(1_700_000_000_123_456)),
            ),
        ] {
            let after = After { value, id };
            assert_eq!(decode(&encode(s, &after), s).unwrap(), after);
        }
    }

    #[test]
    fn a_cursor_from_another_sort_is_refused() {
        let after = After {
            value: KeyValue::Time(None),
            id: Uuid::now_v7(),
        };
        let c = encode(Sort::NEWEST, &after);
        assert!(decode(&c, sort(SortKey::PublishedAt, false)).is_err());
        assert!(decode(&c, sort(SortKey::UpdatedAt, true)).is_err());
    }

    #[test]
    fn garbage_is_not_a_cursor() {
        for raw in ["", "!!!", "bm90IGpzb24", "e30"] {
            assert!(decode(raw, Sort::NEWEST).is_err(), "{raw}");
        }
    }
}
