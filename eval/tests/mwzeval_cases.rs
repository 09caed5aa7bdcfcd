//! Agreement with the standard evaluator (mwzeval) on the five prediction files of
//! `../shared/multiwoz/eval_cases/`: every figure of its result dictionary, compared
//! with the values it printed (`tests/fixtures/expected_*.json`, see the README
//! there). Skipped, with a note, where the shared data folder is absent.
//!
//! `--mapping dard` on DARD's six released response files against the standard
//! evaluator patched with DARD's mapping (`tests/fixtures/dard/`): run where
//! `DARD_PREDICTIONS` names a folder holding those files (their repository's
//! `data/predictions/`), skipped with a note elsewhere.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use std::collections::BTreeMap;

use eval::{EvalInputs, Options, Predictions, Source, evaluate};
use multiwoz::db::Database;
use multiwoz::evaldata::EvalData;
use multiwoz::normalize::Mapping;
use serde_json::Value;

fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("DARD_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/multiwoz"));
    dir.join("eval_cases").is_dir().then_some(dir)
}

/// The evaluator's data as README.txt describes it, loaded once for all tests.
fn data() -> Option<&'static (EvalData, Database)> {
    static DATA: OnceLock<Option<(EvalData, Database)>> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = shared_dir()?;
        let rec = dir.join("reconstructed");
        let data = EvalData::from_files(
            &rec.join("goals_test_val.json"),
            &rec.join("mwz22_references_test.APPROX_from_mwoz21.json"),
            &rec.join("gold_states_test.APPROX_from_mwoz21.json"),
            &dir.join("mwzeval_data/booked_domains.json"),
        )
        .expect("evaluation data");
        let db = Database::load(&dir.join("db")).expect("database");
        Some((data, db))
    })
    .as_ref()
}

fn expected(case: &str) -> Value {
    fixture(&format!("expected_{case}.json"))
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("fixture JSON")
}

/// Compares every number of the evaluator's result dictionary.
fn assert_same(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let mut ak: Vec<&String> = a.keys().collect();
            let mut ek: Vec<&String> = e.keys().filter(|k| !k.starts_with('_')).collect();
            ak.sort();
            ek.sort();
            assert_eq!(ak, ek, "keys of {path}");
            for k in ek {
                assert_same(&a[k], &e[k], &format!("{path}.{k}"));
            }
        }
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (
                a.as_f64().unwrap_or(f64::NAN),
                e.as_f64().unwrap_or(f64::NAN),
            );
            assert_eq!(a, e, "{path}: dard {a} vs mwzeval {e}");
        }
        _ => panic!("{path}: dard {actual} vs mwzeval {expected}"),
    }
}

fn check(case: &str) -> Option<eval::Report> {
    let Some((data, db)) = data() else {
        eprintln!("skipped: ../shared/multiwoz (or DARD_DATA) not found");
        return None;
    };
    let dir = shared_dir()?;
    let predictions =
        Predictions::from_path(&dir.join(format!("eval_cases/predictions_{case}.json")))
            .expect("predictions");
    let report = evaluate(
        &predictions,
        &EvalInputs::new(data, db),
        &Options::default(),
    )
    .expect("evaluate");
    assert_same(&report.mwzeval_results(), &expected(case), case);
    Some(report)
}

#[test]
fn gold_with_state_matches_mwzeval() {
    if let Some(report) = check("gold_with_state") {
        assert_eq!((report.inform, report.success), (92.5, 88.8));
        assert_eq!(format!("{:.2}", report.bleu), "100.00");
        assert_eq!(report.states, Source::Predicted);
        assert_eq!(report.active_domains, Source::Estimated);
        assert_eq!((report.dialogs, report.turns), (1000, 7372));
    }
}

#[test]
fn gold_without_state_matches_mwzeval() {
    if let Some(report) = check("gold_no_state") {
        assert_eq!(report.states, Source::Gold);
    }
}

#[test]
fn perturbed_phone_address_postcode_matches_mwzeval() {
    check("perturbed_no_phone_addr_post_30pct");
}

#[test]
fn all_sorry_matches_mwzeval() {
    check("all_sorry");
}

#[test]
fn shuffled_matches_mwzeval() {
    check("shuffled_50pct");
}

/// DARD's released response files (`data/predictions/response_gen_*.json` of
/// their repository).
const DARD_FILES: [&str; 6] = [
    "response_gen_claude_domain_specific",
    "response_gen_domain_best_agents",
    "response_gen_flant5_domain_specific",
    "response_gen_flant5_single_model",
    "response_gen_mistral_domain_specific",
    "response_gen_mistral_single_model",
];

#[test]
fn dard_mapping_matches_patched_mwzeval_on_dards_released_files() {
    let Some(dir) = std::env::var_os("DARD_PREDICTIONS").map(PathBuf::from) else {
        eprintln!("skipped: set DARD_PREDICTIONS to the folder of DARD's released predictions");
        return;
    };
    let Some((data, db)) = data() else {
        eprintln!("skipped: ../shared/multiwoz (or DARD_DATA) not found");
        return;
    };
    for stem in DARD_FILES {
        let predictions =
            Predictions::from_path(&dir.join(format!("{stem}.json"))).expect("predictions");
        let options = Options {
            mapping: Mapping::Dard,
        };
        let report =
            evaluate(&predictions, &EvalInputs::new(data, db), &options).expect("evaluate");
        let expected = fixture(&format!("dard/expected_{stem}.json"));
        assert_same(&report.mwzeval_results(), &expected, stem);
        let unknown: BTreeMap<String, usize> =
            serde_json::from_value(expected["_unknown_placeholders"].clone()).unwrap();
        assert_eq!(report.unknown_placeholders.by_name, unknown, "{stem}");
    }
}

#[test]
fn dard_fixtures_cover_every_released_file() {
    for stem in DARD_FILES {
        let expected = fixture(&format!("dard/expected_{stem}.json"));
        assert_eq!(expected["_source"], format!("{stem}.json"));
        assert!(expected["bleu"]["mwz22"].as_f64().unwrap() > 0.0, "{stem}");
        assert!(expected["_unknown_placeholders"].is_object(), "{stem}");
    }
}
