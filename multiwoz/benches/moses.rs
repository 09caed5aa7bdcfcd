//! Throughput of the Moses tokenizer and detokenizer on the evaluator's
//! workload: every gold system response of the test split (7,372 turns, from
//! `eval_cases/predictions_gold_with_state.json`, lower-cased as the evaluator
//! does), tokenized and detokenized in two steps and in the one-pass round trip
//! the evaluator uses; plus the committed synthetic fixture.
//!
//! Reads `$DARD_DATA` or `../shared/multiwoz`; without it only the synthetic
//! cases are measured.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::Deserialize;

#[derive(Deserialize)]
struct Turn {
    response: String,
}

/// The lower-cased gold responses, in a stable order.
fn gold_responses() -> Option<Vec<String>> {
    let dir = std::env::var_os("DARD_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/multiwoz"),
        PathBuf::from,
    );
    let path = dir.join("eval_cases/predictions_gold_with_state.json");
    let text = std::fs::read_to_string(path).ok()?;
    let dialogs: HashMap<String, Vec<Turn>> = serde_json::from_str(&text).ok()?;
    let mut ids: Vec<&String> = dialogs.keys().collect();
    ids.sort();
    Some(
        ids.into_iter()
            .flat_map(|id| dialogs[id].iter().map(|t| t.response.to_lowercase()))
            .collect(),
    )
}

/// The inputs of the committed synthetic fixture.
fn synthetic_inputs() -> Vec<String> {
    #[derive(Deserialize)]
    struct Case {
        input: String,
    }
    #[derive(Deserialize)]
    struct Fixture {
        tokenize: Vec<Case>,
    }
    let fixture: Fixture = serde_json::from_str(include_str!("../tests/fixtures/moses_cases.json"))
        .unwrap_or(Fixture {
            tokenize: Vec::new(),
        });
    fixture.tokenize.into_iter().map(|c| c.input).collect()
}

fn bench_workload(c: &mut Criterion, name: &str, texts: &[String]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("tokenize+detokenize", |b| {
        b.iter(|| {
            for text in texts {
                black_box(multiwoz::moses::detokenize(&multiwoz::moses::tokenize(
                    black_box(text),
                )));
            }
        });
    });
    group.bench_function("round_trip", |b| {
        b.iter(|| {
            for text in texts {
                black_box(multiwoz::moses::round_trip(black_box(text)));
            }
        });
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    match gold_responses() {
        Some(texts) => bench_workload(c, "moses_gold_responses", &texts),
        None => eprintln!("MultiWOZ data not found: skipping the gold-response workload"),
    }
    bench_workload(c, "moses_synthetic", &synthetic_inputs());
}

criterion_group!(benches, bench);
criterion_main!(benches);
