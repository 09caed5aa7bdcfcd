//! Benchmark of loading the MultiWOZ test and val splits and the database: reading
//! (unzipping) alone, parsing alone, and the parallel whole. Prints the process's
//! peak RSS at the end. Skips, saying so, when no data is found.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use multiwoz::locate::{DataLayout, DialogSource, locate_from};
use multiwoz::model::Split;

fn layout() -> Option<DataLayout> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let env = std::env::var_os("DARD_DATA").map(PathBuf::from);
    match locate_from(None, env.as_deref(), &root) {
        Ok(l) => Some(l),
        Err(e) => {
            eprintln!("skipping the load benchmark: {e}");
            None
        }
    }
}

fn bench_load(c: &mut Criterion) {
    let Some(layout) = layout() else { return };
    let splits = [Split::Test, Split::Val];
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    if let DialogSource::PerSplit { files } = &layout.dialogs {
        let paths: Vec<PathBuf> = splits
            .iter()
            .filter_map(|s| files.get(s).cloned())
            .collect();
        group.bench_function("read (unzip) test+val, sequential", |b| {
            b.iter(|| {
                paths
                    .iter()
                    .map(|p| {
                        multiwoz::load::read_bytes(p, None)
                            .map(|(b, _)| b.len())
                            .unwrap_or(0)
                    })
                    .sum::<usize>()
            })
        });
        let bytes: Vec<_> = paths
            .iter()
            .filter_map(|p| multiwoz::load::read_bytes(p, None).ok())
            .collect();
        group.bench_function("parse test+val, sequential", |b| {
            b.iter(|| {
                bytes
                    .iter()
                    .map(|(b, at)| {
                        multiwoz::load::parse_original(b, at, None, None)
                            .map(|d| d.len())
                            .unwrap_or(0)
                    })
                    .sum::<usize>()
            })
        });
    }
    group.bench_function("load_splits test+val, parallel", |b| {
        b.iter(|| {
            multiwoz::load::load_splits(&layout, &splits)
                .map(|d| d.len())
                .unwrap_or(0)
        })
    });
    if let Some(db) = &layout.db_dir {
        group.bench_function("database", |b| {
            b.iter(|| multiwoz::db::Database::load(db).map(|_| 1).unwrap_or(0))
        });
    }
    group.finish();
    if let Some(line) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_string)
        })
    {
        eprintln!("peak RSS of the benchmark process: {line}");
    }
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
