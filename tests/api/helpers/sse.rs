//! A client for `text/event-stream`: reads the stream frame by frame.

use std::time::Duration;

use serde_json::Value;

/// One event of the stream (comments and the `retry` hint are skipped).
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens a stream; panics unless it is a 200 `text/event-stream`.
    pub async fn open(url: &str, bearer: Option<&str>, last_event_id: Option<&str>) -> Self {
        let response = Self::request(url, bearer, last_event_id).await;
        assert_eq!(response.status(), 200, "opening {url}");
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The raw answer to a stream request (to test refusals).
    pub async fn request(
        url: &str,
        bearer: Option<&str>,
        last_event_id: Option<&str>,
    ) -> reqwest::Response {
        let mut req = super::http_client().get(url);
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        req.send().await.expect("stream request")
    }

    /// The next event within `wait`; `None` when none came, or the stream
    /// ended.
    pub async fn next(&mut self, wait: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse(&frame) {
                    return Some(event);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `n` events, each within `wait` (fewer when the stream goes
    /// quiet for that long), then any more that come within `quiet`: a
    /// busy machine may be slow, but an extra event is still seen.
    pub async fn take(&mut self, n: usize, wait: Duration, quiet: Duration) -> Vec<Event> {
        let mut events = Vec::new();
        while events.len() < n {
            match self.next(wait).await {
                Some(event) => events.push(event),
                None => return events,
            }
        }
        events.extend(self.drain(quiet).await);
        events
    }

    /// Every event that arrives until none has come for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(event) = self.next(quiet).await {
            events.push(event);
        }
        events
    }

    /// The next event of one of `types`, skipping others, within `wait`.
    pub async fn next_of(&mut self, types: &[&str], wait: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next(left).await?;
            if types.contains(&event.event.as_str()) {
                return Some(event);
            }
        }
    }
}

fn parse(frame: &str) -> Option<Event> {
    let (mut id, mut event, mut data) = (None, None, String::new());
    for line in frame.lines() {
        if let Some(v) = line.strip_prefix("id: ") {
            id = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("event: ") {
            event = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("data: ") {
            data.push_str(v);
        }
    }
    Some(Event {
        id,
        event: event?,
        data: serde_json::from_str(&data).unwrap_or(Value::Null),
    })
}
