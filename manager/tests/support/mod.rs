//! Shared set-up of the manager's integration tests: the synthetic fixtures and
//! a pipeline whose model stages run on one scripted model.

#![allow(clippy::unwrap_used)] // Tests may unwrap.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use manager::{Config, Dard};
use models::scripted::ScriptedModel;
use models::{BackendKind, ChatRequest, ModelHandle, ModelInfo};
use multiwoz::db::Database;
use multiwoz::model::{Dialog, Split};

/// The fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../manager/tests/fixtures")
}

/// The synthetic database and the three synthetic val dialogs.
pub fn data() -> (Arc<Database>, Vec<Dialog>) {
    let db = Database::load(&fixtures().join("db")).expect("fixture db");
    let dialogs =
        multiwoz::load::load_original_file(&fixtures().join("dialogs_val.json"), Some(Split::Val))
            .expect("fixture dialogs");
    (Arc::new(db), dialogs)
}

/// A config with every stage on the backend `script`, plus `extra` TOML.
pub fn scripted_config(extra: &str) -> Config {
    let text = format!(
        "[backends]\nscript = {{ kind = \"scripted\", replies = [\"unused\"] }}\n\
         [pipeline]\ntracker = \"script\"\nrouter = \"script\"\nagents = {{ default = \"script\" }}\n{extra}"
    );
    Config::from_toml(&text, None).expect("scripted config")
}

/// The handle of a scripted model, named `script`.
pub fn handle(model: &ScriptedModel) -> ModelHandle {
    ModelHandle::new(
        ModelInfo {
            name: "script".to_string(),
            kind: BackendKind::Scripted,
            model: "scripted".to_string(),
        },
        model.clone(),
    )
}

/// A pipeline on the fixtures whose `script` backend is `model`.
pub fn scripted_dard(model: &ScriptedModel, config: Config) -> Dard {
    let (db, dialogs) = data();
    Dard::builder()
        .config(config)
        .database(db)
        .dialogs(dialogs)
        .model("script", handle(model))
        .build()
        .expect("build scripted pipeline")
}

/// A request as readable text, for snapshots.
pub fn show(req: &ChatRequest) -> String {
    let mut out = format!(
        "max_tokens: {}, temperature: {:?}\n=== system ===\n{}\n",
        req.max_tokens,
        req.temperature,
        req.system.as_deref().unwrap_or("")
    );
    for m in &req.messages {
        out.push_str(&format!("=== {:?} ===\n{}\n", m.role, m.content));
    }
    out
}
