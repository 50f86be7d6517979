//! The OpenAPI 3.1 document, generated from the same route tree the server
//! runs (`routes::configure`), plus what cannot be read off the handlers.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, Problem};
use crate::routes::posts::list_params::{FormatParam, SortParam};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Folio",
        description = "A headless CMS: Markdown posts in PostgreSQL, served as JSON and as rendered, sanitised HTML.\n\nEvery error is `application/problem+json` (RFC 9457).",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    servers((url = "/", description = "The Folio instance serving this document")),
    tags(
        (name = "posts", description = "Posts: Markdown with front matter in, JSON and HTML out"),
        (name = "render", description = "Rendering Markdown without storing it (live preview)"),
        (name = "auth", description = "Logging in and out, refreshing tokens, your own account"),
        (name = "users", description = "Managing people and their roles (admins)"),
        (name = "api-keys", description = "Keys for integrations, with scopes (admins)"),
        (name = "webhooks", description = "Subscriptions to content events: signed webhooks and build hooks, their delivery log (admins)"),
        (name = "previews", description = "Preview links: a token that reads one post, and nothing else, until it expires"),
        (name = "events", description = "Live content changes as server-sent events"),
        (name = "feeds", description = "RSS, Atom, JSON Feed and the sitemap, with absolute links to the public site"),
        (name = "tags", description = "Tags: the topics posts carry"),
        (name = "media", description = "The media library: uploaded images, their responsive variants, and the files under /media/"),
        (name = "authors", description = "Authors' public profiles"),
        (name = "health", description = "Liveness and readiness probes"),
    ),
    // Schemas used only by query parameters are not collected from the
    // handlers; they are listed here.
    components(schemas(Problem, FieldError, SortParam, FormatParam)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A user's access token from `POST /api/v1/auth/login`: an HS256 JWT (the one algorithm accepted) carrying and checked for `iss`, `aud`, `sub`, `exp`, `nbf`, `iat`, its type and its session, following the JWT best current practices of RFC8725. Where an operation lists roles, only users with one of them may call it. Every operation says who may call it in its description.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("folio_ API key")
                    .description(Some(
                        "An API key from `POST /api/v1/api-keys`, sent as `Authorization: Bearer folio_…`. It acts as the admin who made it, limited to its scopes: where an operation lists a scope, the key needs it; where it lists none, any key may call it; where `apiKey` is absent, keys are refused.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "previewToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("folio_pv_ preview token")
                    .description(Some(
                        "A preview link's token from `POST /api/v1/posts/{id_or_slug}/previews`, sent as `Authorization: Bearer folio_pv_…`. It reads its one post (and streams its changes) until it expires or is revoked, and is refused everywhere else.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "previewTokenQuery",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Query(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "preview_token",
                    "The same preview token in the query string, for a link a reviewer opens in a browser or an `EventSource`. Prefer the header from code: URLs end up in browser history and in proxies' logs.",
                ),
            )),
        );
    }
}

/// The whole document, as served at `/openapi.json` and committed in
/// `openapi/openapi.json`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    describe_server(&mut api);
    describe_permissions(&mut api);
    describe_shared_answers(&mut api);
    describe_read_cache(&mut api);
    api
}

/// The document as served and committed: [`spec`], with the passes that
/// are easier on JSON than on utoipa's types.
pub fn document() -> serde_json::Value {
    document_of(&spec())
}

/// [`document`] of a [`spec`] already built.
pub fn document_of(spec: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut value = serde_json::to_value(spec).unwrap_or_default();
    bound_formatted_strings(&mut value);
    bound_response_headers(&mut value);
    value
}

/// Response headers say how long they can be (Folio writes them: ETags of
/// a few dozen characters, URLs within the public URL's length), and every
/// `Retry-After` is the one shared header, with its bounds.
fn bound_response_headers(document: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut().filter_map(Value::as_object_mut) {
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for response in responses.values_mut().filter_map(Value::as_object_mut) {
                let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for (name, header) in headers.iter_mut() {
                    if name == "Retry-After" {
                        *header = json!({"$ref": "#/components/headers/Retry-After"});
                        continue;
                    }
                    let Some(schema) = header.get_mut("schema").and_then(Value::as_object_mut)
                    else {
                        continue;
                    };
                    if schema.get("type") == Some(&json!("string"))
                        && !schema.contains_key("maxLength")
                    {
                        let bound = match name.as_str() {
                            "ETag" => 128,
                            "Location" => 4_096,
                            _ => 1_024,
                        };
                        schema.insert("maxLength".into(), bound.into());
                    }
                }
            }
        }
    }
}

/// Strings whose format fixes their length say so (`maxLength`), wherever
/// they are: a UUID is 36 characters, an RFC 3339 instant at most 64 (the
/// server refuses longer), a date 10.
fn bound_formatted_strings(value: &mut serde_json::Value) {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                let bound = match map.get("format").and_then(|f| f.as_str()) {
                    Some("uuid") => Some(36),
                    Some("date-time") => Some(64),
                    Some("date") => Some(10),
                    _ => None,
                };
                if let Some(bound) = bound
                    && !map.contains_key("maxLength")
                {
                    map.insert("maxLength".into(), bound.into());
                }
                map.values_mut().for_each(walk);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(value);
}

/// The one server entry: wherever the document is served from.
fn describe_server(api: &mut utoipa::openapi::OpenApi) {
    let mut extensions = utoipa::openapi::extensions::Extensions::default();
    extensions.insert("x-internal".into(), serde_json::Value::Bool(false));
    for server in api.servers.iter_mut().flatten() {
        server.description = Some(
            "The Folio instance serving this document: each environment (local, staging, production) serves its own."
                .into(),
        );
        server.extensions = Some(extensions.clone());
    }
}

/// Paths the rate limiter and the database are not in front of.
fn is_probe(path: &str) -> bool {
    path.starts_with("/health/") || path == "/metrics"
}

/// The answers every operation shares, written once under
/// `components/responses` (and their headers under `components/headers`)
/// and referenced from each operation: 429 and the `RateLimit-*` headers
/// where the rate limiter is in front (everything but the probes), 503
/// where the database is behind (everything but liveness and metrics),
/// 414 and 500 everywhere. Handlers document only what is particular to them.
const URI_TOO_LONG: &str =
    "The path and query string are longer than `FOLIO_MAX_URI_BYTES` (8 KiB by default)";

fn describe_shared_answers(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{HeaderBuilder, Ref, RefOr};

    let components = api.components.get_or_insert_with(Default::default);
    let integer_header = |description: &str| {
        HeaderBuilder::new()
            .schema(Some(
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Integer)
                    .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                        utoipa::openapi::schema::KnownFormat::Int64,
                    )))
                    .minimum(Some(0))
                    .maximum(Some(10_000_000)),
            ))
            .description(Some(description))
            .build()
    };
    for (name, description) in [
        (
            "RateLimit-Limit",
            "Requests allowed in a burst for this client address or credential (when rate limiting is on, the default; `FOLIO_RATE_LIMIT_BURST`).",
        ),
        (
            "RateLimit-Remaining",
            "Requests left in the current burst before answers become 429.",
        ),
        (
            "RateLimit-Reset",
            "Seconds until a drained burst is full again.",
        ),
        ("Retry-After", "Seconds to wait before trying again."),
    ] {
        components
            .headers
            .insert(name.into(), RefOr::T(integer_header(description)));
    }
    let header = |name: &str| {
        RefOr::<utoipa::openapi::Header>::Ref(Ref::new(format!("#/components/headers/{name}")))
    };
    let mut too_many = problem_response(
        "Too many requests from this client address or credential (or, for logins, a back-off): wait `Retry-After` seconds",
    );
    too_many
        .headers
        .insert("Retry-After".into(), header("Retry-After"));
    for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
        too_many.headers.insert(name.into(), header(name));
    }
    let mut unavailable = problem_response(
        "The database is unavailable or too busy right now; try again after `Retry-After` seconds",
    );
    unavailable
        .headers
        .insert("Retry-After".into(), header("Retry-After"));
    let mut uri_too_long = problem_response(URI_TOO_LONG);
    for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
        uri_too_long.headers.insert(name.into(), header(name));
    }
    for (name, response) in [
        ("TooManyRequests", too_many),
        ("UriTooLong", uri_too_long),
        ("Unavailable", unavailable),
        (
            "InternalError",
            problem_response("An unexpected error; its cause is logged, never sent"),
        ),
    ] {
        components.responses.insert(name.into(), RefOr::T(response));
    }

    let shared = |name: &str| {
        RefOr::<utoipa::openapi::Response>::Ref(Ref::new(format!("#/components/responses/{name}")))
    };
    for (path, item) in api.paths.paths.iter_mut() {
        let probe = is_probe(path);
        for op in operations_mut(item) {
            let id = op.operation_id.clone().unwrap_or_default();
            let responses = &mut op.responses.responses;
            responses
                .entry("500".into())
                .or_insert_with(|| shared("InternalError"));
            // The URI limit is in front of every route (behind the rate
            // limiter, which the probes skip: theirs carries no headers).
            responses.entry("414".into()).or_insert_with(|| {
                if probe {
                    RefOr::T(problem_response(URI_TOO_LONG))
                } else {
                    shared("UriTooLong")
                }
            });
            if id != "live" && id != "metrics" {
                responses
                    .entry("503".into())
                    .or_insert_with(|| shared("Unavailable"));
            }
            if probe {
                continue;
            }
            responses
                .entry("429".into())
                .or_insert_with(|| shared("TooManyRequests"));
            for response in responses.values_mut() {
                if let RefOr::T(response) = response {
                    for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
                        response
                            .headers
                            .entry(name.into())
                            .or_insert_with(|| header(name));
                    }
                }
            }
        }
    }
}

/// States each operation's security from the permission table (the one
/// source: handlers declare none), says who may call it in its
/// description, and documents the answers the gate can give before the
/// handler runs: 401 and 403 where the table can refuse, 400 for an
/// unknown query parameter.
fn describe_permissions(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;

    use crate::auth::permissions::{self, KeyAccess, PreviewTokens};

    for item in api.paths.paths.values_mut() {
        for op in operations_mut(item) {
            let id = op.operation_id.clone().unwrap_or_default();
            let Some(p) = permissions::of(&id) else {
                continue;
            };
            let mut security = Vec::new();
            if p.preview == PreviewTokens::Required {
                op.security = Some(vec![
                    SecurityRequirement::new("previewToken", Vec::<&str>::new()),
                    SecurityRequirement::new("previewTokenQuery", Vec::<&str>::new()),
                ]);
                describe(op, &p);
                add_problem(
                    op,
                    "400",
                    "A malformed request, or a query parameter this operation does not take",
                );
                continue;
            }
            if p.anonymous {
                security.push(SecurityRequirement::default());
            }
            if !p.identifies {
                op.security = Some(security);
                describe(op, &p);
                add_problem(
                    op,
                    "400",
                    "A malformed request, or a query parameter this operation does not take",
                );
                continue;
            }
            let roles: Vec<&str> = if p.any_role() {
                Vec::new()
            } else {
                p.roles.iter().map(|r| r.as_str()).collect()
            };
            security.push(SecurityRequirement::new("bearer", roles));
            match p.key {
                KeyAccess::Refused => {}
                KeyAccess::Any => {
                    security.push(SecurityRequirement::new("apiKey", Vec::<&str>::new()))
                }
                KeyAccess::Scope(scope) => {
                    security.push(SecurityRequirement::new("apiKey", [scope.as_str()]));
                }
            }
            if p.preview == PreviewTokens::Accepted {
                security.push(SecurityRequirement::new("previewToken", Vec::<&str>::new()));
                security.push(SecurityRequirement::new(
                    "previewTokenQuery",
                    Vec::<&str>::new(),
                ));
            }
            op.security = Some(security);
            describe(op, &p);
            add_problem(
                op,
                "400",
                "A malformed request, or a query parameter this operation does not take",
            );
            if p.anonymous {
                add_problem(op, "401", "An invalid credential was sent");
            } else {
                add_problem(op, "401", "Not authenticated");
            }
            if !p.any_role() || p.key != KeyAccess::Any {
                add_problem(op, "403", "The caller's role or API key may not do this");
            }
        }
    }
}

/// Ends an operation's description with who may call it.
fn describe(op: &mut utoipa::openapi::path::Operation, p: &crate::auth::permissions::Permission) {
    let who = format!("**Who may call it:** {}.", p.describe());
    op.description = Some(match op.description.take() {
        Some(d) if !d.is_empty() => format!("{d}\n\n{who}"),
        _ => who,
    });
}

/// Documents a problem answer unless the operation already does.
fn add_problem(op: &mut utoipa::openapi::path::Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| problem_response(description).into());
}

fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// A problem+json response with this description.
fn problem_response(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::error::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// Every public read (a `GET` anyone may call, but the probes) can come
/// from the read cache, and says so in `X-Cache`. Added here rather than
/// on each handler, so no public read can miss it.
fn describe_read_cache(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{HeaderBuilder, RefOr};

    let header = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["hit", "miss"])),
        ))
        .description(Some(
            "Anonymous reads only: `hit` when this instance's read cache answered, `miss` when it could have but had to ask the database. Absent for authenticated reads, which are never cached.",
        ))
        .build();
    for item in api.paths.paths.values_mut() {
        let Some(get) = item.get.as_mut() else {
            continue;
        };
        let anonymous = get
            .security
            .as_ref()
            .is_some_and(|s| s.iter().any(|r| r == &Default::default()));
        let probe = get
            .tags
            .as_ref()
            .is_some_and(|tags| tags.iter().any(|t| t == "health"));
        if !anonymous || probe {
            continue;
        }
        for (status, response) in &mut get.responses.responses {
            if let (true, RefOr::T(response)) = (status == "200" || status == "304", response) {
                response
                    .headers
                    .insert("X-Cache".into(), RefOr::T(header.clone()));
            }
        }
    }
}

/// The document as pretty JSON with a trailing newline, the committed form.
pub fn spec_json() -> String {
    let mut json = serde_json::to_string_pretty(&document()).unwrap_or_default();
    json.push('\n');
    json
}
