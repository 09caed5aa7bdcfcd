//! Config files: the examples parse, and bad configs fail at build time naming
//! the file and the key, before any model call.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use std::path::Path;

use manager::{BuildError, Config, Dard};
use multiwoz::Domain;
use support::data;

fn examples_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

#[test]
fn every_example_config_parses() {
    let mut seen = 0;
    for entry in std::fs::read_dir(examples_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let config = Config::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!config.references().is_empty());
            seen += 1;
        }
    }
    assert!(seen >= 3, "examples/*.toml: {seen}");
}

#[test]
fn best_mix_routes_domains_to_their_backends() {
    let config = Config::from_file(&examples_dir().join("dard-best-mix.toml")).unwrap();
    let agents = &config.pipeline.agents;
    assert_eq!(agents.for_domain(Domain::Hotel).0, "claude");
    assert_eq!(agents.for_domain(Domain::Restaurant).0, "claude");
    assert_eq!(agents.for_domain(Domain::Attraction).0, "claude");
    assert_eq!(agents.for_domain(Domain::Train).0, "flan-t5-train");
    assert_eq!(agents.for_domain(Domain::Taxi).0, "mistral-taxi");
    assert!(config.cache.dir.unwrap().ends_with(".dard-cache"));
}

fn build_file(text: &str) -> (tempfile::TempDir, BuildError) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let (db, dialogs) = data();
    let err = Dard::builder()
        .config_file(&path)
        .database(db)
        .dialogs(dialogs)
        .build()
        .unwrap_err();
    (dir, err)
}

#[test]
fn key_typo_fails_naming_file_and_key() {
    let (_dir, err) = build_file("[pipeline]\nagents = { defualt = \"builtin\" }\n");
    let msg = err.to_string();
    assert!(msg.contains("bad.toml") && msg.contains("defualt"), "{msg}");
}

#[test]
fn unknown_backend_fails_naming_file_and_key() {
    let (_dir, err) = build_file("[pipeline]\nrouter = \"gpt\"\n");
    let msg = err.to_string();
    assert!(
        msg.contains("bad.toml") && msg.contains("pipeline.router") && msg.contains("`gpt`"),
        "{msg}"
    );
}

#[test]
fn missing_model_fails_naming_the_backend_and_key() {
    let (_dir, err) = build_file(
        "[backends]\ngpt = { kind = \"openai\", base_url = \"http://127.0.0.1:9/v1\" }\n[pipeline]\nrouter = \"gpt\"\n",
    );
    let msg = err.to_string();
    // Found when the config is read, before any backend is built, with its line.
    assert!(matches!(err, BuildError::Config { .. }), "{msg}");
    assert!(
        msg.contains("bad.toml: line 2") && msg.contains("gpt") && msg.contains("model"),
        "{msg}"
    );
}

#[test]
fn unreadable_config_file_fails_naming_it() {
    let err = Dard::builder()
        .config_file("/nonexistent/dard.toml")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/dard.toml"), "{err}");
}

#[test]
fn misspelt_prompt_override_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("p")).unwrap();
    std::fs::write(dir.path().join("p/respons_taxi.txt"), "x").unwrap();
    let (_d, err) = build_file(&format!(
        "[prompts]\ndir = \"{}\"\n",
        dir.path().join("p").display()
    ));
    let msg = err.to_string();
    assert!(
        msg.contains("respons_taxi.txt") && msg.contains("bad.toml"),
        "{msg}"
    );
}

#[test]
fn builtin_default_builds_without_config() {
    let (db, dialogs) = data();
    let dard = Dard::builder()
        .database(db)
        .dialogs(dialogs)
        .build()
        .unwrap();
    let info = dard.info();
    assert_eq!(info.tracker, "builtin");
    assert_eq!(info.router, "builtin");
    assert!(info.agents.values().all(|b| b == "builtin"));
    assert!(dard.builtin().is_some());
}

#[test]
fn llama_model_path_is_relative_to_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dard.toml");
    std::fs::write(
        &path,
        "[backends]\nlocal = { kind = \"llama\", model_path = \"models/m.gguf\" }\n\
         abs = { kind = \"llama\", model_path = \"/opt/m.gguf\" }\n",
    )
    .unwrap();
    let config = Config::from_file(&path).unwrap();
    let model_path = |name: &str| match &config.backends[name] {
        models::BackendConfig::Llama(raw) => raw["model_path"].as_str().unwrap().to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        model_path("local"),
        dir.path().join("models/m.gguf").to_string_lossy()
    );
    assert_eq!(model_path("abs"), "/opt/m.gguf");
}
