//! Parity of `multiwoz::moses` with sacremoses 0.2.0 on real MultiWOZ text.
//!
//! These tests are ignored by default: they need the MultiWOZ data (never
//! committed) and reference outputs that a Python script outside the
//! repository writes with sacremoses (`make_refs.py`, run in the evaluator's
//! virtual environment). Run them with
//! `cargo test -p multiwoz --test moses_corpus -- --ignored --nocapture`.
//!
//! * `DARD_DATA`: the MultiWOZ folder laid out like the project's shared one
//!   (default `../shared/multiwoz` next to the workspace).
//! * `MOSES_REFS`: the folder holding `corpus_expected.jsonl` and
//!   `gold_inputs.json` (default `/work/pyref/moses`).

use serde::Deserialize;
use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::time::Instant;

fn data_dir() -> PathBuf {
    std::env::var_os("DARD_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/multiwoz"))
}

fn refs_dir() -> PathBuf {
    std::env::var_os("MOSES_REFS").map_or_else(|| PathBuf::from("/work/pyref/moses"), PathBuf::from)
}

/// One utterance as sacremoses processed it.
#[derive(Deserialize)]
struct CorpusCase {
    split: String,
    dialog: String,
    turn: usize,
    /// `raw`: the text as in the dialog file; `eval`: after the evaluator's
    /// lower-casing, placeholder mapping and "-s"/"-ly" removal.
    variant: String,
    input: String,
    tokens: Vec<String>,
    output: String,
}

#[derive(Deserialize)]
struct Dialog {
    log: Vec<Turn>,
}

#[derive(Deserialize)]
struct Turn {
    text: String,
}

/// Reads `<split>.json` out of `MultiWOZ_2.1_convlab2/<split>.json.zip`.
fn read_split(split: &str) -> HashMap<String, Dialog> {
    let path = data_dir().join(format!("MultiWOZ_2.1_convlab2/{split}.json.zip"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut archive = zip::ZipArchive::new(file).expect("zip archive");
    let mut json = String::new();
    archive
        .by_name(&format!("{split}.json"))
        .expect("split member")
        .read_to_string(&mut json)
        .expect("readable member");
    serde_json::from_str(&json).expect("dialog JSON")
}

#[test]
#[ignore = "needs MultiWOZ data and sacremoses reference outputs"]
fn moses_matches_sacremoses_on_every_multiwoz_utterance() {
    let splits: HashMap<&str, HashMap<String, Dialog>> = ["test", "val"]
        .into_iter()
        .map(|s| (s, read_split(s)))
        .collect();
    let path = refs_dir().join("corpus_expected.jsonl");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut per_variant: HashMap<String, (usize, usize)> = HashMap::new();
    let mut failures = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let case: CorpusCase = serde_json::from_str(&line.expect("line")).expect("case JSON");
        let raw = &splits[case.split.as_str()][&case.dialog].log[case.turn].text;
        if case.variant == "raw" {
            assert_eq!(
                &case.input, raw,
                "{} turn {}: reference input is not the dialog text",
                case.dialog, case.turn
            );
        }
        let tokens = multiwoz::moses::tokenize(&case.input);
        let output = multiwoz::moses::detokenize(&tokens);
        let agree = tokens == case.tokens
            && output == case.output
            && multiwoz::moses::round_trip(&case.input) == case.output;
        let entry = per_variant.entry(case.variant.clone()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(agree);
        if !agree && failures.len() < 10 {
            failures.push(format!(
                "{:?}: got {tokens:?} / {output:?}, want {:?} / {:?}",
                case.input, case.tokens, case.output
            ));
        }
    }
    let utterances: usize = splits
        .values()
        .flat_map(|d| d.values())
        .map(|d| d.log.len())
        .sum();
    for (variant, (total, agree)) in &per_variant {
        println!("{variant}: {agree} / {total} utterances agree with sacremoses");
        assert_eq!(
            *total, utterances,
            "{variant}: reference file does not cover every utterance"
        );
    }
    assert_eq!(per_variant.len(), 2, "expected raw and eval variants");
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
}

#[test]
#[ignore = "needs MultiWOZ data and sacremoses reference outputs"]
fn moses_reproduces_the_evaluator_references_from_gold_responses() {
    // gold_inputs.json: the gold responses of predictions_gold_with_state.json
    // after the evaluator's pre-Moses steps; the references file is the
    // evaluator's normalization of the same responses.
    let read = |path: PathBuf| -> HashMap<String, Vec<String>> {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).expect("JSON object of string lists")
    };
    let inputs = read(refs_dir().join("gold_inputs.json"));
    let references =
        read(data_dir().join("reconstructed/mwz22_references_test.APPROX_from_mwoz21.json"));
    let (mut total, mut agree) = (0, 0);
    let mut failures = Vec::new();
    for (dialog, turns) in &inputs {
        let refs = &references[&dialog.to_lowercase()];
        assert_eq!(turns.len(), refs.len(), "{dialog}: turn count");
        for (input, reference) in turns.iter().zip(refs) {
            let output = multiwoz::moses::detokenize(&multiwoz::moses::tokenize(input));
            total += 1;
            if &output == reference {
                agree += 1;
            } else if failures.len() < 10 {
                failures.push(format!("{input:?}: got {output:?}, want {reference:?}"));
            }
        }
    }
    println!("gold responses: {agree} / {total} equal the evaluator's references");
    assert!(total > 7000, "only {total} responses");
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );

    // A throughput figure for the report (printed, not asserted).
    let all: Vec<&String> = inputs.values().flatten().collect();
    let best = (0..5)
        .map(|_| {
            let start = Instant::now();
            let chars: usize = all
                .iter()
                .map(|s| multiwoz::moses::detokenize(&multiwoz::moses::tokenize(s)).len())
                .sum();
            assert!(chars > 0);
            start.elapsed()
        })
        .min()
        .unwrap_or_default();
    println!(
        "tokenize+detokenize of {} responses: {best:?} (best of 5)",
        all.len()
    );
}

/// The one-pass round trip gives what the two steps give on every utterance of
/// the test and val splits, as written and lower-cased (the data is needed;
/// without it the test says so and passes).
#[test]
fn round_trip_is_the_two_steps_on_every_multiwoz_utterance() {
    let path = data_dir().join("MultiWOZ_2.1_convlab2/test.json.zip");
    if !path.exists() {
        eprintln!("skipped: no MultiWOZ data at {}", path.display());
        return;
    }
    let mut checked = 0;
    for split in ["test", "val"] {
        for dialog in read_split(split).values() {
            for turn in &dialog.log {
                for text in [turn.text.clone(), turn.text.to_lowercase()] {
                    let two_steps = multiwoz::moses::detokenize(&multiwoz::moses::tokenize(&text));
                    assert_eq!(multiwoz::moses::round_trip(&text), two_steps, "{text:?}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50_000, "only {checked} utterances");
}
