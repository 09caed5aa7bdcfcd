//! `report.md`: the [`BenchReport`] for people.

use std::fmt::Write as _;

use crate::report::BenchReport;

impl BenchReport {
    /// The report for people (`report.md`).
    pub fn markdown(&self) -> String {
        let mut m = String::new();
        let _ = writeln!(
            m,
            "# dard bench — {} split, {}\n",
            self.split,
            self.setting.as_str()
        );
        let _ = writeln!(
            m,
            "dard {} · started {} · finished {}{}\n",
            self.dard_version,
            self.started,
            self.finished,
            if self.interrupted {
                " · **interrupted** (resume with `--resume`)"
            } else {
                ""
            }
        );
        let _ = writeln!(m, "## Summary\n\n| figure | value |\n|---|---|");
        if let Some(e) = &self.eval {
            let _ = writeln!(m, "| Inform | {:.1} |", e.inform);
            let _ = writeln!(m, "| Success | {:.1} |", e.success);
            let _ = writeln!(m, "| BLEU | {:.2} |", e.bleu);
            let _ = writeln!(m, "| Combined | {:.2} |", e.combined);
        }
        if let Some(j) = self.jga {
            let _ = writeln!(m, "| JGA (states used) | {j:.2} |");
        }
        let _ = writeln!(
            m,
            "| router accuracy | {:.2} ({} / {}) |",
            self.router.accuracy, self.router.correct, self.router.turns
        );
        let t = &self.turns;
        let _ = writeln!(
            m,
            "| turns | {} planned, {} answered, {} failed, {} missing |",
            t.planned, t.answered, t.failed, t.missing
        );
        let _ = writeln!(
            m,
            "| dialogs scored | {} of {} ({} with failed turns) |",
            self.dialogs.scored, self.dialogs.planned, self.dialogs.with_failures
        );
        let u = &self.usage;
        let _ = writeln!(
            m,
            "| tokens | {} in, {} out · ${:.4} · {} cache hits · {} retries · {} repairs · {} fallbacks |",
            u.tokens_in, u.tokens_out, u.cost_usd, u.cache_hits, u.retries, u.repairs, u.fallbacks
        );
        let _ = writeln!(
            m,
            "| turn latency | p50 {:.1} ms · p95 {:.1} ms |",
            self.latency.turn_p50_ms, self.latency.turn_p95_ms
        );
        let tm = &self.timing;
        let _ = writeln!(
            m,
            "| time | {:.2} s total · {:.2} s run · {:.1} turns/s |",
            tm.total_s, tm.run_s, tm.turns_per_s
        );
        if let Some(eval) = &self.eval {
            let _ = writeln!(
                m,
                "\n## Evaluator (mapping: {})\n\n```\n{eval}```",
                eval.mapping
            );
        } else if let Some(e) = &self.eval_error {
            let _ = writeln!(m, "\n## Evaluator\n\nnot scored: {e}");
        }
        let _ = writeln!(
            m,
            "\n## Router accuracy by gold domain\n\n| domain | turns | correct | accuracy |\n|---|---|---|---|"
        );
        for (d, (n, c, a)) in &self.router.per_domain {
            let _ = writeln!(m, "| {d} | {n} | {c} | {a:.2} |");
        }
        let _ = writeln!(
            m,
            "\n## Backends\n\n| backend | calls | tokens in | tokens out | cost $ |\n|---|---|---|---|---|"
        );
        for (name, b) in &u.per_backend {
            let _ = writeln!(
                m,
                "| {name} | {} | {} | {} | {:.4} |",
                b.calls, b.tokens_in, b.tokens_out, b.cost_usd
            );
        }
        if !self.failures.is_empty() {
            let _ = writeln!(m, "\n## Failed turns\n");
            for f in self.failures.iter().take(50) {
                let _ = writeln!(m, "- {} turn {}: {}", f.dialog, f.turn, f.error);
            }
        }
        let config = serde_json::to_string_pretty(&self.config).unwrap_or_default();
        let _ = writeln!(
            m,
            "\n## Configuration\n\nconfig file: {} · data: {} · concurrency {} ({})\n\n```json\n{config}\n```",
            self.config_file
                .as_ref()
                .map_or("none (built-in default)".to_string(), |p| p
                    .display()
                    .to_string()),
            self.data_dir.display(),
            self.concurrency,
            self.execution
        );
        m
    }
}
