//! Sessions in this process's memory: fast, lost on restart, not shared.

use std::collections::HashMap;
use std::sync::Mutex;

use manager::SessionSnapshot;

use super::{Saved, Store, StoreFuture, Versioned};

/// A [`Store`] in a map behind a lock (held only to copy a snapshot in or out).
#[derive(Debug, Default)]
pub struct MemoryStore {
    sessions: Mutex<HashMap<String, Versioned>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many sessions are stored.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Versioned>> {
        // A panic while the lock was held cannot leave a half-written entry
        // (entries are replaced whole), so a poisoned map is still sound.
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Store for MemoryStore {
    fn create<'a>(&'a self, id: &'a str, snapshot: &'a SessionSnapshot) -> StoreFuture<'a, ()> {
        let entry = Versioned {
            version: 0,
            snapshot: snapshot.clone(),
        };
        self.map().insert(id.to_string(), entry);
        Box::pin(async { Ok(()) })
    }

    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Versioned>> {
        let found = self.map().get(id).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn save<'a>(
        &'a self,
        id: &'a str,
        expected: u64,
        snapshot: &'a SessionSnapshot,
    ) -> StoreFuture<'a, Saved> {
        let saved = match self.map().get_mut(id) {
            None => Saved::Missing,
            Some(entry) if entry.version != expected => Saved::Conflict,
            Some(entry) => {
                entry.version += 1;
                entry.snapshot = snapshot.clone();
                Saved::Stored(entry.version)
            }
        };
        Box::pin(async move { Ok(saved) })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        let existed = self.map().remove(id).is_some();
        Box::pin(async move { Ok(existed) })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}
