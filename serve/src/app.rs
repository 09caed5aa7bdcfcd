//! The routes, the layers around them, and [`run`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, Method, Uri, header};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use manager::Dard;
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::config::ServeConfig;
use crate::error::{ApiError, ServeError};
use crate::guard::{access_log, authenticate};
use crate::state::{AppState, Shared};
use crate::store::Store;
use crate::{openai, sessions};

/// The OpenAPI description of the HTTP API, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");
/// The web chat served at `/`.
const INDEX: &str = include_str!("web/index.html");

/// Serves dard's HTTP API on `listener` until `shutdown` resolves, then stops
/// accepting connections and returns once every in-flight turn has finished
/// and been stored.
pub async fn run(
    listener: TcpListener,
    dard: Dard,
    store: Arc<dyn Store>,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let state: AppState = Arc::new(Shared::new(dard, store, config));
    let app = router(Arc::clone(&state));
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, store = state.store.kind(), "dard serve listening");
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    state.tasks.close();
    state.tasks.wait().await;
    tracing::info!("dard serve stopped");
    Ok(())
}

/// Every route with its layers.
fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/sessions", post(sessions::create))
        .route(
            "/v1/sessions/{id}",
            get(sessions::get).delete(sessions::delete),
        )
        .route("/v1/sessions/{id}/turns", post(sessions::turn))
        .route("/v1/chat/completions", post(openai::chat_completions))
        .route("/v1/models", get(openai::models))
        .route_layer(from_fn_with_state(Arc::clone(&state), authenticate));
    let mut app = Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .merge(api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(map_response(no_sniff));
    if let Some(cors) = cors(&state.config) {
        app = app.layer(cors);
    }
    app.layer(from_fn_with_state(Arc::clone(&state), access_log))
        .with_state(state)
}

/// The CORS layer, when origins are configured.
fn cors(config: &ServeConfig) -> Option<CorsLayer> {
    if config.cors_origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]);
    Some(if config.cors_origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let origins: Vec<HeaderValue> = config
            .cors_origins
            .iter()
            .filter_map(|o| match HeaderValue::from_str(o) {
                Ok(v) => Some(v),
                Err(_) => {
                    tracing::warn!(origin = %o, "ignoring a CORS origin that is not a valid header value");
                    None
                }
            })
            .collect();
        layer.allow_origin(AllowOrigin::list(origins))
    })
}

async fn no_sniff(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn index() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX)
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => axum::Json(json!({"status": "ok", "store": state.store.kind()})).into_response(),
        Err(e) => ApiError::Store(e).into_response(),
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(uri.path().to_string())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
