//! The built-in router: an averaged perceptron over word n-grams, trained at
//! start-up on the available dialogs.
//!
//! Features of a turn: unigrams and bigrams of the last user utterance, unigrams
//! of the system turn before it, and the domain the rule tracker reads the turn
//! (and the turn before) in. Labels are [`super::labels::gold_domains`]. Training
//! on the ~7,400 user turns of the val split takes a few hundred milliseconds.

use std::collections::HashMap;

use multiwoz::disk_cache::codec::{Corrupt, Reader, Writer};
use multiwoz::model::{Dialog, Speaker as MwSpeaker};
use multiwoz::{Domain, Slot};

use super::cues::domain_words;
use super::labels::gold_domains;
use super::lexicon::Lexicon;
use super::text::normalize;
use super::tracker::{RuleTracker, TrackerRun};
use crate::roles::Utterance;

const N_CLASSES: usize = Domain::ALL.len();
const EPOCHS: usize = 8;

/// One training or prediction instance: feature ids.
type Features = Vec<u32>;

/// The trained classifier.
#[derive(Debug, Clone, Default)]
pub struct DomainClassifier {
    vocab: HashMap<String, u32>,
    weights: Vec<[f32; N_CLASSES]>,
}

/// A router decision with its score margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// The predicted domain.
    pub domain: Domain,
    /// Score of the best class minus the runner-up (confidence).
    pub margin: f32,
    /// The runner-up domain.
    pub second: Domain,
}

impl Prediction {
    /// The prediction a rule on top of the classifier makes: `domain`, with the
    /// classifier's pick as the runner-up and no margin to speak of.
    pub fn overruled_by(self, domain: Domain) -> Prediction {
        Prediction {
            domain,
            margin: 0.0,
            second: self.domain,
        }
    }
}

fn class_index(d: Domain) -> usize {
    Domain::ALL.iter().position(|x| *x == d).unwrap_or(0)
}

/// The feature strings of a turn, given its context.
pub fn feature_strings(
    user: &str,
    system: &str,
    tracked: Option<Domain>,
    before: Option<Domain>,
    lexicon: &Lexicon,
) -> Vec<String> {
    let u = normalize(user);
    let s = normalize(system);
    let ut: Vec<&str> = u.split(' ').filter(|t| !t.is_empty()).collect();
    let mut f = Vec::with_capacity(ut.len() * 2 + 32);
    f.push("bias".to_string());
    // Knowledge that generalizes beyond the training turns: the domains the
    // turn names by keyword, and the domains of the venue names and values it
    // mentions (a name the training dialogs never used still routes).
    let named = domain_words(&u);
    for d in &named {
        f.push(format!("dw:{d}"));
    }
    if let Some(d) = named.first() {
        f.push(format!("dw1:{d}"));
    }
    for m in lexicon.find(&ut) {
        let mut domains: Vec<Domain> = m.readings.iter().map(|r| r.domain).collect();
        domains.dedup();
        if let [d] = domains.as_slice() {
            let kind = if m.readings.iter().any(|r| r.slot == Slot::Name) {
                "name"
            } else {
                "val"
            };
            f.push(format!("lx:{kind}:{d}"));
        }
    }
    for (i, t) in ut.iter().enumerate() {
        f.push(format!("u:{t}"));
        let prev = if i == 0 { "<s>" } else { ut[i - 1] };
        f.push(format!("ub:{prev}_{t}"));
    }
    for t in s.split(' ').filter(|t| !t.is_empty()) {
        f.push(format!("s:{t}"));
    }
    f.push(format!("t:{}", tracked.map_or("none", Domain::as_str)));
    f.push(format!("p:{}", before.map_or("none", Domain::as_str)));
    f
}

impl DomainClassifier {
    /// Trains on the user turns of `dialogs` (labels from their annotations).
    pub fn train(dialogs: &[Dialog], tracker: &RuleTracker) -> DomainClassifier {
        let mut model = DomainClassifier::default();
        let mut data: Vec<(Features, usize)> = Vec::new();
        for dialog in dialogs {
            let labels = gold_domains(dialog);
            for (strings, label) in dialog_features(dialog, tracker).into_iter().zip(labels) {
                let Some(label) = label else { continue };
                let feats = strings.iter().map(|s| model.intern(s)).collect();
                data.push((feats, class_index(label)));
            }
        }
        model.weights = vec![[0.0; N_CLASSES]; model.vocab.len()];
        model.fit(&data);
        model
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.vocab.get(s) {
            return i;
        }
        let i = u32::try_from(self.vocab.len()).unwrap_or(u32::MAX);
        self.vocab.insert(s.to_string(), i);
        i
    }

    /// Averaged perceptron training in a fixed (seeded) order.
    fn fit(&mut self, data: &[(Features, usize)]) {
        let n_feat = self.weights.len();
        let mut w = vec![[0.0f32; N_CLASSES]; n_feat];
        let mut acc = vec![[0.0f32; N_CLASSES]; n_feat];
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut step = 1.0f32;
        for _ in 0..EPOCHS {
            // Fisher–Yates with a small LCG: deterministic across runs.
            for i in (1..order.len()).rev() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let j = usize::try_from((seed >> 33) % (i as u64 + 1)).unwrap_or(0);
                order.swap(i, j);
            }
            for &k in &order {
                let (feats, gold) = &data[k];
                let pred = argmax(&scores(&w, feats));
                if pred != *gold {
                    for &f in feats {
                        let f = f as usize;
                        w[f][*gold] += 1.0;
                        w[f][pred] -= 1.0;
                        acc[f][*gold] += step;
                        acc[f][pred] -= step;
                    }
                }
                step += 1.0;
            }
        }
        for (f, row) in w.iter().enumerate() {
            for c in 0..N_CLASSES {
                self.weights[f][c] = row[c] - acc[f][c] / step;
            }
        }
    }

    /// Predicts the domain of the last user turn of `history`.
    pub fn predict(&self, history: &[Utterance], tracker: &RuleTracker) -> Prediction {
        let mut run = TrackerRun::new(tracker);
        let mut before = None;
        for (i, utt) in history.iter().enumerate() {
            if i + 1 == history.len() {
                before = run.view().domain;
            }
            run.push(utt);
        }
        let tracked = run.view().domain;
        self.predict_with(history, tracker, tracked, before)
    }

    /// Predicts the domain of the last user turn of `history`, given the domain
    /// the tracker read it in and the one it read the turn before in.
    pub fn predict_with(
        &self,
        history: &[Utterance],
        tracker: &RuleTracker,
        tracked: Option<Domain>,
        before: Option<Domain>,
    ) -> Prediction {
        let (user, system) = last_pair(history);
        self.predict_features(&feature_strings(
            user,
            system,
            tracked,
            before,
            tracker.lexicon(),
        ))
    }

    /// Predicts from feature strings (unknown features are ignored).
    pub fn predict_features(&self, strings: &[String]) -> Prediction {
        let feats: Features = strings
            .iter()
            .filter_map(|s| self.vocab.get(s).copied())
            .collect();
        let sc = scores(&self.weights, &feats);
        let best = argmax(&sc);
        let mut second = if best == 0 { 1 } else { 0 };
        for c in 0..N_CLASSES {
            if c != best && sc[c] > sc[second] {
                second = c;
            }
        }
        Prediction {
            domain: Domain::ALL[best],
            margin: sc[best] - sc[second],
            second: Domain::ALL[second],
        }
    }

    /// How many distinct features the model knows.
    pub fn n_features(&self) -> usize {
        self.vocab.len()
    }
}

fn scores(w: &[[f32; N_CLASSES]], feats: &[u32]) -> [f32; N_CLASSES] {
    let mut s = [0.0f32; N_CLASSES];
    for &f in feats {
        if let Some(row) = w.get(f as usize) {
            for c in 0..N_CLASSES {
                s[c] += row[c];
            }
        }
    }
    s
}

fn argmax(s: &[f32; N_CLASSES]) -> usize {
    let mut best = 0;
    for c in 1..N_CLASSES {
        if s[c] > s[best] {
            best = c;
        }
    }
    best
}

/// The last user utterance and the system utterance before it.
fn last_pair(history: &[Utterance]) -> (&str, &str) {
    let user = history.last().map_or("", |u| u.text.as_str());
    let system = history
        .len()
        .checked_sub(2)
        .and_then(|i| history.get(i))
        .map_or("", |u| u.text.as_str());
    (user, system)
}

/// The feature strings of every user turn of a dialog, tracking incrementally.
pub fn dialog_features(dialog: &Dialog, tracker: &RuleTracker) -> Vec<Vec<String>> {
    let mut run = TrackerRun::new(tracker);
    let mut out = Vec::new();
    let mut last_system = "";
    for turn in &dialog.turns {
        if turn.speaker == MwSpeaker::User {
            let before = run.view().domain;
            run.push(&Utterance::user(turn.text.clone()));
            let tracked = run.view().domain;
            out.push(feature_strings(
                &turn.text,
                last_system,
                tracked,
                before,
                tracker.lexicon(),
            ));
        } else {
            run.push(&Utterance::system(turn.text.clone()));
            last_system = &turn.text;
        }
    }
    out
}

impl DomainClassifier {
    /// Writes the trained weights for the start-up cache ([`super::persist`]).
    pub(super) fn write(&self, w: &mut Writer) {
        w.count(self.vocab.len());
        for (feature, id) in &self.vocab {
            w.str(feature);
            w.u32(*id);
        }
        w.count(self.weights.len());
        for row in &self.weights {
            for x in row {
                w.f32(*x);
            }
        }
    }

    /// Reads what [`DomainClassifier::write`] wrote.
    pub(super) fn read(r: &mut Reader<'_>) -> Result<DomainClassifier, Corrupt> {
        let n = r.count()?;
        let mut vocab = HashMap::with_capacity(n);
        for _ in 0..n {
            let feature = r.str()?.to_owned();
            vocab.insert(feature, r.u32()?);
        }
        let rows = r.count()?;
        let mut weights = Vec::with_capacity(rows);
        for _ in 0..rows {
            let mut row = [0f32; N_CLASSES];
            for x in &mut row {
                *x = r.f32()?;
            }
            weights.push(row);
        }
        if vocab.values().any(|&id| id as usize >= weights.len()) {
            return Err(Corrupt);
        }
        Ok(DomainClassifier { vocab, weights })
    }
}
