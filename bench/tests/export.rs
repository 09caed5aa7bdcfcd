//! `dard export` on the synthetic fixtures: the exported prompts are the bytes the
//! LLM-backed stages send, the gold answers parse as the stages' answers, and the
//! test split never gets out.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

#[path = "../../manager/tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;

use agents::prompt::{ExamplePool, format_route_answer};
use bench::export::{
    ExportError, ExportOptions, ExportRecord, Exporter, Format, Task, route_reason,
};
use manager::TurnRequest;
use models::ChatRequest;
use models::scripted::ScriptedModel;
use multiwoz::Domain;
use multiwoz::model::Split;
use support::{data, scripted_config, scripted_dard};

fn opts(task: Task, domain: Option<Domain>) -> ExportOptions {
    ExportOptions {
        task,
        domain,
        split: Split::Val,
    }
}

fn export(config: &manager::Config, task: Task) -> Vec<ExportRecord> {
    let (db, dialogs) = data();
    let exporter = Exporter::build(config, db, &dialogs).unwrap();
    let (records, stats) = exporter
        .records(&dialogs, &BTreeSet::new(), &opts(task, None))
        .unwrap();
    assert_eq!(stats.total, records.len());
    records
}

/// The request must carry exactly the record's prompt, and so must its JSON line.
fn assert_same(req: &ChatRequest, record: &ExportRecord) {
    assert_eq!(req.system.as_deref(), Some(record.prompt.system.as_str()));
    assert_eq!(req.messages.len(), 1);
    assert_eq!(req.messages[0].content, record.prompt.user);
    let line = record.to_json(Format::Messages).to_string();
    let back: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(back["messages"][0]["content"], req.system.clone().unwrap());
    assert_eq!(back["messages"][1]["content"], req.messages[0].content);
    assert_eq!(back["messages"][2]["content"], record.completion);
    let pc = record.to_json(Format::PromptCompletion);
    assert_eq!(
        pc["prompt"],
        format!(
            "{}\n\n{}",
            req.system.clone().unwrap(),
            req.messages[0].content
        )
    );
}

#[tokio::test]
async fn exported_prompts_are_byte_identical_to_what_the_agents_send() {
    let config = scripted_config("[prompts]\nshots = 2\n");
    let dst = export(&config, Task::Dst);
    let router = export(&config, Task::Router);
    let response = export(&config, Task::Response);
    assert!(!response.is_empty());
    let (_, dialogs) = data();
    let gold = ExamplePool::build(&dialogs, usize::MAX);
    let mut compared = 0;
    for r in &response {
        let e = gold
            .examples()
            .iter()
            .find(|e| e.dialog == r.dialog && e.turn == r.turn)
            .unwrap();
        let d = dst
            .iter()
            .find(|x| x.dialog == r.dialog && x.turn == r.turn);
        let o = router
            .iter()
            .find(|x| x.dialog == r.dialog && x.turn == r.turn);
        let (d, o) = (d.unwrap(), o.unwrap());
        // The scripted stages answer the gold outputs, so the turn follows the
        // gold path and each stage renders its prompt from the gold context.
        let model = ScriptedModel::new();
        model
            .push_reply(d.completion.clone())
            .push_reply(o.completion.clone())
            .push_reply(r.completion.clone());
        let dard = scripted_dard(&model, config.clone());
        let out = dard
            .answer(TurnRequest {
                history: &e.context,
                dialog_id: Some(&e.dialog),
                gold_state: None,
                previous_state: Some(&e.previous_state),
            })
            .await
            .unwrap();
        assert_eq!(out.domain, r.domain);
        assert_eq!(out.state, e.state);
        let reqs = model.requests();
        assert_eq!(reqs.len(), 3, "no repair retry expected");
        assert_same(&reqs[0], d);
        assert_same(&reqs[1], o);
        assert_same(&reqs[2], r);
        compared += 1;
    }
    assert!(compared >= 2, "compared {compared} turns");
}

#[test]
fn router_gold_reason_matches_the_few_shot_answers() {
    let config = scripted_config("[prompts]\nshots = 3\nfew_shot = \"fixed\"\n");
    let records = export(&config, Task::Router);
    let mut seen = 0;
    for r in &records {
        for line in r.prompt.user.lines() {
            if let Some(answer) = line.strip_prefix("Answer: ") {
                let v: serde_json::Value = serde_json::from_str(answer).unwrap();
                let domain: Domain = v["domain"].as_str().unwrap().parse().unwrap();
                assert_eq!(answer, format_route_answer(domain, &route_reason(domain)));
                seen += 1;
            }
        }
        let v: serde_json::Value = serde_json::from_str(&r.completion).unwrap();
        assert_eq!(v["domain"], r.domain.as_str());
    }
    assert!(seen > 0, "no few-shot answers shown");
}

#[test]
fn test_split_is_refused_and_test_ids_are_never_exported() {
    let config = scripted_config("");
    let (db, dialogs) = data();
    let exporter = Exporter::build(&config, db, &dialogs).unwrap();
    let mut refused = opts(Task::Router, None);
    refused.split = Split::Test;
    let err = exporter
        .records(&dialogs, &BTreeSet::new(), &refused)
        .unwrap_err();
    assert!(matches!(err, ExportError::TestSplit));
    assert!(err.to_string().contains("evaluation only"), "{err}");

    let listed: BTreeSet<String> = [dialogs[0].key()].into();
    let (all, _) = exporter
        .records(&dialogs, &BTreeSet::new(), &opts(Task::Dst, None))
        .unwrap();
    let (rest, _) = exporter
        .records(&dialogs, &listed, &opts(Task::Dst, None))
        .unwrap();
    assert!(all.iter().any(|r| r.dialog == dialogs[0].key()));
    assert!(rest.iter().all(|r| r.dialog != dialogs[0].key()));
    assert!(rest.len() < all.len());

    // A dialog tagged as test is skipped even when asked for among val ones.
    let mut tagged = dialogs.clone();
    tagged[1].split = Some(Split::Test);
    let (left, _) = exporter
        .records(&tagged, &BTreeSet::new(), &opts(Task::Dst, None))
        .unwrap();
    assert!(left.iter().all(|r| r.dialog != dialogs[1].key()));
}

#[test]
fn domain_scope_keeps_only_that_domains_turns_and_stats_count_them() {
    let config = scripted_config("");
    let (db, dialogs) = data();
    let exporter = Exporter::build(&config, db, &dialogs).unwrap();
    let (all, stats) = exporter
        .records(&dialogs, &BTreeSet::new(), &opts(Task::Response, None))
        .unwrap();
    assert_eq!(stats.per_domain.values().sum::<usize>(), all.len());
    for (&d, &n) in &stats.per_domain {
        let (some, s) = exporter
            .records(&dialogs, &BTreeSet::new(), &opts(Task::Response, Some(d)))
            .unwrap();
        assert_eq!(some.len(), n);
        assert!(some.iter().all(|r| r.domain == d));
        assert_eq!(s.total, n);
        assert!(s.max_chars >= s.mean_chars() as usize);
    }
    let line: serde_json::Value = serde_json::from_str(&stats.line("unavailable".into())).unwrap();
    assert_eq!(line["stats"]["examples"], all.len());
}

/// On the real data, when it is there: the val export holds no dialog that the
/// data folder's `testListFile` names, and every line is valid JSON.
#[test]
fn val_export_of_the_real_data_has_no_test_dialog() {
    let config = manager::Config::default();
    // The shared data folder beside the workspace, else the usual search.
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/multiwoz");
    let dir = shared.is_dir().then_some(shared.as_path());
    let Ok(loaded) = bench::export::load(&config, dir, Split::Val) else {
        eprintln!("no MultiWOZ data found; skipped");
        return;
    };
    let (records, stats) = loaded
        .exporter
        .records(
            &loaded.dialogs,
            &loaded.test_ids,
            &opts(Task::Router, Some(Domain::Taxi)),
        )
        .unwrap();
    assert_eq!(records.len(), stats.total);
    assert!(!loaded.test_ids.is_empty(), "the test list was not found");
    assert!(records.iter().all(|r| !loaded.test_ids.contains(&r.dialog)));
    for r in &records {
        let line = r.to_json(Format::PromptCompletion).to_string();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert!(v["completion"].as_str().unwrap().contains("\"taxi\""));
    }
}

#[test]
fn export_trims_prompts_to_the_models_budget_as_the_stages_do() {
    let config = scripted_config("[prompts]\nshots = 2\n");
    let (db, dialogs) = data();
    let exporter = Exporter::build(&config, db, &dialogs).unwrap();
    let words = |t: &str| t.split_whitespace().count();
    let (full, _) = exporter
        .records(&dialogs, &BTreeSet::new(), &opts(Task::Dst, None))
        .unwrap();
    let sizes: Vec<usize> = full.iter().map(|r| words(&r.prompt.to_text())).collect();
    let (min, max) = (*sizes.iter().min().unwrap(), *sizes.iter().max().unwrap());
    assert!(min < max, "the fixture's prompts differ in length");
    let budget = models::PromptBudget::new((min + max) / 2, words);
    let (trimmed, _) = exporter
        .clone()
        .with_budget(budget.clone())
        .records(&dialogs, &BTreeSet::new(), &opts(Task::Dst, None))
        .unwrap();
    assert_eq!(trimmed.len(), full.len());
    let mut cut = 0;
    for (f, t) in full.iter().zip(&trimmed) {
        let text = t.prompt.to_text();
        if budget.fits(&f.prompt.to_text()) {
            assert_eq!(f.prompt, t.prompt, "a prompt that fits is not touched");
        } else {
            cut += 1;
            assert!(words(&text) < words(&f.prompt.to_text()));
            assert!(
                budget.fits(&text) || !t.prompt.user.contains("Example "),
                "trimmed until it fits or nothing but the last turn is left"
            );
        }
        assert_eq!(t.completion, f.completion);
    }
    assert!(cut > 0, "some prompts were over the budget");
}
