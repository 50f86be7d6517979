//! Answers for requests no route takes: 405 with `Allow` when the path
//! exists under other methods, 404 otherwise, both as problem+json.

use actix_web::dev::ResourceDef;
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{AppError, problem_response};

/// Every documented path with the methods it answers, read from the OpenAPI
/// document so it cannot fall out of step with the routes.
pub struct RouteTable(Vec<(ResourceDef, Vec<Method>)>);

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods: Vec<Method> = Vec::new();
                let ops = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ];
                for (method, present) in ops {
                    if present {
                        methods.push(method);
                    }
                }
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods `path` answers. A path written out in full (say a
    /// future `/api/v1/posts/export`) answers only its own, not those of a
    /// pattern it is also an instance of (`/api/v1/posts/{id_or_slug}`):
    /// the gate refuses those.
    fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let literal = |def: &ResourceDef| def.pattern().is_some_and(|p| !p.contains('{'));
        let exact = self
            .0
            .iter()
            .any(|(def, _)| literal(def) && def.is_match(path));
        let mut allowed: Vec<Method> = Vec::new();
        for (def, methods) in &self.0 {
            if def.is_match(path) && (!exact || literal(def)) {
                allowed.extend(
                    methods
                        .iter()
                        .filter(|m| !allowed.contains(m))
                        .cloned()
                        .collect::<Vec<_>>(),
                );
            }
        }
        (!allowed.is_empty()).then_some(allowed)
    }
}

pub async fn not_found_or_method_not_allowed(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> HttpResponse {
    table.method_not_allowed(req.method(), req.path())
}

impl RouteTable {
    /// 405 with `Allow` when the path answers other methods, 404 otherwise.
    pub fn method_not_allowed(&self, method: &Method, path: &str) -> HttpResponse {
        match self.allowed(path) {
            Some(methods) => {
                let allow = methods
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut res = problem_response(
                    actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                    "about:blank",
                    format!("{method} is not allowed here; use {allow}"),
                    Vec::new(),
                );
                if let Ok(value) = header::HeaderValue::from_str(&allow) {
                    res.headers_mut().insert(header::ALLOW, value);
                }
                res
            }
            None => actix_web::ResponseError::error_response(&AppError::NotFound("route")),
        }
    }
}
