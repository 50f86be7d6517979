//! Every operation the server runs, read off the OpenAPI document (which is
//! read off the route tree), with what the gate needs to know about it:
//! its permission row and the query parameters it documents.

use std::collections::{HashMap, HashSet};

use actix_web::http::Method;
use utoipa::openapi::path::{Operation, ParameterIn};

use crate::auth::permissions::{self, Permission};
use crate::error::AppError;

/// One operation as the gate sees it.
#[derive(Debug, Clone)]
pub struct OperationInfo {
    pub id: String,
    /// `None` only for an operation the table forgot (start-up refuses those).
    pub permission: Option<Permission>,
    /// Documented query parameters.
    query: HashSet<String>,
    /// Documented object parameters, sent as `name.key=…` or `name[key]=…`.
    query_objects: HashSet<String>,
}

impl OperationInfo {
    /// 400 for a query parameter the operation does not document: unknown
    /// parameters would otherwise be ignored, and each spelling would make
    /// another entry in the read cache.
    pub fn check_query(&self, raw: &str) -> Result<(), AppError> {
        for (name, _) in url::form_urlencoded::parse(raw.as_bytes()) {
            if self.query.contains(name.as_ref()) {
                continue;
            }
            let object = name
                .split_once('.')
                .or_else(|| name.split_once('['))
                .is_some_and(|(head, _)| self.query_objects.contains(head));
            if !object {
                return Err(AppError::BadRequest(format!(
                    "query parameter `{name}` is not known here{}",
                    self.known()
                )));
            }
        }
        Ok(())
    }

    fn known(&self) -> String {
        if self.query.is_empty() {
            return "; this operation takes none".to_owned();
        }
        let mut names: Vec<&str> = self.query.iter().map(String::as_str).collect();
        names.sort_unstable();
        format!("; it takes {}", names.join(", "))
    }
}

/// The operations by method and route pattern (as actix matches it).
pub struct Operations(
    HashMap<(Method, String), OperationInfo>,
    Vec<(actix_web::dev::ResourceDef, Method)>,
);

impl Operations {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let mut map = HashMap::new();
        let mut defs = Vec::new();
        for (path, item) in &api.paths.paths {
            for (method, op) in operations(item) {
                defs.push((
                    actix_web::dev::ResourceDef::new(path.as_str()),
                    method.clone(),
                ));
                map.insert((method, path.clone()), info(op));
            }
        }
        Self(map, defs)
    }

    pub fn find(&self, method: &Method, pattern: &str) -> Option<&OperationInfo> {
        self.0.get(&(method.clone(), pattern.to_owned()))
    }

    /// Whether `path` is also an instance of another operation's pattern
    /// with this method (a `GET` of a POST-only `/api/v1/posts/export`
    /// would be one of `GET /api/v1/posts/{id_or_slug}`), when the pattern
    /// it was matched to has no such method: actix would route it to that
    /// other operation's handler, past the gate, so the gate answers 405
    /// instead.
    pub fn shadowed(&self, method: &Method, path: &str) -> bool {
        self.1
            .iter()
            .any(|(def, m)| m == method && def.is_match(path))
    }

    /// The operations the permission table has no row for.
    pub fn unlisted(&self) -> Vec<String> {
        let mut missing: Vec<String> = self
            .0
            .values()
            .filter(|op| op.permission.is_none())
            .map(|op| op.id.clone())
            .collect();
        missing.sort();
        missing
    }
}

/// The operations of one path, with their methods.
pub fn operations(item: &utoipa::openapi::PathItem) -> Vec<(Method, &Operation)> {
    [
        (Method::GET, item.get.as_ref()),
        (Method::POST, item.post.as_ref()),
        (Method::PUT, item.put.as_ref()),
        (Method::PATCH, item.patch.as_ref()),
        (Method::DELETE, item.delete.as_ref()),
    ]
    .into_iter()
    .filter_map(|(m, op)| Some((m, op?)))
    .collect()
}

fn info(op: &Operation) -> OperationInfo {
    let id = op.operation_id.clone().unwrap_or_default();
    let mut query = HashSet::new();
    let mut query_objects = HashSet::new();
    for p in op.parameters.iter().flatten() {
        let utoipa::openapi::RefOr::T(p) = p else {
            continue;
        };
        if p.parameter_in != ParameterIn::Query {
            continue;
        }
        let is_object = p.schema.as_ref().is_some_and(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.get("type").cloned())
                .is_some_and(|t| {
                    t == "object" || t.as_array().is_some_and(|a| a.contains(&"object".into()))
                })
        });
        if is_object {
            query_objects.insert(p.name.clone());
        } else {
            query.insert(p.name.clone());
        }
    }
    OperationInfo {
        permission: permissions::of(&id),
        id,
        query,
        query_objects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_api_has_a_row_in_the_permission_table() {
        let ops = Operations::from_openapi(&crate::openapi::spec());
        assert_eq!(ops.unlisted(), Vec::<String>::new());
    }

    #[test]
    fn every_row_of_the_permission_table_names_an_operation() {
        let ops = Operations::from_openapi(&crate::openapi::spec());
        let ids: HashSet<&str> = ops.0.values().map(|o| o.id.as_str()).collect();
        for (id, _) in permissions::TABLE {
            assert!(ids.contains(id), "{id} is in the table but not in the API");
        }
    }

    #[test]
    fn a_path_is_shadowed_where_another_operations_pattern_takes_its_method() {
        let ops = Operations::from_openapi(&crate::openapi::spec());
        assert!(ops.shadowed(&Method::GET, "/api/v1/posts/export"));
        assert!(ops.shadowed(&Method::DELETE, "/api/v1/posts/export"));
        assert!(!ops.shadowed(&Method::POST, "/api/v1/posts/export"));
        assert!(!ops.shadowed(&Method::GET, "/api/v1/nothing/here/at-all"));
    }

    #[test]
    fn only_documented_query_parameters_pass() {
        let ops = Operations::from_openapi(&crate::openapi::spec());
        let list = ops.find(&Method::GET, "/api/v1/posts").unwrap();
        assert!(
            list.check_query("page=2&limit=5&metadata.series=x&metadata[a]=b")
                .is_ok()
        );
        assert!(list.check_query("utm_source=x").is_err());
        let post = ops
            .find(&Method::GET, "/api/v1/posts/{id_or_slug}")
            .unwrap();
        assert!(post.check_query("formats=toc").is_ok());
        assert!(post.check_query("nocache=1").is_err());
        let tags = ops.find(&Method::GET, "/api/v1/tags").unwrap();
        assert!(tags.check_query("").is_ok());
        assert!(tags.check_query("x=1").is_err());
    }
}
