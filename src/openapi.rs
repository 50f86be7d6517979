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
                        "A user's access token from `POST /api/v1/auth/login`. Where an operation lists `admin`, only admins may call it.",
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
                        "An API key from `POST /api/v1/api-keys`, sent as `Authorization: Bearer folio_…`; the listed scope is required.",
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
    describe_read_cache(&mut api);
    api
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
