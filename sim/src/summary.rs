//! Figures over many dialogs, aggregated as ConvLab's analyzer does: rates
//! over all dialogs, book rate over dialogs with bookings, Inform over
//! dialogs with requests, turns over successful and over all dialogs.

use std::collections::BTreeMap;

use multiwoz::Domain;
use serde::{Deserialize, Serialize};

use crate::dialog::DialogRecord;

/// Percentages (0–100) and means over a set of dialogs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Dialogs scored.
    pub dialogs: usize,
    /// Complete rate.
    pub complete: f64,
    /// Success rate.
    pub success: f64,
    /// Mean book rate over dialogs whose goal books.
    pub book_rate: f64,
    /// Mean inform precision.
    pub inform_precision: f64,
    /// Mean inform recall.
    pub inform_recall: f64,
    /// Mean inform F1.
    pub inform_f1: f64,
    /// Mean turns (utterances) of successful dialogs.
    pub turns_success: f64,
    /// Mean turns of all dialogs.
    pub turns_all: f64,
    /// System turns delegated to a domain outside the dialog's goal, in %.
    pub router_outside_goal: f64,
    /// Dialogs that ended on an error.
    pub errors: usize,
    /// Per goal domain.
    pub domains: BTreeMap<Domain, DomainSummary>,
}

/// The figures of one domain over the dialogs whose goal contains it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DomainSummary {
    /// Dialogs with the domain.
    pub dialogs: usize,
    /// Domain success rate.
    pub success: f64,
    /// Mean book rate where the domain books.
    pub book_rate: Option<f64>,
    /// Mean inform recall where something was requested.
    pub inform_recall: Option<f64>,
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

fn mean_pct(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| 100.0 * xs.iter().sum::<f64>() / xs.len() as f64)
}

impl Summary {
    /// Aggregates `dialogs`.
    pub fn of<'a>(dialogs: impl IntoIterator<Item = &'a DialogRecord>) -> Summary {
        let mut s = Summary::default();
        let (mut complete, mut success, mut errors) = (0, 0, 0);
        let (mut book, mut p, mut r, mut f) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut turns_all, mut turns_ok) = (0usize, 0usize);
        let (mut outside, mut sys_turns) = (0usize, 0usize);
        let mut per: BTreeMap<Domain, (usize, usize, Vec<f64>, Vec<f64>)> = BTreeMap::new();
        for d in dialogs {
            s.dialogs += 1;
            let sc = &d.score;
            complete += usize::from(sc.complete);
            success += usize::from(sc.success);
            if matches!(
                d.end,
                crate::EndReason::SystemError(_) | crate::EndReason::UserError(_)
            ) {
                errors += 1;
            }
            if let Some(b) = sc.book_rate {
                book.push(b);
            }
            if let Some([pp, rr, ff]) = sc.inform {
                p.push(pp);
                r.push(rr);
                f.push(ff);
            }
            turns_all += sc.turns;
            if sc.success {
                turns_ok += sc.turns;
            }
            outside += d.outside_goal_turns;
            sys_turns += d.system_turns;
            for (dom, ds) in &sc.domains {
                let e = per.entry(*dom).or_default();
                e.0 += 1;
                e.1 += usize::from(ds.success);
                if let Some(b) = ds.book_rate {
                    e.2.push(b);
                }
                if let Some(x) = ds.inform_recall {
                    e.3.push(x);
                }
            }
        }
        let n = s.dialogs;
        s.complete = pct(complete, n);
        s.success = pct(success, n);
        s.errors = errors;
        s.book_rate = mean_pct(&book).unwrap_or(0.0);
        s.inform_precision = mean_pct(&p).unwrap_or(0.0);
        s.inform_recall = mean_pct(&r).unwrap_or(0.0);
        s.inform_f1 = mean_pct(&f).unwrap_or(0.0);
        s.turns_all = if n == 0 {
            0.0
        } else {
            turns_all as f64 / n as f64
        };
        s.turns_success = if success == 0 {
            0.0
        } else {
            turns_ok as f64 / success as f64
        };
        s.router_outside_goal = pct(outside, sys_turns);
        s.domains = per
            .into_iter()
            .map(|(d, (n, ok, b, r))| {
                (
                    d,
                    DomainSummary {
                        dialogs: n,
                        success: pct(ok, n),
                        book_rate: mean_pct(&b),
                        inform_recall: mean_pct(&r),
                    },
                )
            })
            .collect();
        s
    }

    /// The figures as a Markdown table: the overall row, then one per domain.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        out.push_str("| | Dialogs | Complete | Success | Book | Inform P | Inform R | Inform F1 | Turns (succ) | Turns (all) |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        out.push_str(&format!(
            "| all | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |\n",
            self.dialogs,
            self.complete,
            self.success,
            self.book_rate,
            self.inform_precision,
            self.inform_recall,
            self.inform_f1,
            self.turns_success,
            self.turns_all
        ));
        out.push_str(
            "\n| Domain | Dialogs | Success | Book | Inform R |\n|---|---:|---:|---:|---:|\n",
        );
        let opt = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.1}"));
        for (d, ds) in &self.domains {
            out.push_str(&format!(
                "| {d} | {} | {:.1} | {} | {} |\n",
                ds.dialogs,
                ds.success,
                opt(ds.book_rate),
                opt(ds.inform_recall)
            ));
        }
        out.push_str(&format!(
            "\nRouter picked a domain outside the goal on {:.1}% of system turns.\n",
            self.router_outside_goal
        ));
        out
    }
}
