//! Few-shot examples: every user turn of the available dialogs (never the test
//! split) with its gold domain, gold state and delexicalized gold reply, chosen
//! for a prompt either at fixed positions or by similarity to the current turn.
//!
//! Examples are never taken from the dialog being answered.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use multiwoz::model::{Dialog, Speaker as CorpusSpeaker, Split, dialog_key};
use multiwoz::{Domain, Slot};
use serde::{Deserialize, Serialize};

use crate::prompt::placeholders::unknown_placeholders;
use crate::roles::{DbResult, DialogState, Utterance};

/// How a prompt's few-shot examples are chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum FewShot {
    /// No examples (zero-shot).
    None,
    /// The same examples for every turn, spread evenly over the pool.
    Fixed,
    /// The examples most similar to the current turn (TF-IDF cosine over words).
    #[default]
    Retrieved,
}

/// Grounds a state in the database, for the database line of response examples.
pub type Grounder = Arc<dyn Fn(Domain, &DialogState) -> DbResult + Send + Sync>;

/// One user turn of a corpus dialog, with its gold annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// The dialog's key (lower case, no `.json`).
    pub dialog: String,
    /// The split the dialog belongs to.
    pub split: Option<Split>,
    /// The index of the user turn among the dialog's utterances.
    pub turn: usize,
    /// The utterances before and including the user turn (at most the pool's
    /// context length), as written in the corpus.
    pub context: Vec<Utterance>,
    /// The gold domain of the turn (the agent that should answer).
    pub domain: Domain,
    /// The gold state before the turn.
    pub previous_state: DialogState,
    /// The gold state after the turn.
    pub state: DialogState,
    /// The delexicalized gold system reply.
    pub reply: String,
}

/// A sparse, L2-normalized TF-IDF vector: sorted term ids and weights.
#[derive(Debug, Clone, Default)]
struct SparseVec(Vec<(u32, f32)>);

/// The pool of few-shot examples, with a similarity index.
#[derive(Debug, Clone, Default)]
pub struct ExamplePool {
    examples: Vec<Example>,
    /// Per term id: the examples that have it, with the term's weight there.
    postings: Vec<Vec<(u32, f32)>>,
    vocab: HashMap<String, u32>,
    idf: Vec<f32>,
    /// Examples whose reply uses only stock placeholders, by gold domain.
    responses: BTreeMap<Domain, Vec<usize>>,
}

/// What the examples are for: it decides which examples qualify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Task {
    Route,
    Track,
    Respond(Domain),
}

/// The `k` best of `candidates` by score, highest first; ties go to the lower
/// index, so the choice is deterministic.
fn top_k(candidates: impl Iterator<Item = usize>, scores: &[f32], k: usize) -> Vec<usize> {
    let mut best: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
    for i in candidates {
        let s = scores[i];
        // Candidates come in index order, so an equal score never displaces.
        if best.len() == k && best.last().is_some_and(|(worst, _)| s <= *worst) {
            continue;
        }
        let at = best.partition_point(|(b, _)| *b >= s);
        best.insert(at, (s, i));
        best.truncate(k);
    }
    best.into_iter().map(|(_, i)| i).collect()
}

/// Lower-case word tokens of a text.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The words that describe a turn: the user's words, and the previous system
/// utterance's prefixed so they count as separate features.
fn turn_terms(context: &[Utterance]) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    if let Some(user) = context.last() {
        terms.extend(words(&user.text));
    }
    if context.len() >= 2 {
        terms.extend(words(&context[context.len() - 2].text).map(|w| format!("s:{w}")));
    }
    terms
}

impl ExamplePool {
    /// An empty pool (every prompt is zero-shot).
    pub fn empty() -> ExamplePool {
        ExamplePool::default()
    }

    /// Builds the pool from `dialogs`, keeping `context_len` utterances of context
    /// per example. Test-split dialogs are skipped, so that no prompt ever shows
    /// a test dialog; dialogs without domain annotations give no examples.
    pub fn build(dialogs: &[Dialog], context_len: usize) -> ExamplePool {
        let mut pool = ExamplePool::default();
        for dialog in dialogs.iter().filter(|d| d.split != Some(Split::Test)) {
            pool.add_dialog(dialog, context_len.max(1));
        }
        pool.index();
        pool
    }

    fn add_dialog(&mut self, dialog: &Dialog, context_len: usize) {
        let key = dialog.key();
        let domains = crate::builtin::labels::gold_domains(dialog);
        let utterances: Vec<Utterance> = dialog
            .turns
            .iter()
            .map(|t| match t.speaker {
                CorpusSpeaker::User => Utterance::user(t.text.clone()),
                _ => Utterance::system(t.text.clone()),
            })
            .collect();
        let gold = multiwoz::evaldata::derive_gold_states(dialog);
        // The ordinal of each system turn, to find its gold state.
        let mut system_ordinal = vec![None; dialog.turns.len()];
        let mut n = 0;
        for (i, t) in dialog.turns.iter().enumerate() {
            if t.speaker == CorpusSpeaker::System {
                system_ordinal[i] = Some(n);
                n += 1;
            }
        }
        let mut previous = DialogState::new();
        let mut user_index = 0;
        for (i, turn) in dialog.turns.iter().enumerate() {
            if turn.speaker != CorpusSpeaker::User {
                continue;
            }
            let label = domains.get(user_index).copied().flatten();
            user_index += 1;
            let Some(reply) = dialog.turns.get(i + 1) else {
                continue;
            };
            let Some(ordinal) = system_ordinal.get(i + 1).copied().flatten() else {
                continue;
            };
            let state = gold.get(ordinal).map(to_dialog_state).unwrap_or_default();
            if let Some(domain) = label {
                self.examples.push(Example {
                    dialog: key.clone(),
                    split: dialog.split,
                    turn: i,
                    context: utterances[(i + 1).saturating_sub(context_len)..=i].to_vec(),
                    domain,
                    previous_state: previous.clone(),
                    state: state.clone(),
                    reply: multiwoz::lex::delexicalize(reply),
                });
            }
            previous = state;
        }
    }

    /// Builds the TF-IDF index and the per-domain response lists.
    fn index(&mut self) {
        let terms: Vec<Vec<String>> = self
            .examples
            .iter()
            .map(|e| turn_terms(&e.context))
            .collect();
        let mut df: Vec<u32> = Vec::new();
        for ts in &terms {
            let mut seen: Vec<u32> = Vec::new();
            for t in ts {
                let next = self.vocab.len() as u32;
                let id = *self.vocab.entry(t.clone()).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                if !seen.contains(&id) {
                    seen.push(id);
                    df[id as usize] += 1;
                }
            }
        }
        let n = self.examples.len().max(1) as f32;
        self.idf = df.iter().map(|&d| (n / d as f32).ln() + 1.0).collect();
        self.postings = vec![Vec::new(); self.idf.len()];
        for (i, ts) in terms.iter().enumerate() {
            for (term, w) in self.vectorize(ts).0 {
                self.postings[term as usize].push((i as u32, w));
            }
        }
        for (i, e) in self.examples.iter().enumerate() {
            if !e.reply.trim().is_empty() && unknown_placeholders(&e.reply).is_empty() {
                self.responses.entry(e.domain).or_default().push(i);
            }
        }
    }

    fn vectorize(&self, terms: &[String]) -> SparseVec {
        let mut tf: BTreeMap<u32, f32> = BTreeMap::new();
        for t in terms {
            if let Some(&id) = self.vocab.get(t) {
                *tf.entry(id).or_default() += 1.0;
            }
        }
        let mut v: Vec<(u32, f32)> = tf
            .into_iter()
            .map(|(id, c)| (id, c * self.idf.get(id as usize).copied().unwrap_or(1.0)))
            .collect();
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        SparseVec(v)
    }

    /// How many examples the pool holds.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// Every example, in dialog order.
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// Up to `k` examples for `task`, chosen by `mode`, none from the dialog
    /// `exclude` (any spelling of its id). Deterministic: ties go to pool order.
    pub(crate) fn select(
        &self,
        task: Task,
        query: &[Utterance],
        exclude: Option<&str>,
        mode: FewShot,
        k: usize,
    ) -> Vec<&Example> {
        if k == 0 || mode == FewShot::None {
            return Vec::new();
        }
        let exclude = exclude.map(dialog_key);
        let all: Vec<usize>;
        let candidates: &[usize] = match task {
            Task::Respond(d) => self.responses.get(&d).map_or(&[], Vec::as_slice),
            Task::Route | Task::Track => {
                all = (0..self.examples.len()).collect();
                &all
            }
        };
        let allowed = |i: &usize| Some(&self.examples[*i].dialog) != exclude.as_ref();
        let chosen: Vec<usize> = match mode {
            FewShot::Fixed => {
                let usable: Vec<usize> = candidates.iter().copied().filter(allowed).collect();
                let n = usable.len();
                let mut picks: Vec<usize> =
                    (0..k.min(n)).map(|j| usable[j * n / k.min(n)]).collect();
                picks.dedup();
                picks
            }
            _ => {
                // Cosine similarity through the inverted index: only examples
                // sharing a term with the query get a score above zero.
                let mut scores = vec![0f32; self.examples.len()];
                for (term, qw) in self.vectorize(&turn_terms(query)).0 {
                    for &(i, w) in &self.postings[term as usize] {
                        scores[i as usize] += qw * w;
                    }
                }
                top_k(candidates.iter().copied().filter(allowed), &scores, k)
            }
        };
        chosen.into_iter().map(|i| &self.examples[i]).collect()
    }
}

/// The evaluator-form state (`domain -> slot -> value`) as a [`DialogState`];
/// names outside the ontology are dropped.
pub fn to_dialog_state(state: &multiwoz::evaldata::TurnState) -> DialogState {
    let mut out = DialogState::new();
    for (domain, slots) in state {
        let Ok(domain) = domain.parse::<Domain>() else {
            continue;
        };
        for (slot, value) in slots {
            if let Some(slot) = Slot::parse_loose(slot) {
                out.entry(domain).or_default().insert(slot, value.clone());
            }
        }
    }
    out
}
