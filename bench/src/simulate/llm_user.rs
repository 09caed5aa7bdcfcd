//! `--user llm`: the customer played by a configured model instead of the
//! agenda policy.
//!
//! The config's `[user]` section names the backend (any `[backends]` entry:
//! OpenAI-compatible, Bedrock, a local GGUF). Each turn renders the `user.txt`
//! prompt template with the goal as natural-language instructions
//! ([`sim::instructions::describe`]) and the dialog so far, and sends it to
//! that model. The model ends the dialog by putting [`END_MARKER`] in its
//! turn: that turn closes the dialog (like the agenda user's goodbye, it is
//! recorded but not sent to dard), with the marker stripped; in the first
//! turn, before the help desk has said anything, the marker is only stripped
//! (small models repeat their prompt). A model that never ends is stopped
//! after `--max-turns` turns. The model sees only what
//! the system said (its text), never the system's acts or state; a
//! model-played user has no acts of its own, so its turns record none.

use std::path::{Path, PathBuf};

use agents::prompt::{PromptSet, Template};
use manager::Config;
use models::{BuildContext, ChatModel, ChatRequest, Message, ModelHandle, UsageLedger};
use sim::goal::Goal;
use sim::rng::Rng;
use sim::{Act, EndReason, SystemTurn, User, UserTurn};

use crate::error::BenchError;

/// What the customer writes to end the dialog; stripped from its turn.
pub const END_MARKER: &str = "[END]";

/// How the customer's lines are labelled in the prompt's history.
const CUSTOMER: &str = "customer";
/// How the system's lines are labelled in the prompt's history.
const HELP_DESK: &str = "help desk";

/// The model and prompt every LLM-played customer of a run shares.
pub struct LlmUsers {
    model: ModelHandle,
    template: Template,
    max_tokens: u32,
    temperature: f32,
}

impl LlmUsers {
    /// Builds the `[user]` backend of `config` (read from `file`, if any),
    /// caching its replies in `cache_dir` and logging calls in `ledger`. A
    /// config without `[user] backend` is an error naming what to add.
    pub fn build(
        config: &Config,
        file: Option<&Path>,
        cache_dir: Option<PathBuf>,
        ledger: UsageLedger,
    ) -> Result<LlmUsers, BenchError> {
        let Some(name) = &config.user.backend else {
            return Err(missing_backend(file));
        };
        let Some(backend) = config.backends.get(name) else {
            return Err(BenchError::flag(
                "--user llm",
                format!("user.backend: unknown backend `{name}`"),
            ));
        };
        let ctx = BuildContext {
            cache_dir,
            prices: config.prices.clone(),
            ledger,
        };
        let model = models::build(name, backend, &ctx).map_err(|source| {
            BenchError::Build(manager::BuildError::Backend {
                file: file.map(Path::to_path_buf),
                source,
            })
        })?;
        let set = PromptSet::load(config.prompts.dir.as_deref()).map_err(|source| {
            BenchError::Build(manager::BuildError::Prompts {
                file: file.map(Path::to_path_buf),
                source,
            })
        })?;
        Ok(LlmUsers {
            model,
            template: set.user().clone(),
            max_tokens: config.user.max_tokens,
            temperature: config.user.temperature,
        })
    }

    /// A customer for `goal`; `seed` and the goal decide the sampling seeds.
    pub fn user(&self, goal: &Goal, seed: u64, max_turns: usize) -> LlmUser<'_> {
        LlmUser {
            users: self,
            goal: sim::instructions::describe(goal),
            history: Vec::new(),
            turns: 0,
            max_turns,
            seed: Rng::derive(seed ^ 0x11a, &goal.id).next_u64(),
        }
    }
}

/// The error of `--user llm` with a config (read from `file`, if any) whose
/// `[user]` section names no backend.
pub(crate) fn missing_backend(file: Option<&Path>) -> BenchError {
    let shown = file.map_or("a config file (pass --config FILE)".to_string(), |f| {
        f.display().to_string()
    });
    BenchError::flag(
        "--user llm",
        format!(
            "no model plays the customer: add `[user] backend = \"<a [backends] entry>\"` to {shown}"
        ),
    )
}

/// One LLM-played customer in one conversation.
pub struct LlmUser<'a> {
    users: &'a LlmUsers,
    goal: String,
    history: Vec<(&'static str, String)>,
    turns: usize,
    max_turns: usize,
    seed: u64,
}

impl LlmUser<'_> {
    /// The request of the next turn.
    fn request(&self) -> ChatRequest {
        let history = match self.history.is_empty() {
            true => "(nothing yet: you speak first)".to_string(),
            false => self
                .history
                .iter()
                .map(|(who, text)| format!("{who}: {text}"))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let (system, user) = self.users.template.render(&|name| match name {
            "goal" => Some(self.goal.clone()),
            "history" => Some(history.clone()),
            _ => None,
        });
        ChatRequest::new(vec![Message::user(user)])
            .with_system(system)
            .with_max_tokens(self.users.max_tokens)
            .with_temperature(self.users.temperature)
            .with_seed(self.seed.wrapping_add(self.turns as u64))
            .with_stop(format!("\n{HELP_DESK}:"))
    }
}

impl User for LlmUser<'_> {
    fn respond<'a>(
        &'a mut self,
        system: Option<(&'a SystemTurn, &'a [Act])>,
    ) -> sim::dialog::UserReply<'a> {
        Box::pin(async move {
            if let Some((turn, _)) = system {
                self.history.push((HELP_DESK, one_line(&turn.text)));
            }
            self.turns += 1;
            if self.turns > self.max_turns {
                return closing("Thank you, goodbye.".to_string(), EndReason::MaxTurns);
            }
            let answer = match self.users.model.complete(self.request()).await {
                Ok(r) => r.text,
                Err(e) => {
                    return closing(
                        String::new(),
                        EndReason::UserError(crate::runner::error_chain(&e)),
                    );
                }
            };
            let (text, ended) = read_turn(&answer);
            // A customer leaves only after the help desk has said something:
            // a marker in the first turn is a model repeating its prompt.
            let answered = self.history.iter().any(|(who, _)| *who == HELP_DESK);
            if ended && answered {
                return closing(text, EndReason::Done);
            }
            if text.is_empty() {
                let shown: String = answer.chars().take(80).collect();
                return closing(
                    text,
                    EndReason::UserError(format!("the customer model said nothing: {shown:?}")),
                );
            }
            self.history.push((CUSTOMER, text.clone()));
            UserTurn {
                text,
                acts: Vec::new(),
                end: None,
            }
        })
    }
}

fn closing(text: String, end: EndReason) -> UserTurn {
    UserTurn {
        text,
        acts: Vec::new(),
        end: Some(end),
    }
}

/// The customer's words in a model's answer, and whether it ends the dialog:
/// a leading `customer:` label is dropped, anything from a line the model
/// wrote for the help desk on is cut, the end marker (any case) and what
/// follows it are removed, and lines are joined.
pub fn read_turn(answer: &str) -> (String, bool) {
    let mut lines = Vec::new();
    for line in answer.lines() {
        let lower = line.trim_start().to_lowercase();
        if ["help desk:", "system:", "assistant:", "agent:"]
            .iter()
            .any(|l| lower.starts_with(l))
        {
            break;
        }
        lines.push(line);
    }
    let text = lines.join(" ");
    let (text, ended) = match find_ignoring_case(&text, END_MARKER) {
        Some(i) => (&text[..i], true),
        None => (text.as_str(), false),
    };
    let mut text = text.trim();
    for label in ["customer:", "user:"] {
        if find_ignoring_case(text, label) == Some(0) {
            text = text[label.len()..].trim_start();
        }
    }
    (one_line(text), ended)
}

/// The byte offset of the first `needle` (ASCII) in `text`, in any case.
fn find_ignoring_case(text: &str, needle: &str) -> Option<usize> {
    text.char_indices().map(|(i, _)| i).find(|&i| {
        text.get(i..i + needle.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(needle))
    })
}

/// `text` on one line with single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_marker_ends_the_turn_and_is_stripped() {
        assert_eq!(
            read_turn("Thanks, that is all. Goodbye! [END]"),
            ("Thanks, that is all. Goodbye!".to_string(), true)
        );
        assert_eq!(
            read_turn("customer: Bye now [end] and more"),
            ("Bye now".to_string(), true)
        );
        assert_eq!(
            read_turn("I need a cheap hotel\nin the north.\nhelp desk: sure [END]"),
            ("I need a cheap hotel in the north.".to_string(), false)
        );
        assert_eq!(read_turn("  \n"), (String::new(), false));
    }
}
