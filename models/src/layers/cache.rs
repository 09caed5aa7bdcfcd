//! The on-disk response cache: a re-run of a benchmark costs nothing and gives the
//! same output.
//!
//! An entry is a JSON file named by the SHA-256 of the canonical JSON of
//! (format version, [`CacheScope`], full request): the scope is everything outside
//! the request that decides the answer — backend kind, model, the server (base URL,
//! endpoint, region or model path, with any credentials taken out of URLs) and the
//! backend settings that shape the wire request; the request holds every sampling
//! field and the rendered prompt, so a changed prompt template is a changed key.
//! It holds that key material and
//! the response's text, finish reason and token counts — never headers, keys or other
//! backend configuration, so no secret can reach the disk. Writes go to a temporary
//! file that is renamed into place; an unreadable or mismatched entry counts as a
//! miss and is overwritten by the fresh answer.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ModelError;
use crate::model::{BackendKind, BoxFuture, ChatModel, ChatRequest, ChatResponse, FinishReason};

/// The entry format; bump it when the key material or the entry's shape changes.
const CACHE_FORMAT: u32 = 2;

/// Everything besides the request that decides an answer: two backends whose
/// scopes differ never share an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheScope {
    /// The backend's kind.
    pub backend: BackendKind,
    /// The model id or path.
    pub model: String,
    /// Which server answers: a base URL or endpoint (userinfo removed), a region,
    /// or empty for a model that is not remote.
    pub endpoint: String,
    /// Backend settings that change what is sent (the token-limit field, grammar
    /// support, organization, project); `null` when none.
    pub settings: serde_json::Value,
}

impl CacheScope {
    /// A scope of `model` on a `backend` with no endpoint or settings.
    pub fn new(backend: BackendKind, model: impl Into<String>) -> Self {
        Self {
            backend,
            model: model.into(),
            endpoint: String::new(),
            settings: serde_json::Value::Null,
        }
    }

    /// The same scope served by `endpoint` (a URL is stored without userinfo).
    pub fn with_endpoint(mut self, endpoint: &str) -> Self {
        self.endpoint = crate::redact::redact_urls(endpoint);
        self
    }

    /// The same scope with these backend settings.
    pub fn with_settings(mut self, settings: serde_json::Value) -> Self {
        self.settings = settings;
        self
    }
}

/// What the cache key is the hash of, and what an entry stores to check a hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct KeyMaterial {
    format: u32,
    scope: CacheScope,
    request: ChatRequest,
}

/// One cache file.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    key: KeyMaterial,
    text: String,
    finish_reason: FinishReason,
    input_tokens: u32,
    output_tokens: u32,
}

/// Answers repeated requests from disk and stores fresh answers.
#[derive(Debug, Clone)]
pub struct ResponseCache<M> {
    inner: M,
    dir: PathBuf,
    scope: CacheScope,
}

impl<M> ResponseCache<M> {
    /// Wraps `inner`, caching under `dir` (created on first write) with `backend` and
    /// `model` as part of every key.
    pub fn new(
        inner: M,
        dir: impl Into<PathBuf>,
        backend: BackendKind,
        model: impl Into<String>,
    ) -> Self {
        Self::scoped(inner, dir, CacheScope::new(backend, model))
    }

    /// Wraps `inner`, caching under `dir` with the whole `scope` in every key.
    pub fn scoped(inner: M, dir: impl Into<PathBuf>, scope: CacheScope) -> Self {
        Self {
            inner,
            dir: dir.into(),
            scope,
        }
    }

    /// The file that holds (or would hold) the answer to `req`.
    pub fn entry_path(&self, req: &ChatRequest) -> PathBuf {
        let key = scoped_cache_key(&self.scope, req);
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    fn key_material(&self, req: &ChatRequest) -> KeyMaterial {
        KeyMaterial {
            format: CACHE_FORMAT,
            scope: self.scope.clone(),
            request: req.clone(),
        }
    }
}

/// The hex SHA-256 cache key of `req` sent to `model` on a `backend`, with no
/// endpoint or settings in the scope.
pub fn cache_key(backend: BackendKind, model: &str, req: &ChatRequest) -> String {
    scoped_cache_key(&CacheScope::new(backend, model), req)
}

/// The hex SHA-256 cache key of `req` sent within `scope`.
pub fn scoped_cache_key(scope: &CacheScope, req: &ChatRequest) -> String {
    let material = KeyMaterial {
        format: CACHE_FORMAT,
        scope: scope.clone(),
        request: req.clone(),
    };
    hex::encode(Sha256::digest(canonical_json(&material).as_bytes()))
}

/// JSON with object keys sorted at every depth, so equal values hash equally whatever
/// order a JSON Schema's keys were written in.
fn canonical_json(value: &impl Serialize) -> String {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(sort).collect())
            }
            other => other,
        }
    }
    // Serializing plain data (strings, numbers, maps with string keys) cannot fail;
    // should it ever, the empty value still gives a stable, if shared, key.
    let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    sort(value).to_string()
}

impl<M: ChatModel> ChatModel for ResponseCache<M> {
    fn complete(&self, req: ChatRequest) -> BoxFuture<'_, Result<ChatResponse, ModelError>> {
        Box::pin(async move {
            let start = Instant::now();
            let path = self.entry_path(&req);
            let key = self.key_material(&req);
            if let Some(entry) = read_entry(&path, &key).await {
                let mut resp = ChatResponse::new(entry.text, entry.finish_reason);
                resp.input_tokens = entry.input_tokens;
                resp.output_tokens = entry.output_tokens;
                resp.cache_hit = true;
                resp.latency = start.elapsed();
                return Ok(resp);
            }
            let resp = self.inner.complete(req).await?;
            let entry = Entry {
                key,
                text: resp.text.clone(),
                finish_reason: resp.finish_reason.clone(),
                input_tokens: resp.input_tokens,
                output_tokens: resp.output_tokens,
            };
            // A cache that cannot be written must not fail a call that succeeded.
            if let Err(e) = write_entry(&path, &entry).await {
                tracing::warn!(path = %path.display(), error = %e, "could not write cache entry");
            }
            Ok(resp)
        })
    }
}

/// Reads the entry at `path` if it exists, parses, and was made for exactly `key`.
async fn read_entry(path: &Path, key: &KeyMaterial) -> Option<Entry> {
    let bytes = match tokio::fs::read(path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "unreadable cache entry; ignoring it");
            return None;
        }
    };
    match serde_json::from_slice::<Entry>(&bytes) {
        Ok(entry) if entry.key == *key => Some(entry),
        Ok(_) => {
            tracing::warn!(path = %path.display(), "cache entry is for another request; replacing it");
            None
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "corrupt cache entry; replacing it");
            None
        }
    }
}

/// Writes `entry` to `path` atomically: a unique temporary file in the same directory,
/// then a rename over the target.
async fn write_entry(path: &Path, entry: &Entry) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    tokio::fs::create_dir_all(dir).await?;
    let bytes = serde_json::to_vec_pretty(entry).map_err(std::io::Error::other)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    tokio::fs::write(&tmp, &bytes).await?;
    if let Err(e) = tokio::fs::rename(&tmp, path).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;
    use crate::model::Constraint;

    #[test]
    fn key_ignores_json_schema_key_order_but_not_content() {
        let a = ChatRequest::user("x").with_constraint(Constraint::JsonSchema(
            serde_json::json!({"type": "object", "properties": {"a": {"type": "string"}}}),
        ));
        let mut b_schema = serde_json::Map::new();
        b_schema.insert(
            "properties".into(),
            serde_json::json!({"a": {"type": "string"}}),
        );
        b_schema.insert("type".into(), serde_json::json!("object"));
        let b = ChatRequest::user("x").with_constraint(Constraint::JsonSchema(b_schema.into()));
        assert_eq!(
            cache_key(BackendKind::Openai, "m", &a),
            cache_key(BackendKind::Openai, "m", &b)
        );
        assert_ne!(
            cache_key(BackendKind::Openai, "m", &a),
            cache_key(BackendKind::Bedrock, "m", &a)
        );
        assert_ne!(
            cache_key(BackendKind::Openai, "m", &a),
            cache_key(BackendKind::Openai, "m2", &a)
        );
    }

    #[test]
    fn key_holds_the_endpoint_and_the_settings_but_no_credentials() {
        let req = ChatRequest::user("x");
        let scope = |url: &str| CacheScope::new(BackendKind::Openai, "m").with_endpoint(url);
        let a = scoped_cache_key(&scope("http://127.0.0.1:1/v1"), &req);
        let b = scoped_cache_key(&scope("http://127.0.0.1:2/v1"), &req);
        assert_ne!(a, b);
        assert_eq!(
            scoped_cache_key(&scope("http://user:pw@127.0.0.1:1/v1"), &req),
            a,
            "credentials change nothing the server answers"
        );
        assert!(!scope("http://user:pw@h/v1").endpoint.contains("pw"));
        let grammar =
            scope("http://127.0.0.1:1/v1").with_settings(serde_json::json!({"grammar": true}));
        assert_ne!(scoped_cache_key(&grammar, &req), a);
    }
}
