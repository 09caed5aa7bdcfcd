//! The MultiWOZ 2.2 schema format: `schema.json` and
//! `{train,dev,test}/dialogues_*.json`, plus the optional `dialog_acts.json`.
//!
//! 2.2 states hold a list of acceptable values per slot; the model keeps the first,
//! as the standard evaluator does. States sit on user turns; the model puts each on
//! the following system turn (the state the system acts on). Span annotations come
//! from `dialog_acts.json` when present (character offsets), else from the frames'
//! `slots` spans. The `bus` service is not in the ontology and is skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;

use super::raw::Lenient;
use super::read_bytes;
use crate::error::{LoadError, Location};
use crate::model::{
    BeliefState, Dialog, DialogAct, DomainBelief, SourceFormat, Span, SpanPos, Speaker, Split, Turn,
};
use crate::{Domain, Slot};

/// One service of `schema.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Service {
    /// The service (domain) name, e.g. `hotel`.
    pub service_name: String,
    /// Its slots.
    #[serde(default)]
    pub slots: Vec<SchemaSlot>,
}

/// One slot of a service.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SchemaSlot {
    /// The slot name, prefixed by the service (`hotel-pricerange`).
    pub name: String,
    /// Whether the slot takes one of `possible_values`.
    #[serde(default)]
    pub is_categorical: bool,
    /// The allowed values of a categorical slot.
    #[serde(default)]
    pub possible_values: Vec<String>,
}

/// Reads `schema.json`.
pub fn load_schema(path: &Path) -> Result<Vec<Service>, LoadError> {
    let (bytes, at) = read_bytes(path, None)?;
    serde_json::from_slice(&bytes).map_err(|source| LoadError::Json { at, source })
}

#[derive(Debug, Deserialize)]
struct RawDialog22 {
    dialogue_id: String,
    turns: Vec<RawTurn22>,
}

#[derive(Debug, Deserialize)]
struct RawTurn22 {
    speaker: String,
    #[serde(default)]
    turn_id: Option<Lenient>,
    utterance: String,
    #[serde(default)]
    frames: Vec<RawFrame22>,
}

#[derive(Debug, Deserialize)]
struct RawFrame22 {
    service: String,
    #[serde(default)]
    slots: Vec<RawSlotSpan22>,
    #[serde(default)]
    state: Option<RawState22>,
}

#[derive(Debug, Deserialize)]
struct RawState22 {
    #[serde(default)]
    slot_values: IndexMap<String, Vec<Lenient>>,
}

#[derive(Debug, Deserialize)]
struct RawSlotSpan22 {
    slot: String,
    #[serde(default)]
    start: Option<usize>,
    #[serde(default)]
    exclusive_end: Option<usize>,
    #[serde(default)]
    value: Option<serde_json::Value>,
}

/// `dialog_acts.json`: dialog id → turn id → annotations.
type ActsFile = HashMap<String, HashMap<String, RawTurnActs22>>;

#[derive(Debug, Default, Deserialize)]
struct RawTurnActs22 {
    #[serde(default, alias = "dialogue_acts")]
    dialog_act: super::raw::RawActs,
    #[serde(default)]
    span_info: Vec<(String, String, Lenient, usize, usize)>,
}

/// The folder name of a split in 2.2 (`dev` for validation).
pub fn split_dir(split: Split) -> &'static str {
    match split {
        Split::Train => "train",
        Split::Val => "dev",
        Split::Test => "test",
    }
}

/// The sorted `dialogues_*.json` files of one split.
pub fn split_files(dir: &Path, split: Split) -> Result<Vec<PathBuf>, LoadError> {
    let sub = dir.join(split_dir(split));
    let entries = std::fs::read_dir(&sub).map_err(|source| LoadError::Io {
        path: sub.clone(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dialogues_") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(LoadError::NoDialogs {
            path: sub,
            hint: "expected dialogues_*.json files (MultiWOZ 2.2)".to_string(),
        });
    }
    Ok(files)
}

/// Loads one split of a 2.2 folder (the folder holding `schema.json`).
pub fn load_split(dir: &Path, split: Split) -> Result<Vec<Dialog>, LoadError> {
    let acts_path = dir.join("dialog_acts.json");
    let acts: Option<ActsFile> = if acts_path.exists() {
        let (bytes, at) = read_bytes(&acts_path, None)?;
        Some(serde_json::from_slice(&bytes).map_err(|source| LoadError::Json { at, source })?)
    } else {
        None
    };
    let mut out = Vec::new();
    for file in split_files(dir, split)? {
        let (bytes, at) = read_bytes(&file, None)?;
        let raw: Vec<RawDialog22> =
            serde_json::from_slice(&bytes).map_err(|source| LoadError::Json {
                at: at.clone(),
                source,
            })?;
        for d in raw {
            let turn_acts = acts.as_ref().and_then(|a| a.get(&d.dialogue_id));
            out.push(convert(d, &at, split, turn_acts)?);
        }
    }
    Ok(out)
}

fn convert(
    raw: RawDialog22,
    at: &Location,
    split: Split,
    acts: Option<&HashMap<String, RawTurnActs22>>,
) -> Result<Dialog, LoadError> {
    let at = at.dialog(&raw.dialogue_id);
    let mut turns = Vec::with_capacity(raw.turns.len());
    let mut last_state = BeliefState::default();
    for (i, t) in raw.turns.into_iter().enumerate() {
        let speaker = match t.speaker.as_str() {
            "USER" => Speaker::User,
            "SYSTEM" => Speaker::System,
            other => {
                return Err(LoadError::Invalid {
                    at: at.field(format!("turns[{i}].speaker")),
                    reason: format!("expected USER or SYSTEM, found `{other}`"),
                });
            }
        };
        if speaker == Speaker::User {
            last_state = user_state(&t.frames, &at, i)?;
        }
        let turn_id = t.turn_id.map_or_else(|| i.to_string(), |l| l.0);
        let (acts_v, spans) = match acts.and_then(|a| a.get(&turn_id)) {
            Some(a) => annotated(a),
            None => (Vec::new(), frame_spans(&t.frames)),
        };
        turns.push(Turn {
            speaker,
            text: t.utterance,
            belief: (speaker == Speaker::System).then(|| last_state.clone()),
            acts: acts_v,
            spans,
        });
    }
    Ok(Dialog {
        id: raw.dialogue_id,
        split: Some(split),
        format: SourceFormat::Schema22,
        goal: None,
        turns,
    })
}

fn user_state(frames: &[RawFrame22], at: &Location, turn: usize) -> Result<BeliefState, LoadError> {
    let mut state = BeliefState::default();
    for (f, frame) in frames.iter().enumerate() {
        if frame.service == "bus" {
            continue;
        }
        let domain: Domain = frame
            .service
            .parse()
            .map_err(|_| LoadError::UnknownDomain {
                at: at.field(format!("turns[{turn}].frames[{f}].service")),
                name: frame.service.clone(),
            })?;
        let Some(st) = &frame.state else { continue };
        let mut b = DomainBelief::default();
        for (name, values) in &st.slot_values {
            let bare = name.split_once('-').map_or(name.as_str(), |(_, s)| s);
            let slot = Slot::parse_loose(bare).ok_or_else(|| LoadError::UnknownSlot {
                at: at.field(format!(
                    "turns[{turn}].frames[{f}].state.slot_values.{name}"
                )),
                name: name.clone(),
            })?;
            let value = values.first().map(|v| v.0.clone()).unwrap_or_default();
            if slot.is_book() {
                b.book.insert(slot, value);
            } else {
                b.semi.insert(slot, value);
            }
        }
        if !b.semi.is_empty() || !b.book.is_empty() {
            state.domains.insert(domain, b);
        }
    }
    Ok(state)
}

fn annotated(a: &RawTurnActs22) -> (Vec<DialogAct>, Vec<Span>) {
    let acts = a
        .dialog_act
        .0
        .iter()
        .map(|(act, s, v)| DialogAct {
            act: act.clone(),
            slot: s.0.clone(),
            value: v.0.clone(),
        })
        .collect();
    let spans = a
        .span_info
        .iter()
        .map(|(act, slot, value, start, end)| Span {
            act: act.clone(),
            slot: slot.clone(),
            value: value.0.clone(),
            pos: SpanPos::Chars {
                start: *start,
                end: *end,
            },
        })
        .collect();
    (acts, spans)
}

fn frame_spans(frames: &[RawFrame22]) -> Vec<Span> {
    let mut spans = Vec::new();
    for frame in frames {
        for s in &frame.slots {
            let (Some(start), Some(end)) = (s.start, s.exclusive_end) else {
                continue;
            };
            let bare = s.slot.split_once('-').map_or(s.slot.as_str(), |(_, x)| x);
            let value = match &s.value {
                Some(serde_json::Value::String(v)) => v.clone(),
                _ => String::new(),
            };
            spans.push(Span {
                act: frame.service.clone(),
                slot: bare.to_string(),
                value,
                pos: SpanPos::Chars { start, end },
            });
        }
    }
    spans
}
