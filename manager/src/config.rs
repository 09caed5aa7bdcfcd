//! The TOML configuration of a DARD pipeline: which backend serves each stage and
//! each domain, how prompts are built, and where data and the cache live.
//!
//! Every table rejects unknown keys, so a typo fails when the config is read,
//! with the file, line and key in the message. `examples/*.toml` document every
//! key. An empty config (or none) runs everything on the built-in default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use agents::llm::GenerationOptions;
use agents::prompt::{FewShot, PromptOptions};
use models::{BackendConfig, PriceTable};
use multiwoz::Domain;
use multiwoz::model::Split;
use serde::{Deserialize, Serialize};

use crate::config_user::UserConfig;
use crate::error::BuildError;

/// The name that selects the built-in (model-free) implementation of a stage.
pub const BUILTIN: &str = "builtin";

/// A whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Model backends by name (`[backends] claude = { kind = "bedrock", … }`); the
    /// keys are what `[pipeline]` refers to. See `models::BackendConfig`.
    #[serde(default)]
    pub backends: BTreeMap<String, BackendConfig>,
    /// Which backend serves each stage.
    #[serde(default)]
    pub pipeline: PipelineConfig,
    /// How prompts and few-shot examples are built.
    #[serde(default)]
    pub prompts: PromptsConfig,
    /// Generation settings of the LLM-backed stages.
    #[serde(default)]
    pub generation: GenerationOptions,
    /// Where the MultiWOZ data is.
    #[serde(default)]
    pub data: DataConfig,
    /// The response cache.
    #[serde(default)]
    pub cache: CacheConfig,
    /// Prices in US dollars per million tokens, by model id, for cost reports.
    #[serde(default)]
    pub prices: PriceTable,
    /// The model that plays the customer in `dard simulate --user llm`.
    #[serde(default, skip_serializing_if = "UserConfig::is_default")]
    pub user: UserConfig,
}

/// `[pipeline]`: the backend of each stage, by name (`"builtin"` or a key of
/// `[backends]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// The belief-state tracker.
    pub tracker: String,
    /// The dialog manager's router.
    pub router: String,
    /// The domain agents.
    pub agents: AgentsConfig,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            tracker: BUILTIN.to_string(),
            router: BUILTIN.to_string(),
            agents: AgentsConfig::default(),
        }
    }
}

/// `[pipeline.agents]`: the backend of each domain agent; a domain not named
/// uses `default`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentsConfig {
    /// The backend of every domain not named below.
    pub default: String,
    /// The restaurant agent.
    pub restaurant: Option<String>,
    /// The hotel agent.
    pub hotel: Option<String>,
    /// The attraction agent.
    pub attraction: Option<String>,
    /// The train agent.
    pub train: Option<String>,
    /// The taxi agent.
    pub taxi: Option<String>,
    /// The hospital agent.
    pub hospital: Option<String>,
    /// The police agent.
    pub police: Option<String>,
}

impl Default for AgentsConfig {
    fn default() -> Self {
        AgentsConfig {
            default: BUILTIN.to_string(),
            restaurant: None,
            hotel: None,
            attraction: None,
            train: None,
            taxi: None,
            hospital: None,
            police: None,
        }
    }
}

impl AgentsConfig {
    /// The backend name of `domain`'s agent, and the config key it came from.
    pub fn for_domain(&self, domain: Domain) -> (&str, String) {
        let specific = match domain {
            Domain::Restaurant => &self.restaurant,
            Domain::Hotel => &self.hotel,
            Domain::Attraction => &self.attraction,
            Domain::Train => &self.train,
            Domain::Taxi => &self.taxi,
            Domain::Hospital => &self.hospital,
            Domain::Police => &self.police,
            _ => &None,
        };
        match specific {
            Some(name) => (name, format!("pipeline.agents.{domain}")),
            None => (&self.default, "pipeline.agents.default".to_string()),
        }
    }
}

/// `[prompts]`: templates and few-shot examples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromptsConfig {
    /// A directory whose `*.txt` files replace the compiled-in templates of the
    /// same name (relative paths are relative to the config file).
    pub dir: Option<PathBuf>,
    /// How examples are chosen: `"none"`, `"fixed"` or `"retrieved"`.
    pub few_shot: FewShot,
    /// Examples per prompt.
    pub shots: usize,
    /// Utterances of the live dialog shown (0 = all).
    pub history_turns: usize,
    /// Utterances of context per example.
    pub example_turns: usize,
    /// The splits examples (and the built-in default's training data) come
    /// from; those the data folder lacks are skipped. `test` is refused.
    pub example_splits: Vec<Split>,
}

impl Default for PromptsConfig {
    fn default() -> Self {
        let o = PromptOptions::default();
        PromptsConfig {
            dir: None,
            few_shot: o.few_shot,
            shots: o.shots,
            history_turns: o.history_turns,
            example_turns: o.example_turns,
            example_splits: vec![Split::Train, Split::Val],
        }
    }
}

impl PromptsConfig {
    /// The prompt options these settings give.
    pub fn options(&self) -> PromptOptions {
        PromptOptions {
            few_shot: self.few_shot,
            shots: self.shots,
            history_turns: self.history_turns,
            example_turns: self.example_turns,
        }
    }
}

/// `[data]`: where the MultiWOZ data folder is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// The data folder; without it, `DARD_DATA`, `./data/multiwoz` and
    /// `../shared/multiwoz` are tried (relative paths are relative to the
    /// config file).
    pub dir: Option<PathBuf>,
}

/// `[cache]`: the on-disk response cache of the model backends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// The cache directory; without it, nothing is cached (relative paths are
    /// relative to the config file).
    pub dir: Option<PathBuf>,
}

impl Config {
    /// Reads and checks a config file. Relative paths in `[prompts]`, `[data]`,
    /// `[cache]` and a llama backend's `model_path` are made relative to the
    /// file's folder.
    pub fn from_file(path: &Path) -> Result<Config, BuildError> {
        let text = std::fs::read_to_string(path).map_err(|source| BuildError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::from_toml(&text, Some(path))?;
        if let Some(base) = path.parent() {
            config.resolve_paths(base);
        }
        Ok(config)
    }

    /// Parses config text; `file` names it in errors.
    pub fn from_toml(text: &str, file: Option<&Path>) -> Result<Config, BuildError> {
        let config = crate::config_load::parse(text, file)?;
        config.check(file)?;
        Ok(config)
    }

    /// Every stage on one backend: what `--backend … --model …` overrides give.
    pub fn all_on(name: &str, backend: BackendConfig) -> Config {
        let mut config = Config::default();
        config.backends.insert(name.to_string(), backend);
        config.pipeline.tracker = name.to_string();
        config.pipeline.router = name.to_string();
        config.pipeline.agents.default = name.to_string();
        config
    }

    /// The stage references: `(config key, backend name)`.
    pub fn references(&self) -> Vec<(String, String)> {
        let mut refs = vec![
            (
                "pipeline.tracker".to_string(),
                self.pipeline.tracker.clone(),
            ),
            ("pipeline.router".to_string(), self.pipeline.router.clone()),
            (
                "pipeline.agents.default".to_string(),
                self.pipeline.agents.default.clone(),
            ),
        ];
        for d in Domain::ALL {
            let (name, key) = self.pipeline.agents.for_domain(d);
            if key != "pipeline.agents.default" {
                refs.push((key, name.to_string()));
            }
        }
        refs
    }

    /// Checks what serde cannot: backend values (URLs, timeouts, required keys),
    /// names that refer to no backend, and splits examples must never come from.
    pub fn check(&self, file: Option<&Path>) -> Result<(), BuildError> {
        for (name, backend) in &self.backends {
            backend
                .validate(name)
                .map_err(|source| BuildError::Backend {
                    file: file.map(Path::to_path_buf),
                    source,
                })?;
        }
        for (key, name) in self.references() {
            if name != BUILTIN && !self.backends.contains_key(&name) {
                return Err(BuildError::UnknownBackend {
                    file: file.map(Path::to_path_buf),
                    key,
                    name,
                    defined: self.backends.keys().cloned().collect::<Vec<_>>().join(", "),
                });
            }
        }
        if let Err((key, message)) = self.user.check(&self.backends) {
            return Err(BuildError::Config {
                file: file.map(Path::to_path_buf),
                message: format!("user.{key}: {message}"),
            });
        }
        if self.prompts.example_splits.contains(&Split::Test) {
            return Err(BuildError::Config {
                file: file.map(Path::to_path_buf),
                message: "prompts.example_splits: the test split may never give examples"
                    .to_string(),
            });
        }
        Ok(())
    }

    fn resolve_paths(&mut self, base: &Path) {
        for p in [
            &mut self.prompts.dir,
            &mut self.data.dir,
            &mut self.cache.dir,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        // A local model's file is found where the config file says, not
        // relative to wherever dard happens to be started.
        for backend in self.backends.values_mut() {
            if let BackendConfig::Llama(raw) = backend
                && let Some(serde_json::Value::String(p)) = raw.get_mut("model_path")
                && Path::new(p.as_str()).is_relative()
            {
                *p = base.join(&*p).to_string_lossy().into_owned();
            }
        }
    }

    /// Whether any stage uses the built-in default.
    pub fn uses_builtin(&self) -> bool {
        self.pipeline.tracker == BUILTIN
            || self.pipeline.router == BUILTIN
            || Domain::ALL
                .into_iter()
                .any(|d| self.pipeline.agents.for_domain(d).0 == BUILTIN)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_all_builtin() {
        let c = Config::from_toml("", None).unwrap();
        assert_eq!(c.pipeline.tracker, BUILTIN);
        assert_eq!(c.pipeline.agents.for_domain(Domain::Taxi).0, BUILTIN);
        assert!(c.uses_builtin());
    }

    #[test]
    fn per_domain_agent_overrides_default() {
        let c = Config::from_toml(
            r#"
            [backends]
            gpt = { kind = "openai", model = "gpt-4o-mini" }
            [pipeline]
            agents = { default = "gpt", taxi = "builtin" }
            "#,
            None,
        )
        .unwrap();
        assert_eq!(c.pipeline.agents.for_domain(Domain::Hotel).0, "gpt");
        let (name, key) = c.pipeline.agents.for_domain(Domain::Taxi);
        assert_eq!((name, key.as_str()), ("builtin", "pipeline.agents.taxi"));
    }

    #[test]
    fn key_typo_names_the_key_and_file() {
        let err = Config::from_toml(
            "[pipeline]\ntracer = \"builtin\"\n",
            Some(Path::new("my.toml")),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("my.toml") && err.contains("tracer"), "{err}");
        let err = Config::from_toml("[pipeline.agents]\nresturant = \"builtin\"\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("resturant"), "{err}");
    }

    #[test]
    fn unknown_backend_names_the_key() {
        let err = Config::from_toml(
            "[pipeline]\nagents = { train = \"local-t5\" }\n",
            Some(Path::new("best.toml")),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("best.toml")
                && err.contains("pipeline.agents.train")
                && err.contains("local-t5"),
            "{err}"
        );
    }

    #[test]
    fn test_split_examples_are_refused() {
        let err = Config::from_toml("[prompts]\nexample_splits = [\"val\", \"test\"]\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("example_splits"), "{err}");
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[prompts]\ndir = \"my-prompts\"\n[cache]\ndir = \"/abs/cache\"\n",
        )
        .unwrap();
        let c = Config::from_file(&path).unwrap();
        assert_eq!(c.prompts.dir.unwrap(), dir.path().join("my-prompts"));
        assert_eq!(c.cache.dir.unwrap(), PathBuf::from("/abs/cache"));
    }
}
