//! Prompt rendering for the LLM-backed roles.
//!
//! The templates live in the repository's `prompts/` folder as plain text and are
//! compiled in with `include_str!`; a directory given at run time overrides any of
//! them file by file ([`PromptSet::load`]). A [`Prompter`] joins the templates, the
//! few-shot [`ExamplePool`] and the formatting rules, and renders a [`Prompt`] for a
//! role's input. Rendering is a pure function of the prompter and the input: the
//! same input gives the same bytes, so `dard export` can write exactly the prompts
//! the agents send.

mod examples;
mod format;
mod placeholders;
mod render;
mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use multiwoz::Domain;
use serde::{Deserialize, Serialize};

use models::{ChatRequest, Message};

pub use examples::{Example, ExamplePool, FewShot, Grounder, to_dialog_state};
pub use format::{
    domain_slots, format_db, format_domain_state, format_history, format_route_answer,
    format_slots, format_state, format_state_answer,
};
pub use placeholders::{is_stock_placeholder, placeholders, unknown_placeholders};
pub use render::{PromptOptions, Prompter, gold_reason};
pub use template::{SYSTEM_MARKER, Template, USER_MARKER};

/// The error of loading or rendering prompt templates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PromptError {
    /// A template is malformed.
    #[error("prompt template {file}: {message}")]
    Template {
        /// The file (or `default:<name>` for a compiled-in template).
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A template file or directory could not be read.
    #[error("prompt directory {}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An override directory holds a file that is not a known template, most
    /// likely a misspelt one.
    #[error(
        "prompt directory: {} is not a known template (expected one of: {expected})",
        .path.display()
    )]
    UnknownFile {
        /// The file.
        path: PathBuf,
        /// The known file names.
        expected: String,
    },
}

/// A rendered prompt: what an LLM-backed role sends, before generation settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Prompt {
    /// The system prompt.
    pub system: String,
    /// The user message.
    pub user: String,
    /// How many leading bytes of `user` read the same for every input of the
    /// stage (few-shot examples fixed for it): with the system prompt, the
    /// static prefix a local model keeps evaluated. The templates put this
    /// part first and the turn's own text (history, state, database) last.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub static_user: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Prompt {
    /// The chat messages of the prompt (the system prompt is separate in
    /// [`ChatRequest`]).
    pub fn messages(&self) -> Vec<Message> {
        vec![Message::user(self.user.clone())]
    }

    /// The request the roles send for this prompt, with [`STOP_SEQUENCES`],
    /// its static prefix, and a one-line answer: every stage answers on one
    /// line (a JSON object, or the reply), so a backend that can stops at the
    /// line's end instead of letting a base model run on to the token limit.
    pub fn to_request(&self, max_tokens: u32, temperature: f32) -> ChatRequest {
        STOP_SEQUENCES.iter().fold(
            ChatRequest::new(self.messages())
                .with_system(self.system.clone())
                .with_max_tokens(max_tokens)
                .with_temperature(temperature)
                .with_single_line()
                .with_static_prefix(self.static_user),
            |req, stop| req.with_stop(*stop),
        )
    }

    /// The prompt as one text (system, a blank line, user), for prompt–completion
    /// training data.
    pub fn to_text(&self) -> String {
        format!("{}\n\n{}", self.system, self.user)
    }
}

/// Where an answer to one of dard's prompts is over: the next speaker tag of
/// the conversation format ([`format_history`] writes `user:` / `system:`
/// lines) and the heading of the next example. A model that continues the
/// text past its answer — a base model on the plain template does — writes
/// these next. Four at most (OpenAI's limit), none of them whitespace only
/// (Bedrock refuses those).
pub const STOP_SEQUENCES: [&str; 4] = ["\nuser:", "\nsystem:", "\nExample ", "\nConversation:"];

/// The variables the router template may use.
pub const ROUTER_VARS: &[&str] = &["agents", "examples", "history", "state"];
/// The variables the DST template may use.
pub const DST_VARS: &[&str] = &["slots", "examples", "history", "previous_state"];
/// The variables a response template may use.
pub const RESPONSE_VARS: &[&str] = &["domain", "examples", "history", "state", "db"];
/// The variables the simulated customer's template may use (`dard simulate --user llm`).
pub const USER_VARS: &[&str] = &["goal", "history"];

const DEFAULT_ROUTER: &str = include_str!("../../../prompts/router.txt");
const DEFAULT_DST: &str = include_str!("../../../prompts/dst.txt");
const DEFAULT_AGENTS: &str = include_str!("../../../prompts/agents.txt");
const DEFAULT_USER: &str = include_str!("../../../prompts/user.txt");
const DEFAULT_RESPONSES: [(Domain, &str); 7] = [
    (
        Domain::Restaurant,
        include_str!("../../../prompts/response_restaurant.txt"),
    ),
    (
        Domain::Hotel,
        include_str!("../../../prompts/response_hotel.txt"),
    ),
    (
        Domain::Attraction,
        include_str!("../../../prompts/response_attraction.txt"),
    ),
    (
        Domain::Train,
        include_str!("../../../prompts/response_train.txt"),
    ),
    (
        Domain::Taxi,
        include_str!("../../../prompts/response_taxi.txt"),
    ),
    (
        Domain::Hospital,
        include_str!("../../../prompts/response_hospital.txt"),
    ),
    (
        Domain::Police,
        include_str!("../../../prompts/response_police.txt"),
    ),
];

/// The file name of the router template.
pub const ROUTER_FILE: &str = "router.txt";
/// The file name of the DST template.
pub const DST_FILE: &str = "dst.txt";
/// The file name of the agent descriptions (`domain: one line` per agent).
pub const AGENTS_FILE: &str = "agents.txt";
/// The file name of the simulated customer's template.
pub const USER_FILE: &str = "user.txt";

/// The file name of a domain's response template (`response_<domain>.txt`).
pub fn response_file(domain: Domain) -> String {
    format!("response_{domain}.txt")
}

/// Every template of the pipeline, parsed and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptSet {
    router: Template,
    dst: Template,
    responses: BTreeMap<Domain, Template>,
    agents: BTreeMap<Domain, String>,
    user: Template,
}

impl PromptSet {
    /// The compiled-in templates from `prompts/`.
    pub fn defaults() -> Result<PromptSet, PromptError> {
        PromptSet::load(None)
    }

    /// The compiled-in templates, with every file of `dir` (when given) replacing
    /// the template of the same name. A file in `dir` that is not a template name
    /// is an error, so that a misspelt override is not silently ignored.
    pub fn load(dir: Option<&Path>) -> Result<PromptSet, PromptError> {
        let overrides = match dir {
            Some(dir) => read_overrides(dir)?,
            None => BTreeMap::new(),
        };
        let text = |name: &str, default: &'static str| -> (String, String) {
            match overrides.get(name) {
                Some((path, text)) => (text.clone(), path.display().to_string()),
                None => (default.to_string(), format!("default:{name}")),
            }
        };
        let (t, src) = text(ROUTER_FILE, DEFAULT_ROUTER);
        let router = Template::parse(&t, &src, ROUTER_VARS)?;
        let (t, src) = text(DST_FILE, DEFAULT_DST);
        let dst = Template::parse(&t, &src, DST_VARS)?;
        let mut responses = BTreeMap::new();
        for (domain, default) in DEFAULT_RESPONSES {
            let (t, src) = text(&response_file(domain), default);
            responses.insert(domain, Template::parse(&t, &src, RESPONSE_VARS)?);
        }
        let (t, src) = text(AGENTS_FILE, DEFAULT_AGENTS);
        let agents = parse_agents(&t, &src)?;
        let (t, src) = text(USER_FILE, DEFAULT_USER);
        let user = Template::parse(&t, &src, USER_VARS)?;
        Ok(PromptSet {
            router,
            dst,
            responses,
            agents,
            user,
        })
    }

    /// The router template.
    pub fn router(&self) -> &Template {
        &self.router
    }

    /// The DST template.
    pub fn dst(&self) -> &Template {
        &self.dst
    }

    /// The response template of `domain`.
    pub fn response(&self, domain: Domain) -> Option<&Template> {
        self.responses.get(&domain)
    }

    /// The one-line description of each domain agent.
    pub fn agents(&self) -> &BTreeMap<Domain, String> {
        &self.agents
    }

    /// The template of the simulated customer (`dard simulate --user llm`).
    pub fn user(&self) -> &Template {
        &self.user
    }
}

fn known_files() -> Vec<String> {
    let mut names = vec![
        ROUTER_FILE.to_string(),
        DST_FILE.to_string(),
        AGENTS_FILE.to_string(),
        USER_FILE.to_string(),
    ];
    names.extend(Domain::ALL.into_iter().map(response_file));
    names
}

fn read_overrides(dir: &Path) -> Result<BTreeMap<String, (PathBuf, String)>, PromptError> {
    let io = |path: &Path, source| PromptError::Io {
        path: path.to_path_buf(),
        source,
    };
    let known = known_files();
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        // Notes and hidden files may sit next to the templates.
        if name.starts_with('.') || !name.ends_with(".txt") {
            continue;
        }
        if !known.contains(&name) {
            return Err(PromptError::UnknownFile {
                path,
                expected: known.join(", "),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
        out.insert(name, (path, text));
    }
    Ok(out)
}

/// Parses `domain: description` lines; every domain must have one.
fn parse_agents(text: &str, source: &str) -> Result<BTreeMap<Domain, String>, PromptError> {
    let err = |message: String| PromptError::Template {
        file: source.to_string(),
        message,
    };
    let mut agents = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((name, description)) = line.split_once(':') else {
            return Err(err(format!(
                "line {}: expected `domain: description`",
                i + 1
            )));
        };
        let domain: Domain = name
            .parse()
            .map_err(|e| err(format!("line {}: {e}", i + 1)))?;
        agents.insert(domain, description.trim().to_string());
    }
    if let Some(missing) = Domain::ALL.into_iter().find(|d| !agents.contains_key(d)) {
        return Err(err(format!("no description for the {missing} agent")));
    }
    Ok(agents)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn default_templates_parse() {
        let set = PromptSet::defaults().unwrap();
        assert_eq!(set.agents().len(), 7);
        for d in Domain::ALL {
            assert!(set.response(d).is_some(), "{d}");
        }
        assert_eq!(set.router().source(), "default:router.txt");
    }

    #[test]
    fn override_directory_replaces_one_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("router.txt"),
            "=== system ===\nPick one of:\n{{agents}}\n=== user ===\n{{history}}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("NOTES.md"), "ignored").unwrap();
        let set = PromptSet::load(Some(dir.path())).unwrap();
        assert!(set.router().source().ends_with("router.txt"));
        assert!(!set.router().source().starts_with("default:"));
        assert_eq!(set.dst().source(), "default:dst.txt");
    }

    #[test]
    fn misspelt_override_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("routr.txt"), "x").unwrap();
        let err = PromptSet::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("routr.txt") && err.contains("router.txt"),
            "{err}"
        );
    }

    #[test]
    fn agents_file_must_describe_every_domain() {
        let err = parse_agents("hotel: rooms\n", "agents.txt")
            .unwrap_err()
            .to_string();
        assert!(err.contains("restaurant"), "{err}");
        let err = parse_agents("bus: rides\n", "agents.txt")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
