//! What a benchmark run is asked to do ([`BenchSpec`]), how flags and a saved
//! run combine on `--resume` ([`SpecFlags`], [`Manifest`]), and the pipeline
//! configuration a spec gives.

use std::path::{Path, PathBuf};

use multiwoz::model::Split;
use serde::{Deserialize, Serialize};

use crate::backend_flag::BackendOverride;
use crate::error::BenchError;
use crate::files;
use manager::Config;

/// Where each turn's belief state comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Setting {
    /// The gold state replaces the tracker ("policy optimization").
    #[default]
    GoldState,
    /// The pipeline's own tracker ("end-to-end").
    EndToEnd,
}

impl Setting {
    /// The flag value (`gold-state`, `end-to-end`).
    pub fn as_str(self) -> &'static str {
        match self {
            Setting::GoldState => "gold-state",
            Setting::EndToEnd => "end-to-end",
        }
    }
}

/// Which dialogs of the split are played.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Selection {
    /// Every dialog of the split.
    #[default]
    All,
    /// The first N dialogs, in the split's order.
    First(usize),
    /// These dialogs (matched case-insensitively, `.json` optional).
    Ids(Vec<String>),
}

impl Selection {
    fn describe(&self) -> String {
        match self {
            Selection::All => "all dialogs".to_string(),
            Selection::First(n) => format!("--dialogs {n}"),
            Selection::Ids(ids) => format!("--ids {}", ids.join(",")),
        }
    }
}

/// Everything a run is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchSpec {
    /// The split played (`test` or `val`).
    pub split: Split,
    /// Gold states or the pipeline's own tracker.
    pub setting: Setting,
    /// Which dialogs.
    pub selection: Selection,
    /// The MultiWOZ data folder (default: the usual search).
    pub data_dir: Option<PathBuf>,
    /// The TOML config file (default: the built-in default).
    pub config_file: Option<PathBuf>,
    /// Every stage on this backend (applied on top of the config file, if any).
    pub backend: Option<BackendOverride>,
}

impl Default for BenchSpec {
    fn default() -> Self {
        BenchSpec {
            split: Split::Test,
            setting: Setting::default(),
            selection: Selection::default(),
            data_dir: None,
            config_file: None,
            backend: None,
        }
    }
}

impl BenchSpec {
    /// Checks what a spec can check alone.
    pub fn check(&self) -> Result<(), BenchError> {
        if !matches!(self.split, Split::Test | Split::Val) {
            return Err(BenchError::flag(
                "--split",
                format!(
                    "{} has no references to score against; use test or val",
                    self.split
                ),
            ));
        }
        match &self.selection {
            Selection::First(0) => Err(BenchError::flag("--dialogs", "must be at least 1")),
            Selection::Ids(ids) if ids.is_empty() => {
                Err(BenchError::flag("--ids", "names no dialog"))
            }
            _ => Ok(()),
        }
    }

    /// The pipeline configuration: the config file (or the built-in default) with
    /// the backend override applied. Fails naming the file and key.
    pub fn config(&self, concurrency: usize) -> Result<Config, BenchError> {
        let mut config = match &self.config_file {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        if let Some(o) = &self.backend {
            let name = o.name();
            config
                .backends
                .insert(name.to_string(), o.backend_config(concurrency));
            config.pipeline.tracker = name.to_string();
            config.pipeline.router = name.to_string();
            config.pipeline.agents = Default::default();
            config.pipeline.agents.default = name.to_string();
        }
        Ok(config)
    }
}

/// The settings given on the command line; `None` where a flag was not given, so
/// that `--resume` can take the run's own.
#[derive(Debug, Clone, Default)]
pub struct SpecFlags {
    /// `--split`.
    pub split: Option<Split>,
    /// `--setting`.
    pub setting: Option<Setting>,
    /// `--dialogs` or `--ids`.
    pub selection: Option<Selection>,
    /// `--data`.
    pub data_dir: Option<PathBuf>,
    /// `--config`.
    pub config_file: Option<PathBuf>,
    /// `--backend …`.
    pub backend: Option<BackendOverride>,
}

impl SpecFlags {
    /// Paths made absolute, so a run can be resumed from another directory.
    fn absolute(mut self) -> SpecFlags {
        let abs = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
        self.data_dir = self.data_dir.map(abs);
        self.config_file = self.config_file.map(abs);
        self
    }

    /// The spec of a new run: defaults where a flag is absent; paths absolute.
    pub fn into_spec(self) -> BenchSpec {
        let this = self.absolute();
        BenchSpec {
            split: this.split.unwrap_or(Split::Test),
            setting: this.setting.unwrap_or_default(),
            selection: this.selection.unwrap_or_default(),
            data_dir: this.data_dir,
            config_file: this.config_file,
            backend: this.backend,
        }
    }

    /// The spec of a resumed run: the run's settings, and any flag given must
    /// agree with them (a flag that changes what is played is refused, naming it).
    pub fn resume(self, saved: &Manifest, dir: &Path) -> Result<BenchSpec, BenchError> {
        let this = self.absolute();
        let s = &saved.spec;
        let differ = |field: &str, was: String, now: String| BenchError::Mismatch {
            dir: dir.to_path_buf(),
            field: field.to_string(),
            was,
            now,
        };
        if let Some(split) = this.split.filter(|x| *x != s.split) {
            return Err(differ("--split", s.split.to_string(), split.to_string()));
        }
        if let Some(setting) = this.setting.filter(|x| *x != s.setting) {
            return Err(differ(
                "--setting",
                s.setting.as_str().into(),
                setting.as_str().into(),
            ));
        }
        if let Some(sel) = this.selection.as_ref().filter(|x| **x != s.selection) {
            return Err(differ(
                "the dialogs",
                s.selection.describe(),
                sel.describe(),
            ));
        }
        if this.config_file.is_some() && this.config_file != s.config_file {
            return Err(differ(
                "--config",
                show_path(s.config_file.as_deref()),
                show_path(this.config_file.as_deref()),
            ));
        }
        if this.backend.is_some() && this.backend != s.backend {
            return Err(differ(
                "--backend",
                format!("{:?}", s.backend),
                format!("{:?}", this.backend),
            ));
        }
        let mut spec = s.clone();
        if this.data_dir.is_some() {
            // The data may have moved; the dialogs played are checked by id.
            spec.data_dir = this.data_dir;
        }
        Ok(spec)
    }
}

fn show_path(p: Option<&Path>) -> String {
    p.map_or("none".to_string(), |p| p.display().to_string())
}

/// `run.json`: what a run was asked, written when it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The dard version that started the run.
    pub dard_version: String,
    /// When the run started (RFC 3339).
    pub started: String,
    /// The settings.
    pub spec: BenchSpec,
    /// The dialog ids played, in order.
    pub dialogs: Vec<String>,
    /// The pipeline configuration, secrets redacted.
    pub config: serde_json::Value,
}

impl Manifest {
    /// Reads `run.json` from a run folder.
    pub fn read(dir: &Path) -> Result<Manifest, BenchError> {
        let path = dir.join(files::MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => BenchError::flag(
                "--resume",
                format!(
                    "{} holds no run ({} is missing)",
                    dir.display(),
                    files::MANIFEST
                ),
            ),
            _ => BenchError::Io {
                path: path.clone(),
                source: e,
            },
        })?;
        serde_json::from_str(&text).map_err(|e| BenchError::Format {
            path,
            message: e.to_string(),
        })
    }

    /// Writes `run.json` into a run folder.
    pub fn write(&self, dir: &Path) -> Result<(), BenchError> {
        let path = dir.join(files::MANIFEST);
        let format = |e: serde_json::Error| BenchError::Format {
            path: path.clone(),
            message: e.to_string(),
        };
        let mut value = serde_json::to_value(self).map_err(format)?;
        redact_strings(&mut value);
        let text = serde_json::to_string_pretty(&value).map_err(format)?;
        std::fs::write(&path, text + "\n").map_err(BenchError::io(path))
    }
}

/// The configuration as JSON for reports, with header values (which may be
/// credentials) replaced. API keys are never in the config, only variable names.
pub(crate) fn redacted(config: &Config) -> serde_json::Value {
    let mut value = serde_json::to_value(config).unwrap_or(serde_json::Value::Null);
    if let Some(backends) = value
        .get_mut("backends")
        .and_then(serde_json::Value::as_object_mut)
    {
        for backend in backends.values_mut() {
            if let Some(headers) = backend
                .get_mut("headers")
                .and_then(serde_json::Value::as_object_mut)
            {
                for v in headers.values_mut() {
                    *v = serde_json::Value::String("<redacted>".to_string());
                }
            }
        }
    }
    redact_strings(&mut value);
    value
}

/// Removes the userinfo of every URL in every string of `value`, so no
/// `http://user:secret@host` reaches a file.
pub(crate) fn redact_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if models::redact::has_userinfo(s) => {
            *s = models::redact::redact_urls(s);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use models::BackendConfig;

    use super::*;

    fn manifest(spec: BenchSpec) -> Manifest {
        Manifest {
            dard_version: "0".into(),
            started: "now".into(),
            spec,
            dialogs: vec![],
            config: serde_json::Value::Null,
        }
    }

    #[test]
    fn bench_override_without_model_names_the_flag() {
        let err = BackendOverride::from_flags("openai", None, None, None, None, None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--model"), "{err}");
        let err =
            BackendOverride::from_flags("gemini", Some("m".into()), None, None, None, None, None)
                .unwrap_err()
                .to_string();
        assert!(err.contains("--backend") && err.contains("gemini"), "{err}");
        let err = BackendOverride::from_flags(
            "openai",
            Some("m".into()),
            None,
            None,
            Some("us-east-1".into()),
            None,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("--region"), "{err}");
    }

    #[test]
    fn backend_llama_takes_a_model_path() {
        let o = BackendOverride::from_flags(
            "llama",
            None,
            None,
            None,
            None,
            None,
            Some("m.gguf".into()),
        )
        .unwrap();
        assert_eq!(o.name(), "llama");
        let err = BackendOverride::from_flags("llama", None, None, None, None, None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--model-path"), "{err}");
        let err = BackendOverride::from_flags(
            "llama",
            Some("gemma".into()),
            None,
            None,
            None,
            None,
            Some("m.gguf".into()),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("--model"), "{err}");
        let err = BackendOverride::from_flags(
            "openai",
            Some("m".into()),
            None,
            None,
            None,
            None,
            Some("m.gguf".into()),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("--model-path"), "{err}");
        let spec = BenchSpec {
            backend: Some(o),
            ..BenchSpec::default()
        };
        let c = spec.config(4).unwrap();
        assert_eq!(c.pipeline.tracker, "llama");
        match &c.backends["llama"] {
            BackendConfig::Llama(raw) => assert_eq!(raw["model_path"], "m.gguf"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bench_override_points_every_stage_at_one_backend() {
        let spec = BenchSpec {
            backend: Some(BackendOverride::Openai {
                model: "m".into(),
                base_url: Some("http://127.0.0.1:1/v1".into()),
                api_key_env: None,
            }),
            ..BenchSpec::default()
        };
        let c = spec.config(32).unwrap();
        assert_eq!(c.pipeline.tracker, "openai");
        assert_eq!(c.pipeline.router, "openai");
        assert_eq!(
            c.pipeline.agents.for_domain(multiwoz::Domain::Taxi).0,
            "openai"
        );
        match &c.backends["openai"] {
            BackendConfig::Openai(o) => assert_eq!(o.layers.concurrency, 32),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bench_config_typo_names_key_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("typo.toml");
        std::fs::write(&path, "[pipeline]\nruoter = \"builtin\"\n").unwrap();
        let spec = BenchSpec {
            config_file: Some(path),
            ..BenchSpec::default()
        };
        let err = spec.config(8).unwrap_err().to_string();
        assert!(err.contains("typo.toml") && err.contains("ruoter"), "{err}");
    }

    #[test]
    fn bench_resume_takes_the_runs_settings_and_refuses_changes() {
        let saved = manifest(BenchSpec {
            split: Split::Val,
            setting: Setting::EndToEnd,
            selection: Selection::First(3),
            ..BenchSpec::default()
        });
        let dir = Path::new("runs/x");
        let spec = SpecFlags::default().resume(&saved, dir).unwrap();
        assert_eq!(spec, saved.spec);
        let err = SpecFlags {
            setting: Some(Setting::GoldState),
            ..SpecFlags::default()
        }
        .resume(&saved, dir)
        .unwrap_err()
        .to_string();
        assert!(err.contains("--setting") && err.contains("runs/x"), "{err}");
        let same = SpecFlags {
            split: Some(Split::Val),
            selection: Some(Selection::First(3)),
            ..SpecFlags::default()
        };
        assert!(same.resume(&saved, dir).is_ok());
    }

    #[test]
    fn bench_spec_check_refuses_train_and_empty_selections() {
        let spec = BenchSpec {
            split: Split::Train,
            ..BenchSpec::default()
        };
        assert!(spec.check().unwrap_err().to_string().contains("--split"));
        let spec = BenchSpec {
            selection: Selection::First(0),
            ..BenchSpec::default()
        };
        assert!(spec.check().unwrap_err().to_string().contains("--dialogs"));
    }

    #[test]
    fn bench_redaction_hides_header_values() {
        let c = Config::from_toml(
            "[backends.gpt]\nkind = \"openai\"\nmodel = \"m\"\nheaders = { api-key = \"sekret\" }\n",
            None,
        )
        .unwrap();
        let text = redacted(&c).to_string();
        assert!(
            !text.contains("sekret") && text.contains("<redacted>"),
            "{text}"
        );
    }
}
