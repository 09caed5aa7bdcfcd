//! The session API: create a session, take turns in it, read it, delete it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use manager::{SessionSnapshot, TurnOutcome};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::json::{ApiJson, check_turn};
use crate::state::AppState;
use crate::store::{is_session_id, new_session_id};

/// `POST /v1/sessions/{id}/turns`: the user's words.
#[derive(Debug, Deserialize)]
pub(crate) struct TurnBody {
    text: String,
}

/// `POST /v1/sessions` answers the new session's id.
#[derive(Debug, Serialize)]
struct Created {
    id: String,
}

/// A turn's answer: the session, its version after the turn, and the whole
/// outcome (reply, domain, reason, state, DB result, stages).
#[derive(Debug, Serialize)]
struct TurnAnswer {
    session: String,
    version: u64,
    #[serde(flatten)]
    outcome: TurnOutcome,
}

/// `GET /v1/sessions/{id}`: the session's version and its whole snapshot
/// (history, state and whatever else a session remembers).
#[derive(Debug, Serialize)]
struct SessionView {
    id: String,
    version: u64,
    #[serde(flatten)]
    snapshot: SessionSnapshot,
}

/// The id from the path, if it can be a session id at all.
fn session_id(id: String) -> Result<String, ApiError> {
    if is_session_id(&id) {
        Ok(id)
    } else {
        Err(ApiError::SessionNotFound(id))
    }
}

pub(crate) async fn create(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let id = new_session_id();
    let snapshot = state.dard.session().snapshot();
    state.store.create(&id, &snapshot).await?;
    tracing::debug!(session = %id, "session created");
    Ok((StatusCode::CREATED, Json(Created { id })))
}

pub(crate) async fn turn(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TurnBody>,
) -> Result<impl IntoResponse, ApiError> {
    let id = session_id(id)?;
    check_turn(&body.text, state.config.max_turn_chars)?;
    let text = body.text;
    if state.config.log_text {
        tracing::info!(session = %id, user = %text, "turn");
    }
    let (outcome, version) = state.session_turn(id.clone(), text).await?;
    state.metrics.turn("sessions", &outcome);
    if state.config.log_text {
        tracing::info!(session = %id, reply = %outcome.reply, domain = %outcome.domain, "reply");
    }
    Ok(Json(TurnAnswer {
        session: id,
        version,
        outcome,
    }))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = session_id(id)?;
    let Some(stored) = state.store.load(&id).await? else {
        return Err(ApiError::SessionNotFound(id));
    };
    Ok(Json(SessionView {
        id,
        version: stored.version,
        snapshot: stored.snapshot,
    }))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = session_id(id)?;
    if state.store.delete(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::SessionNotFound(id))
    }
}
