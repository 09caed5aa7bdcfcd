//! Where sessions live between turns: a [`Store`] of versioned
//! [`SessionSnapshot`]s, in this process ([`MemoryStore`]) or in Redis
//! ([`RedisStore`]) so that any number of replicas share them.
//!
//! Every write names the version it read; a write over a newer version fails
//! with [`Saved::Conflict`], and the server answers the turn again on the
//! newer dialog. Two turns on one session therefore never interleave, on one
//! replica or on many.

mod memory;
mod redis;

use std::future::Future;
use std::pin::Pin;

use manager::SessionSnapshot;

pub use self::memory::MemoryStore;
pub use self::redis::RedisStore;

/// The future a [`Store`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A session as stored: its dialog and how many writes it has seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    /// Incremented by every successful [`Store::save`]; 0 when created.
    pub version: u64,
    /// The dialog.
    pub snapshot: SessionSnapshot,
}

/// The result of a conditional write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Saved {
    /// Written; the session now has this version.
    Stored(u64),
    /// Someone wrote the session since the version was read.
    Conflict,
    /// The session no longer exists.
    Missing,
}

/// Session storage shared by the server's handlers. Implementations are
/// cheap to share (`Arc`) and safe to call from many tasks at once.
pub trait Store: Send + Sync + 'static {
    /// Stores a new session under `id` at version 0.
    fn create<'a>(&'a self, id: &'a str, snapshot: &'a SessionSnapshot) -> StoreFuture<'a, ()>;
    /// The session `id`, if it exists.
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Versioned>>;
    /// Replaces the session if it is still at `expected` (compare and set).
    fn save<'a>(
        &'a self,
        id: &'a str,
        expected: u64,
        snapshot: &'a SessionSnapshot,
    ) -> StoreFuture<'a, Saved>;
    /// Deletes the session; whether it existed.
    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool>;
    /// Whether the store answers (for `/healthz`).
    fn ping(&self) -> StoreFuture<'_, ()>;
    /// A short name for logs and `/healthz` (`memory`, `redis`).
    fn kind(&self) -> &'static str;
}

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The Redis server failed or could not be reached.
    #[error("redis at {url}: {source}")]
    Redis {
        /// The server, without any password.
        url: String,
        /// The client's error.
        #[source]
        source: ::redis::RedisError,
    },
    /// A stored session could not be read back.
    #[error("session `{id}` in the store is damaged: {source}")]
    Corrupt {
        /// The session.
        id: String,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
    /// A session could not be encoded.
    #[error("session `{id}` could not be encoded: {source}")]
    Encode {
        /// The session.
        id: String,
        /// The encoding error.
        #[source]
        source: serde_json::Error,
    },
}

/// A new session id: 128 random bits as 32 lower-case hex digits.
pub fn new_session_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Whether `id` has the form of a session id (so that other strings never
/// reach the store as keys).
pub fn is_session_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
