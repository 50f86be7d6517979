//! How the CLI waits when the server asks it to: a 429 or 503 is not a
//! failure but an instruction. The wait is what `Retry-After` says (or an
//! exponential back-off when it says nothing), plus jitter so concurrent
//! workers do not all come back in the same instant, within a bounded
//! number of tries so a server that never recovers still ends the run.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Tries after the first before a request is reported as failed. With the
/// waits below this rides out about two minutes of refusals.
pub const MAX_RETRIES: u32 = 10;
/// The longest single wait, whatever `Retry-After` says: a server asking for
/// an hour is better reported than waited for.
const MAX_WAIT: Duration = Duration::from_secs(60);
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// How long to wait before try `attempt + 1`, or `None` when the answer is
/// final (a success, a client error, or the tries are spent).
pub fn delay(status: StatusCode, headers: &HeaderMap, attempt: u32) -> Option<Duration> {
    if !matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) || attempt >= MAX_RETRIES
    {
        return None;
    }
    let backoff = FIRST_BACKOFF.saturating_mul(1 << attempt.min(8));
    let asked = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let wait = asked.unwrap_or(backoff).min(MAX_WAIT);
    let jitter = Duration::from_millis(rand::random_range(0..250));
    Some(wait + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    fn after(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn waits_as_long_as_the_server_asks_plus_jitter() {
        let d = delay(StatusCode::TOO_MANY_REQUESTS, &after("2"), 0).unwrap();
        assert!(
            d >= Duration::from_secs(2) && d < Duration::from_millis(2_250),
            "{d:?}"
        );
        let d = delay(StatusCode::SERVICE_UNAVAILABLE, &after("3600"), 0).unwrap();
        assert!(d <= MAX_WAIT + Duration::from_millis(250), "{d:?}");
    }

    #[test]
    fn backs_off_exponentially_without_a_header() {
        let first = delay(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), 0).unwrap();
        let later = delay(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), 4).unwrap();
        assert!(first < Duration::from_millis(500) && later >= Duration::from_secs(4));
    }

    #[test]
    fn other_answers_and_spent_tries_are_final() {
        for status in [
            StatusCode::OK,
            StatusCode::CONFLICT,
            StatusCode::INTERNAL_SERVER_ERROR,
        ] {
            assert!(delay(status, &after("1"), 0).is_none());
        }
        assert!(delay(StatusCode::TOO_MANY_REQUESTS, &after("1"), MAX_RETRIES).is_none());
    }
}
