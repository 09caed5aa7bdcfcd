//! Middleware: bearer-token authentication, the per-key rate limit, and the
//! access log (which also feeds the request and error metrics).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::config::RateLimit;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Who sent a request, as the logs and the rate limit see it: a short
/// fingerprint of the key (never the key), or the client's address.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub String);

/// Checks the bearer token when a key is configured and applies the rate
/// limit to the caller.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let caller = match (&state.config.api_key, token) {
        (Some(_), None) => return ApiError::MissingApiKey.into_response(),
        (Some(_), Some(token)) if !state.config.key_matches(token) => {
            return ApiError::InvalidApiKey.into_response();
        }
        (_, Some(token)) => format!("key:{}", &hex::encode(Sha256::digest(token))[..12]),
        (None, None) => match request.extensions().get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(addr)) => format!("ip:{}", addr.ip()),
            None => "anonymous".to_string(),
        },
    };
    if let Some(limiter) = &state.limiter
        && let Err(retry_after) = limiter.check(&caller)
    {
        return ApiError::RateLimited { retry_after }.into_response();
    }
    request.extensions_mut().insert(Caller(caller.clone()));
    let mut response = next.run(request).await;
    response.extensions_mut().insert(Caller(caller));
    response
}

/// Logs every request (method, route, status, time, caller, error code; no
/// message text) and counts it.
pub(crate) async fn access_log(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| request.uri().path().to_string());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let error = response.extensions().get::<ErrorCode>().map(|c| c.0);
    state.metrics.request(status, error);
    let caller = response.extensions().get::<Caller>().map(|c| c.0.as_str());
    tracing::info!(
        target: "dard_serve::access",
        %method,
        route,
        status,
        ms = start.elapsed().as_secs_f64() * 1000.0,
        caller,
        error,
    );
    response
}

/// Token buckets per caller.
pub(crate) struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before idle full ones are dropped.
const MAX_BUCKETS: usize = 100_000;

impl RateLimiter {
    pub fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `caller`, or says how long until one is free.
    pub fn check(&self, caller: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let burst = f64::from(self.limit.burst.max(1));
        let rate = self.limit.per_second.max(1e-6);
        // Buckets only hold numbers; a panic elsewhere cannot corrupt them.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(caller.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(self.limit.refill_time().mul_f64(1.0 - bucket.tokens))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_allows_a_burst_then_refuses_per_caller() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 0.5,
            burst: 2,
        });
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        let wait = limiter.check("a").unwrap_err();
        assert!(wait > Duration::from_secs(1) && wait <= Duration::from_secs(2));
        assert!(limiter.check("b").is_ok(), "buckets are per caller");
    }
}
