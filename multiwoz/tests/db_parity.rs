//! DB parity with the standard evaluator: for the gold state of every test turn
//! (every domain in it), every goal's informable constraints (test and val) and a
//! set of synthetic constraints, `Database::query` must return exactly the ids
//! that mwzeval's `MultiWOZVenueDatabase().query` returned, in the same order.
//!
//! The expected ids are in `tests/fixtures/db_parity_expected.jsonl`
//! (`tests/fixtures/db_README.md` says how they were produced). The gold states,
//! goals and database files are read at test time from the shared MultiWOZ
//! folder: `$DARD_DATA` if set, else `../shared/multiwoz` next to the workspace.
//! Without them the test fails and says where it looked. The unindexed
//! `query_reference` loop is checked on every synthetic query and on every
//! eighth gold-state and goal query (it is slow in debug builds).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use multiwoz::Domain;
use multiwoz::db::Database;
use serde::Deserialize;

type State = IndexMap<String, IndexMap<String, String>>;

#[derive(Deserialize)]
struct DomainGoal {
    informable: IndexMap<String, String>,
}

/// One line of the fixture: a dialog's expected results per gold-state turn and
/// per goal domain, or one synthetic query.
#[derive(Deserialize)]
struct Line {
    d: Option<String>,
    #[serde(default)]
    state: Vec<TurnResults>,
    #[serde(default)]
    goal: IndexMap<String, String>,
    m: Option<String>,
    c: Option<IndexMap<String, String>>,
    r: Option<String>,
}

/// A turn's results per domain, or `"="` for the same as the previous turn.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum TurnResults {
    Results(IndexMap<String, String>),
    Same(String),
}

fn data_dir() -> PathBuf {
    let dir = std::env::var_os("DARD_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/multiwoz"),
        PathBuf::from,
    );
    let needed = [
        "reconstructed/gold_states_test.APPROX_from_mwoz21.json",
        "reconstructed/goals_test_val.json",
        "db/train_db.json",
    ];
    for f in needed {
        assert!(
            dir.join(f).is_file(),
            "db_parity needs the MultiWOZ data folder with {f}; looked in {} \
             (set DARD_DATA to the folder that holds db/ and reconstructed/)",
            dir.display()
        );
    }
    dir
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> T {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture() -> Vec<Line> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/db_parity_expected.jsonl");
    let text = std::fs::read_to_string(&path).expect("read the db parity fixture");
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// Decodes a result: ids separated by spaces, or `@` and ranges of database
/// positions (used for long lists).
fn decode(db: &Database, domain: Domain, r: &str) -> Vec<String> {
    let Some(ranges) = r.strip_prefix('@') else {
        return r.split_whitespace().map(String::from).collect();
    };
    let entities = db.entities(domain);
    let mut ids = Vec::new();
    for part in ranges.split(',') {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (a, b): (usize, usize) = (a.parse().expect("position"), b.parse().expect("position"));
        ids.extend((a..=b).map(|p| entities[p].id().to_string()));
    }
    ids
}

/// Compares the indexed query (and, when `reference` is set, the unindexed
/// reference loop, which is slow in debug builds) with the evaluator's ids;
/// returns a description of the difference, if any.
fn compare(
    db: &Database,
    domain: Domain,
    constraints: &[(&str, &str)],
    want: &str,
    reference: bool,
) -> Option<String> {
    let want = decode(db, domain, want);
    let fast = db.query_ids(domain, constraints.iter().copied());
    let slow: Vec<&str> = if reference {
        db.query_reference(domain, constraints.iter().copied())
            .iter()
            .map(|e| e.id())
            .collect()
    } else {
        fast.clone()
    };
    (fast != want || slow != want).then(|| {
        format!("{domain} {constraints:?}\n  want {want:?}\n  fast {fast:?}\n  slow {slow:?}")
    })
}

fn pairs(map: &IndexMap<String, String>) -> Vec<(&str, &str)> {
    map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn db_parity_with_mwzeval_on_gold_states_goals_and_synthetic_queries() {
    let dir = data_dir();
    let db = Database::load(&dir.join("db")).expect("load the database");
    let states: HashMap<String, Vec<State>> =
        read_json(&dir.join("reconstructed/gold_states_test.APPROX_from_mwoz21.json"));
    let goals: HashMap<String, IndexMap<String, DomainGoal>> =
        read_json(&dir.join("reconstructed/goals_test_val.json"));

    let lines = fixture();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut mismatches = Vec::new();
    let mut dialogs_seen = 0;
    for line in &lines {
        if let Some(d) = &line.d {
            dialogs_seen += 1;
            // Gold states: every domain of every turn must have an expected result.
            let turns = states.get(d).map_or(&[][..], Vec::as_slice);
            let mut previous = IndexMap::new();
            for (t, state) in turns.iter().enumerate() {
                let expected = match line.state.get(t).cloned() {
                    Some(TurnResults::Same(mark)) => {
                        assert_eq!(mark, "=", "{d} turn {t}: unknown turn marker");
                        previous.clone()
                    }
                    Some(TurnResults::Results(r)) => r,
                    None => IndexMap::new(),
                };
                let mut domains: Vec<&String> = state.keys().collect();
                let mut have: Vec<&String> = expected.keys().collect();
                domains.sort();
                have.sort();
                assert_eq!(
                    domains, have,
                    "{d} turn {t}: fixture does not cover the state's domains"
                );
                for (domain_name, slots) in state {
                    let domain: Domain = domain_name.parse().expect("known domain");
                    let n = counts.entry("gold-state").or_default();
                    *n += 1;
                    let reference = n.is_multiple_of(8);
                    let want = &expected[domain_name.as_str()];
                    if let Some(m) = compare(&db, domain, &pairs(slots), want, reference) {
                        mismatches.push(format!("{d} turn {t}: {m}"));
                    }
                }
                previous = expected;
            }
            // Goals: every domain of the dialog's goal.
            let goal = goals
                .get(d)
                .unwrap_or_else(|| panic!("fixture dialog {d} has no goal"));
            assert_eq!(
                goal.len(),
                line.goal.len(),
                "{d}: fixture does not cover the goal's domains"
            );
            for (domain_name, dg) in goal {
                let domain: Domain = domain_name.parse().expect("known domain");
                let n = counts.entry("goal").or_default();
                *n += 1;
                let reference = n.is_multiple_of(8);
                let want = &line.goal[domain_name.as_str()];
                if let Some(m) = compare(&db, domain, &pairs(&dg.informable), want, reference) {
                    mismatches.push(format!("{d} goal: {m}"));
                }
            }
        } else {
            let domain: Domain = line
                .m
                .as_deref()
                .expect("domain")
                .parse()
                .expect("known domain");
            let c = line.c.as_ref().expect("constraints");
            *counts.entry("synthetic").or_default() += 1;
            let want = line.r.as_deref().expect("result");
            if let Some(m) = compare(&db, domain, &pairs(c), want, true) {
                mismatches.push(format!("synthetic: {m}"));
            }
        }
    }
    eprintln!(
        "db parity: compared {counts:?}, {} mismatches",
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {} queries differ from mwzeval:\n{}",
        mismatches.len(),
        counts.values().sum::<usize>(),
        mismatches[..mismatches.len().min(10)].join("\n")
    );
    assert_eq!(
        dialogs_seen,
        goals.len(),
        "every dialog with a goal is in the fixture"
    );
    let fixture_dialogs: std::collections::HashSet<&str> =
        lines.iter().filter_map(|l| l.d.as_deref()).collect();
    assert!(
        states.keys().all(|d| fixture_dialogs.contains(d.as_str())),
        "every test dialog is in the fixture"
    );
    let state_turns: usize = states.values().map(Vec::len).sum();
    assert_eq!(
        state_turns, 7372,
        "test gold states should cover 7,372 turns"
    );
    assert!(
        counts["gold-state"] > 10_000 && counts["goal"] > 3000 && counts["synthetic"] > 2000,
        "{counts:?}"
    );
}

#[test]
fn plain_and_evaluator_attraction_files_give_the_same_answers() {
    let dir = data_dir();
    let db = Database::load(&dir.join("db")).expect("load the database");
    let patched = dir.join("mwzeval_data/database/attraction_db.json");
    let text = std::fs::read_to_string(&patched).expect("read the evaluator's attraction db");
    let evaluator =
        Database::from_json_texts([(Domain::Attraction, patched.as_path(), text.as_str())])
            .expect("parse the evaluator's attraction db");
    for t in ["multiple sports", "mutliple sports", "museum"] {
        let ours = db.query_ids(Domain::Attraction, [("type", t)]);
        let theirs = evaluator.query_ids(Domain::Attraction, [("type", t)]);
        assert_eq!(ours, theirs, "type {t}");
        assert!(!ours.is_empty(), "type {t} should match something");
    }
}
