//! A cache of tracker runs keyed by dialog prefix, so that tracking, routing and
//! responding to one turn read the history once, and the next turn of the same
//! dialog resumes where the previous one stopped.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use super::tracker::{RuleTracker, TrackView, TrackerRun};
use crate::roles::Utterance;

/// Entries kept before the cache is emptied (a bench run over the test split
/// stores about two per system turn).
const CAPACITY: usize = 50_000;

/// Saved tracker runs by prefix hash.
#[derive(Debug, Default)]
pub struct TrackCache {
    runs: Mutex<HashMap<u64, (TrackView, String)>>,
}

impl Clone for TrackCache {
    fn clone(&self) -> Self {
        TrackCache::default()
    }
}

/// The chained hashes of every prefix of a history.
fn prefix_hashes(history: &[Utterance]) -> Vec<u64> {
    let mut out = Vec::with_capacity(history.len());
    let mut h = 0u64;
    for u in history {
        let mut hasher = DefaultHasher::new();
        h.hash(&mut hasher);
        u.speaker.as_str().hash(&mut hasher);
        u.text.hash(&mut hasher);
        h = hasher.finish();
        out.push(h);
    }
    out
}

impl TrackCache {
    /// The tracker's view after the whole history and after all but its last
    /// utterance.
    pub fn track(&self, tracker: &RuleTracker, history: &[Utterance]) -> (TrackView, TrackView) {
        let hashes = prefix_hashes(history);
        let mut start = 0;
        let mut run = TrackerRun::new(tracker);
        if let Ok(runs) = self.runs.lock() {
            for i in (0..hashes.len()).rev() {
                if let Some((view, last)) = runs.get(&hashes[i]) {
                    run = TrackerRun::resume(tracker, view.clone(), last.clone());
                    start = i + 1;
                    break;
                }
            }
        }
        let mut before = run.view().clone();
        let mut saved = Vec::new();
        for (i, utt) in history.iter().enumerate().skip(start) {
            if i + 1 == history.len() {
                before = run.view().clone();
                if i > 0 {
                    saved.push((hashes[i - 1], before.clone(), run.last_system().to_string()));
                }
            }
            run.push(utt);
        }
        if start == history.len() && history.len() >= 2 {
            before = self.track(tracker, &history[..history.len() - 1]).0;
        }
        let view = run.view().clone();
        if let Some(&last) = hashes.last() {
            saved.push((last, view.clone(), run.last_system().to_string()));
        }
        if let Ok(mut runs) = self.runs.lock() {
            if runs.len() + saved.len() > CAPACITY {
                runs.clear();
            }
            for (h, v, s) in saved {
                runs.insert(h, (v, s));
            }
        }
        (view, before)
    }
}
