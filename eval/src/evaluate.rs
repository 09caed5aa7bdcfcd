//! [`evaluate`]: the standard evaluator's `Evaluator(bleu, success, richness,
//! dst).evaluate(predictions)` over dard's data types.

use std::collections::HashMap;

use multiwoz::Domain;
use multiwoz::db::Database;
use multiwoz::evaldata::{EvalData, Goal};
use multiwoz::normalize::{
    Mapping, NormalizedText, normalize_response, normalize_state_slot_name, normalize_state_value,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::bleu::corpus_bleu;
use crate::domains::estimate_active_domains;
use crate::dst::dst;
use crate::error::EvalError;
use crate::predictions::{PredictedTurn, Predictions, TurnState};
use crate::pytext::py_round;
use crate::report::{DomainRow, Report, Source, UnknownPlaceholders, Warnings};
use crate::richness::richness;
use crate::success::{CachedDb, DialogInput, DialogOutcome, GoalDomain, VenueDb, dialog_success};

/// Evaluation settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The placeholder-name mapping used to normalize responses.
    pub mapping: Mapping,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mapping: Mapping::Stock,
        }
    }
}

/// The evaluation data and the venue database the predictions are scored against.
#[derive(Clone, Copy)]
pub struct EvalInputs<'a> {
    /// Goals, references, gold states and booked domains.
    pub data: &'a EvalData,
    /// The venue database (any [`VenueDb`]; normally a [`Database`]).
    pub db: &'a dyn VenueDb,
}

impl<'a> EvalInputs<'a> {
    /// Pairs evaluation data with a loaded MultiWOZ database.
    pub fn new(data: &'a EvalData, db: &'a Database) -> EvalInputs<'a> {
        EvalInputs { data, db }
    }
}

impl VenueDb for Database {
    fn venue_ids(&self, domain: Domain, constraints: &[(&str, &str)]) -> Vec<String> {
        self.query(domain, constraints.iter().copied())
            .iter()
            .map(|venue| venue.id().to_owned())
            .collect()
    }
}

/// The name `dard eval` prints for a mapping.
pub fn mapping_name(mapping: Mapping) -> &'static str {
    match mapping {
        Mapping::Stock => "stock",
        Mapping::Dard => "dard",
        #[allow(unreachable_patterns)]
        _ => "other",
    }
}

/// One dialog matched with its evaluation data.
struct Resolved<'a> {
    turns: &'a [PredictedTurn],
    goal: &'a Goal,
    references: &'a [String],
    gold_states: &'a [TurnState],
    booked: &'a [Vec<Domain>],
}

/// One normalized turn.
struct NormTurn {
    response: String,
    unknown: Vec<String>,
    state: Option<TurnState>,
}

/// Scores predictions exactly as the standard evaluator does with BLEU, Success,
/// richness and DST enabled.
pub fn evaluate(
    predictions: &Predictions,
    inputs: &EvalInputs<'_>,
    options: &Options,
) -> Result<Report, EvalError> {
    let clock = std::time::Instant::now();
    let lap = |phase: &str| {
        tracing::debug!(
            phase,
            ms = clock.elapsed().as_secs_f64() * 1e3,
            "eval phase done"
        )
    };
    let resolved = resolve(predictions, inputs.data)?;
    let turns: usize = resolved.iter().map(|r| r.turns.len()).sum();
    if turns == 0 {
        return Err(EvalError::Empty);
    }

    let normalized = normalize_all(&resolved, options.mapping);
    lap("normalize");
    // All or nothing, like the evaluator: one turn without a state (or without active
    // domains) sends every turn to the fallback.
    let all_states = normalized.iter().flatten().all(|t| t.state.is_some());
    let all_domains = resolved
        .iter()
        .flat_map(|r| r.turns)
        .all(|t| t.active_domains.is_some());
    let states: Vec<Vec<&TurnState>> = resolved
        .iter()
        .zip(&normalized)
        .map(|(r, norm)| match all_states {
            true => norm.iter().filter_map(|t| t.state.as_ref()).collect(),
            false => r.gold_states[..norm.len()].iter().collect(),
        })
        .collect();
    let estimated: Vec<Vec<Vec<String>>> = match all_domains {
        true => Vec::new(),
        false => states
            .par_iter()
            .map(|s| estimate_active_domains(s))
            .collect(),
    };

    let db = CachedDb::new(inputs.db);
    let success_phase = || -> Vec<DialogOutcome> {
        (0..resolved.len())
            .into_par_iter()
            .map(|i| {
                let r = &resolved[i];
                let active_domains: Vec<&[String]> = match all_domains {
                    true => r
                        .turns
                        .iter()
                        .map(|t| t.active_domains.as_deref().unwrap_or(&[]))
                        .collect(),
                    false => estimated[i].iter().map(Vec::as_slice).collect(),
                };
                let input = DialogInput {
                    goal: goal_domains(r.goal),
                    booked: r.booked,
                    utterances: normalized[i].iter().map(|t| t.response.as_str()).collect(),
                    states: states[i].clone(),
                    active_domains,
                };
                dialog_success(&input, &db)
            })
            .collect()
    };
    // The text metrics need no DB: they run alongside the Inform/Success phase.
    let text_phase = || {
        let responses: Vec<&str> = normalized
            .iter()
            .flatten()
            .map(|t| t.response.as_str())
            .collect();
        let bleu_pairs: Vec<(&str, &str)> = resolved
            .iter()
            .zip(&normalized)
            .flat_map(|(r, norm)| {
                norm.iter()
                    .zip(r.references)
                    .map(|(t, reference)| (t.response.as_str(), reference.as_str()))
            })
            .collect();
        let dst_pairs: Vec<(&TurnState, &TurnState)> = resolved
            .iter()
            .zip(&states)
            .flat_map(|(r, s)| s.iter().copied().zip(r.gold_states))
            .collect();
        let (bleu, (richness, dst)) = rayon::join(
            || corpus_bleu(&bleu_pairs),
            || {
                rayon::join(
                    || richness(&responses),
                    || dst(&dst_pairs, multiwoz::fuzzy::partial_ratio),
                )
            },
        );
        (bleu, richness, dst)
    };
    let (outcomes, (bleu, richness, dst)) = rayon::join(success_phase, text_phase);
    lap("metrics");
    let richness = richness.ok_or(EvalError::Empty)?;
    let domains = aggregate(&outcomes);
    let (inform, success) = domains
        .last()
        .map_or((0.0, 0.0), |total| (total.inform, total.success));

    let mut unknown = UnknownPlaceholders::default();
    for name in normalized.iter().flatten().flat_map(|t| &t.unknown) {
        unknown.total += 1;
        *unknown.by_name.entry(name.clone()).or_insert(0) += 1;
    }
    let warnings = Warnings {
        read: predictions.warnings.clone(),
        short_dialogs: resolved
            .iter()
            .filter(|r| r.turns.len() < r.references.len())
            .count(),
        discarded_states: match all_states {
            true => 0,
            false => normalized
                .iter()
                .flatten()
                .filter(|t| t.state.is_some())
                .count(),
        },
        discarded_active_domains: match all_domains {
            true => 0,
            false => resolved
                .iter()
                .flat_map(|r| r.turns)
                .filter(|t| t.active_domains.is_some())
                .count(),
        },
    };

    let report = Report {
        mapping: mapping_name(options.mapping),
        dialogs: resolved.len(),
        turns,
        inform,
        success,
        bleu: bleu.score,
        combined: 0.5 * (inform + success) + bleu.score,
        domains,
        bleu_details: bleu,
        richness,
        dst,
        states: if all_states {
            Source::Predicted
        } else {
            Source::Gold
        },
        active_domains: if all_domains {
            Source::Predicted
        } else {
            Source::Estimated
        },
        unknown_placeholders: unknown,
        db_queries: db.distinct_queries(),
        warnings,
    };
    // Freeing the normalized turns (hundreds of thousands of small allocations)
    // is work nobody waits for: it runs on the pool while the report goes back.
    drop(states);
    rayon::spawn(move || drop(normalized));
    Ok(report)
}

/// Matches every predicted dialog with its data; unknown ids and surplus turns are errors.
fn resolve<'a>(
    predictions: &'a Predictions,
    data: &'a EvalData,
) -> Result<Vec<Resolved<'a>>, EvalError> {
    let mut out = Vec::with_capacity(predictions.dialogs.len());
    for (key, dialog) in &predictions.dialogs {
        let unknown = |part: &'static str, known: usize| EvalError::UnknownDialog {
            id: dialog.original_id.clone(),
            part,
            known,
        };
        let goal = data
            .goals
            .get(key)
            .ok_or_else(|| unknown("goals", data.goals.len()))?;
        let references = data
            .references
            .get(key)
            .ok_or_else(|| unknown("references", data.references.len()))?;
        let gold_states = data
            .gold_states
            .get(key)
            .ok_or_else(|| unknown("gold states", data.gold_states.len()))?;
        let booked = data
            .booked_domains
            .get(key)
            .ok_or_else(|| unknown("booked domains", data.booked_domains.len()))?;
        let predicted = dialog.turns.len();
        for (part, reference) in [
            ("references", references.len()),
            ("gold states", gold_states.len()),
        ] {
            if predicted > reference {
                return Err(EvalError::TooManyTurns {
                    id: dialog.original_id.clone(),
                    predicted,
                    reference,
                    part,
                });
            }
        }
        out.push(Resolved {
            turns: &dialog.turns,
            goal,
            references,
            gold_states,
            booked,
        });
    }
    Ok(out)
}

/// Normalizes every turn; each distinct response text is normalized once (system
/// outputs repeat many responses).
fn normalize_all(resolved: &[Resolved<'_>], mapping: Mapping) -> Vec<Vec<NormTurn>> {
    let mut index: FxHashMap<&str, usize> = FxHashMap::default();
    let mut distinct: Vec<&str> = Vec::new();
    for turn in resolved.iter().flat_map(|r| r.turns) {
        index.entry(turn.response.as_str()).or_insert_with(|| {
            distinct.push(turn.response.as_str());
            distinct.len() - 1
        });
    }
    let texts: Vec<NormalizedText> = distinct
        .par_iter()
        .map(|text| normalize_response(text, mapping))
        .collect();
    resolved
        .par_iter()
        .map(|r| {
            // States repeat their slots from turn to turn: each distinct raw
            // (slot, value) pair of a dialog is normalized once.
            let mut slots = SlotCache::default();
            r.turns
                .iter()
                .map(|t| {
                    let text = index
                        .get(t.response.as_str())
                        .and_then(|&i| texts.get(i))
                        .cloned()
                        .unwrap_or_else(|| normalize_response(&t.response, mapping));
                    normalize_turn(t, text, &mut slots)
                })
                .collect()
        })
        .collect()
}

/// Normalized (slot name, value) by raw (slot name, value).
type SlotCache<'a> = FxHashMap<(&'a str, &'a str), (String, String)>;

fn normalize_turn<'a>(
    turn: &'a PredictedTurn,
    text: NormalizedText,
    cache: &mut SlotCache<'a>,
) -> NormTurn {
    let state = turn.state.as_ref().map(|state| {
        state
            .iter()
            .map(|(domain, slots)| {
                let mut out = indexmap::IndexMap::with_capacity(slots.len());
                for (slot, value) in slots {
                    let (slot, value) = cache
                        .entry((slot.as_str(), value.as_str()))
                        .or_insert_with(|| {
                            let slot = normalize_state_slot_name(slot);
                            let value = normalize_state_value(&slot, value);
                            (slot, value)
                        })
                        .clone();
                    // A repeated normalized name keeps its first position and the
                    // last value, like assignment into a Python dict.
                    out.insert(slot, value);
                }
                (domain.clone(), out)
            })
            .collect()
    });
    NormTurn {
        response: text.text,
        unknown: text.unknown_placeholders,
        state,
    }
}

fn goal_domains(goal: &Goal) -> Vec<GoalDomain<'_>> {
    goal.domains
        .iter()
        .map(|(domain, g)| {
            let mut requested: Vec<&'static str> = Vec::new();
            for r in &g.requestable {
                if !requested.contains(&r.as_str()) {
                    requested.push(r.as_str());
                }
            }
            GoalDomain {
                domain: *domain,
                informable: &g.informable,
                requested,
            }
        })
        .collect()
}

/// `get_success`'s aggregation: per-domain and total counts, then Python-rounded rates.
fn aggregate(outcomes: &[DialogOutcome]) -> Vec<DomainRow> {
    let mut counts: HashMap<Option<Domain>, (usize, usize, usize)> = HashMap::new();
    for o in outcomes {
        for &(domain, ok) in &o.inform {
            let c = counts.entry(Some(domain)).or_default();
            c.0 += 1;
            c.1 += usize::from(ok);
        }
        for &(domain, ok) in o.success.iter().flatten() {
            counts.entry(Some(domain)).or_default().2 += usize::from(ok);
        }
        let total = counts.entry(None).or_default();
        total.0 += 1;
        total.1 += usize::from(o.inform_total);
        total.2 += usize::from(o.success_total);
    }
    let rate = |n: usize, d: usize| py_round(100.0 * n as f64 / d as f64, 1);
    Domain::ALL
        .iter()
        .map(|d| Some(*d))
        .chain([None])
        .filter_map(|d| {
            let &(dialogs, informed, succeeded) = counts.get(&d)?;
            Some(DomainRow {
                domain: d,
                dialogs,
                informed,
                succeeded,
                inform: rate(informed, dialogs),
                success: rate(succeeded, dialogs),
            })
        })
        .collect()
}
