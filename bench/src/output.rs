//! The run's outputs: `predictions.json` (the standard evaluator's format) and
//! the report files, and scoring the predictions with `eval`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use indexmap::IndexMap;
use multiwoz::db::Database;
use multiwoz::evaldata::EvalData;
use serde::Serialize;

use crate::error::BenchError;
use crate::files;
use crate::plan::Plan;
use crate::report::BenchReport;
use crate::spec::Setting;
use crate::trace::TraceRecord;

/// One turn as the evaluator reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictedTurn {
    /// The delexicalized reply (empty for a failed turn, which the report counts).
    pub response: String,
    /// The belief state, `domain → slot → value`.
    pub state: BTreeMap<String, BTreeMap<String, String>>,
    /// The domains the reply is about.
    pub active_domains: Vec<String>,
    /// Set (`"failed": true`) on a turn whose model calls failed after every retry;
    /// absent otherwise. The standard evaluator ignores the field; `dard bench
    /// --resume` runs such turns again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub failed: bool,
}

/// The predictions of every dialog whose turns all finished, in plan order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Predictions {
    /// Dialog key → turns.
    pub dialogs: IndexMap<String, Vec<PredictedTurn>>,
    /// Planned dialogs left out because some turn has not finished.
    pub incomplete: usize,
    /// Failed turns written as empty replies.
    pub failed_turns: usize,
}

impl Predictions {
    /// Collects the finished dialogs. A dialog with a turn that never finished
    /// (an interrupted run) is left out whole: scoring part of a dialog would
    /// distort Inform and Success. A failed turn is kept as an empty reply with
    /// no active domain (and the gold state in the gold-state setting), so the
    /// failure costs the score it should; the report counts it.
    pub fn collect(plan: &Plan, results: &HashMap<(String, usize), TraceRecord>) -> Predictions {
        let mut out = Predictions::default();
        for (key, jobs) in &plan.dialogs {
            let mut turns = Vec::with_capacity(jobs.len());
            let mut failed = 0;
            for job in jobs {
                let Some(rec) = results.get(&(job.dialog.clone(), job.turn)) else {
                    break;
                };
                let turn = match (rec.is_ok(), plan.setting) {
                    (true, _) => PredictedTurn {
                        response: rec.response.clone().unwrap_or_default(),
                        state: state_strings(rec.state.as_ref()),
                        active_domains: rec
                            .active_domains
                            .iter()
                            .map(|d| d.as_str().to_string())
                            .collect(),
                        failed: false,
                    },
                    (false, setting) => {
                        failed += 1;
                        PredictedTurn {
                            response: String::new(),
                            state: match setting {
                                Setting::GoldState => state_strings(Some(&job.gold_state)),
                                _ => BTreeMap::new(),
                            },
                            active_domains: Vec::new(),
                            failed: true,
                        }
                    }
                };
                turns.push(turn);
            }
            if turns.len() == jobs.len() {
                out.failed_turns += failed;
                out.dialogs.insert(key.clone(), turns);
            } else {
                out.incomplete += 1;
            }
        }
        out
    }

    /// The file's bytes: pretty JSON, deterministic (plan order, sorted states).
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(&self.dialogs).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// The number of turns written.
    pub fn turn_count(&self) -> usize {
        self.dialogs.values().map(Vec::len).sum()
    }
}

fn state_strings(
    state: Option<&agents::roles::DialogState>,
) -> BTreeMap<String, BTreeMap<String, String>> {
    state
        .into_iter()
        .flatten()
        .filter(|(_, slots)| !slots.is_empty())
        .map(|(d, slots)| {
            let slots = slots
                .iter()
                .map(|(s, v)| (s.as_str().to_string(), v.clone()))
                .collect();
            (d.as_str().to_string(), slots)
        })
        .collect()
}

/// Scores the written predictions with the standard evaluator's semantics
/// (stock mapping). The error text when nothing can be scored.
pub fn evaluate(
    bytes: &[u8],
    path: &Path,
    data: &EvalData,
    db: &Database,
) -> Result<eval::Report, String> {
    let preds = eval::Predictions::from_slice(bytes, &path.display().to_string())
        .map_err(|e| e.to_string())?;
    if preds.turn_count() == 0 {
        return Err("no dialog finished, nothing to score".to_string());
    }
    eval::evaluate(
        &preds,
        &eval::EvalInputs::new(data, db),
        &eval::Options::default(),
    )
    .map_err(|e| e.to_string())
}

/// Writes `report.json` and `report.md`.
pub fn write_report(dir: &Path, report: &BenchReport) -> Result<(), BenchError> {
    let json_path = dir.join(files::REPORT_JSON);
    let format = |e: serde_json::Error| BenchError::Format {
        path: json_path.clone(),
        message: e.to_string(),
    };
    let mut value = serde_json::to_value(report).map_err(format)?;
    crate::spec::redact_strings(&mut value);
    let json = serde_json::to_string_pretty(&value).map_err(format)?;
    std::fs::write(&json_path, json + "\n").map_err(BenchError::io(&json_path))?;
    let md_path = dir.join(files::REPORT_MD);
    let markdown = models::redact::redact_urls(&report.markdown());
    std::fs::write(&md_path, markdown).map_err(BenchError::io(&md_path))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path as StdPath;
    use std::time::Duration;

    use multiwoz::model::Split;

    use super::*;
    use crate::spec::Selection;

    #[test]
    fn bench_predictions_keep_plan_order_and_skip_unfinished_dialogs() {
        let path = StdPath::new(env!("CARGO_MANIFEST_DIR"))
            .join("../manager/tests/fixtures/dialogs_val.json");
        let dialogs = multiwoz::load::load_original_file(&path, Some(Split::Val)).unwrap();
        let plan = Plan::build(&dialogs, &Selection::All, Setting::GoldState).unwrap();
        let mut results = HashMap::new();
        // Every turn of every dialog but the first one's last turn; one failure.
        for (i, job) in plan.turns().enumerate() {
            let (d0, t0) = (&plan.dialogs[0].0, plan.dialogs[0].1.len() - 1);
            if job.dialog == *d0 && job.turn == t0 {
                continue;
            }
            let rec = if i == plan.dialogs[0].1.len() {
                TraceRecord::failed(job, "boom".into(), Duration::ZERO)
            } else {
                let mut r = TraceRecord::failed(job, String::new(), Duration::ZERO);
                r.status = crate::trace::TurnStatus::Ok;
                r.error = None;
                r.response = Some(format!("reply {}", job.turn));
                r.active_domains = vec![multiwoz::Domain::Hotel];
                r
            };
            results.insert((job.dialog.clone(), job.turn), rec);
        }
        let preds = Predictions::collect(&plan, &results);
        assert_eq!(preds.incomplete, 1);
        assert_eq!(preds.failed_turns, 1);
        let keys: Vec<&String> = preds.dialogs.keys().collect();
        let expected: Vec<&String> = plan.dialogs[1..].iter().map(|(k, _)| k).collect();
        assert_eq!(keys, expected);
        let failed = &preds.dialogs[0][0];
        assert_eq!(failed.response, "");
        assert!(failed.active_domains.is_empty());
        // Deterministic bytes, readable by the evaluator's reader.
        assert_eq!(
            preds.to_json(),
            Predictions::collect(&plan, &results).to_json()
        );
        let parsed = eval::Predictions::from_slice(&preds.to_json(), "mem").unwrap();
        assert_eq!(parsed.turn_count(), preds.turn_count());
    }
}
