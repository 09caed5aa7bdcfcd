//! `dard serve`: the DARD dialog system over HTTP.
//!
//! [`run`] serves, on a listener the caller binds (tests use `127.0.0.1:0`):
//! - the **session API** — `POST /v1/sessions`, `POST /v1/sessions/{id}/turns`,
//!   `GET` and `DELETE /v1/sessions/{id}` — whose turns answer the whole
//!   [`manager::TurnOutcome`];
//! - an **OpenAI-compatible** `POST /v1/chat/completions` and `GET /v1/models`
//!   presenting the pipeline as the model `dard` (stateless: the dialog is the
//!   `messages` array; dard's extras are in the response's `dard` field;
//!   `stream: true` answers with server-sent events);
//! - a **web chat** at `/`, `/healthz`, `/metrics` (Prometheus) and
//!   `/openapi.json`.
//!
//! Sessions live in a [`Store`]: [`MemoryStore`] in this process, or
//! [`RedisStore`] shared by any number of replicas. Each turn loads the
//! session's [`manager::SessionSnapshot`], answers on a resumed session and
//! stores the new snapshot only if the version it read is still current, so
//! concurrent turns on one session are serialized, never interleaved.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let dard = manager::Dard::builder().build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let store = Arc::new(serve::MemoryStore::new());
//! let shutdown = async { tokio::signal::ctrl_c().await.ok(); };
//! serve::run(listener, dard, store, serve::ServeConfig::default(), shutdown).await?;
//! # Ok(())
//! # }
//! ```

mod app;
mod config;
mod error;
mod guard;
mod json;
mod metrics;
mod openai;
mod sessions;
mod state;
pub mod store;

pub use app::{OPENAPI, run};
pub use config::{RateLimit, ServeConfig};
pub use error::{ApiError, ServeError};
pub use store::{MemoryStore, RedisStore, Store, StoreError};
