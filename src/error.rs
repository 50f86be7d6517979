//! One error type for the whole API, answered as `application/problem+json`
//! (RFC 9457). Handlers return `Result<_, AppError>`; nothing else decides
//! what a failure looks like on the wire.

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One offending input field in a validation problem.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as named in the request (`title`, `metadata`, `front_matter.date`…).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document: every 4xx and 5xx answer has this shape.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "the request has invalid fields",
    "errors": [{"field": "title", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A human-readable explanation of this occurrence.
    pub detail: String,
    /// The offending fields, on validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("you are not allowed to {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("too many requests; try again in {0} seconds")]
    TooManyRequests(u64),
    #[error("the request body took too long to arrive")]
    RequestTimeout,
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// This instance holds as many of something (open event streams) as
    /// it is configured for; another instance, or a retry, may have room.
    #[error("{0}")]
    AtCapacity(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// The problem document this error is answered with. A 500's cause
    /// goes to the log, never into the document.
    pub fn to_problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            Self::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                "an unexpected error occurred".to_owned()
            }
            other => other.to_string(),
        };
        Problem {
            kind: self.kind().to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors: match self {
                Self::Validation(fields) => fields.clone(),
                _ => Vec::new(),
            },
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Validation(_) => "/problems/validation",
            Self::Conflict(_) => "/problems/conflict",
            Self::Unauthorized(_) => "/problems/unauthorized",
            Self::Unavailable | Self::AtCapacity(_) => "/problems/unavailable",
            Self::TooManyRequests(_) => "/problems/too-many-requests",
            Self::Forbidden(_) => "/problems/forbidden",
            Self::PreconditionFailed(_) => "/problems/precondition-failed",
            Self::PreconditionRequired(_) => "/problems/precondition-required",
            _ => "about:blank",
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Unavailable | Self::AtCapacity(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.to_problem();
        let mut response = HttpResponse::build(self.status_code())
            .content_type(PROBLEM_JSON)
            .body(serde_json::to_vec(&problem).unwrap_or_default());
        let headers = response.headers_mut();
        match self {
            Self::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"folio\""),
                );
            }
            Self::Unavailable | Self::AtCapacity(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            Self::TooManyRequests(seconds) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
            }
            _ => {}
        }
        response
    }
}

/// Builds a problem+json response; the one place the shape is written.
pub fn problem_response(
    status: StatusCode,
    kind: &str,
    detail: String,
    errors: Vec<FieldError>,
) -> HttpResponse {
    let problem = Problem {
        kind: kind.to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors,
    };
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .body(serde_json::to_vec(&problem).unwrap_or_default())
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        if !matches!(e, Error::NotFound) {
            crate::middleware::metrics::database_error();
        }
        match e {
            Error::NotFound => Self::NotFound("resource"),
            // The database's message names the constraint and its details
            // name the other row's values: neither goes to the client.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict("it already exists".into())
            }
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Self::Unavailable,
            // Text from the request that PostgreSQL cannot store or compare
            // (a NUL byte): the request is at fault, whichever parameter
            // carried it.
            Error::DatabaseError(_, info)
                if info
                    .message()
                    .starts_with("invalid byte sequence for encoding")
                    || info
                        .message()
                        .contains("unsupported Unicode escape sequence") =>
            {
                Self::BadRequest("the request contains a NUL character".into())
            }
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if is_transient(info.message()) =>
            {
                tracing::warn!(error = info.message(), "transient database failure");
                Self::Unavailable
            }
            other => Self::Internal(other.into()),
        }
    }
}

/// Failures that say "the database is away or overloaded right now", not
/// "this request is wrong": a restart, a shutdown, a statement timeout.
/// diesel does not expose the SQLSTATE, so these are PostgreSQL's messages.
fn is_transient(message: &str) -> bool {
    const TRANSIENT: &[&str] = &[
        "terminating connection",
        "the database system is starting up",
        "the database system is shutting down",
        "the database system is in recovery mode",
        "canceling statement due to statement timeout",
        "canceling statement due to lock timeout",
        // The database broke a lock cycle by failing this statement; the
        // same request again will not meet the same cycle.
        "deadlock detected",
        "too many connections",
        "connection closed",
    ];
    TRANSIENT.iter().any(|t| message.contains(t))
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        // Every pool failure (timeout, refused connection) means "the database
        // cannot take this request now": a 503 the client may retry.
        tracing::warn!(error = %e, "database pool unavailable");
        crate::middleware::metrics::database_error();
        Self::Unavailable
    }
}

/// Turns any error response that is not problem+json yet (actix's own
/// 404s, payload and extractor errors…) into one, keeping its status and
/// headers such as `Allow` and `WWW-Authenticate`.
pub fn problem_fallback<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match res.response().error() {
        Some(e) if status.is_client_error() => e.to_string(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let (req, old) = res.into_parts();
    let mut new = problem_response(status, "about:blank", detail, Vec::new());
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

#[cfg(test)]
mod tests {
    use super::is_transient;

    #[test]
    fn a_lost_deadlock_is_worth_retrying_not_an_internal_error() {
        // PostgreSQL's message for SQLSTATE 40P01: a 503, not a 500.
        assert!(is_transient("deadlock detected"));
        assert!(!is_transient(
            "duplicate key value violates unique constraint"
        ));
    }
}
