//! `fuzzy::ratio` and `fuzzy::partial_ratio` against scores computed by Python
//! fuzzywuzzy 0.18 with python-Levenshtein 0.27.5 (the standard evaluator's stack).
//!
//! The fixture holds a few thousand selected pairs (random strings over small
//! alphabets, database names against mutated names, database values against state
//! values); `tests/fixtures/db_README.md` says how it was made.

use std::path::Path;

use multiwoz::fuzzy::{partial_ratio, ratio, ratio_can_reach};

/// Checks every `[a, b, ratio, partial_ratio]` line of a JSON-lines file and
/// returns how many pairs it checked.
fn check_file(path: &Path) -> usize {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut failures = Vec::new();
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let (a, b, r, p): (String, String, u8, u8) = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
        n += 1;
        let (gr, gp) = (ratio(&a, &b), partial_ratio(&a, &b));
        if gr != r || gp != p {
            failures.push(format!(
                "line {}: {a:?} vs {b:?}: ratio {gr} (want {r}), partial_ratio {gp} (want {p})",
                i + 1
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} pairs differ from fuzzywuzzy:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    n
}

#[test]
fn fuzzy_scores_equal_fuzzywuzzy_on_fixture() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzzy_vectors.jsonl");
    let n = check_file(&path);
    assert!(n > 3000, "fixture unexpectedly small: {n} pairs");
}

/// The full reference set (about 150k pairs) lives outside the repository; run
/// with `DARD_FUZZY_VECTORS=/path/all.jsonl cargo test -p multiwoz --test
/// fuzzy_vectors -- --ignored`.
#[test]
#[ignore = "needs DARD_FUZZY_VECTORS pointing at a JSON-lines file of reference scores"]
fn fuzzy_scores_equal_fuzzywuzzy_on_external_set() {
    let path = std::env::var("DARD_FUZZY_VECTORS")
        .expect("set DARD_FUZZY_VECTORS to a JSON-lines file of [a, b, ratio, partial_ratio]");
    let n = check_file(Path::new(&path));
    eprintln!("checked {n} pairs");
}

/// The quick bound may only rule out pairs whose ratio really is below the
/// threshold: every pair of the fixture, at every threshold.
#[test]
fn ratio_can_reach_never_rules_out_a_pair_that_reaches() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzzy_vectors.jsonl");
    let text = std::fs::read_to_string(&path).expect("the fixture");
    let mut ruled_out = 0;
    for line in text.lines() {
        let (a, b, r, _): (String, String, u8, u8) = serde_json::from_str(line).expect("a pair");
        for min in (0..=100).step_by(5) {
            let reach = ratio_can_reach(&a, &b, min);
            assert!(
                reach || r < min,
                "{a:?} vs {b:?} (ratio {r}) ruled out at {min}"
            );
            ruled_out += usize::from(!reach);
        }
    }
    // It must also rule something out, or it saves nothing.
    assert!(ruled_out > 1000, "only {ruled_out} pairs ruled out");
}

#[test]
fn partial_ratio_known_values() {
    // Values printed by fuzzywuzzy 0.18 in the evaluator's venv.
    assert_eq!(partial_ratio("this is a test", "this is a test!"), 100);
    assert_eq!(partial_ratio("", ""), 100);
    assert_eq!(partial_ratio("abc", ""), 0);
}
