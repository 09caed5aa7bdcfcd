//! `[user]`: the model that plays the customer in `dard simulate --user llm`.
//!
//! The pipeline itself never reads this section; it lives in the same file so
//! that one config names every model of a simulated conversation, and it is
//! checked with the rest when the file is read (a `backend` that names no
//! `[backends]` entry fails with its line, before any dialog runs).

use std::collections::BTreeMap;

use models::BackendConfig;
use serde::{Deserialize, Serialize};

use crate::config::BUILTIN;

/// `[user]`: who plays the simulated customer when one is played by a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UserConfig {
    /// The `[backends]` entry that plays the customer.
    pub backend: Option<String>,
    /// The most tokens of one customer turn.
    pub max_tokens: u32,
    /// The sampling temperature of the customer's turns.
    pub temperature: f32,
}

impl Default for UserConfig {
    fn default() -> Self {
        UserConfig {
            backend: None,
            max_tokens: 96,
            temperature: 0.7,
        }
    }
}

impl UserConfig {
    /// Whether the section is absent or says only what the defaults say.
    pub fn is_default(&self) -> bool {
        *self == UserConfig::default()
    }

    /// Checks the section against the defined backends: the key at fault and
    /// what is wrong with it.
    pub(crate) fn check(
        &self,
        backends: &BTreeMap<String, BackendConfig>,
    ) -> Result<(), (&'static str, String)> {
        if self.max_tokens == 0 {
            return Err(("max_tokens", "must be at least 1".to_string()));
        }
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return Err((
                "temperature",
                format!("{} is not a non-negative number", self.temperature),
            ));
        }
        let Some(name) = &self.backend else {
            return Ok(());
        };
        let defined = || backends.keys().cloned().collect::<Vec<_>>().join(", ");
        match backends.get(name) {
            _ if name == BUILTIN => Err((
                "backend",
                "the built-in default is no model and cannot play the customer; \
                 name a [backends] entry"
                    .to_string(),
            )),
            Some(BackendConfig::Builtin) => Err((
                "backend",
                format!("`{name}` is a builtin backend and cannot play the customer"),
            )),
            Some(_) => Ok(()),
            None => Err((
                "backend",
                format!(
                    "unknown backend `{name}` (defined under [backends]: {})",
                    defined()
                ),
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use std::path::Path;

    use crate::config::Config;

    fn error(text: &str) -> String {
        Config::from_toml(text, Some(Path::new("sim.toml")))
            .unwrap_err()
            .to_string()
    }

    const GPT: &str = "[backends.gpt]\nkind = \"openai\"\nmodel = \"m\"\n";

    #[test]
    fn a_user_backend_that_names_no_backend_fails_with_its_line() {
        let e = error(&format!("{GPT}\n[user]\nbackend = \"claude\"\n"));
        assert!(
            e.starts_with("sim.toml: line 6, column 1: user.backend: unknown backend `claude`")
                && e.contains("gpt"),
            "{e}"
        );
        let e = error("[user]\nbackend = \"builtin\"\n");
        assert!(
            e.contains("user.backend") && e.contains("cannot play"),
            "{e}"
        );
        let e = error(&format!("{GPT}[user]\nbackend = \"gpt\"\nmax_tokens = 0\n"));
        assert!(e.contains("line 6") && e.contains("user.max_tokens"), "{e}");
        let e = error("[user]\nbakend = \"gpt\"\n");
        assert!(
            e.contains("user.bakend") && e.contains("unknown field"),
            "{e}"
        );
    }

    #[test]
    fn a_user_section_is_read_and_left_out_of_the_config_json_when_absent() {
        let c = Config::from_toml(&format!("{GPT}[user]\nbackend = \"gpt\"\n"), None).unwrap();
        assert_eq!(c.user.backend.as_deref(), Some("gpt"));
        assert_eq!(c.user.max_tokens, 96);
        let plain = serde_json::to_value(Config::from_toml(GPT, None).unwrap()).unwrap();
        assert!(plain.get("user").is_none(), "{plain}");
    }
}
