//! Data on demand: when a command needs MultiWOZ and none is found, it is fetched
//! (the pinned, checksummed manifest of `dard data download`) into the user's data
//! folder, which discovery searches. `--offline` or `DARD_OFFLINE=1` refuses
//! instead; `DARD_DATA_MIRROR=BASE` fetches from a mirror laid out like the data
//! folder rather than from GitHub.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use multiwoz::download::{Event, Manifest, Options, Outcome, download_with};
use multiwoz::error::LocateError;
use multiwoz::locate::{ENV_VAR, locate, user_data_dir};

/// The variable that forbids fetching (`1`, `true`, `yes`, `on`).
pub const OFFLINE_ENV: &str = "DARD_OFFLINE";
/// The variable naming a mirror (`BASE/db/hotel_db.json`, …) to fetch from.
pub const MIRROR_ENV: &str = "DARD_DATA_MIRROR";
/// The variable setting the stall timeout in seconds (how long a silent server
/// is waited for).
pub const TIMEOUT_ENV: &str = "DARD_DATA_TIMEOUT";

/// Whether fetching is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchPolicy {
    /// `--offline` or `DARD_OFFLINE` is set.
    pub offline: bool,
}

impl FetchPolicy {
    /// The policy of the `--offline` flag and the environment.
    pub fn new(offline_flag: bool) -> FetchPolicy {
        let env = std::env::var(OFFLINE_ENV).is_ok_and(|v| {
            ["1", "true", "yes", "on"]
                .iter()
                .any(|t| v.trim().eq_ignore_ascii_case(t))
        });
        FetchPolicy {
            offline: offline_flag || env,
        }
    }
}

/// Makes sure discovery will find MultiWOZ: when nothing is named (`explicit`,
/// i.e. `--data` or the config's `[data] dir`, and `DARD_DATA` unset) and no
/// folder qualifies, fetches the data into the user's data folder. A named
/// folder is never replaced by a download: its error is reported as is.
pub fn ensure_data(explicit: Option<&Path>, policy: FetchPolicy) -> Result<()> {
    let named = explicit.is_some() || std::env::var_os(ENV_VAR).is_some_and(|v| !v.is_empty());
    match locate(explicit) {
        Ok(_) => Ok(()),
        Err(e @ LocateError::NotFound { .. }) if named || policy.offline => Err(e.into()),
        Err(LocateError::NotFound { .. }) => fetch(),
        Err(e) => Err(e.into()),
    }
}

fn fetch() -> Result<()> {
    let dest = user_data_dir().ok_or_else(|| {
        anyhow!("no MultiWOZ data found, and no user data folder to fetch it into (set XDG_DATA_HOME or HOME, or pass --data DIR)")
    })?;
    let mut manifest = Manifest::multiwoz();
    let source = match std::env::var(MIRROR_ENV) {
        Ok(base) if !base.trim().is_empty() => {
            manifest = manifest.with_base_url(base.trim());
            format!("the mirror {} ({MIRROR_ENV})", base.trim())
        }
        _ => "GitHub (budzianowski/multiwoz, thu-coai/ConvLab-2, Tomiinek/MultiWOZ_Evaluation at pinned commits)".to_string(),
    };
    let total = manifest.total_size();
    eprintln!(
        "dard: no MultiWOZ data found; fetching {} files ({:.1} MB, SHA-256 checked) from {source} into {}",
        manifest.entries.len(),
        total as f64 / 1e6,
        dest.display()
    );
    let stall = match std::env::var(TIMEOUT_ENV) {
        Ok(v) => {
            let secs: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s > 0.0)
                .with_context(|| {
                    format!("{TIMEOUT_ENV}=`{v}`: expected a number of seconds above 0")
                })?;
            Duration::from_secs_f64(secs)
        }
        Err(_) => Options::default().stall_timeout,
    };
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} · {bytes_per_sec} · ETA {eta} · {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let result = download_with(
        &manifest,
        &dest,
        &Options::with_stall_timeout(stall),
        |event| match event {
            Event::Bytes { entry, n } => {
                bar.set_message(entry.local.clone());
                bar.inc(n);
            }
            Event::Finished { entry, outcome } => {
                if outcome == Outcome::AlreadyPresent {
                    bar.inc(entry.size);
                }
                tracing::info!(file = %entry.local, ?outcome, "fetched");
            }
            _ => {}
        },
    );
    bar.finish_and_clear();
    result.with_context(|| {
        format!(
            "fetching MultiWOZ into {} failed (pass --data DIR, or set {MIRROR_ENV}=BASE to use a mirror)",
            dest.display()
        )
    })?;
    // What was fetched must be what discovery finds from now on.
    locate(None)
        .with_context(|| format!("the data fetched into {} is not usable", dest.display()))?;
    eprintln!("dard: MultiWOZ is in {}", dest.display());
    Ok(())
}
