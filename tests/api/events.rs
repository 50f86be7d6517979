//! `GET /api/v1/events`: content changes as server-sent events, across
//! instances, resumable with `Last-Event-ID`, filtered by what each
//! subscriber may see, bounded per instance, and ended cleanly.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::sse::{Event, EventStream};
use crate::helpers::test_app::assert_problem;

const WAIT: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_millis(1500);

fn id(post: &Value) -> &str {
    post["id"].as_str().unwrap()
}

async fn patch(app: &TestApp, token: &str, post: &Value, body: Value) {
    let res = app
        .call(
            Method::PATCH,
            &format!("/api/v1/posts/{}", id(post)),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(res.status(), 200);
}

fn summary(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            (
                e.event.clone(),
                e.data["data"]["title"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn each_subscriber_sees_what_it_may_read() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, author) = app.user_with_role("author").await;
    let (_, other_author) = app.user_with_role("author").await;
    let url = app.url("/api/v1/events");
    let mut anonymous = EventStream::open(&url, None, None).await;
    let mut editor = EventStream::open(&url, Some(&admin), None).await;
    let mut owner = EventStream::open(&url, Some(&author), None).await;
    let mut stranger = EventStream::open(&url, Some(&other_author), None).await;

    let post = app
        .created_post(&author, json!({"title": "Draft one", "markdown": "x"}))
        .await;
    // A draft's change is told as the draft is now: published before the
    // instance's follower read it, there would be no draft left to tell
    // of (a loaded machine has seen that). The streams that may see it
    // get it before it changes.
    let owner_first = owner.next(WAIT).await;
    let editor_first = editor.next(WAIT).await;
    patch(
        &app,
        &admin,
        &post,
        json!({"status": "published", "title": "Live one"}),
    )
    .await;
    patch(&app, &admin, &post, json!({"markdown": "changed"})).await;
    patch(&app, &admin, &post, json!({"status": "draft"})).await;

    let public = pairs(&[
        ("post.published", "Live one"),
        ("post.updated", "Live one"),
        ("post.unpublished", "Live one"),
    ]);
    let with_draft = pairs(&[
        ("draft.updated", "Draft one"),
        ("post.published", "Live one"),
        ("post.updated", "Live one"),
        ("post.unpublished", "Live one"),
    ]);
    assert_eq!(summary(&anonymous.take(3, WAIT, QUIET).await), public);
    assert_eq!(summary(&stranger.take(3, WAIT, QUIET).await), public);
    let mut seen: Vec<_> = owner_first.into_iter().collect();
    seen.extend(owner.take(3, WAIT, QUIET).await);
    assert_eq!(summary(&seen), with_draft);
    let mut events: Vec<_> = editor_first.into_iter().collect();
    events.extend(editor.take(3, WAIT, QUIET).await);
    assert_eq!(summary(&events), with_draft);
    // Ids are increasing /sync tokens; the payload is a webhook's.
    let ids: Vec<i64> = events
        .iter()
        .map(|e| e.id.as_deref().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let published = &events[1].data;
    assert_eq!(published["type"], "post.published");
    assert_eq!(published["data"]["previous_status"], "draft");
    assert_eq!(
        published["data"]["sync_token"],
        (ids[1] - 1).to_string(),
        "the payload's token is the one before the change"
    );
    assert!(
        published["data"]["api_url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/posts/live-one")
            || published["data"]["api_url"]
                .as_str()
                .unwrap()
                .ends_with("/api/v1/posts/draft-one")
    );
}

#[tokio::test]
async fn a_change_through_one_instance_reaches_subscribers_of_another() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let other = app.another_instance(|_| {}).await;
    let mut stream = EventStream::open(&format!("{other}/api/v1/events"), None, None).await;
    let started = Instant::now();
    app.created_post(
        &admin,
        json!({"title": "Across", "markdown": "x", "status": "published"}),
    )
    .await;
    let event = stream.next(WAIT).await.expect("an event");
    assert_eq!(event.event, "post.published");
    assert_eq!(event.data["data"]["title"], "Across");
    // Through NOTIFY, not the 2-second safety poll (with room for load).
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn last_event_id_resumes_after_a_disconnect_spanning_several_changes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let url = app.url("/api/v1/events");
    let mut stream = EventStream::open(&url, None, None).await;
    let first = app
        .created_post(
            &admin,
            json!({"title": "First", "markdown": "x", "status": "published"}),
        )
        .await;
    let seen = stream.next(WAIT).await.unwrap();
    let last_id = seen.id.clone().unwrap();
    drop(stream);

    // While disconnected: a publish, an edit, a draft (invisible), a
    // delete.
    let second = app
        .created_post(
            &admin,
            json!({"title": "Second", "markdown": "x", "status": "published"}),
        )
        .await;
    patch(&app, &admin, &first, json!({"title": "First edited"})).await;
    app.created_post(&admin, json!({"title": "Hidden draft", "markdown": "x"}))
        .await;
    let res = app
        .call(
            Method::DELETE,
            &format!("/api/v1/posts/{}", id(&second)),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);

    let mut resumed = EventStream::open(&url, None, Some(&last_id)).await;
    let missed = resumed.take(3, WAIT, QUIET).await;
    assert_eq!(
        summary(&missed),
        pairs(&[
            ("post.published", "Second"),
            ("post.updated", "First edited"),
            ("post.deleted", "Second"),
        ])
    );
    // Then it goes on live, with nothing repeated.
    app.created_post(
        &admin,
        json!({"title": "Third", "markdown": "x", "status": "published"}),
    )
    .await;
    let live = resumed.next(WAIT).await.unwrap();
    assert_eq!(live.data["data"]["title"], "Third");
    assert!(resumed.next(QUIET).await.is_none());

    // `since` does the same for clients that cannot send the header, and a
    // malformed id is refused.
    let mut again = EventStream::open(&format!("{url}?since={last_id}"), None, None).await;
    assert_eq!(again.take(4, WAIT, QUIET).await.len(), 4);
    let res = EventStream::request(&url, None, Some("not-a-number")).await;
    assert_problem(res, 422).await;
}

#[tokio::test]
async fn a_preview_token_streams_its_own_posts_changes_and_ends_when_revoked() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_EVENTS_HEARTBEAT_SECS".into(), "1".into());
    })
    .await;
    let (_, author) = app.user_with_role("author").await;
    let draft = app
        .created_post(&author, json!({"title": "Split screen", "markdown": "v1"}))
        .await;
    let other = app
        .created_post(&author, json!({"title": "Elsewhere", "markdown": "v1"}))
        .await;
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/posts/{}/previews", id(&draft)),
            Some(&author),
            Some(json!({})),
        )
        .await;
    let link: Value = res.json().await.unwrap();
    let token = link["token"].as_str().unwrap();
    // As an EventSource would: the token in the query string.
    let mut stream = EventStream::open(
        &app.url(&format!("/api/v1/events?preview_token={token}")),
        None,
        None,
    )
    .await;
    patch(&app, &author, &other, json!({"markdown": "v2"})).await;
    patch(&app, &author, &draft, json!({"markdown": "v2"})).await;
    let event = stream
        .next_of(&["draft.updated"], WAIT)
        .await
        .expect("its own post's change");
    assert_eq!(event.data["data"]["title"], "Split screen");
    assert!(stream.next_of(&["draft.updated"], QUIET).await.is_none());

    let res = app
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/posts/{}/previews/{}",
                id(&draft),
                link["id"].as_str().unwrap()
            ),
            Some(&author),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let end = stream
        .next_of(&["unauthorized"], Duration::from_secs(5))
        .await
        .expect("the stream says why it ends");
    assert!(
        end.data["detail"]
            .as_str()
            .unwrap()
            .contains("no longer valid")
    );
    assert!(stream.next(QUIET).await.is_none(), "the stream ended");
}

#[tokio::test]
async fn streams_beyond_the_cap_are_refused_politely() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_EVENTS_MAX_STREAMS".into(), "2".into());
        // A client that left is noticed when the stream next writes.
        env.insert("FOLIO_EVENTS_HEARTBEAT_SECS".into(), "1".into());
    })
    .await;
    let url = app.url("/api/v1/events");
    let first = EventStream::open(&url, None, None).await;
    let _second = EventStream::open(&url, None, None).await;
    let refused = EventStream::request(&url, None, None).await;
    assert_eq!(refused.headers()["retry-after"], "5");
    let problem = assert_problem(refused, 503).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("event streams")
    );
    // A stream that leaves frees its place.
    drop(first);
    let started = Instant::now();
    loop {
        let res = EventStream::request(&url, None, None).await;
        if res.status() == 200 {
            break;
        }
        assert!(started.elapsed() < WAIT, "the place was not freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sigterm_ends_open_streams_and_the_process_exits_quickly() {
    let db = crate::helpers::test_db::TestDb::new().await;
    let (mut child, port) = crate::shutdown::spawn_binary(
        &db,
        &[
            ("FOLIO_SHUTDOWN_TIMEOUT_SECS", "30"),
            ("FOLIO_EVENTS_HEARTBEAT_SECS", "60"),
        ],
    )
    .await;
    let url = format!("http://127.0.0.1:{port}/api/v1/events");
    let mut streams = Vec::new();
    for _ in 0..3 {
        streams.push(EventStream::open(&url, None, None).await);
    }
    let term = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    for stream in &mut streams {
        let last = stream
            .next(Duration::from_secs(5))
            .await
            .expect("a last event");
        assert_eq!(last.event, "shutdown");
    }
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status}");
    // Well before the 30-second shutdown timeout open streams would
    // otherwise hold it to.
    assert!(
        term.elapsed() < Duration::from_secs(10),
        "took {:?}",
        term.elapsed()
    );
}
