//! `report.json` and `report.md` of a simulation: the ConvLab-style figures
//! overall and per domain, how often the router left the goal's domains, how
//! the dialogs ended, and the five worst dialogs quoted in full.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sim::{DialogRecord, Summary};

use super::{SimManifest, files, write_json};
use crate::error::BenchError;

/// Every figure of a simulation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimReport {
    /// The dard version.
    pub dard_version: String,
    /// What was asked.
    pub manifest: SimManifest,
    /// The figures over the finished dialogs.
    pub summary: Summary,
    /// How the dialogs ended (`done`, `gave_up`, `max_turns`, errors).
    pub endings: BTreeMap<String, usize>,
    /// Wall time of this invocation, seconds.
    pub wall_s: f64,
    /// Peak resident memory of the process, bytes, where known.
    pub peak_rss_bytes: Option<u64>,
}

impl SimReport {
    /// The report of `dialogs`.
    pub fn new(dialogs: &[DialogRecord], manifest: &SimManifest, wall: Duration) -> SimReport {
        let mut endings = BTreeMap::new();
        for d in dialogs {
            let key = match &d.end {
                sim::EndReason::SystemError(_) => "system_error".to_string(),
                sim::EndReason::UserError(_) => "user_error".to_string(),
                other => serde_json::to_value(other)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| format!("{other:?}")),
            };
            *endings.entry(key).or_insert(0) += 1;
        }
        SimReport {
            dard_version: crate::report::VERSION.to_string(),
            manifest: manifest.clone(),
            summary: Summary::of(dialogs),
            endings,
            wall_s: wall.as_secs_f64(),
            peak_rss_bytes: crate::sys::peak_rss_bytes(),
        }
    }

    /// The report for people, with the worst dialogs of `dialogs` quoted.
    pub fn markdown(&self, dialogs: &[DialogRecord]) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# dard simulate\n");
        let _ = writeln!(
            md,
            "{} dialogs, {:?} user, at most {} user turns, seed {}; dard {}.\n",
            self.summary.dialogs,
            self.manifest.spec.user,
            self.manifest.spec.max_turns,
            self.manifest.spec.seed,
            self.dard_version
        );
        md.push_str(&self.summary.markdown());
        let endings: Vec<String> = self
            .endings
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(md, "\nEndings: {}.\n", endings.join(", "));
        let _ = writeln!(md, "## The five worst dialogs\n");
        for d in worst(dialogs, 5) {
            quote(&mut md, d);
        }
        md
    }
}

/// The worst dialogs: failed before succeeded, then fewer requests answered
/// and fewer bookings made, then longer.
fn worst(dialogs: &[DialogRecord], n: usize) -> Vec<&DialogRecord> {
    let mut v: Vec<&DialogRecord> = dialogs.iter().collect();
    let key = |d: &DialogRecord| {
        let s = &d.score;
        let recall = s.inform.map_or(1.0, |i| i[1]);
        let book = s.book_rate.unwrap_or(1.0);
        (
            s.success,
            s.complete,
            ((recall + book) * 1000.0) as i64,
            -(s.turns as i64),
        )
    };
    v.sort_by_key(|d| key(d));
    v.truncate(n);
    v
}

fn quote(md: &mut String, d: &DialogRecord) {
    let s = &d.score;
    let _ = writeln!(
        md,
        "### {} — success {}, complete {}, book {}, inform {}, ended {:?}\n",
        d.id,
        s.success,
        s.complete,
        s.book_rate.map_or("–".into(), |b| format!("{:.2}", b)),
        s.inform
            .map_or("–".into(), |i| format!("P {:.2} R {:.2}", i[0], i[1])),
        d.end
    );
    let goal = serde_json::to_string(&d.goal.domains).unwrap_or_default();
    let _ = writeln!(md, "Goal: `{goal}`\n");
    for t in &d.turns {
        let _ = writeln!(md, "> **user:** {}  ", t.user);
        if let Some(sys) = &t.system {
            let domain = t.domain.map_or("-", |d| d.as_str());
            let _ = writeln!(md, "> **system** ({domain}): {sys}  ");
        }
    }
    md.push('\n');
}

/// Writes `report.json` and `report.md`.
pub fn write_reports(
    out: &Path,
    report: &SimReport,
    dialogs: &[DialogRecord],
) -> Result<(), BenchError> {
    write_json(&out.join(files::REPORT_JSON), report)?;
    let path = out.join(files::REPORT_MD);
    std::fs::write(&path, report.markdown(dialogs)).map_err(BenchError::io(path))
}
