//! The turns a run plays: for every selected dialog, one [`TurnJob`] per system
//! turn, with the gold history before it, the gold state and the gold domain.

use std::collections::HashMap;
use std::sync::Arc;

use agents::builtin::labels::gold_domains;
use agents::roles::{DialogState, Utterance};
use multiwoz::evaldata::{TurnState, derive_gold_states};
use multiwoz::model::{Dialog, Speaker, dialog_key};
use multiwoz::{Domain, Slot};

use crate::error::BenchError;
use crate::spec::{Selection, Setting};

/// One system turn to answer.
#[derive(Debug, Clone)]
pub struct TurnJob {
    /// The dialog's key (lower case, no `.json`), as predictions use it.
    pub dialog: String,
    /// The system turn's index within its dialog (0, 1, …).
    pub turn: usize,
    /// Every utterance of the dialog; the job's history is `utterances[..history_len]`.
    pub utterances: Arc<[Utterance]>,
    /// How many utterances precede the system turn (the last is the user's).
    pub history_len: usize,
    /// The gold state after the user turn (the state the turn is answered with in
    /// the gold-state setting, and the tracker's target otherwise).
    pub gold_state: DialogState,
    /// The gold domain of the user turn, what router accuracy compares with.
    pub gold_domain: Option<Domain>,
}

impl TurnJob {
    /// The history the turn is answered from, ending with the user utterance.
    pub fn history(&self) -> &[Utterance] {
        &self.utterances[..self.history_len]
    }
}

/// The dialogs of a run, in order, each with its turns in order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// `(dialog key, turns)`, in the order predictions are written.
    pub dialogs: Vec<(String, Vec<TurnJob>)>,
    /// Whether turns use the gold state.
    pub setting: Setting,
}

impl Plan {
    /// Selects dialogs of a split and lays out their turns. Unknown `--ids` fail
    /// here, naming them.
    pub fn build(
        split_dialogs: &[Dialog],
        selection: &Selection,
        setting: Setting,
    ) -> Result<Plan, BenchError> {
        let chosen: Vec<&Dialog> = match selection {
            Selection::All => split_dialogs.iter().collect(),
            Selection::First(n) => split_dialogs.iter().take(*n).collect(),
            Selection::Ids(ids) => {
                let by_key: HashMap<String, &Dialog> =
                    split_dialogs.iter().map(|d| (d.key(), d)).collect();
                let mut out = Vec::with_capacity(ids.len());
                let mut unknown = Vec::new();
                for id in ids {
                    match by_key.get(&dialog_key(&id.trim().to_ascii_lowercase())) {
                        Some(d) if !out.iter().any(|o: &&Dialog| o.id == d.id) => out.push(*d),
                        Some(_) => {}
                        None => unknown.push(id.as_str()),
                    }
                }
                if !unknown.is_empty() {
                    return Err(BenchError::flag(
                        "--ids",
                        format!("not in the split: {}", unknown.join(", ")),
                    ));
                }
                out
            }
        };
        let dialogs = chosen.into_iter().map(dialog_jobs).collect();
        Ok(Plan { dialogs, setting })
    }

    /// Every turn, dialog by dialog.
    pub fn turns(&self) -> impl Iterator<Item = &TurnJob> {
        self.dialogs.iter().flat_map(|(_, t)| t)
    }

    /// The number of turns.
    pub fn turn_count(&self) -> usize {
        self.dialogs.iter().map(|(_, t)| t.len()).sum()
    }

    /// The dialog keys, in order.
    pub fn dialog_ids(&self) -> Vec<String> {
        self.dialogs.iter().map(|(k, _)| k.clone()).collect()
    }
}

/// The jobs of one dialog.
fn dialog_jobs(dialog: &Dialog) -> (String, Vec<TurnJob>) {
    let key = dialog.key();
    let utterances: Arc<[Utterance]> = dialog
        .turns
        .iter()
        .map(|t| match t.speaker {
            Speaker::User => Utterance::user(t.text.clone()),
            _ => Utterance::system(t.text.clone()),
        })
        .collect();
    let gold_states = derive_gold_states(dialog);
    let domains = gold_domains(dialog);
    let mut jobs = Vec::with_capacity(gold_states.len());
    for (pos, t) in dialog.turns.iter().enumerate() {
        if t.speaker != Speaker::System {
            continue;
        }
        let turn = jobs.len();
        jobs.push(TurnJob {
            dialog: key.clone(),
            turn,
            utterances: utterances.clone(),
            history_len: pos,
            gold_state: gold_states
                .get(turn)
                .map(gold_dialog_state)
                .unwrap_or_default(),
            gold_domain: domains.get(turn).copied().flatten(),
        });
    }
    (key, jobs)
}

/// A gold state in the evaluator's form as the pipeline's state: names outside
/// the ontology are dropped (the pipeline cannot represent them).
pub fn gold_dialog_state(state: &TurnState) -> DialogState {
    let mut out = DialogState::new();
    for (domain, slots) in state {
        let Ok(domain) = domain.parse::<Domain>() else {
            continue;
        };
        for (slot, value) in slots {
            if let Ok(slot) = slot.parse::<Slot>() {
                out.entry(domain).or_default().insert(slot, value.clone());
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;

    use multiwoz::model::Split;

    use super::*;

    fn fixture_dialogs() -> Vec<Dialog> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../manager/tests/fixtures/dialogs_val.json");
        multiwoz::load::load_original_file(&path, Some(Split::Val)).unwrap()
    }

    #[test]
    fn bench_plan_has_one_job_per_system_turn_ending_with_the_user() {
        let dialogs = fixture_dialogs();
        let plan = Plan::build(&dialogs, &Selection::All, Setting::GoldState).unwrap();
        let expected: usize = dialogs.iter().map(|d| d.system_turns().count()).sum();
        assert_eq!(plan.turn_count(), expected);
        for job in plan.turns() {
            let last = job.history().last().unwrap();
            assert_eq!(last.speaker, agents::roles::Speaker::User);
        }
        let first = &plan.dialogs[0].1;
        assert_eq!(first[0].turn, 0);
        assert_eq!(first[0].history_len, 1);
    }

    #[test]
    fn bench_plan_selects_first_n_and_ids_and_names_unknown_ids() {
        let dialogs = fixture_dialogs();
        let plan = Plan::build(&dialogs, &Selection::First(1), Setting::GoldState).unwrap();
        assert_eq!(plan.dialogs.len(), 1);
        let id = dialogs[1].id.to_uppercase();
        let plan = Plan::build(
            &dialogs,
            &Selection::Ids(vec![id.clone(), id]),
            Setting::GoldState,
        )
        .unwrap();
        assert_eq!(plan.dialog_ids(), vec![dialogs[1].key()]);
        let err = Plan::build(
            &dialogs,
            &Selection::Ids(vec!["nope123".into()]),
            Setting::GoldState,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("--ids") && err.contains("nope123"), "{err}");
    }

    #[test]
    fn bench_gold_state_conversion_keeps_ontology_names() {
        let mut ts = TurnState::new();
        ts.entry("hotel".into())
            .or_default()
            .insert("bookpeople".into(), "2".into());
        ts.entry("hotel".into())
            .or_default()
            .insert("bogus".into(), "x".into());
        ts.entry("spaceport".into())
            .or_default()
            .insert("area".into(), "north".into());
        let s = gold_dialog_state(&ts);
        assert_eq!(s.len(), 1);
        assert_eq!(s[&Domain::Hotel][&Slot::BookPeople], "2");
    }
}
