//! Errors: [`ApiError`], what a client sees (a stable code, an HTTP status and
//! a JSON body), and [`ServeError`], why the server itself could not run.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Accepting or serving connections failed.
    #[error("serving HTTP failed: {0}")]
    Io(#[from] std::io::Error),
    /// The session store could not be reached.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An error answered to a client: `{"error": {"code", "message", "type"}}`,
/// the shape OpenAI's API uses, so that its SDKs show the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The body is not valid JSON.
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The JSON does not have the expected fields.
    #[error("the request does not match the expected fields: {0}")]
    InvalidRequest(String),
    /// The body is not declared as `application/json`.
    #[error("send the body as JSON with `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// The body is larger than the server accepts.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The user's turn is longer than the server accepts.
    #[error("the turn has {chars} characters; at most {limit} are accepted")]
    TurnTooLong {
        /// The turn's length in characters.
        chars: usize,
        /// The configured limit.
        limit: usize,
    },
    /// No `Authorization: Bearer …` header while a key is configured.
    #[error("this server needs an API key: send `Authorization: Bearer <key>`")]
    MissingApiKey,
    /// A key that is not the configured one.
    #[error("the API key is not valid")]
    InvalidApiKey,
    /// Too many requests for this key.
    #[error("too many requests; retry in {retry_after:?}")]
    RateLimited {
        /// When a request will be allowed again.
        retry_after: Duration,
    },
    /// No session has this id (never created, deleted or expired).
    #[error("no session `{0}`")]
    SessionNotFound(String),
    /// The OpenAI-compatible endpoint was asked for a model other than `dard`.
    #[error("no model `{0}`; this server serves `dard`")]
    ModelNotFound(String),
    /// No route for this path.
    #[error("no such endpoint: {0}")]
    NotFound(String),
    /// The path exists but not with this method.
    #[error("method not allowed here")]
    MethodNotAllowed,
    /// Other turns kept changing the session first.
    #[error("the session is busy with other turns; retry")]
    SessionBusy,
    /// The pipeline failed to answer (a backend error, a timeout).
    #[error("the pipeline could not answer: {0}")]
    TurnFailed(String),
    /// The session store failed.
    #[error("the session store failed: {0}")]
    Store(#[from] StoreError),
    /// The server is shutting down and takes no new turns.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A bug: a turn's task ended without an answer.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The error code of a response, kept in its extensions for metrics and logs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorCode(pub &'static str);

impl ApiError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::TurnTooLong { .. } => "turn_too_long",
            ApiError::MissingApiKey => "missing_api_key",
            ApiError::InvalidApiKey => "invalid_api_key",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::SessionNotFound(_) => "session_not_found",
            ApiError::ModelNotFound(_) => "model_not_found",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::SessionBusy => "session_busy",
            ApiError::TurnFailed(_) => "turn_failed",
            ApiError::Store(_) => "store_unavailable",
            ApiError::ShuttingDown => "shutting_down",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidRequest(_) | ApiError::TurnTooLong { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::MissingApiKey | ApiError::InvalidApiKey => StatusCode::UNAUTHORIZED,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::SessionNotFound(_) | ApiError::ModelNotFound(_) | ApiError::NotFound(_) => {
                StatusCode::NOT_FOUND
            }
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::SessionBusy => StatusCode::CONFLICT,
            ApiError::TurnFailed(_) => StatusCode::BAD_GATEWAY,
            ApiError::Store(_) | ApiError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The OpenAI error `type` this error corresponds to.
    fn kind(&self) -> &'static str {
        match self.status() {
            StatusCode::UNAUTHORIZED => "authentication_error",
            StatusCode::TOO_MANY_REQUESTS => "rate_limit_error",
            StatusCode::NOT_FOUND => "not_found_error",
            s if s.is_server_error() => "server_error",
            _ => "invalid_request_error",
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: String,
    #[serde(rename = "type")]
    kind: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Detail {
                code: self.code(),
                message: self.to_string(),
                kind: self.kind(),
            },
        };
        let mut response = (self.status(), Json(body)).into_response();
        if let ApiError::RateLimited { retry_after } = &self {
            let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        if matches!(self, ApiError::MissingApiKey | ApiError::InvalidApiKey) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(ErrorCode(self.code()));
        response
    }
}
