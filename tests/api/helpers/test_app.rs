//! The real application on a random port, over a fresh database.

use std::collections::HashMap;

use folio::config::Config;
use folio::startup::Application;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use super::test_db::TestDb;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const USER_PASSWORD: &str = "a-long-enough-password";
pub const JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub config: Config,
}

/// Settings for a test app; tests may add or override variables.
pub fn test_env(db: &TestDb) -> HashMap<String, String> {
    [
        ("DATABASE_URL", db.url()),
        ("FOLIO_ADDR", "127.0.0.1:0".into()),
        ("FOLIO_JWT_SECRET", JWT_SECRET.into()),
        ("FOLIO_ADMIN_EMAIL", ADMIN_EMAIL.into()),
        ("FOLIO_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
        ("FOLIO_WORKERS", "1".into()),
        ("FOLIO_DB_POOL_SIZE", "4".into()),
        // Tests hammer one address; the rate-limit tests turn it on.
        ("FOLIO_RATE_LIMIT_PER_MINUTE", "0".into()),
        // Each app its own media folder (instances of one test share it
        // through `another_instance`'s database's name).
        (
            "FOLIO_MEDIA_DIR",
            std::env::temp_dir()
                .join("folio-test-media")
                .join(&db.name)
                .display()
                .to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with extra or changed settings.
    pub async fn spawn_with(customise: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        let app = Self::spawn_unprepared_with(customise).await;
        let ready = app.get("/health/ready").send().await.expect("ready");
        assert_eq!(ready.status(), 200, "the app is not ready");
        app
    }

    /// Spawns without waiting for the database (for outage tests).
    pub async fn spawn_unprepared_with(
        customise: impl FnOnce(&mut HashMap<String, String>),
    ) -> Self {
        let db = TestDb::new().await;
        let mut env = test_env(&db);
        customise(&mut env);
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test config");
        let app = Application::build(config.clone()).await.expect("build app");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        Self {
            base,
            client: {
                folio::cli::install_tls();
                reqwest::Client::builder()
            }
            .redirect(reqwest::redirect::Policy::none())
            // Below actix's 5 s keep-alive: a connection the server is
            // closing is never picked for the next request.
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("client"),
            db,
            config,
        }
    }

    /// Another Folio instance on this app's database (as behind a load
    /// balancer), with its own settings; returns its base URL. It runs
    /// until the test ends.
    pub async fn another_instance(
        &self,
        customise: impl FnOnce(&mut HashMap<String, String>),
    ) -> String {
        let mut env = test_env(&self.db);
        customise(&mut env);
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test config");
        let app = Application::build(config).await.expect("build app");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.request(Method::POST, "/api/v1/auth/login")
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    pub async fn token_for(&self, email: &str, password: &str) -> String {
        let res = self.login(email, password).await;
        assert_eq!(res.status(), 200, "login as {email}");
        let body: Value = res.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.token_for(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Sends a request with an optional bearer credential and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.request(method, path);
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request")
    }

    /// Logs in and returns the whole token response.
    pub async fn session_for(&self, email: &str, password: &str) -> Value {
        let res = self.login(email, password).await;
        assert_eq!(res.status(), 200, "login as {email}");
        res.json().await.expect("token json")
    }

    /// Adds a user straight to the database (quicker than the users API)
    /// and returns their id and an access token.
    pub async fn user_with_role(&self, role: &str) -> (Uuid, String) {
        let (id, email) = self.insert_user(role).await;
        (id, self.token_for(&email, USER_PASSWORD).await)
    }

    /// Adds a user straight to the database; returns their id and email
    /// (the password is [`USER_PASSWORD`]).
    pub async fn insert_user(&self, role: &str) -> (Uuid, String) {
        let id = Uuid::now_v7();
        let email = format!("{role}-{}@example.com", id.simple());
        let password = USER_PASSWORD;
        let hash = folio::auth::password::hash(password).expect("hash");
        let mut conn = self.db.conn().await;
        folio::db::users::insert(
            &mut conn,
            &folio::db::users::NewUser {
                id,
                email: &email,
                name: &format!("A {role}"),
                password_hash: &hash,
                role,
            },
        )
        .await
        .expect("insert user");
        (id, email)
    }

    pub async fn create_post(&self, token: &str, body: Value) -> Response {
        self.request(Method::POST, "/api/v1/posts")
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("create post")
    }

    /// Creates a post and returns its JSON, asserting it was created.
    pub async fn created_post(&self, token: &str, body: Value) -> Value {
        let res = self.create_post(token, body).await;
        assert_eq!(res.status(), 201, "create post");
        res.json().await.expect("post json")
    }

    pub async fn import_markdown(&self, token: &str, file: &str) -> Response {
        self.request(Method::POST, "/api/v1/posts")
            .bearer_auth(token)
            .header("content-type", "text/markdown")
            .body(file.to_owned())
            .send()
            .await
            .expect("import")
    }
}

/// Asserts a response is an RFC 9457 problem with this status, and returns it.
pub async fn assert_problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status of {}", res.url());
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content-type {content_type:?} for {}",
        res.url()
    );
    let body: Value = res.json().await.expect("problem json");
    assert_eq!(body["status"], status, "{body}");
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "problem lacks {field}: {body}");
    }
    body
}
