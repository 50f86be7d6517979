//! Size limits on the request line and headers, answered as problem+json.
//! (actix itself refuses request heads past its own buffer with a bare 400
//! or 431 before any of this runs.)

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::error::problem_response;
use crate::state::AppState;

pub async fn limits(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let (max_uri, max_headers) =
        req.app_data::<web::Data<AppState>>()
            .map_or((8 * 1024, 16 * 1024), |s| {
                (
                    s.config.limits.max_uri_bytes,
                    s.config.limits.max_header_bytes,
                )
            });
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let header_len: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let refusal = if uri_len > max_uri {
        Some((
            StatusCode::URI_TOO_LONG,
            format!("the URI is longer than {max_uri} bytes"),
        ))
    } else if header_len > max_headers {
        Some((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the headers are larger than {max_headers} bytes"),
        ))
    } else {
        None
    };
    match refusal {
        Some((status, detail)) => {
            let res = problem_response(status, "about:blank", detail, Vec::new());
            Ok(req.into_response(res).map_into_right_body())
        }
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}
