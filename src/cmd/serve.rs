//! `dard serve`: the pipeline over HTTP (the `serve` crate) — flags to a
//! [`serve::ServeConfig`], a store, a listener and a Ctrl-C/SIGTERM shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use manager::Dard;
use secrecy::SecretString;
use serve::{MemoryStore, RateLimit, RedisStore, ServeConfig, Store};

use crate::cmd::backend_args::BackendArgs;

/// Flags of `dard serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The MultiWOZ data folder (default: DARD_DATA, ./data/multiwoz, ../shared/multiwoz).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The pipeline config (TOML); default: the built-in default.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where sessions live: `memory`, or a Redis URL (`redis://host:6379`) shared by replicas.
    #[arg(long, value_name = "memory|redis://…", default_value = "memory")]
    pub store: String,
    /// Hours an untouched session is kept in Redis.
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    pub session_ttl: u64,
    /// The environment variable holding the API key clients must send as a bearer token.
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// Requests per second allowed per key (or per client address), with --rate-burst.
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<f64>,
    /// Requests a key may send at once before --rate-limit applies.
    #[arg(long, value_name = "N", default_value_t = 20, requires = "rate_limit")]
    pub rate_burst: u32,
    /// Allow this origin through CORS (repeatable; `*` for any). CORS is off without it.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// The longest user turn accepted, in characters.
    #[arg(long, value_name = "CHARS", default_value_t = 2000)]
    pub max_turn_chars: usize,
    /// The largest request body accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 65536)]
    pub max_body_bytes: usize,
    /// Log the users' and the system's words (off by default).
    #[arg(long)]
    pub log_text: bool,
}

impl ServeArgs {
    fn serve_config(&self) -> Result<ServeConfig> {
        let mut config = ServeConfig::default()
            .with_limits(self.max_body_bytes, self.max_turn_chars)
            .with_cors_origins(self.cors_origins.clone())
            .with_log_text(self.log_text);
        if let Some(var) = &self.api_key_env {
            let key = std::env::var(var)
                .with_context(|| format!("--api-key-env {var}: the variable is not set"))?;
            if key.trim().is_empty() {
                bail!("--api-key-env {var}: the variable is empty");
            }
            config = config.with_api_key(SecretString::from(key));
        }
        if let Some(per_second) = self.rate_limit {
            if !(per_second > 0.0 && per_second.is_finite()) {
                bail!("--rate-limit must be a positive number of requests per second");
            }
            config = config.with_rate_limit(RateLimit {
                per_second,
                burst: self.rate_burst.max(1),
            });
        }
        Ok(config)
    }

    async fn store(&self) -> Result<Arc<dyn Store>> {
        if self.store == "memory" {
            return Ok(Arc::new(MemoryStore::new()));
        }
        if !(self.store.starts_with("redis://") || self.store.starts_with("rediss://")) {
            bail!(
                "--store {}: expected `memory` or a redis:// URL",
                self.store
            );
        }
        let store = RedisStore::connect(&self.store)
            .await
            .context("--store: connecting to Redis")?
            .with_ttl(Duration::from_secs(self.session_ttl.max(1) * 3600));
        Ok(Arc::new(store))
    }
}

/// Runs `dard serve` until Ctrl-C or SIGTERM, then finishes in-flight turns.
pub fn run(args: ServeArgs) -> Result<()> {
    let serve_config = args.serve_config()?;
    let pipeline = BackendArgs {
        data: args.data.clone(),
        config: args.config.clone(),
        ..BackendArgs::default()
    };
    let config = pipeline.pipeline_config(serve_config.max_concurrent_turns)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let mut builder = Dard::builder().config(config);
        if let Some(file) = &args.config {
            builder = builder.config_file(file);
        }
        if let Some(dir) = &args.data {
            builder = builder.data_dir(dir);
        }
        let dard = builder.build().context("building the pipeline")?;
        let store = args.store().await?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("--listen {}: cannot listen there", args.listen))?;
        let addr = listener
            .local_addr()
            .context("reading the listening address")?;
        eprintln!(
            "dard serve: http://{addr}/ (store: {}, API key: {})",
            store.kind(),
            if serve_config.api_key.is_some() {
                "required"
            } else {
                "none"
            }
        );
        serve::run(listener, dard, store, serve_config, shutdown_signal())
            .await
            .context("serving HTTP")
    })
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    eprintln!("dard serve: shutting down after in-flight turns…");
}
