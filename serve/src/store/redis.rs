//! Sessions in Redis, shared by every replica that points at the same server.
//!
//! A session is a hash `dard:session:{id}` with the fields `v` (its version)
//! and `s` (the snapshot as JSON), expiring after a configurable idle time.
//! The compare-and-set is one Lua script, which Redis runs atomically.

use std::time::Duration;

use manager::SessionSnapshot;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};

use super::{Saved, Store, StoreError, StoreFuture, Versioned};

/// Writes the snapshot only if the version is still the one read.
/// Returns the new version, 0 on a version mismatch, -1 if the key is gone.
const COMPARE_AND_SET: &str = r"
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
local next = tonumber(v) + 1
redis.call('HSET', KEYS[1], 'v', next, 's', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return next
";

/// A [`Store`] on a Redis server, over one multiplexed connection that is
/// re-established after failures (a restarted server, a dropped link).
#[derive(Clone)]
pub struct RedisStore {
    url: String,
    connection: ConnectionManager,
    cas: Script,
    ttl: Duration,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.url)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// How long an untouched session is kept by default: one day.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

    /// Connects to `url` (`redis://host:port/db`) and checks that the server
    /// answers.
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let shown = redact(url);
        let fail = |source| StoreError::Redis {
            url: shown.clone(),
            source,
        };
        let client = redis::Client::open(url).map_err(fail)?;
        let connection = client.get_connection_manager().await.map_err(fail)?;
        let store = RedisStore {
            url: shown.clone(),
            connection,
            cas: Script::new(COMPARE_AND_SET),
            ttl: Self::DEFAULT_TTL,
        };
        store.ping().await?;
        Ok(store)
    }

    /// Keeps untouched sessions for `ttl` (at least a second).
    pub fn with_ttl(mut self, ttl: Duration) -> RedisStore {
        self.ttl = ttl.max(Duration::from_secs(1));
        self
    }

    fn key(id: &str) -> String {
        format!("dard:session:{id}")
    }

    fn error(&self, source: redis::RedisError) -> StoreError {
        StoreError::Redis {
            url: self.url.clone(),
            source,
        }
    }

    fn encode(id: &str, snapshot: &SessionSnapshot) -> Result<String, StoreError> {
        serde_json::to_string(snapshot).map_err(|source| StoreError::Encode {
            id: id.to_string(),
            source,
        })
    }
}

/// `url` without a password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

impl Store for RedisStore {
    fn create<'a>(&'a self, id: &'a str, snapshot: &'a SessionSnapshot) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let json = Self::encode(id, snapshot)?;
            let mut con = self.connection.clone();
            let key = Self::key(id);
            redis::pipe()
                .atomic()
                .hset_multiple(&key, &[("v", "0"), ("s", json.as_str())])
                .ignore()
                .expire(&key, self.ttl.as_secs() as i64)
                .ignore()
                .query_async::<()>(&mut con)
                .await
                .map_err(|e| self.error(e))
        })
    }

    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Versioned>> {
        Box::pin(async move {
            let mut con = self.connection.clone();
            let (version, json): (Option<u64>, Option<String>) = redis::cmd("HMGET")
                .arg(Self::key(id))
                .arg("v")
                .arg("s")
                .query_async(&mut con)
                .await
                .map_err(|e| self.error(e))?;
            let (Some(version), Some(json)) = (version, json) else {
                return Ok(None);
            };
            let snapshot = serde_json::from_str(&json).map_err(|source| StoreError::Corrupt {
                id: id.to_string(),
                source,
            })?;
            Ok(Some(Versioned { version, snapshot }))
        })
    }

    fn save<'a>(
        &'a self,
        id: &'a str,
        expected: u64,
        snapshot: &'a SessionSnapshot,
    ) -> StoreFuture<'a, Saved> {
        Box::pin(async move {
            let json = Self::encode(id, snapshot)?;
            let mut con = self.connection.clone();
            let answer: i64 = self
                .cas
                .key(Self::key(id))
                .arg(expected.to_string())
                .arg(json)
                .arg(self.ttl.as_secs())
                .invoke_async(&mut con)
                .await
                .map_err(|e| self.error(e))?;
            Ok(match answer {
                -1 => Saved::Missing,
                0 => Saved::Conflict,
                v => Saved::Stored(v as u64),
            })
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut con = self.connection.clone();
            let removed: u64 = con.del(Self::key(id)).await.map_err(|e| self.error(e))?;
            Ok(removed > 0)
        })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut con = self.connection.clone();
            redis::cmd("PING")
                .query_async::<String>(&mut con)
                .await
                .map(drop)
                .map_err(|e| self.error(e))
        })
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_the_password_of_a_redis_url() {
        assert_eq!(
            redact("redis://user:hunter2@10.0.0.1:6379/0"),
            "redis://…@10.0.0.1:6379/0"
        );
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
