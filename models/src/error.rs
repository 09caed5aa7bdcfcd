//! Errors of the model layer: [`ModelError`] for a failed call, [`ConfigError`] for a
//! backend configuration that cannot be turned into a live model.

use std::time::{Duration, SystemTime};

/// How many characters of a raw error body go into an error's `Display` text; the
/// whole body stays in the error's `body` field.
const BODY_SNIPPET_CHARS: usize = 300;

/// Why one call to a model failed.
///
/// [`ModelError::is_retryable`] is the one classification of transient failures that
/// every remote backend shares: each backend maps its client's errors onto these
/// variants (a refused, reset or half-answered connection is [`ModelError::Transport`],
/// a truncated or non-JSON body is [`ModelError::MalformedResponse`]), and the retry
/// layer asks only this method.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The provider answered with a non-success HTTP status.
    #[error("HTTP {status}: {}", snippet(.body))]
    Api {
        /// The HTTP status code, such as 401, 429 or 500.
        status: u16,
        /// The raw response body, kept whole for diagnosis.
        body: String,
        /// The delay the provider asked for in a `Retry-After` header, if any.
        retry_after: Option<Duration>,
    },
    /// The call did not finish within the configured time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The connection could not be made or broke before a full answer arrived.
    #[error("connection failed: {0}")]
    Transport(String),
    /// The provider answered with success but the body could not be understood.
    #[error("malformed response ({message}): {}", snippet(.body))]
    MalformedResponse {
        /// What was wrong with the body.
        message: String,
        /// The raw response body.
        body: String,
    },
    /// The request asks for something this backend cannot do, such as a GBNF grammar
    /// on a backend without grammar support.
    #[error("unsupported by this backend: {0}")]
    Unsupported(String),
    /// The request is invalid before it is sent (for example, no messages).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A retryable failure persisted through every allowed attempt.
    #[error("gave up after {attempts} attempts: {last}")]
    Exhausted {
        /// How many attempts were made in all.
        attempts: u32,
        /// The error of the final attempt.
        last: Box<ModelError>,
    },
    /// A scripted or local backend failed for a reason of its own.
    #[error("{0}")]
    Backend(String),
}

impl ModelError {
    /// Whether another attempt of the same request may succeed: HTTP 408, 429 and 5xx,
    /// timeouts, refused, reset or dropped connections (an incomplete message), and a
    /// success status whose body is truncated or not the JSON promised — a proxy or
    /// an overloaded server answers like that, and the next attempt usually does not.
    pub fn is_retryable(&self) -> bool {
        match self {
            ModelError::Api { status, .. } => {
                matches!(*status, 408 | 429) || (500..=599).contains(status)
            }
            ModelError::Timeout(_)
            | ModelError::Transport(_)
            | ModelError::MalformedResponse { .. } => true,
            _ => false,
        }
    }

    /// The delay the provider asked for before the next attempt, if it named one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ModelError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status of an API error (looking through [`ModelError::Exhausted`]).
    pub fn status(&self) -> Option<u16> {
        match self {
            ModelError::Api { status, .. } => Some(*status),
            ModelError::Exhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// The error of the final attempt: `self`, or the last error inside
    /// [`ModelError::Exhausted`].
    pub fn root(&self) -> &ModelError {
        match self {
            ModelError::Exhausted { last, .. } => last.root(),
            other => other,
        }
    }
}

/// Parses a `Retry-After` header value: either delay-seconds or an HTTP date.
///
/// A date in the past gives a zero delay; an unparseable value gives `None`.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// An error and its sources as one line, `outer: inner: …`, leaving out a source
/// whose text the line already holds (clients often repeat their cause).
pub fn chain_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// The first few hundred characters of a body, for messages.
fn snippet(body: &str) -> String {
    if body.chars().count() <= BODY_SNIPPET_CHARS {
        body.to_owned()
    } else {
        let cut: String = body.chars().take(BODY_SNIPPET_CHARS).collect();
        format!("{cut}…")
    }
}

/// Why a backend configuration could not be turned into a live model. Every variant
/// names the backend (its key under `[backends]`) and the offending key or value.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A key the backend's kind requires is absent.
    #[error("backend `{backend}`: missing `{key}` (required for kind \"{kind}\")")]
    Missing {
        /// The backend's name.
        backend: String,
        /// The kind of backend.
        kind: String,
        /// The missing key.
        key: String,
    },
    /// A key has a value that cannot be used.
    #[error("backend `{backend}`: `{key}`: {message}")]
    Invalid {
        /// The backend's name.
        backend: String,
        /// The offending key.
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// The `kind` names no known backend.
    #[error("backend `{backend}`: unknown `kind` \"{kind}\" (expected one of: {expected})")]
    UnknownKind {
        /// The backend's name.
        backend: String,
        /// The kind given.
        kind: String,
        /// The kinds this build knows.
        expected: String,
    },
    /// An environment variable the backend reads (an API key) is not set.
    #[error("backend `{backend}`: environment variable `{var}` (from `{key}`) is not set")]
    MissingEnv {
        /// The backend's name.
        backend: String,
        /// The config key that named the variable.
        key: String,
        /// The variable's name.
        var: String,
    },
    /// The kind needs a cargo feature this binary was built without.
    #[error(
        "backend `{backend}`: kind \"{kind}\" needs the `{feature}` feature; rebuild with `--features {feature}`"
    )]
    FeatureDisabled {
        /// The backend's name.
        backend: String,
        /// The kind asked for.
        kind: String,
        /// The cargo feature to enable.
        feature: String,
    },
    /// `kind = "builtin"` is served by the manager's rule-based agents, not by a model.
    #[error("backend `{backend}`: kind \"builtin\" is not a model backend; the manager serves it")]
    Builtin {
        /// The backend's name.
        backend: String,
    },
    /// The response cache directory could not be prepared.
    #[error("response cache {path}: {source}")]
    Cache {
        /// The cache directory.
        path: std::path::PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

impl ConfigError {
    /// The backend and the key (a dotted path inside the backend's entry, such as
    /// `layers.timeout_secs`) the error is about, when it is about one.
    pub fn location(&self) -> Option<(&str, Option<&str>)> {
        match self {
            ConfigError::Missing { backend, .. } | ConfigError::UnknownKind { backend, .. } => {
                Some((backend, None))
            }
            ConfigError::Invalid { backend, key, .. }
            | ConfigError::MissingEnv { backend, key, .. } => Some((backend, Some(key))),
            ConfigError::FeatureDisabled { backend, .. } | ConfigError::Builtin { backend } => {
                Some((backend, Some("kind")))
            }
            ConfigError::Cache { .. } => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn retryable_statuses_are_429_408_and_5xx() {
        let api = |status| ModelError::Api {
            status,
            body: String::new(),
            retry_after: None,
        };
        for s in [408, 429, 500, 502, 503, 529] {
            assert!(api(s).is_retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!api(s).is_retryable(), "{s}");
        }
        assert!(ModelError::Timeout(Duration::from_secs(1)).is_retryable());
        assert!(ModelError::Transport("reset".into()).is_retryable());
        let garbled = ModelError::MalformedResponse {
            message: "expected value".into(),
            body: "<html>".into(),
        };
        assert!(garbled.is_retryable());
        assert!(!ModelError::InvalidRequest("x".into()).is_retryable());
        assert!(!ModelError::Unsupported("grammar".into()).is_retryable());
    }

    #[test]
    fn display_truncates_long_bodies_but_keeps_them_whole() {
        let body = "x".repeat(1000);
        let err = ModelError::Api {
            status: 500,
            body: body.clone(),
            retry_after: None,
        };
        assert!(err.to_string().len() < 400);
        assert!(matches!(err, ModelError::Api { body: b, .. } if b == body));
    }
}
