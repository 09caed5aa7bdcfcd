//! Plays a MultiWOZ split through the built-in default turn by turn (each system
//! turn answered from the gold history, as the standard evaluation does) and
//! writes an mwzeval-format predictions file with `state` and `active_domains`.
//!
//! ```text
//! cargo run --release -p dard-agents --example builtin_eval -- test gold runs/builtin_test_gold.json
//! cargo run --release -p dard-agents --example builtin_eval -- test own  runs/builtin_test_own.json
//! ```
//!
//! `gold` feeds the gold belief state (policy-optimization setting), `own` the
//! built-in tracker's. The built-in default trains on the val split only, so
//! `test` numbers are held out; `val` numbers are training-set numbers for the
//! router and the example pool (the pool never answers a dialog with its own
//! turns). Prints router accuracy, joint goal accuracy (exact match after the
//! evaluator's value normalization), placeholders per reply, and timings; score
//! the file with `dard eval` or the standard evaluator.
//!
//! `valcv` plays val by two-fold cross-validation (each half answered by a
//! built-in trained on the other half), so val figures are held out too.
//! Analysis switches: `DARD_TRACE=<dialog id>` prints each turn's state, plan
//! and reply; `DARD_ROUTE_ERRORS=1` prints every turn routed against its gold
//! label; `DARD_ORACLE_ROUTE=1` routes by the gold label (an upper bound).

use std::collections::BTreeMap;
use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use agents::builtin::Builtin;
use agents::builtin::labels::gold_domains;
use agents::roles::{DbRecord, DbResult, DialogState, Utterance};
use multiwoz::db::{Database, Entity};
use multiwoz::evaldata::EvalData;
use multiwoz::model::{Speaker, Split};
use multiwoz::normalize::normalize_state_value;
use multiwoz::{Domain, Slot};
use serde_json::{Map, Value, json};

fn record(e: &Entity) -> DbRecord {
    DbRecord {
        id: e.id().to_string(),
        fields: e
            .fields()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), s.to_string())))
            .collect(),
    }
}

/// The database result the pipeline gives a domain agent.
fn query(db: &Database, domain: Domain, state: &DialogState) -> DbResult {
    if matches!(domain, Domain::Hospital | Domain::Police) {
        let all = db.entities(domain);
        return DbResult {
            domain,
            count: all.len(),
            record: all.first().map(record),
        };
    }
    let empty = BTreeMap::new();
    let slots = state.get(&domain).unwrap_or(&empty);
    let hits = db.query(
        domain,
        slots
            .iter()
            .filter(|(s, _)| !s.is_book())
            .map(|(s, v)| (s.as_str(), v.as_str())),
    );
    DbResult {
        domain,
        count: hits.len(),
        record: hits.first().map(|e| record(e)),
    }
}

fn state_json(state: &DialogState) -> Value {
    let mut out = Map::new();
    for (d, slots) in state {
        let m: Map<String, Value> = slots
            .iter()
            .map(|(s, v)| (s.as_str().to_string(), Value::from(v.clone())))
            .collect();
        out.insert(d.as_str().to_string(), Value::Object(m));
    }
    Value::Object(out)
}

/// The state normalized as the evaluator compares states.
fn normalized(state: &DialogState) -> BTreeMap<(Domain, Slot), String> {
    let mut out = BTreeMap::new();
    for (d, slots) in state {
        for (s, v) in slots {
            out.insert((*d, *s), normalize_state_value(s.as_str(), v));
        }
    }
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `valcv`: two-fold cross-validation on val (each half answered by a
    // built-in trained on the other half), so that val figures are held out.
    let cv = args.first().map(String::as_str) == Some("valcv");
    let split = match args.first().map(String::as_str) {
        Some("val" | "valcv") => Split::Val,
        _ => Split::Test,
    };
    let gold_mode = args.get(1).map(String::as_str) != Some("own");
    let out = PathBuf::from(args.get(2).cloned().unwrap_or_else(|| {
        format!(
            "builtin_{split}_{}.json",
            if gold_mode { "gold" } else { "own" }
        )
    }));

    let start = Instant::now();
    let layout = multiwoz::locate::locate(None)?;
    let db_dir = layout.db_dir.clone().ok_or("the data folder has no db/")?;
    let db = Database::load(&db_dir)?;
    let val = multiwoz::load::load_splits(&layout, &[Split::Val])?;
    let dialogs = if split == Split::Val {
        val.clone()
    } else {
        multiwoz::load::load_splits(&layout, &[split])?
    };
    let loaded = start.elapsed();
    let t = Instant::now();
    let halves: Vec<Vec<multiwoz::model::Dialog>> = (0..2)
        .map(|h| {
            val.iter()
                .enumerate()
                .filter(|(i, _)| i % 2 != h)
                .map(|(_, d)| d.clone())
                .collect()
        })
        .collect();
    let builtins: Vec<Builtin> = if cv {
        halves
            .iter()
            .map(|train| Builtin::new(&db, train))
            .collect()
    } else {
        vec![Builtin::new(&db, &val)]
    };
    let trained = t.elapsed();
    let gold = EvalData::derive(&dialogs).gold_states;

    // DARD_TRACE=<dialog id> prints the plan of every turn of that dialog.
    let trace = std::env::var("DARD_TRACE").ok().map(|s| s.to_lowercase());
    let t = Instant::now();
    let mut predictions = Map::new();
    let (mut route_ok, mut route_n, mut jga_ok, mut turns, mut placeholders) = (0, 0, 0, 0, 0);
    let mut off_topic = 0usize;
    for (n, dialog) in dialogs.iter().enumerate() {
        // In cross-validation, dialog n is answered by the built-in that did not see it.
        let builtin = &builtins[if cv { n % 2 } else { 0 }];
        let key = dialog.key();
        let labels = gold_domains(dialog);
        let gold_states = gold
            .get(&key)
            .ok_or_else(|| format!("no gold states for {key}"))?;
        let mut history: Vec<Utterance> = Vec::new();
        let mut replies = Vec::new();
        for turn in &dialog.turns {
            if turn.speaker == Speaker::User {
                history.push(Utterance::user(turn.text.clone()));
                continue;
            }
            let i = replies.len();
            let mut gold_state = DialogState::new();
            for (d, slots) in gold_states.get(i).into_iter().flatten() {
                let Ok(domain) = d.parse::<Domain>() else {
                    continue;
                };
                for (s, v) in slots {
                    if let Some(slot) = Slot::parse_loose(s) {
                        gold_state
                            .entry(domain)
                            .or_default()
                            .insert(slot, v.clone());
                    }
                }
            }
            let own = builtin.track_view(&history).public_state();
            jga_ok += usize::from(normalized(&own) == normalized(&gold_state));
            let state = if gold_mode { gold_state } else { own };
            let mut route = builtin.predict_domain(&history);
            // DARD_ORACLE_ROUTE=1 (analysis only): route by the gold label.
            if std::env::var("DARD_ORACLE_ROUTE").is_ok()
                && let Some(label) = labels.get(i).copied().flatten()
            {
                route.domain = label;
            }
            if let Some(label) = labels.get(i).copied().flatten() {
                route_n += 1;
                route_ok += usize::from(label == route.domain);
                if label != route.domain && std::env::var("DARD_ROUTE_ERRORS").is_ok() {
                    eprintln!(
                        "ROUTE {key} {i} gold={label} got={} | {}",
                        route.domain,
                        history.last().map_or("", |u| u.text.as_str())
                    );
                }
            }
            let db_result = query(&db, route.domain, &state);
            // A turn the router finds outside every domain gets the manager's
            // small-talk reply, as in the pipeline.
            let reply = if builtin.off_topic(&history) {
                off_topic += 1;
                agents::roles::OFF_TOPIC_REPLY.to_string()
            } else {
                builtin.reply(&history, route.domain, &state, &db_result, Some(&dialog.id))
            };
            if trace.as_deref() == Some(key.as_str()) {
                let plan = builtin.plan(&history, route.domain, &state, &db_result);
                eprintln!("U{i}: {}", history.last().map_or("", |u| u.text.as_str()));
                eprintln!("   state {:?}", state.get(&route.domain));
                eprintln!(
                    "   db {} | {:?} {:?} must {:?} req {:?}",
                    db_result.count, route.domain, plan.kind, plan.must, plan.requests
                );
                eprintln!("   S: {reply}");
            }
            placeholders += count_placeholders(&reply);
            turns += 1;
            replies.push(json!({
                "response": reply,
                "state": state_json(&state),
                "active_domains": [route.domain.as_str()],
            }));
            history.push(Utterance::system(turn.text.clone()));
        }
        predictions.insert(key, Value::Array(replies));
    }
    let played = t.elapsed();
    std::fs::write(&out, serde_json::to_string(&predictions)?)?;
    println!(
        "{split} ({}): {} dialogs, {turns} turns -> {}",
        if gold_mode {
            "gold states"
        } else {
            "own states"
        },
        dialogs.len(),
        out.display()
    );
    println!(
        "router accuracy   {:.2}% ({route_ok}/{route_n})",
        100.0 * route_ok as f64 / route_n.max(1) as f64
    );
    println!(
        "tracker JGA       {:.2}% (exact match after normalization)",
        100.0 * jga_ok as f64 / turns.max(1) as f64
    );
    println!("off-topic turns   {off_topic}");
    println!(
        "placeholders/reply {:.3}",
        placeholders as f64 / turns.max(1) as f64
    );
    println!("load {loaded:.2?}, train {trained:.2?}, play {played:.2?}");
    Ok(())
}

/// Placeholder occurrences in a reply (repeats counted).
fn count_placeholders(text: &str) -> usize {
    text.matches("[value_").count()
}
