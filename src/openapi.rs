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
        (name = "feeds", description = "RSS, Atom, JSON Feed and the sitemap, with absolute links to the public site"),
        (name = "tags", description = "Tags: the topics posts carry"),
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
                        "A user's access token from `POST /api/v1/auth/login`: an HS256 JWT (the one algorithm accepted) carrying and checked for `iss`, `aud`, `sub`, `exp`, `nbf`, `iat` and its session, as RFC 8725 recommends. Where an operation lists roles, only users with one of them may call it. Every operation says who may call it in its description.",
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
    describe_permissions(&mut api);
    describe_read_cache(&mut api);
    api
}

/// States each operation's security from the permission table (the one
/// source: handlers declare none), says who may call it in its
/// description, and documents the answers the gate can give before the
/// handler runs: 401 and 403 where the table can refuse, 400 for an
/// unknown query parameter.
fn describe_permissions(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;

    use crate::auth::permissions::{self, KeyAccess};

    for item in api.paths.paths.values_mut() {
        for op in operations_mut(item) {
            let id = op.operation_id.clone().unwrap_or_default();
            let Some(p) = permissions::of(&id) else {
                continue;
            };
            let mut security = Vec::new();
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
    let mut json = spec().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
