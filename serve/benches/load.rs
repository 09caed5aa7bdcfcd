//! Load on `dard serve` over loopback with the built-in default: turns per
//! second and p50/p99 turn latency for 64 and 512 concurrent sessions, with
//! sessions in memory and in Redis (a `redis-server` started on a free port,
//! skipped when not installed).
//!
//! `cargo bench -p dard-serve --bench load`. Each virtual user plays the user
//! turns of one MultiWOZ val dialog in a session of its own, deletes it and
//! goes on with the next dialog. The client runs in this process, on the same
//! cores as the server, so the figures are a floor.
//!
//! Two kinds of run for each store and session count:
//! - **closed**: each user sends its next turn as soon as the last reply came
//!   back, so the server is saturated. The turns/s is the capacity; the latency
//!   is mostly queueing, since by Little's law the mean latency is sessions ÷
//!   turns/s (512 sessions at 2,000 turns/s wait 256 ms on average, whatever
//!   the server does).
//! - **paced**: the users together offer a fixed rate (`LOAD_RATE` turns/s,
//!   each user one turn every sessions ÷ rate seconds, staggered), as people
//!   typing do. Latency counts from the time a turn was due, not from when it
//!   was sent, so a server that falls behind shows it (no coordinated omission).
//!
//! Settings through the environment: `LOAD_SECS` (10 measured seconds per run
//! after 2 s of warm-up), `LOAD_CONCURRENCY` ("64,512"), `LOAD_STORES`
//! ("memory,redis"), `LOAD_RATE` (2000; 0 leaves the paced runs out).

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::time::Instant as TokioInstant;

use manager::Dard;
use multiwoz::model::Split;
use serve::{MemoryStore, ServeConfig, Store};
use support::{Redis, Server};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The user turns of the val dialogs, one list per dialog.
fn val_dialogs() -> Vec<Vec<String>> {
    let layout = multiwoz::locate::locate(None).expect("MultiWOZ data (see README: Data)");
    let dialogs = multiwoz::load::load_splits(&layout, &[Split::Val]).expect("val split");
    dialogs
        .into_iter()
        .map(|d| {
            d.turns
                .into_iter()
                .step_by(2)
                .map(|t| t.text)
                .collect::<Vec<_>>()
        })
        .filter(|turns| !turns.is_empty())
        .collect()
}

/// When one user's turns are due in a paced run.
struct Pace {
    next_due: TokioInstant,
    every: Duration,
}

/// One virtual user: sessions of whole dialogs until `stop`; the latency of
/// every turn finished while `measure` is set. With a `pace`, each turn waits
/// for its due time and its latency counts from then.
async fn user(
    server: Arc<Server>,
    http: reqwest::Client,
    dialogs: Arc<Vec<Vec<String>>>,
    first: usize,
    mut pace: Option<Pace>,
    measure: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut next = first;
    while !stop.load(Ordering::Relaxed) {
        let dialog = &dialogs[next % dialogs.len()];
        next += 97;
        let Ok(resp) = http.post(server.url("/v1/sessions")).send().await else {
            errors += 1;
            continue;
        };
        let Ok(created) = resp.json::<serde_json::Value>().await else {
            errors += 1;
            continue;
        };
        let Some(id) = created["id"].as_str() else {
            errors += 1;
            continue;
        };
        let turns = server.url(&format!("/v1/sessions/{id}/turns"));
        for text in dialog {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let start = match pace.as_mut() {
                Some(pace) => {
                    let due = pace.next_due;
                    pace.next_due += pace.every;
                    tokio::time::sleep_until(due).await;
                    due.into_std()
                }
                None => Instant::now(),
            };
            let ok = match http
                .post(&turns)
                .json(&serde_json::json!({ "text": text }))
                .send()
                .await
            {
                Ok(resp) => resp.status().is_success() && resp.bytes().await.is_ok(),
                Err(_) => false,
            };
            if !ok {
                errors += 1;
            } else if measure.load(Ordering::Relaxed) {
                latencies.push(start.elapsed());
            }
        }
        let _ = http
            .delete(server.url(&format!("/v1/sessions/{id}")))
            .send()
            .await;
    }
    (latencies, errors)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_string())
}

/// What one run measures: the store's name, the number of users, and the
/// offered rate in turns/s (`None`: closed, as fast as replies come back).
struct Load<'a> {
    kind: &'a str,
    users: usize,
    rate: Option<f64>,
}

async fn run(
    dard: &Dard,
    store: Arc<dyn Store>,
    load: Load<'_>,
    dialogs: &Arc<Vec<Vec<String>>>,
    secs: u64,
) {
    let Load { kind, users, rate } = load;
    let server = Arc::new(Server::start(dard.clone(), store, ServeConfig::default()).await);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(users)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let measure = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let begin = TokioInstant::now();
    let tasks: Vec<_> = (0..users)
        .map(|i| {
            // Each user's turns are `users / rate` seconds apart, and the users
            // start evenly spread over one such period.
            let pace = rate.map(|rate| {
                let every = Duration::from_secs_f64(users as f64 / rate);
                Pace {
                    next_due: begin + every.mul_f64(i as f64 / users as f64),
                    every,
                }
            });
            tokio::spawn(user(
                Arc::clone(&server),
                http.clone(),
                Arc::clone(dialogs),
                i,
                pace,
                Arc::clone(&measure),
                Arc::clone(&stop),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    measure.store(true, Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    measure.store(false, Ordering::Relaxed);
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.expect("user task");
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    let offered = rate.map_or_else(|| "closed".to_string(), |r| format!("{r:.0}/s"));
    println!(
        "{kind:>7} {users:>9} {offered:>8} {:>8} {:>9.0} {:>8.1} {:>8.1} {:>7} {:>15}",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        errors,
        load_average(),
    );
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await.expect("server stops");
    }
}

fn main() {
    // `cargo test --benches` runs this with no `--bench`: only build it then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // Look for the data from the workspace root, as `dard` does when run there
    // (`cargo bench` starts benches in the package folder).
    if std::env::var_os("DARD_DATA").is_none() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        std::env::set_current_dir(root).expect("the workspace root");
    }
    let secs: u64 = env_or("LOAD_SECS", "10").parse().expect("LOAD_SECS");
    let concurrency: Vec<usize> = env_or("LOAD_CONCURRENCY", "64,512")
        .split(',')
        .map(|c| c.trim().parse().expect("LOAD_CONCURRENCY"))
        .collect();
    let stores = env_or("LOAD_STORES", "memory,redis");
    let rate: f64 = env_or("LOAD_RATE", "2000").parse().expect("LOAD_RATE");
    let mut modes = vec![None];
    if rate > 0.0 {
        modes.push(Some(rate));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let started = Instant::now();
        let dard = Dard::builder().build().expect("the built-in pipeline");
        let dialogs = Arc::new(val_dialogs());
        println!(
            "dard serve load: built-in default (ready in {:.1} s), {} val dialogs, {secs} s per run, {} cores",
            started.elapsed().as_secs_f64(),
            dialogs.len(),
            std::thread::available_parallelism().map_or(0, |n| n.get()),
        );
        println!(
            "{:>7} {:>9} {:>8} {:>8} {:>9} {:>8} {:>8} {:>7} {:>15}",
            "store",
            "sessions",
            "offered",
            "turns",
            "turns/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "load avg"
        );
        for kind in stores.split(',').map(str::trim) {
            let redis = if kind == "redis" {
                match Redis::start().await {
                    Some(r) => Some(r),
                    None => continue,
                }
            } else {
                None
            };
            for &rate in &modes {
                for &users in &concurrency {
                    let store: Arc<dyn Store> = match &redis {
                        Some(r) => r.store().await,
                        None => Arc::new(MemoryStore::new()),
                    };
                    let load = Load { kind, users, rate };
                    run(&dard, store, load, &dialogs, secs).await;
                }
            }
        }
    });
}
