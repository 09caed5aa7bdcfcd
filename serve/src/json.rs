//! [`ApiJson`]: axum's JSON extractor with its rejections turned into
//! [`ApiError`]s, so that every bad body gets a stable code.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON request body.
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => ApiError::InvalidRequest(e.body_text()),
                JsonRejection::JsonSyntaxError(e) => ApiError::MalformedJson(e.body_text()),
                JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::PayloadTooLarge {
                        limit: state.config.max_body_bytes,
                    }
                }
                other => ApiError::InvalidRequest(other.body_text()),
            }),
        }
    }
}

/// Checks a user turn against the configured length limit.
pub(crate) fn check_turn(text: &str, limit: usize) -> Result<(), ApiError> {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        return Err(ApiError::InvalidRequest("the turn is empty".to_string()));
    }
    if chars > limit {
        return Err(ApiError::TurnTooLong { chars, limit });
    }
    Ok(())
}
