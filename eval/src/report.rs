//! The evaluation report: every figure, serializable, plus the compact human table
//! `dard eval` prints and the standard evaluator's own result layout.

use std::collections::BTreeMap;
use std::fmt;

use multiwoz::Domain;
use serde::Serialize;
use serde_json::json;

use crate::bleu::Bleu;
use crate::dst::Dst;
use crate::predictions::ReadWarnings;
use crate::richness::Richness;

/// Where the states or active domains that Inform/Success used came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Source {
    /// Every turn of the predictions carried them.
    Predicted,
    /// Some turn lacked states, so the gold states replaced all of them.
    Gold,
    /// Some turn lacked active domains, so all were estimated from the states.
    Estimated,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Predicted => "predicted",
            Source::Gold => "gold (fallback)",
            Source::Estimated => "estimated from states",
        })
    }
}

/// Inform and Success of one goal domain (or of whole dialogs for `total`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainRow {
    /// The domain; `None` is the dialog-level total.
    pub domain: Option<Domain>,
    /// Dialogs whose goal has this domain.
    pub dialogs: usize,
    /// Of those, dialogs where the domain was informed.
    pub informed: usize,
    /// Of those, dialogs where the domain succeeded.
    pub succeeded: usize,
    /// `round(100 * informed / dialogs, 1)`, Python rounding.
    pub inform: f64,
    /// `round(100 * succeeded / dialogs, 1)`, Python rounding.
    pub success: f64,
}

/// Placeholders the mapping did not know (the normalizer deleted them).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UnknownPlaceholders {
    /// Occurrences over all responses.
    pub total: usize,
    /// Occurrences per placeholder name.
    pub by_name: BTreeMap<String, usize>,
}

/// Counted, non-fatal problems.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Warnings {
    /// Oddities met while reading the predictions.
    pub read: ReadWarnings,
    /// Dialogs with fewer predicted turns than the reference (scored as given).
    pub short_dialogs: usize,
    /// Turns whose predicted state was discarded because other turns lacked one.
    pub discarded_states: usize,
    /// Turns whose predicted active domains were discarded because other turns lacked them.
    pub discarded_active_domains: usize,
}

/// Every figure of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The placeholder mapping used: `stock` (the evaluator's) or `dard` (DARD's).
    pub mapping: &'static str,
    /// Dialogs scored.
    pub dialogs: usize,
    /// Turns scored.
    pub turns: usize,
    /// Inform rate of whole dialogs in percent, rounded to 0.1 like the evaluator.
    pub inform: f64,
    /// Success rate of whole dialogs in percent, rounded to 0.1 like the evaluator.
    pub success: f64,
    /// Corpus BLEU (sacrebleu), unrounded like the evaluator returns it.
    pub bleu: f64,
    /// `0.5 * (inform + success) + bleu` with the rounded rates.
    pub combined: f64,
    /// Per-domain rows (domain order of [`Domain::ALL`]), then the total row.
    pub domains: Vec<DomainRow>,
    /// BLEU's statistics.
    pub bleu_details: Bleu,
    /// Lexical richness of the normalized responses.
    pub richness: Richness,
    /// DST figures. With `states == Gold` this compares the gold states with
    /// themselves, exactly as the standard evaluator does after its fallback.
    pub dst: Dst,
    /// Where Inform/Success took the states from.
    pub states: Source,
    /// Where Inform/Success took the active domains from.
    pub active_domains: Source,
    /// Unknown placeholder names.
    pub unknown_placeholders: UnknownPlaceholders,
    /// Distinct DB queries run (after caching).
    pub db_queries: usize,
    /// Counted warnings.
    pub warnings: Warnings,
}

impl Report {
    /// The standard evaluator's result dictionary (`Evaluator.evaluate`), with the
    /// same keys and values, for side-by-side comparison.
    pub fn mwzeval_results(&self) -> serde_json::Value {
        let mut inform = serde_json::Map::new();
        let mut success = serde_json::Map::new();
        for row in &self.domains {
            let key = row.domain.map_or("total", Domain::as_str).to_owned();
            inform.insert(key.clone(), json!(row.inform));
            success.insert(key, json!(row.success));
        }
        json!({
            "bleu": {"mwz22": self.bleu},
            "success": {"inform": inform, "success": success},
            "richness": {
                "entropy": self.richness.entropy,
                // mwzeval's value is the integer 0 when there are no bigrams.
                "cond_entropy": if self.richness.num_bigrams == 0 {
                    json!(0)
                } else {
                    json!(self.richness.cond_entropy)
                },
                "avg_lengths": self.richness.avg_lengths,
                "msttr": self.richness.msttr,
                "num_unigrams": self.richness.num_unigrams,
                "num_bigrams": self.richness.num_bigrams,
                "num_trigrams": self.richness.num_trigrams,
            },
            "dst": {
                "joint_accuracy": self.dst.joint_accuracy,
                "slot_f1": self.dst.slot_f1,
                "slot_precision": self.dst.slot_precision,
                "slot_recall": self.dst.slot_recall,
            },
        })
    }
}

impl fmt::Display for Report {
    /// The compact table `dard eval` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} dialogs, {} turns | mapping: {} ({} unknown placeholder{}) | states: {} | active domains: {}",
            self.dialogs,
            self.turns,
            self.mapping,
            self.unknown_placeholders.total,
            if self.unknown_placeholders.total == 1 {
                ""
            } else {
                "s"
            },
            self.states,
            self.active_domains,
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<12}{:>8}{:>9}{:>9}",
            "domain", "dialogs", "Inform", "Success"
        )?;
        for row in &self.domains {
            let name = row.domain.map_or("total", Domain::as_str);
            if row.domain.is_none() {
                writeln!(f, "{}", "-".repeat(38))?;
            }
            writeln!(
                f,
                "{:<12}{:>8}{:>9.1}{:>9.1}",
                name, row.dialogs, row.inform, row.success
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "Inform {:.1}  Success {:.1}  BLEU {:.2}  Combined {:.2}",
            self.inform, self.success, self.bleu, self.combined
        )?;
        let dst_note = if self.states == Source::Gold {
            " (gold states compared with themselves, as the standard evaluator does)"
        } else {
            ""
        };
        writeln!(
            f,
            "DST: joint accuracy {:.2}  slot F1 {:.2}  precision {:.4}  recall {:.4}{dst_note}",
            self.dst.joint_accuracy,
            self.dst.slot_f1,
            self.dst.slot_precision,
            self.dst.slot_recall
        )?;
        let r = &self.richness;
        writeln!(
            f,
            "Richness: avg length {:.2}  cond. bigram entropy {:.2}  entropy {:.2}  MSTTR {:.3}  unigrams {}  bigrams {}  trigrams {}",
            r.avg_lengths,
            r.cond_entropy,
            r.entropy,
            r.msttr,
            r.num_unigrams,
            r.num_bigrams,
            r.num_trigrams
        )?;
        if !self.unknown_placeholders.by_name.is_empty() {
            let mut names: Vec<(&String, &usize)> =
                self.unknown_placeholders.by_name.iter().collect();
            names.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let shown: Vec<String> = names
                .iter()
                .take(8)
                .map(|(n, c)| format!("[{n}]×{c}"))
                .collect();
            writeln!(f, "Unknown placeholders (deleted): {}", shown.join(" "))?;
        }
        Ok(())
    }
}
