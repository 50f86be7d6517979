//! Posts and reads the tests need again and again, so that a test spells
//! out only what it is about. Every helper that answers a body asserts the
//! status first: a fixture that quietly returned a problem document would
//! make the test fail somewhere else, for another reason.

use std::fmt::Display;

use reqwest::{Method, Response};
use serde_json::{Value, json};

use super::TestApp;

/// The id of a post (or any resource) as a string.
pub fn id_of(resource: &Value) -> &str {
    resource["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {resource}"))
}

/// `/api/v1/posts/{id}` for a post.
pub fn post_path(post: &Value) -> String {
    format!("/api/v1/posts/{}", id_of(post))
}

/// The titles of a list page's items, in order.
pub fn titles(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data in {page}"))
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_owned())
        .collect()
}

/// The fields a 422 problem names, in order.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// `extra`'s fields over `body`'s.
fn merged(mut body: Value, extra: Value) -> Value {
    let extra = match extra {
        Value::Object(fields) => fields,
        other => panic!("extra fields must be an object, not {other}"),
    };
    for (k, v) in extra {
        body[k] = v;
    }
    body
}

impl TestApp {
    /// Creates a draft with this title and a one-letter body.
    pub async fn draft(&self, token: &str, title: &str) -> Value {
        self.draft_with(token, title, json!({})).await
    }

    /// [`draft`](Self::draft), with `extra` fields set or overridden.
    pub async fn draft_with(&self, token: &str, title: &str, extra: Value) -> Value {
        let body = merged(json!({"title": title, "markdown": "x"}), extra);
        self.created_post(token, body).await
    }

    /// Creates a post published now, with this title and a one-letter body.
    pub async fn publish(&self, token: &str, title: &str) -> Value {
        self.publish_with(token, title, json!({})).await
    }

    /// [`publish`](Self::publish), with `extra` fields set or overridden.
    pub async fn publish_with(&self, token: &str, title: &str, extra: Value) -> Value {
        let body = merged(
            json!({"title": title, "markdown": "x", "status": "published"}),
            extra,
        );
        self.created_post(token, body).await
    }

    /// Creates a post published at noon on `day` of January 2024, with a
    /// body that names it (for lists, feeds and search).
    pub async fn publish_on(&self, token: &str, title: &str, day: u32, extra: Value) -> Value {
        let body = json!({
            "title": title,
            "markdown": format!("The body of {title}."),
            "status": "published",
            "published_at": format!("2024-01-{day:02}T12:00:00Z"),
        });
        self.created_post(token, merged(body, extra)).await
    }

    /// Imports a Markdown file as a post, asserts 201 and returns the post.
    pub async fn imported_post(&self, token: &str, file: &str) -> Value {
        let res = self.import_markdown(token, file).await;
        assert_eq!(res.status(), 201, "import {file}");
        res.json().await.expect("post json")
    }

    /// An anonymous `GET` of a post as its Markdown file, whatever it answers.
    pub async fn get_markdown(&self, path: &str) -> Response {
        self.get(path)
            .header("accept", "text/markdown")
            .send()
            .await
            .expect("GET Markdown")
    }

    /// A post's Markdown file (anonymous): asserts 200 and returns it.
    pub async fn export_markdown(&self, id_or_slug: &str) -> String {
        let res = self
            .get_markdown(&format!("/api/v1/posts/{id_or_slug}"))
            .await;
        assert_eq!(res.status(), 200, "export {id_or_slug}");
        res.text().await.expect("text")
    }

    /// `PATCH /api/v1/posts/{id_or_slug}`, whatever it answers.
    pub async fn patch_post(&self, token: &str, id_or_slug: &str, body: Value) -> Response {
        self.patch_post_if_match(token, id_or_slug, None, body)
            .await
    }

    /// [`patch_post`](Self::patch_post) with an optional `If-Match`.
    pub async fn patch_post_if_match(
        &self,
        token: &str,
        id_or_slug: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> Response {
        let mut req = self
            .request(Method::PATCH, &format!("/api/v1/posts/{id_or_slug}"))
            .bearer_auth(token)
            .json(&body);
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        req.send().await.expect("patch post")
    }

    /// Patches a post, asserts 200 and returns the updated post.
    pub async fn patched_post(&self, token: &str, id_or_slug: &str, body: Value) -> Value {
        let res = self.patch_post(token, id_or_slug, body.clone()).await;
        assert_eq!(res.status(), 200, "PATCH {id_or_slug} with {body}");
        res.json().await.expect("post json")
    }

    /// `DELETE /api/v1/posts/{id}`, whatever it answers.
    pub async fn delete_post(&self, token: &str, id: &str) -> Response {
        self.delete_post_if_match(token, id, None).await
    }

    /// [`delete_post`](Self::delete_post) with an optional `If-Match`.
    pub async fn delete_post_if_match(
        &self,
        token: &str,
        id: &str,
        if_match: Option<&str>,
    ) -> Response {
        let mut req = self
            .request(Method::DELETE, &format!("/api/v1/posts/{id}"))
            .bearer_auth(token);
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        req.send().await.expect("delete post")
    }

    /// `PATCH /api/v1/users/{id}`, whatever it answers.
    pub async fn patch_user(&self, token: &str, id: impl Display, body: Value) -> Response {
        let path = format!("/api/v1/users/{id}");
        self.call(Method::PATCH, &path, Some(token), Some(body))
            .await
    }

    /// Patches a user, asserts 200 and returns the updated user.
    pub async fn patched_user(&self, token: &str, id: impl Display, body: Value) -> Value {
        let res = self.patch_user(token, &id, body.clone()).await;
        assert_eq!(res.status(), 200, "PATCH user {id} with {body}");
        res.json().await.expect("user json")
    }

    /// A `GET` with a bearer token or API key, whatever it answers.
    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        self.get(path).bearer_auth(token).send().await.expect("GET")
    }

    /// An anonymous `GET`: asserts 200 and returns the body as text.
    pub async fn get_text(&self, path: &str) -> String {
        let res = self.get(path).send().await.expect("GET");
        assert_eq!(res.status(), 200, "GET {path}");
        res.text().await.expect("text")
    }

    /// An anonymous `GET`: asserts 200 and returns the JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.get(path).send().await.expect("GET");
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.expect("json")
    }

    /// A `GET` with a bearer token or API key: asserts 200 and returns the JSON.
    pub async fn get_json_as(&self, token: &str, path: &str) -> Value {
        let res = self.get_as(token, path).await;
        assert_eq!(res.status(), 200, "GET {path} with a token");
        res.json().await.expect("json")
    }

    /// The anonymous list of posts for a query string (without the `?`).
    pub async fn list_posts(&self, query: &str) -> Value {
        self.get_json(&format!("/api/v1/posts?{query}")).await
    }
}
