//! Query throughput of the database on the evaluator's workload: the gold state
//! of every test turn, every domain in it (about 11k queries), as
//! `Database::query` (indexed, cached) and `Database::query_reference` (the
//! evaluator's record-by-record loop), plus `partial_ratio` alone.
//!
//! Reads `$DARD_DATA` or `../shared/multiwoz`; without it the benchmark says so
//! and measures nothing.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use indexmap::IndexMap;
use multiwoz::Domain;
use multiwoz::db::Database;

type State = IndexMap<String, IndexMap<String, String>>;

/// One query: the domain and its constraints.
type Query = (Domain, Vec<(String, String)>);

/// The database and the (domain, constraints) of every gold-state query.
fn workload() -> Option<(PathBuf, Vec<Query>)> {
    let dir = std::env::var_os("DARD_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/multiwoz"),
        PathBuf::from,
    );
    let path = dir.join("reconstructed/gold_states_test.APPROX_from_mwoz21.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let states: HashMap<String, Vec<State>> = serde_json::from_str(&text).ok()?;
    let mut ids: Vec<&String> = states.keys().collect();
    ids.sort();
    let mut queries = Vec::new();
    for id in ids {
        for state in &states[id] {
            for (domain, slots) in state {
                let Ok(domain) = domain.parse::<Domain>() else {
                    continue;
                };
                let c = slots.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                queries.push((domain, c));
            }
        }
    }
    Some((dir.join("db"), queries))
}

fn run_all(db: &Database, queries: &[Query]) -> usize {
    queries
        .iter()
        .map(|(d, c)| {
            db.query(*d, c.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .len()
        })
        .sum()
}

fn bench_db(c: &mut Criterion) {
    let Some((db_dir, queries)) = workload() else {
        eprintln!(
            "no MultiWOZ data (set DARD_DATA or provide ../shared/multiwoz); skipping the db benchmark"
        );
        return;
    };
    let Ok(db) = Database::load(&db_dir) else {
        eprintln!(
            "cannot load the database from {}; skipping",
            db_dir.display()
        );
        return;
    };
    let n = queries.len() as u64;
    let mut group = c.benchmark_group("db");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n));
    group.bench_function("load", |b| {
        b.iter(|| Database::load(&db_dir).map(|d| d.entities(Domain::Train).len()))
    });
    // Cold: a fresh database per pass, so every fuzzy constraint is computed once.
    group.bench_function("gold-state queries, cold cache", |b| {
        b.iter_batched(
            || Database::load(&db_dir).ok(),
            |fresh| fresh.map(|d| run_all(&d, &queries)),
            criterion::BatchSize::PerIteration,
        )
    });
    // Warm: the shared database after the first pass (the evaluator's steady state).
    run_all(&db, &queries);
    group.bench_function("gold-state queries, warm cache", |b| {
        b.iter(|| run_all(&db, black_box(&queries)))
    });
    group.bench_function("gold-state queries, reference loop", |b| {
        b.iter(|| {
            queries
                .iter()
                .map(|(d, c)| {
                    db.query_reference(*d, c.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("fuzzy");
    group.throughput(Throughput::Elements(1));
    group.bench_function("partial_ratio name pair", |b| {
        b.iter(|| {
            multiwoz::fuzzy::partial_ratio(
                black_box("the cambridge belfry"),
                black_box("cambridge belfy"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench_db);
criterion_main!(benches);
