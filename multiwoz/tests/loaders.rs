//! Loaders and data discovery: the shared MultiWOZ copy (acceptance counts), small
//! fixtures in every supported layout, and bad data giving typed errors.

// Tests may unwrap (project standard); the workspace lint is for library code.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use multiwoz::error::{LoadError, LocateError};
use multiwoz::load::{load_original_file, load_splits};
use multiwoz::locate::{
    DialogSource, Origin, inspect, locate_from, locate_with, user_data_dir_from,
};
use multiwoz::model::{SourceFormat, SpanPos, Speaker, Split};
use multiwoz::{Domain, Slot};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared() -> multiwoz::locate::DataLayout {
    let env = std::env::var_os("DARD_DATA").map(PathBuf::from);
    locate_from(None, env.as_deref(), &repo_root()).unwrap_or_else(|e| {
        panic!("these tests need the MultiWOZ data next to the repository: {e}")
    })
}

#[test]
fn shared_test_split_has_1000_dialogs_and_7372_system_turns() {
    let layout = shared();
    let test = load_splits(&layout, &[Split::Test]).unwrap();
    assert_eq!(test.len(), 1000);
    let system: usize = test.iter().map(|d| d.system_turns().count()).sum();
    assert_eq!(system, 7372);
    assert!(test.iter().all(|d| d.split == Some(Split::Test)));
    let val = load_splits(&layout, &[Split::Val]).unwrap();
    assert_eq!(val.len(), 999);
}

#[test]
fn shared_turn_model_carries_state_acts_and_spans() {
    let layout = shared();
    let test = load_splits(&layout, &[Split::Test]).unwrap();
    let d = test.iter().find(|d| d.id == "SNG0073").expect("SNG0073");
    assert_eq!(d.key(), "sng0073");
    assert_eq!(d.format, SourceFormat::Original);
    let goal = d.goal.as_ref().unwrap();
    assert_eq!(
        goal.domains.keys().copied().collect::<Vec<_>>(),
        [Domain::Taxi]
    );
    assert_eq!(goal.domains[&Domain::Taxi].info["leaveAt"], "17:15");
    let user = &d.turns[0];
    assert_eq!(user.speaker, Speaker::User);
    assert!(user.belief.is_none());
    assert_eq!(
        user.spans[0].pos,
        SpanPos::Tokens {
            first: 11,
            last: 14
        }
    );
    let sys = &d.turns[3];
    assert_eq!(sys.speaker, Speaker::System);
    let taxi = &sys.belief.as_ref().unwrap().domains[&Domain::Taxi];
    assert_eq!(taxi.semi[&Slot::Leave], "17:15");
    assert_eq!(taxi.booked[0]["type"], "blue honda");
    assert_eq!(sys.acts[0].act, "Taxi-Inform");
    assert_eq!(sys.acts[0].domain(), Some(Domain::Taxi));
    assert_eq!(sys.acts[0].intent(), "Inform");
    assert_eq!(sys.spans[1].slot, "Phone");
    // `bus` is not part of the ontology and is left out of the state.
    let hotel = &d.turns[1].belief.as_ref().unwrap().domains[&Domain::Hotel];
    assert_eq!(hotel.book[&Slot::BookStay], "");
}

/// A minimal original-format dialog; `meta` is the system turn's metadata.
fn dialog_json(meta: &str) -> String {
    format!(
        r#"{{"goal": {{"hotel": {{"info": {{"area": "east"}}, "reqt": ["phone"], "book": {{"people": "2", "invalid": false}}}},
             "taxi": {{}}, "message": ["find a hotel"], "topic": {{"hotel": true}}}},
          "log": [
            {{"text": "a hotel in the east please", "metadata": {{}}, "dialog_act": {{"Hotel-Inform": [["Area", "east"]]}},
              "span_info": [["Hotel-Inform", "Area", "east", 4, 4]]}},
            {{"text": "how about Allenbell ?", "metadata": {meta}, "dialog_act": "No Annotation",
              "span_info": [["Hotel-Inform", "Name", "Allenbell", 2, 2]]}}
          ]}}"#
    )
}

const GOOD_META: &str = r#"{"hotel": {"semi": {"area": "east", "price range": ""}, "book": {"booked": [], "people": "2"}},
                             "bus": {"semi": {"day": ""}, "book": {"booked": []}}}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

fn zip_with(path: &Path, members: &[(&str, &str)]) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    for (name, text) in members {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn per_split_plain_and_zipped_files_load_alike() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        r#"{{"SNG1": {}, "SNG2": {}}}"#,
        dialog_json(GOOD_META),
        dialog_json("{}")
    );
    write(dir.path(), "test.json", &body);
    zip_with(&dir.path().join("val.json.zip"), &[("val.json", &body)]);
    let layout = inspect(dir.path()).unwrap();
    assert!(matches!(layout.dialogs, DialogSource::PerSplit { .. }));
    let dialogs = load_splits(&layout, &[Split::Test, Split::Val]).unwrap();
    assert_eq!(dialogs.len(), 4);
    assert_eq!(dialogs[0].turns, dialogs[2].turns);
    assert_eq!(dialogs[2].split, Some(Split::Val));
    let sys = &dialogs[0].turns[1];
    let hotel = &sys.belief.as_ref().unwrap().domains;
    assert_eq!(hotel.len(), 1, "bus is skipped");
    assert_eq!(hotel[&Domain::Hotel].semi[&Slot::PriceRange], "");
    assert_eq!(hotel[&Domain::Hotel].book[&Slot::BookPeople], "2");
    assert!(sys.acts.is_empty(), "a string dialog_act reads as no acts");
    let goal = dialogs[0].goal.as_ref().unwrap();
    assert_eq!(goal.domains.len(), 1, "empty goal domains are left out");
    assert!(!goal.domains[&Domain::Hotel].book_flags["invalid"]);
    assert!(goal.domains[&Domain::Hotel].has_book);
}

#[test]
fn combined_data_json_is_split_by_list_files() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        r#"{{"SNG1.json": {a}, "SNG2.json": {a}, "SNG3.json": {a}}}"#,
        a = dialog_json(GOOD_META)
    );
    write(dir.path(), "data.json", &body);
    write(dir.path(), "testListFile.txt", "SNG2.json\n");
    write(dir.path(), "valListFile.txt", "SNG3.json\n");
    std::fs::create_dir(dir.path().join("db")).unwrap();
    write(dir.path(), "db/restaurant_db.json", "[]");
    let layout = inspect(dir.path()).unwrap();
    assert!(
        matches!(layout.dialogs, DialogSource::Combined { .. }),
        "{:?}",
        layout.dialogs
    );
    assert_eq!(
        layout.db_dir.as_deref(),
        Some(dir.path().join("db").as_path())
    );
    let dialogs = load_splits(&layout, &[Split::Test, Split::Val]).unwrap();
    let ids: Vec<(&str, Option<Split>)> =
        dialogs.iter().map(|d| (d.id.as_str(), d.split)).collect();
    assert_eq!(
        ids,
        [
            ("SNG2.json", Some(Split::Test)),
            ("SNG3.json", Some(Split::Val))
        ]
    );
    assert_eq!(dialogs[0].key(), "sng2");
    // A listed id that the data file lacks is an error naming both files.
    write(dir.path(), "testListFile.txt", "SNG9.json\n");
    let err = load_splits(&layout, &[Split::Test]).unwrap_err();
    assert!(
        matches!(err, LoadError::MissingDialog { ref id, .. } if id == "SNG9.json"),
        "{err}"
    );
}

#[test]
fn zip_without_the_expected_member_names_archive_and_member() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.json.zip");
    zip_with(&path, &[("other.json", "{}")]);
    let err = load_original_file(&path, None).unwrap_err();
    match &err {
        LoadError::MissingMember {
            path: p,
            member,
            found,
        } => {
            assert_eq!(p, &path);
            assert_eq!(member, "test.json");
            assert_eq!(found, &["other.json".to_string()]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let not_zip = write(dir.path(), "val.json.zip", "not a zip");
    let err = load_original_file(&not_zip, None).unwrap_err();
    assert!(matches!(err, LoadError::Zip { .. }), "{err:?}");
}

#[test]
fn truncated_json_reports_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(r#"{{"SNG1": {}}}"#, dialog_json(GOOD_META));
    let path = write(dir.path(), "test.json", &body[..body.len() / 2]);
    let err = load_original_file(&path, Some(Split::Test)).unwrap_err();
    let LoadError::Json { at, source } = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(at.file, path);
    assert!(source.line() > 1, "{source}");
    assert!(err.to_string().contains("test.json"), "{err}");
}

#[test]
fn wrong_shape_inside_a_dialog_names_the_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        r#"{{"SNG1": {}, "SNG2": {{"goal": {{}}, "log": 5}}}}"#,
        dialog_json(GOOD_META)
    );
    let path = write(dir.path(), "test.json", &body);
    let err = load_original_file(&path, None).unwrap_err();
    let LoadError::Json { at, .. } = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(at.dialog.as_deref(), Some("SNG2"));
}

#[test]
fn unknown_domain_and_slot_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let meta = r#"{"spaceship": {"semi": {}, "book": {"booked": []}}}"#;
    let path = write(
        dir.path(),
        "test.json",
        &format!(r#"{{"SNG1": {}}}"#, dialog_json(meta)),
    );
    let err = load_original_file(&path, None).unwrap_err();
    match &err {
        LoadError::UnknownDomain { at, name } => {
            assert_eq!(name, "spaceship");
            assert_eq!(at.dialog.as_deref(), Some("SNG1"));
            assert_eq!(at.field.as_deref(), Some("log[1].metadata.spaceship"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let meta = r#"{"hotel": {"semi": {"colour": "red"}, "book": {"booked": []}}}"#;
    let path = write(
        dir.path(),
        "test.json",
        &format!(r#"{{"SNG1": {}}}"#, dialog_json(meta)),
    );
    let err = load_original_file(&path, None).unwrap_err();
    assert!(
        matches!(&err, LoadError::UnknownSlot { at, name } if name == "colour"
            && at.field.as_deref() == Some("log[1].metadata.hotel.semi.colour")),
        "{err:?}"
    );
    assert!(err.to_string().contains("test.json"), "{err}");
}

#[test]
fn discovery_order_is_flag_then_env_then_local_then_shared() {
    let base = tempfile::tempdir().unwrap();
    let work = base.path().join("work");
    let local = work.join("data/multiwoz");
    let shared = base.path().join("shared/multiwoz");
    let flag = base.path().join("flag");
    let env = base.path().join("env");
    let body = format!(r#"{{"SNG1": {}}}"#, dialog_json(GOOD_META));
    for d in [&local, &shared, &flag, &env] {
        write(d, "test.json", &body);
    }
    let l = locate_from(Some(&flag), Some(&env), &work).unwrap();
    assert_eq!((l.root.clone(), l.origin), (flag.clone(), Origin::Flag));
    let l = locate_from(None, Some(&env), &work).unwrap();
    assert_eq!((l.root.clone(), l.origin), (env.clone(), Origin::Env));
    let l = locate_from(None, None, &work).unwrap();
    assert_eq!((l.root.clone(), l.origin), (local.clone(), Origin::Local));
    std::fs::remove_dir_all(&local).unwrap();
    let l = locate_from(None, None, &work).unwrap();
    assert_eq!(l.origin, Origin::Shared);
    assert!(l.root.ends_with("shared/multiwoz"));
}

#[test]
fn user_data_folder_is_searched_last_and_named_in_the_error() {
    let base = tempfile::tempdir().unwrap();
    let work = base.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let user = base.path().join("xdg/dard/multiwoz");
    let err = locate_with(None, None, &work, Some(&user)).unwrap_err();
    let LocateError::NotFound { looked } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(looked.len(), 3);
    assert_eq!(looked[2].0, user);
    write(
        &user,
        "test.json",
        &format!(r#"{{"SNG1": {}}}"#, dialog_json(GOOD_META)),
    );
    let l = locate_with(None, None, &work, Some(&user)).unwrap();
    assert_eq!((l.root.clone(), l.origin), (user.clone(), Origin::User));
    // ./data/multiwoz still comes first.
    let local = work.join("data/multiwoz");
    write(
        &local,
        "test.json",
        &format!(r#"{{"SNG1": {}}}"#, dialog_json(GOOD_META)),
    );
    let l = locate_with(None, None, &work, Some(&user)).unwrap();
    assert_eq!(l.origin, Origin::Local);
}

#[test]
fn user_data_folder_follows_xdg_then_home() {
    use std::ffi::OsStr;
    assert_eq!(
        user_data_dir_from(Some(OsStr::new("/x/data")), Some(OsStr::new("/home/u"))),
        Some(std::path::PathBuf::from("/x/data/dard/multiwoz"))
    );
    // A relative XDG_DATA_HOME is ignored, as the XDG specification says.
    assert_eq!(
        user_data_dir_from(Some(OsStr::new("rel")), Some(OsStr::new("/home/u"))),
        Some(std::path::PathBuf::from(
            "/home/u/.local/share/dard/multiwoz"
        ))
    );
    assert_eq!(user_data_dir_from(None, Some(OsStr::new(""))), None);
}

#[test]
fn missing_data_lists_where_it_looked_and_how_to_get_it() {
    let base = tempfile::tempdir().unwrap();
    let err = locate_from(None, None, base.path()).unwrap_err();
    let LocateError::NotFound { looked } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(looked.len(), 2);
    let msg = err.to_string();
    assert!(msg.contains("data/multiwoz"), "{msg}");
    assert!(msg.contains("shared/multiwoz"), "{msg}");
    assert!(msg.contains("dard data download"), "{msg}");
    let flag = base.path().join("nowhere");
    let msg = locate_from(Some(&flag), None, base.path())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("nowhere") && msg.contains("--data"), "{msg}");
}

#[test]
fn shared_folder_layout_is_recognized_with_db_and_evaluator_files() {
    let layout = shared();
    assert!(matches!(layout.dialogs, DialogSource::PerSplit { .. }));
    assert_eq!(layout.dialogs.splits(), [Split::Val, Split::Test]);
    assert!(
        layout
            .db_dir
            .as_ref()
            .unwrap()
            .join("hotel_db.json")
            .is_file()
    );
    assert!(layout.evaluator_db_dir.is_some());
    assert!(layout.schema.is_some());
    assert!(layout.eval_files.booked_domains.is_some());
    let services = multiwoz::load::schema22::load_schema(layout.schema.as_ref().unwrap()).unwrap();
    assert!(services.iter().any(|s| s.service_name == "hotel"));
}

/// A MultiWOZ 2.2 dialog in the schema format, written as the 2.2 README describes.
const DIALOG_22: &str = r#"[{
  "dialogue_id": "PMUL0001.json",
  "services": ["hotel", "bus"],
  "turns": [
    {"speaker": "USER", "turn_id": "0", "utterance": "I need a cheap hotel in the east.",
     "frames": [
       {"service": "hotel", "actions": [], "slots": [],
        "state": {"active_intent": "find_hotel", "requested_slots": [],
                  "slot_values": {"hotel-pricerange": ["cheap"], "hotel-area": ["east"], "hotel-bookpeople": ["2"]}}},
       {"service": "bus", "actions": [], "slots": [],
        "state": {"active_intent": "NONE", "requested_slots": [], "slot_values": {}}}]},
    {"speaker": "SYSTEM", "turn_id": "1", "utterance": "Allenbell is cheap. Call 01223210353.",
     "frames": [
       {"service": "hotel", "actions": [],
        "slots": [{"slot": "hotel-name", "start": 0, "exclusive_end": 9, "value": "Allenbell"}]}]}
  ]}]"#;

fn schema22_fixture(with_acts: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("MultiWOZ_2.2");
    write(
        &root,
        "schema.json",
        r#"[{"service_name": "hotel", "slots": [{"name": "hotel-area", "is_categorical": true, "possible_values": ["east"]}]}]"#,
    );
    write(&root, "test/dialogues_001.json", DIALOG_22);
    write(&root, "dev/dialogues_001.json", "[]");
    if with_acts {
        write(
            &root,
            "dialog_acts.json",
            r#"{"PMUL0001.json": {"1": {"dialog_act": {"Hotel-Inform": [["Name", "Allenbell"], ["Phone", "01223210353"]]},
                 "span_info": [["Hotel-Inform", "phone", "01223210353", 25, 36], ["Hotel-Inform", "name", "Allenbell", 0, 9]]}}}"#,
        );
    }
    dir
}

#[test]
fn schema22_fixture_loads_states_onto_system_turns() {
    let dir = schema22_fixture(false);
    let layout = inspect(dir.path()).unwrap();
    assert!(matches!(layout.dialogs, DialogSource::Schema22 { .. }));
    assert_eq!(layout.dialogs.splits(), [Split::Val, Split::Test]);
    let dialogs = load_splits(&layout, &[Split::Test]).unwrap();
    assert_eq!(dialogs.len(), 1);
    let d = &dialogs[0];
    assert_eq!(
        (d.key().as_str(), d.format, d.goal.is_none()),
        ("pmul0001", SourceFormat::Schema22, true)
    );
    assert!(d.turns[0].belief.is_none());
    let state = &d.turns[1].belief.as_ref().unwrap().domains;
    assert_eq!(state.len(), 1, "bus is skipped");
    assert_eq!(state[&Domain::Hotel].semi[&Slot::PriceRange], "cheap");
    assert_eq!(state[&Domain::Hotel].book[&Slot::BookPeople], "2");
    assert_eq!(d.turns[1].spans[0].pos, SpanPos::Chars { start: 0, end: 9 });
    assert_eq!(
        multiwoz::lex::delexicalize(&d.turns[1]),
        "[name] is cheap. Call 01223210353."
    );
    let derived = multiwoz::evaldata::EvalData::derive(&dialogs);
    let st = &derived.gold_states["pmul0001"][0];
    assert_eq!(st["hotel"]["pricerange"], "cheap");
    assert_eq!(st["hotel"]["bookpeople"], "2");
}

#[test]
fn schema22_dialog_acts_file_gives_acts_and_char_spans() {
    let dir = schema22_fixture(true);
    let layout = inspect(dir.path()).unwrap();
    let dialogs = load_splits(&layout, &[Split::Test]).unwrap();
    let sys = &dialogs[0].turns[1];
    assert_eq!(sys.acts.len(), 2);
    assert_eq!(sys.acts[1].slot, "Phone");
    assert_eq!(
        multiwoz::lex::delexicalize(sys),
        "[name] is cheap. Call [phone]."
    );
    let missing = load_splits(&layout, &[Split::Train]).unwrap_err();
    assert!(missing.to_string().contains("train"), "{missing}");
}

#[test]
fn schema22_unknown_slot_names_the_field() {
    let dir = schema22_fixture(false);
    let bad = DIALOG_22.replace("hotel-area", "hotel-colour");
    write(
        &dir.path().join("MultiWOZ_2.2"),
        "test/dialogues_001.json",
        &bad,
    );
    let layout = inspect(dir.path()).unwrap();
    let err = load_splits(&layout, &[Split::Test]).unwrap_err();
    assert!(
        matches!(&err, LoadError::UnknownSlot { at, name } if name == "hotel-colour"
            && at.dialog.as_deref() == Some("PMUL0001.json")),
        "{err:?}"
    );
}

/// An indented `{id: dialog}` file of `n` dialogs (several megabytes for a few
/// thousand), as MultiWOZ's own files are written; `bad` replaces one dialog.
fn indented_split(n: usize, bad: Option<(usize, &str)>) -> String {
    let good: serde_json::Value = serde_json::from_str(&dialog_json(GOOD_META)).unwrap();
    let mut all = serde_json::Map::new();
    for i in 0..n {
        let value = match bad {
            Some((at, text)) if at == i => serde_json::from_str(text).unwrap(),
            _ => good.clone(),
        };
        all.insert(format!("SNG{i:05}"), value);
    }
    serde_json::to_string_pretty(&serde_json::Value::Object(all)).unwrap()
}

#[test]
fn a_large_file_read_in_pieces_gives_the_dialogs_of_one_parse_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let body = indented_split(4000, None);
    assert!(body.len() > 3 << 20, "{} bytes", body.len());
    let plain = write(dir.path(), "test.json", &body);
    zip_with(&dir.path().join("val.json.zip"), &[("val.json", &body)]);
    let whole = multiwoz::load::parse_original(
        body.as_bytes(),
        &multiwoz::error::Location::file(&plain),
        Some(Split::Test),
        None,
    )
    .unwrap();
    assert_eq!(
        load_original_file(&plain, Some(Split::Test)).unwrap(),
        whole
    );
    let layout = inspect(dir.path()).unwrap();
    let counts = multiwoz::load::map_split(&layout, Split::Val, &|d| d.len()).unwrap();
    assert!(counts.len() > 1, "the file was not cut: {counts:?}");
    assert_eq!(counts.iter().sum::<usize>(), 4000);
    let zipped: Vec<String> = multiwoz::load::map_split(&layout, Split::Val, &|d| {
        d.into_iter().map(|d| d.id).collect::<Vec<_>>()
    })
    .unwrap()
    .concat();
    let ids: Vec<String> = whole.iter().map(|d| d.id.clone()).collect();
    assert_eq!(zipped, ids);
}

#[test]
fn an_error_late_in_a_large_file_names_the_whole_files_line_and_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let body = indented_split(4000, Some((3500, r#"{"goal": {}, "log": 5}"#)));
    let path = write(dir.path(), "test.json", &body);
    let err = load_original_file(&path, None).unwrap_err();
    let whole = multiwoz::load::parse_original(
        body.as_bytes(),
        &multiwoz::error::Location::file(&path),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), whole.to_string());
    let LoadError::Json { at, source } = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(at.dialog.as_deref(), Some("SNG03500"));
    let line = body[..body.find("\"log\": 5").unwrap()].lines().count();
    assert_eq!(source.line(), line, "{err}");
}
