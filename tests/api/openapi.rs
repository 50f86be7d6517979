use serde_json::Value;

use crate::helpers::TestApp;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

/// The committed document must be what the code generates. Rewrite it with
/// `cargo run -- openapi > openapi/openapi.json` (or `UPDATE_OPENAPI=1 cargo test`).
#[test]
fn committed_openapi_matches_the_code() {
    let generated = folio::openapi::spec_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).expect("write openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_operation_is_documented_with_problem_errors() {
    let spec: Value = serde_json::from_str(&folio::openapi::spec_json()).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(op["summary"].is_string(), "{id} has no summary");
            assert!(op["tags"].is_array(), "{id} has no tag");
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                // Shared answers are references to `components/responses`.
                let response = match response["$ref"].as_str() {
                    Some(reference) => {
                        let name = reference.trim_start_matches("#/components/responses/");
                        &spec["components"]["responses"][name]
                    }
                    None => response,
                };
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{id} {status} is not problem+json"
                    );
                }
            }
            assert!(responses.contains_key("500"), "{id} documents no 500");
            if path.starts_with("/api/") {
                assert!(
                    responses.keys().any(|s| s.starts_with('4')),
                    "{id} documents no 4xx"
                );
                assert!(responses.contains_key("429"), "{id} documents no 429");
                assert!(op["security"].is_array(), "{id} states no security");
            }
        }
    }
    assert!(operations >= 9, "{operations}");
}

/// Who may call what is stated per operation: anonymous (`{}`), a user's
/// bearer token (`admin` where only admins may), or an API key scope.
#[test]
fn every_operation_states_who_may_call_it() {
    let spec: Value = serde_json::from_str(&folio::openapi::spec_json()).unwrap();
    assert!(spec["components"]["securitySchemes"]["apiKey"].is_object());
    let security = |path: &str, method: &str| spec["paths"][path][method]["security"].clone();
    let admin = serde_json::json!([{"bearer": ["admin"]}]);
    for (path, method) in [
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/users/{id}", "delete"),
        ("/api/v1/api-keys", "post"),
        ("/api/v1/api-keys/{id}", "delete"),
    ] {
        assert_eq!(security(path, method), admin, "{method} {path}");
    }
    for (path, method) in [
        ("/api/v1/posts", "post"),
        ("/api/v1/posts/{id_or_slug}", "put"),
        ("/api/v1/posts/{id_or_slug}", "patch"),
        ("/api/v1/posts/{id_or_slug}", "delete"),
        (
            "/api/v1/posts/{id_or_slug}/revisions/{revision}/restore",
            "post",
        ),
        ("/api/v1/render", "post"),
    ] {
        assert_eq!(
            security(path, method),
            serde_json::json!([{"bearer": []}, {"apiKey": ["posts:write"]}]),
            "{method} {path}"
        );
    }
    assert_eq!(
        security("/api/v1/tags/{slug}", "patch"),
        serde_json::json!([{"bearer": ["admin", "editor"]}, {"apiKey": ["posts:write"]}])
    );
    assert_eq!(
        security("/api/v1/posts/{id_or_slug}/revisions", "get"),
        serde_json::json!([{"bearer": []}, {"apiKey": ["preview:read"]}])
    );
    assert_eq!(
        security("/api/v1/posts/{id_or_slug}", "get"),
        serde_json::json!([{}, {"bearer": []}, {"apiKey": []}])
    );
    assert_eq!(
        security("/api/v1/auth/login", "post"),
        serde_json::json!([{}])
    );
    let login = &spec["paths"]["/api/v1/auth/login"]["post"]["responses"];
    assert!(login["429"]["headers"]["Retry-After"].is_object());

    // Every operation says so in words, and documents the refusals the
    // permission table can give.
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let p = folio::auth::permissions::of(id).unwrap_or_else(|| panic!("{id} has no row"));
            let description = op["description"].as_str().unwrap_or_default();
            assert!(
                description.contains("**Who may call it:**"),
                "{method} {path}: {description}"
            );
            if !p.anonymous {
                assert!(op["responses"]["401"].is_object(), "{method} {path}");
            }
            if !p.any_role() {
                assert!(op["responses"]["403"].is_object(), "{method} {path}");
            }
        }
    }
}

#[tokio::test]
async fn the_spec_and_the_explorer_are_served() {
    let app = TestApp::spawn().await;
    let served: Value = app
        .get("/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let generated: Value = serde_json::from_str(&folio::openapi::spec_json()).unwrap();
    assert_eq!(served, generated);
    let res = app.get("/docs/").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("swagger-ui"), "{page}");
    assert!(
        !page.contains("cdn") && !page.contains("unpkg"),
        "the explorer must work offline"
    );
    let res = app.get("/docs").send().await.unwrap();
    assert_eq!(res.status(), 308);
    assert_eq!(res.headers()["location"], "/docs/");
    let res = app.get("/docs/swagger-ui-bundle.js").send().await.unwrap();
    assert_eq!(res.status(), 200);
}

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");

/// The README's permission table is printed from `auth::permissions`.
/// Rewrite it with `UPDATE_README=1 cargo test`.
#[test]
fn the_readmes_permission_table_is_the_one_the_server_enforces() {
    let spec: Value = serde_json::from_str(&folio::openapi::spec_json()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations.push((
                op["operationId"].as_str().unwrap().to_owned(),
                method.to_uppercase(),
                path.clone(),
            ));
        }
    }
    let table = folio::auth::permissions::markdown_table(&operations);
    let readme = std::fs::read_to_string(README).unwrap();
    let (start, end) = ("<!-- permissions:start -->\n", "<!-- permissions:end -->");
    let from = readme.find(start).expect("the start marker") + start.len();
    let to = readme.find(end).expect("the end marker");
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{table}{}", &readme[..from], &readme[to..]);
        std::fs::write(README, updated).unwrap();
        return;
    }
    assert!(
        readme[from..to] == table,
        "the README's permission table is stale: run `UPDATE_README=1 cargo test --test api the_readmes_permission_table`"
    );
}
