//! How long `Dard::builder().build()` of the built-in default takes: the first
//! build (which fills the start-up cache when it is empty) and then warm builds
//! (the trained model read back from the cache), median and fastest. The data
//! is found as the binary finds it (`DARD_DATA`, `./data/multiwoz`,
//! `../shared/multiwoz`, the user data folder).
//!
//! `cargo bench -p dard-manager --bench startup` (`STARTUP_RUNS`, default 10).
//! The cache is the user's (`DARD_BUILTIN_CACHE` moves or disables it).

use std::time::{Duration, Instant};

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` lists or runs nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runs: usize = std::env::var("STARTUP_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    // Benchmarks run from the crate's folder; the data is relative to the workspace.
    let _ = std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let build = || {
        let started = Instant::now();
        match manager::Dard::builder().build() {
            Ok(dard) => {
                let took = started.elapsed();
                drop(dard);
                took
            }
            Err(e) => {
                eprintln!("cannot build the built-in default: {e}");
                std::process::exit(1);
            }
        }
    };
    let first = build();
    let mut warm: Vec<Duration> = (0..runs).map(|_| build()).collect();
    warm.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "Dard::builder().build() (built-in): first {:.1} ms; warm median {:.1} ms, fastest {:.1} ms over {runs} runs (load average {})",
        ms(first),
        ms(warm[warm.len() / 2]),
        ms(warm[0]),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
