//! Dumps what the LLM-backed roles do against scripted models, so that a change
//! meant to keep behaviour can be checked byte for byte.
//!
//! The tracker, the router and every domain agent run on their own scripted
//! model. For the first dialogs of the val split, each system turn is answered
//! from the gold history; the scripted replies are the gold state, the gold
//! domain and a delexicalized template, with malformed replies mixed in so that
//! the repair retry and the fallback are exercised too. Every request the roles
//! send and every outcome they produce is written as one JSON line per turn
//! (latencies, which vary from run to run, are left out).
//!
//! `cargo run -p dard-manager --example scripted_roles -- OUT.jsonl [DIALOGS]`
//! (the data folder is found as `dard data` finds it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // A developer tool, not a library.

use std::io::Write;

use manager::{Config, Dard, DialogState, TurnRequest, Utterance};
use models::scripted::ScriptedModel;
use models::{BackendKind, ModelHandle, ModelInfo};
use multiwoz::evaldata::derive_gold_states;
use multiwoz::model::{Speaker, Split};
use serde_json::{Value, json};

const TEMPLATES: [&str; 4] = [
    "[value_name] is a nice place in the [value_area] . would you like to book ?",
    "i have booked it , the reference number is [value_reference] .",
    "there are [value_count] options . what price range would you like ?",
    "the phone number is [value_phone] and the postcode is [value_postcode] .",
];

fn handle(name: &str, model: &ScriptedModel) -> ModelHandle {
    ModelHandle::new(
        ModelInfo {
            name: name.to_string(),
            kind: BackendKind::Scripted,
            model: "scripted".to_string(),
        },
        model.clone(),
    )
}

/// Removes every `latency_ms` key: wall times differ between runs.
fn strip_latency(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.remove("latency_ms");
            map.remove("latency");
            map.values_mut().for_each(strip_latency);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_latency),
        _ => {}
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .expect("usage: scripted_roles OUT.jsonl [DIALOGS]");
    let count: usize = args
        .next()
        .map_or(5, |n| n.parse().expect("a dialog count"));
    let layout = multiwoz::locate::locate(None).expect("MultiWOZ data");
    let val = multiwoz::load::load_splits(&layout, &[Split::Val]).expect("val dialogs");

    let config = Config::from_toml(
        "[backends]\n\
         t = { kind = \"scripted\", replies = [\"unused\"] }\n\
         r = { kind = \"scripted\", replies = [\"unused\"] }\n\
         a = { kind = \"scripted\", replies = [\"unused\"] }\n\
         [pipeline]\ntracker = \"t\"\nrouter = \"r\"\nagents = { default = \"a\" }\n\
         [prompts]\nshots = 2\n",
        None,
    )
    .expect("config");
    let (tracker, router, agent) = (
        ScriptedModel::new(),
        ScriptedModel::new(),
        ScriptedModel::new(),
    );
    let dard = Dard::builder()
        .config(config)
        .data_dir(&layout.root)
        .model("t", handle("t", &tracker))
        .model("r", handle("r", &router))
        .model("a", handle("a", &agent))
        .build()
        .expect("pipeline");

    let mut file = std::io::BufWriter::new(std::fs::File::create(&out).expect("output file"));
    let mut n = 0usize;
    for dialog in val.iter().take(count) {
        let utterances: Vec<Utterance> = dialog
            .turns
            .iter()
            .map(|t| match t.speaker {
                Speaker::User => Utterance::user(t.text.clone()),
                _ => Utterance::system(t.text.clone()),
            })
            .collect();
        let gold = derive_gold_states(dialog);
        let domains = agents::builtin::labels::gold_domains(dialog);
        let mut previous = DialogState::new();
        let mut turn = 0usize;
        for (pos, t) in dialog.turns.iter().enumerate() {
            if t.speaker != Speaker::System {
                continue;
            }
            let state = gold.get(turn).map(|s| serde_json::to_string(s).unwrap());
            let state = state.unwrap_or_else(|| "{}".to_string());
            let domain = domains
                .get(turn)
                .copied()
                .flatten()
                .map_or("general".to_string(), |d| d.to_string());
            match n % 6 {
                // A malformed state, then a good one: one repair retry.
                2 => {
                    tracker.push_reply("the state is unchanged");
                    tracker.push_reply(state);
                }
                // Two malformed states: the fallback.
                5 => {
                    tracker.push_reply("{\"restaurant\": ");
                    tracker.push_reply("still not json");
                }
                _ => {
                    tracker.push_reply(state);
                }
            }
            match n % 4 {
                0 => router.push_reply(format!(
                    "{{\"domain\": \"{domain}\", \"reason\": \"turn {turn} is about {domain}\"}}"
                )),
                1 => router.push_reply(format!("domain: {domain}\nreason: the user asks")),
                2 => router
                    .push_reply("i think it is about nothing")
                    .push_reply("nothing"),
                _ => router.push_reply(domain.clone()),
            };
            agent.push_reply(TEMPLATES[n % TEMPLATES.len()]);
            let before = (tracker.calls(), router.calls(), agent.calls());
            let history = &utterances[..pos];
            let req = TurnRequest {
                history,
                dialog_id: Some(&dialog.id),
                gold_state: None,
                previous_state: Some(&previous),
            };
            let result = dard.answer(req).await;
            let requests = json!({
                "track": tracker.requests()[before.0..],
                "route": router.requests()[before.1..],
                "respond": agent.requests()[before.2..],
            });
            let mut line = json!({
                "dialog": dialog.id,
                "turn": turn,
                "requests": requests,
                "left": [tracker.remaining(), router.remaining(), agent.remaining()],
            });
            match result {
                Ok(outcome) => {
                    previous = outcome.state.clone();
                    line["outcome"] = serde_json::to_value(&outcome).unwrap();
                }
                Err(e) => line["error"] = Value::String(e.to_string()),
            }
            strip_latency(&mut line);
            writeln!(file, "{line}").unwrap();
            turn += 1;
            n += 1;
        }
    }
    file.flush().unwrap();
    println!("{n} turns written to {out}");
}
