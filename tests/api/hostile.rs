//! The hostile-client suite: requests no honest client sends, each answered
//! with the right 4xx as problem+json, never a 5xx, and changing nothing
//! stored. Every table runs against a database seeded with a published
//! post and a draft, snapshotted before and after each request.

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::raw_http::{self, RawResponse};

/// A seeded post every path case could hit if the key leaked into SQL.
const SEEDED: &str = "hello-world";

/// One hostile request and the answer it must get.
struct Case {
    name: String,
    method: &'static str,
    target: Vec<u8>,
    auth: bool,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
    status: u16,
    /// For a 422: the field the problem must name.
    field: Option<&'static str>,
}

impl Case {
    fn new(name: impl Into<String>, method: &'static str, target: impl Into<Vec<u8>>) -> Self {
        Self {
            name: name.into(),
            method,
            target: target.into(),
            auth: false,
            headers: Vec::new(),
            body: Vec::new(),
            status: 0,
            field: None,
        }
    }

    fn get(name: impl Into<String>, target: impl Into<Vec<u8>>) -> Self {
        Self::new(name, "GET", target)
    }

    /// `POST /api/v1/posts` as the admin, with this JSON text.
    fn create(name: impl Into<String>, json: impl Into<Vec<u8>>) -> Self {
        Self::new(name, "POST", "/api/v1/posts")
            .authed()
            .body("application/json", json)
    }

    /// `PATCH` of the seeded post as the admin, with this JSON text.
    fn update(name: impl Into<String>, json: impl Into<Vec<u8>>) -> Self {
        Self::new(name, "PATCH", format!("/api/v1/posts/{SEEDED}"))
            .authed()
            .body("application/json", json)
    }

    /// `POST /api/v1/posts` as the admin, with this Markdown file.
    fn import(name: impl Into<String>, file: impl Into<Vec<u8>>) -> Self {
        Self::new(name, "POST", "/api/v1/posts")
            .authed()
            .body("text/markdown", file)
    }

    fn authed(mut self) -> Self {
        self.auth = true;
        self
    }

    fn header(mut self, name: &'static str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn body(self, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        let mut case = self.header("Content-Type", content_type);
        case.body = body.into();
        case
    }

    fn expect(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    fn naming(mut self, field: &'static str) -> Self {
        self.status = 422;
        self.field = Some(field);
        self
    }
}

/// A running app with seeded posts and an admin token.
struct Hostile {
    app: TestApp,
    addr: String,
    token: String,
}

#[derive(QueryableByName)]
struct Snapshot {
    #[diesel(sql_type = Text)]
    snapshot: String,
}

impl Hostile {
    async fn spawn() -> Self {
        let app = TestApp::spawn().await;
        let token = app.admin_token().await;
        app.created_post(
            &token,
            json!({"title": "Hello, world", "slug": SEEDED, "markdown": "# Hi\n\nBody",
                   "status": "published", "tags": ["intro"], "metadata": {"series": "a"}}),
        )
        .await;
        app.created_post(
            &token,
            json!({"title": "A draft", "slug": "a-draft", "markdown": "Draft"}),
        )
        .await;
        let addr = app.base.trim_start_matches("http://").to_owned();
        Self { app, addr, token }
    }

    /// Every stored row, every column, as text.
    async fn snapshot(&self) -> String {
        let mut conn = self.app.db.conn().await;
        let row: Snapshot = diesel::sql_query(
            "SELECT coalesce((SELECT string_agg(p::text, E'\\n' ORDER BY p.id) FROM posts p), '')
                 || E'\\n--\\n' ||
                 coalesce((SELECT string_agg(u::text, E'\\n' ORDER BY u.id) FROM users u), '')
                 AS snapshot",
        )
        .get_result(&mut conn)
        .await
        .expect("snapshot");
        row.snapshot
    }

    async fn send(&self, case: &Case) -> RawResponse {
        let bearer = format!("Bearer {}", self.token).into_bytes();
        let mut headers: Vec<(&str, &[u8])> = Vec::new();
        if case.auth {
            headers.push(("Authorization", &bearer));
        }
        for (name, value) in &case.headers {
            headers.push((name, value));
        }
        raw_http::send(&self.addr, case.method, &case.target, &headers, &case.body).await
    }

    /// Runs every case, then fails once, listing every case that went wrong.
    async fn run(&self, cases: Vec<Case>) {
        let before = self.snapshot().await;
        let mut failures = Vec::new();
        for case in &cases {
            assert!(case.status >= 400, "{}: give it an expected 4xx", case.name);
            let res = self.send(case).await;
            if let Err(why) = check(case, &res) {
                failures.push(format!(
                    "{} {} — {}: {why}\n    got {} {}",
                    case.method,
                    String::from_utf8_lossy(&case.target)
                        .chars()
                        .take(80)
                        .collect::<String>(),
                    case.name,
                    res.status,
                    String::from_utf8_lossy(&res.body)
                        .chars()
                        .take(300)
                        .collect::<String>(),
                ));
            }
            if self.snapshot().await != before {
                failures.push(format!("{}: the stored data changed", case.name));
                break;
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} hostile cases failed:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }
}

fn check(case: &Case, res: &RawResponse) -> Result<(), String> {
    if res.status >= 500 {
        return Err("a server error".into());
    }
    if res.status != case.status {
        return Err(format!("expected {}", case.status));
    }
    let content_type = res.header("content-type").unwrap_or_default();
    if !content_type.starts_with("application/problem+json") {
        return Err(format!("content-type {content_type:?}, not problem+json"));
    }
    let problem = res.json().ok_or("the body is not JSON")?;
    if problem["status"] != case.status || !problem["detail"].is_string() {
        return Err("not a problem document for this status".into());
    }
    if let Some(field) = case.field {
        let named = problem["errors"]
            .as_array()
            .is_some_and(|errors| errors.iter().any(|e| e["field"] == field));
        if !named {
            return Err(format!("the problem does not name `{field}`"));
        }
    }
    Ok(())
}

#[tokio::test]
async fn nul_characters_in_any_text_field_are_422_naming_the_field() {
    // PostgreSQL `text` and `jsonb` cannot hold U+0000: these once reached
    // the database and came back as 500s.
    let nul = r"a\u0000b";
    let cases = vec![
        Case::create(
            "NUL in title",
            format!(r#"{{"title": "{nul}", "markdown": "x"}}"#),
        )
        .naming("title"),
        Case::create(
            "NUL in markdown",
            format!(r#"{{"title": "t", "markdown": "{nul}"}}"#),
        )
        .naming("markdown"),
        Case::create(
            "NUL in excerpt",
            format!(r#"{{"title": "t", "markdown": "x", "excerpt": "{nul}"}}"#),
        )
        .naming("excerpt"),
        Case::create(
            "NUL in slug",
            format!(r#"{{"title": "t", "markdown": "x", "slug": "{nul}"}}"#),
        )
        .naming("slug"),
        Case::create(
            "NUL in a tag",
            format!(r#"{{"title": "t", "markdown": "x", "tags": ["ok", "{nul}"]}}"#),
        )
        .naming("tags"),
        Case::create(
            "NUL in a metadata value",
            format!(r#"{{"title": "t", "markdown": "x", "metadata": {{"k": "{nul}"}}}}"#),
        )
        .naming("metadata"),
        Case::create(
            "NUL in a metadata key",
            format!(r#"{{"title": "t", "markdown": "x", "metadata": {{"{nul}": 1}}}}"#),
        )
        .naming("metadata"),
        Case::create(
            "NUL deep in metadata",
            format!(
                r#"{{"title": "t", "markdown": "x", "metadata": {{"a": [{{"b": ["{nul}"]}}]}}}}"#
            ),
        )
        .naming("metadata"),
        Case::update("NUL in a new title", format!(r#"{{"title": "{nul}"}}"#)).naming("title"),
        Case::update("NUL in a new body", format!(r#"{{"markdown": "{nul}"}}"#)).naming("markdown"),
        Case::update("NUL in a new excerpt", format!(r#"{{"excerpt": "{nul}"}}"#))
            .naming("excerpt"),
        Case::update("NUL in new tags", format!(r#"{{"tags": ["{nul}"]}}"#)).naming("tags"),
        Case::update(
            "NUL in new metadata",
            format!(r#"{{"metadata": {{"k": "{nul}"}}}}"#),
        )
        .naming("metadata"),
        Case::import(
            "a raw NUL in a Markdown body",
            "---\ntitle: t\n---\nbody\0here",
        )
        .naming("markdown"),
        Case::import(
            "a YAML \\0 escape in front matter",
            "---\ntitle: t\ncover: \"a\\0b\"\n---\nbody",
        )
        .naming("metadata"),
        Case::import(
            "a YAML \\0 escape in the title",
            "---\ntitle: \"a\\0b\"\n---\nbody",
        )
        .naming("title"),
    ];
    Hostile::spawn().await.run(cases).await;
}

/// Injection, traversal and encoding attacks, as they appear in a request
/// target (percent-encoded where a client would have to encode them).
fn hostile_values() -> Vec<(&'static str, String)> {
    let mut values: Vec<(&str, String)> = [
        ("SQL injection", "'%3B%20DROP%20TABLE%20posts%3B--"),
        ("SQL injection, unencoded", "';DROP%20TABLE%20posts;--"),
        ("SQL tautology", "hello-world'%20OR%20'1'%3D'1"),
        ("SQL comment", "hello-world'--"),
        ("LIKE wildcards", "hello%25"),
        ("LIKE single-character wildcard", "hello_world"),
        ("NUL alone", "%00"),
        ("NUL after a real slug", "hello-world%00"),
        ("NUL before a real slug", "%00hello-world"),
        ("encoded path traversal", "..%2F..%2Fetc%2Fpasswd"),
        (
            "lowercase-encoded path traversal",
            "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        ),
        (
            "double-encoded path traversal",
            "%252e%252e%252fetc%252fpasswd",
        ),
        ("backslash traversal", "..%5C..%5Cwindows%5Cwin.ini"),
        ("a dot-dot segment", ".."),
        ("invalid UTF-8", "%FF"),
        ("invalid UTF-8 inside a slug", "hello%FFworld"),
        ("overlong UTF-8 slash", "%C0%AF"),
        ("a UTF-16 surrogate in UTF-8", "%ED%A0%80"),
        ("a right-to-left mark", "%E2%80%8Fhello-world"),
        ("a right-to-left override", "%E2%80%AEdlrow-olleh"),
        ("emoji", "%F0%9F%98%80"),
        ("accented letters", "h%C3%A9llo-world"),
        ("upper case", "HELLO-WORLD"),
        ("a trailing space", "hello-world%20"),
        ("a newline", "hello-world%0A"),
        (
            "a CRLF header injection",
            "hello-world%0D%0ASet-Cookie:%20x=1",
        ),
        ("the nil UUID", "00000000-0000-0000-0000-000000000000"),
        ("a UUID-like string", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"),
        ("the template itself", "%7Bid_or_slug%7D"),
        ("a lone percent sign", "hello%"),
    ]
    .into_iter()
    .map(|(name, value)| (name, value.to_owned()))
    .collect();
    values.push(("10,000 characters", "a".repeat(10_000)));
    values.push(("201 characters", "a".repeat(201)));
    values
}

#[tokio::test]
async fn hostile_post_keys_in_every_path_are_404_and_touch_nothing() {
    // A NUL in a key once reached PostgreSQL and failed as a 500; keys that
    // are neither a UUID nor a well-formed slug now never leave the handler.
    let mut cases = Vec::new();
    for (name, value) in hostile_values() {
        let path = format!("/api/v1/posts/{value}");
        cases.push(Case::get(format!("GET, {name}"), path.clone()).expect(404));
        cases.push(Case::get(format!("GET html, {name}"), format!("{path}/html")).expect(404));
        cases.push(
            Case::new(format!("PATCH, {name}"), "PATCH", path.clone())
                .authed()
                .body("application/json", r#"{"title": "Hacked"}"#)
                .expect(404),
        );
        cases.push(
            Case::new(format!("DELETE, {name}"), "DELETE", path)
                .authed()
                .expect(404),
        );
    }
    for target in [
        "/api/v1/posts/../../etc/passwd",
        "/api/v1/posts/./hello-world/../../../etc/passwd",
        "/api/v1/posts/hello-world/../../../../etc/passwd",
        "/api/v1/posts/%2e%2e/%2e%2e/etc/passwd",
        "/../../../../etc/passwd",
    ] {
        cases.push(Case::get("a raw dot-dot path", target).expect(404));
        cases.push(
            Case::new("a raw dot-dot path", "DELETE", target)
                .authed()
                .expect(404),
        );
    }
    Hostile::spawn().await.run(cases).await;
}

#[tokio::test]
async fn hostile_logins_are_401_or_4xx_and_never_500() {
    // A NUL in the email once reached PostgreSQL and failed as a 500.
    let login = |name: &str, json: &str| {
        Case::new(name, "POST", "/api/v1/auth/login").body("application/json", json)
    };
    let cases = vec![
        login(
            "NUL in the email",
            r#"{"email": "admin@example.com\u0000", "password": "x"}"#,
        )
        .expect(401),
        login(
            "NUL in the password",
            r#"{"email": "admin@example.com", "password": "\u0000"}"#,
        )
        .expect(401),
        login(
            "SQL injection in the email",
            r#"{"email": "' OR '1'='1' --", "password": "x"}"#,
        )
        .expect(401),
        login(
            "SQL injection in the password",
            r#"{"email": "admin@example.com", "password": "' OR '1'='1"}"#,
        )
        .expect(401),
        login(
            "RTL mark and emoji",
            r#"{"email": "\u200fadmin@example.com😀", "password": "x"}"#,
        )
        .expect(401),
        login(
            "a very long email",
            &format!(r#"{{"email": "{}", "password": "x"}}"#, "a".repeat(100_000)),
        )
        .expect(401),
        login(
            "an email that is a number",
            r#"{"email": 1, "password": "x"}"#,
        )
        .naming("email"),
        login("a missing password", r#"{"email": "admin@example.com"}"#).naming("password"),
        login(
            "an unknown field",
            r#"{"email": "a", "password": "b", "role": "admin"}"#,
        )
        .naming("role"),
        login(
            "duplicate keys",
            r#"{"email": "a", "email": "b", "password": "c"}"#,
        )
        .naming("email"),
        login("truncated JSON", r#"{"email": "admin@example.com", "passw"#).expect(400),
        Case::new("form-encoded", "POST", "/api/v1/auth/login")
            .body("application/x-www-form-urlencoded", "email=a&password=b")
            .expect(415),
    ];
    Hostile::spawn().await.run(cases).await;
}

#[tokio::test]
async fn dates_outside_the_years_0000_to_9999_are_422() {
    // chrono parses years far beyond what PostgreSQL stores: -9999 once
    // failed at the database as a 500, and -0001 was stored and sent back
    // as a date no RFC 3339 parser reads.
    let dated = |at: &str| format!(r#"{{"title": "t", "markdown": "x", "published_at": "{at}"}}"#);
    let mut cases = Vec::new();
    for at in [
        "-9999-01-01T00:00:00Z",
        "-4714-11-24T00:00:00Z",
        "-0001-12-31T23:59:59Z",
        "+10000-01-01T00:00:00Z",
        "+262142-12-31T23:59:59Z",
    ] {
        cases.push(Case::create(format!("created {at}"), dated(at)).naming("published_at"));
        cases.push(
            Case::update(
                format!("updated to {at}"),
                format!(r#"{{"published_at": "{at}"}}"#),
            )
            .naming("published_at"),
        );
    }
    for (name, at) in [
        ("an impossible date", "2024-02-30T00:00:00Z"),
        ("hour 24", "2024-01-01T24:00:00Z"),
        ("a NUL inside", r"2024-01-01T00:00:00\u0000Z"),
        ("a number", "1714550400"),
        ("an empty string", ""),
    ] {
        cases.push(Case::create(name, dated(at)).naming("published_at"));
    }
    cases.push(
        Case::import(
            "a front-matter date in year 10000",
            "---\ntitle: t\ndate: 10000-01-01\n---\nbody",
        )
        .naming("date"),
    );
    Hostile::spawn().await.run(cases).await;
}
