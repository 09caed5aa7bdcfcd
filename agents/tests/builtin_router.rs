//! The built-in router and example pool on the real val split (skipped, with a
//! note, where the MultiWOZ data is not available).

use std::path::PathBuf;

use agents::builtin::labels::gold_domains;
use agents::builtin::lexicon::Lexicon;
use agents::builtin::policy::{INTERNET, PARKING, Plan};
use agents::builtin::pool::{Kind, Pool, placeholders_of};
use agents::builtin::realize::Realizer;
use agents::builtin::router::{DomainClassifier, dialog_features};
use agents::builtin::tracker::RuleTracker;
use multiwoz::Domain;
use multiwoz::db::Database;
use multiwoz::model::{Dialog, Split};

fn data() -> Option<(Vec<Dialog>, Database)> {
    let env = std::env::var_os(multiwoz::locate::ENV_VAR).map(PathBuf::from);
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let layout = multiwoz::locate::locate_from(None, env.as_deref(), &base).ok()?;
    let dialogs = multiwoz::load::load_splits(&layout, &[Split::Val]).ok()?;
    let db = Database::load(layout.db_dir.as_ref()?).ok()?;
    Some((dialogs, db))
}

fn lexicon(db: &Database) -> Lexicon {
    let mut values = Vec::new();
    for d in Domain::ALL {
        for e in db.entities(d) {
            for (f, v) in e.fields() {
                if let Some(v) = v.as_str() {
                    values.push((d, f, v));
                }
            }
        }
    }
    Lexicon::build(values)
}

#[test]
fn router_trained_on_half_of_val_is_accurate_on_the_other_half() {
    let Some((dialogs, db)) = data() else {
        eprintln!("skipped: MultiWOZ data not found (set DARD_DATA)");
        return;
    };
    let tracker = RuleTracker::new(lexicon(&db));
    let (mut train, mut held) = (Vec::new(), Vec::new());
    for (i, d) in dialogs.into_iter().enumerate() {
        if i % 2 == 0 {
            train.push(d)
        } else {
            held.push(d)
        }
    }
    let model = DomainClassifier::train(&train, &tracker);
    let (mut ok, mut n) = (0usize, 0usize);
    for d in &held {
        for (f, label) in dialog_features(d, &tracker).iter().zip(gold_domains(d)) {
            if let Some(label) = label {
                n += 1;
                ok += usize::from(model.predict_features(f).domain == label);
            }
        }
    }
    let acc = ok as f64 / n as f64;
    assert!(n > 3000, "only {n} labelled turns");
    assert!(acc > 0.93, "held-out router accuracy {acc:.3}");
}

#[test]
fn gold_domain_labels_cover_every_user_turn() {
    let Some((dialogs, _)) = data() else {
        eprintln!("skipped: MultiWOZ data not found (set DARD_DATA)");
        return;
    };
    for d in dialogs.iter().take(200) {
        let labels = gold_domains(d);
        assert_eq!(labels.len(), d.turns.len().div_ceil(2), "{}", d.id);
        assert!(
            labels.iter().all(Option::is_some),
            "{} has an unlabelled turn",
            d.id
        );
    }
}

#[test]
fn retrieved_replies_carry_exactly_the_placeholders_the_plan_allows() {
    let Some((dialogs, db)) = data() else {
        eprintln!("skipped: MultiWOZ data not found (set DARD_DATA)");
        return;
    };
    let lex = lexicon(&db);
    let realizer = Realizer::new(Pool::build(&dialogs, &lex));
    assert!(realizer.len() > 3000);
    let mut plan = Plan {
        domain: Domain::Restaurant,
        kind: Kind::Attrs,
        must: ["name", "phone"].iter().map(|s| s.to_string()).collect(),
        may: ["area"].iter().map(|s| s.to_string()).collect(),
        prefer: Default::default(),
        requests: Vec::new(),
        then: None,
        fallback_without: None,
        single_entity: true,
        amenities: INTERNET | PARKING,
        type_words: u32::MAX,
    };
    let words = ["what", "is", "the", "phone", "number"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let reply = realizer.realize(&plan, &words, None);
    let ph = placeholders_of(&reply);
    assert!(ph.contains("name") && ph.contains("phone"), "{reply}");
    assert!(
        ph.iter()
            .all(|p| ["name", "phone", "area"].contains(&p.as_str())),
        "{reply}"
    );
    // Replies from the dialog being replayed are never used.
    let first = realizer
        .retrieve(&plan, &words, None)
        .map(|e| e.dialog.clone());
    let other = realizer
        .retrieve(&plan, &words, first.as_deref())
        .map(|e| e.dialog.clone());
    assert_ne!(first, other);
    plan.kind = Kind::Bye;
    plan.must.clear();
    plan.may.clear();
    assert!(placeholders_of(&realizer.realize(&plan, &words, None)).is_empty());
}
