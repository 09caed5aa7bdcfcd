//! The [`Prompter`]: renders the prompt each LLM-backed role sends, and the gold
//! answers in the format the role's parser reads.

use std::sync::Arc;

use multiwoz::Domain;
use serde::{Deserialize, Serialize};

use crate::prompt::examples::Task;
use crate::prompt::format::{
    format_db, format_domain_state, format_history, format_route_answer, format_slots,
    format_state, format_state_answer,
};
use crate::prompt::{
    Example, ExamplePool, FewShot, Grounder, Prompt, PromptError, PromptSet, Template,
};
use crate::roles::{DbResult, RespondInput, RouteInput, TrackInput};
use models::PromptBudget;

/// How much of the examples and the history a prompt shows.
#[derive(Debug, Clone, Copy)]
struct Trim {
    /// Few-shot examples shown.
    shots: usize,
    /// Latest utterances of the live dialog shown (0 = all).
    history: usize,
}

/// How prompts are put together (the `[prompts]` table of the config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromptOptions {
    /// How few-shot examples are chosen.
    pub few_shot: FewShot,
    /// How many examples each prompt shows.
    pub shots: usize,
    /// How many of the latest utterances of the live dialog a prompt shows
    /// (0 = the whole dialog).
    pub history_turns: usize,
    /// How many utterances of context each example shows.
    pub example_turns: usize,
}

impl Default for PromptOptions {
    fn default() -> Self {
        PromptOptions {
            few_shot: FewShot::Retrieved,
            shots: 3,
            history_turns: 8,
            example_turns: 3,
        }
    }
}

/// Renders prompts from templates, examples and inputs. Cheap to share behind an
/// `Arc`; rendering is pure: the same input always gives the same bytes.
#[derive(Clone)]
pub struct Prompter {
    set: PromptSet,
    pool: Arc<ExamplePool>,
    options: PromptOptions,
    ground: Option<Grounder>,
}

impl std::fmt::Debug for Prompter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prompter")
            .field("options", &self.options)
            .field("examples", &self.pool.len())
            .finish_non_exhaustive()
    }
}

impl Prompter {
    /// A prompter over these templates and examples. `ground` gives the database
    /// line of response examples (from each example's gold state); without it the
    /// line says the result is unknown.
    pub fn new(
        set: PromptSet,
        pool: Arc<ExamplePool>,
        options: PromptOptions,
        ground: Option<Grounder>,
    ) -> Prompter {
        Prompter {
            set,
            pool,
            options,
            ground,
        }
    }

    /// The default templates, no examples, default options.
    pub fn zero_shot() -> Result<Prompter, PromptError> {
        Ok(Prompter::new(
            PromptSet::defaults()?,
            Arc::new(ExamplePool::empty()),
            PromptOptions::default(),
            None,
        ))
    }

    /// The templates.
    pub fn templates(&self) -> &PromptSet {
        &self.set
    }

    /// The example pool.
    pub fn pool(&self) -> &ExamplePool {
        &self.pool
    }

    /// The options.
    pub fn options(&self) -> &PromptOptions {
        &self.options
    }

    fn examples(
        &self,
        task: Task,
        input_history: &[crate::roles::Utterance],
        dialog_id: Option<&str>,
        shots: usize,
    ) -> Vec<&Example> {
        self.pool
            .select(task, input_history, dialog_id, self.options.few_shot, shots)
    }

    /// Whether a template variable reads the same for every input of its
    /// stage: the agent list, the slot inventory and the domain always; the
    /// examples when they are fixed (or absent), not when retrieved per turn.
    fn is_static(&self, var: &str) -> bool {
        match var {
            "agents" | "slots" | "domain" => true,
            "examples" => self.options.few_shot != FewShot::Retrieved,
            _ => false,
        }
    }

    /// `template` filled with `vars`, its static part marked by
    /// [`Prompter::is_static`].
    fn render(&self, template: &Template, vars: &[(&str, &str)]) -> Prompt {
        let (system, user, static_user) = template.render_split(
            &|var| {
                vars.iter()
                    .find(|(name, _)| *name == var)
                    .map(|(_, value)| value.to_string())
            },
            &|var| self.is_static(var),
        );
        Prompt {
            system,
            user,
            static_user,
        }
    }

    /// The untrimmed prompt's examples and history.
    fn full(&self) -> Trim {
        Trim {
            shots: self.options.shots,
            history: self.options.history_turns,
        }
    }

    /// The first rendering that fits `budget`: the full prompt, then with one
    /// example fewer at a time (the least similar goes first), then with one
    /// utterance of the history fewer at a time (the oldest goes first), down
    /// to the last utterance alone. Without a budget, the full prompt.
    fn fit<E>(
        &self,
        history_len: usize,
        budget: Option<&PromptBudget>,
        render: impl Fn(Trim) -> Result<Prompt, E>,
    ) -> Result<Prompt, E> {
        let mut trim = self.full();
        let mut prompt = render(trim)?;
        let Some(budget) = budget else {
            return Ok(prompt);
        };
        if trim.history == 0 || trim.history > history_len {
            trim.history = history_len;
        }
        while !budget.fits(&prompt.to_text()) {
            if trim.shots > 0 {
                trim.shots -= 1;
            } else if trim.history > 1 {
                trim.history -= 1;
            } else {
                break;
            }
            prompt = render(trim)?;
        }
        Ok(prompt)
    }

    /// The router's prompt.
    pub fn route(&self, input: &RouteInput<'_>) -> Prompt {
        self.route_trimmed(input, self.full())
    }

    /// The router's prompt, trimmed to fit `budget` (see [`Prompter::track_within`]).
    pub fn route_within(&self, input: &RouteInput<'_>, budget: Option<&PromptBudget>) -> Prompt {
        let fitted = self.fit(input.history.len(), budget, |t| {
            Ok::<_, std::convert::Infallible>(self.route_trimmed(input, t))
        });
        match fitted {
            Ok(p) => p,
            Err(never) => match never {},
        }
    }

    fn route_trimmed(&self, input: &RouteInput<'_>, trim: Trim) -> Prompt {
        let examples: String = self
            .examples(Task::Route, input.history, input.dialog_id, trim.shots)
            .iter()
            .enumerate()
            .map(|(n, e)| {
                format!(
                    "Example {}:\nConversation:\n{}\n\nBelief state: {}\n\nAnswer: {}\n\n",
                    n + 1,
                    format_history(&e.context, 0),
                    format_state(&e.state),
                    format_route_answer(e.domain, &gold_reason(e.domain)),
                )
            })
            .collect();
        let agents: String = self
            .set
            .agents()
            .iter()
            .map(|(d, text)| format!("- {d}: {text}"))
            .collect::<Vec<_>>()
            .join("\n");
        let history = format_history(input.history, trim.history);
        let state = format_state(input.state);
        self.render(
            self.set.router(),
            &[
                ("agents", &agents),
                ("examples", &examples),
                ("history", &history),
                ("state", &state),
            ],
        )
    }

    /// The tracker's prompt.
    pub fn track(&self, input: &TrackInput<'_>) -> Prompt {
        self.track_trimmed(input, self.full())
    }

    /// The tracker's prompt, trimmed to fit `budget` (a model's
    /// `max_prompt_tokens`): few-shot examples go first, then the oldest
    /// utterances of the history, down to the last one. `dard export` renders
    /// with the same budget, so a model is trained on what it will be sent.
    pub fn track_within(&self, input: &TrackInput<'_>, budget: Option<&PromptBudget>) -> Prompt {
        let fitted = self.fit(input.history.len(), budget, |t| {
            Ok::<_, std::convert::Infallible>(self.track_trimmed(input, t))
        });
        match fitted {
            Ok(p) => p,
            Err(never) => match never {},
        }
    }

    fn track_trimmed(&self, input: &TrackInput<'_>, trim: Trim) -> Prompt {
        let examples: String = self
            .examples(Task::Track, input.history, input.dialog_id, trim.shots)
            .iter()
            .enumerate()
            .map(|(n, e)| {
                format!(
                    "Example {}:\nConversation:\n{}\n\nPrevious state: {}\n\nUpdated state: {}\n\n",
                    n + 1,
                    format_history(&e.context, 0),
                    format_state(&e.previous_state),
                    format_state_answer(&e.state),
                )
            })
            .collect();
        let history = format_history(input.history, trim.history);
        let previous = format_state(input.previous);
        let slots = format_slots();
        self.render(
            self.set.dst(),
            &[
                ("slots", &slots),
                ("examples", &examples),
                ("history", &history),
                ("previous_state", &previous),
            ],
        )
    }

    /// The response prompt of the domain agent `input.domain`.
    pub fn respond(&self, input: &RespondInput<'_>) -> Result<Prompt, PromptError> {
        self.respond_trimmed(input, self.full())
    }

    /// The response prompt, trimmed to fit `budget` (see [`Prompter::track_within`]).
    pub fn respond_within(
        &self,
        input: &RespondInput<'_>,
        budget: Option<&PromptBudget>,
    ) -> Result<Prompt, PromptError> {
        self.fit(input.history.len(), budget, |t| {
            self.respond_trimmed(input, t)
        })
    }

    fn respond_trimmed(&self, input: &RespondInput<'_>, trim: Trim) -> Result<Prompt, PromptError> {
        let domain = input.domain;
        let template = self
            .set
            .response(domain)
            .ok_or_else(|| PromptError::Template {
                file: crate::prompt::response_file(domain),
                message: format!("no response template for the {domain} domain"),
            })?;
        let label = capitalized(domain);
        let examples: String = self
            .examples(
                Task::Respond(domain),
                input.history,
                input.dialog_id,
                trim.shots,
            )
            .iter()
            .enumerate()
            .map(|(n, e)| {
                let db = match &self.ground {
                    Some(ground) => format_db(&ground(domain, &e.state)),
                    None => "unknown".to_string(),
                };
                format!(
                    "Example {}:\nConversation:\n{}\n\n{label} constraints: {}\nDatabase: {}\n\nReply: {}\n\n",
                    n + 1,
                    format_history(&e.context, 0),
                    format_domain_state(&e.state, domain),
                    db,
                    e.reply.trim(),
                )
            })
            .collect();
        let history = format_history(input.history, trim.history);
        let state = format_domain_state(input.state, domain);
        let db = format_db(input.db);
        Ok(self.render(
            template,
            &[
                ("domain", &domain.to_string()),
                ("examples", &examples),
                ("history", &history),
                ("state", &state),
                ("db", &db),
            ],
        ))
    }

    /// The database line a response prompt shows for `db` (exposed for export).
    pub fn db_line(&self, db: &DbResult) -> String {
        format_db(db)
    }
}

/// The reason shown with a gold routing example.
pub fn gold_reason(domain: Domain) -> String {
    match domain {
        Domain::Restaurant => "the customer is talking about a restaurant".to_string(),
        Domain::Hotel => "the customer is talking about a place to stay".to_string(),
        Domain::Attraction => "the customer is talking about an attraction".to_string(),
        Domain::Train => "the customer is talking about a train".to_string(),
        Domain::Taxi => "the customer is talking about a taxi".to_string(),
        Domain::Hospital => "the customer is talking about the hospital".to_string(),
        Domain::Police => "the customer is talking about the police".to_string(),
        other => format!("the customer is talking about the {other} domain"),
    }
}

/// `Restaurant` for `restaurant`.
fn capitalized(domain: Domain) -> String {
    let name = domain.as_str();
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;
    use crate::roles::{DialogState, Utterance};

    #[test]
    fn zero_shot_router_prompt_lists_agents_and_history() {
        let p = Prompter::zero_shot().unwrap();
        let history = [Utterance::user("i need a taxi to the station")];
        let state = DialogState::new();
        let prompt = p.route(&RouteInput {
            history: &history,
            state: &state,
            dialog_id: None,
        });
        assert!(
            prompt.system.contains("- taxi: books taxis"),
            "{}",
            prompt.system
        );
        assert!(
            prompt
                .user
                .starts_with("Conversation:\nuser: i need a taxi to the station\n")
        );
        assert!(prompt.user.ends_with("Answer:"));
        assert!(!prompt.user.contains("{{"));
    }

    #[test]
    fn response_prompt_is_deterministic_and_shows_the_db_line() {
        let p = Prompter::zero_shot().unwrap();
        let history = [Utterance::user("a cheap place to eat please")];
        let state = DialogState::new();
        let db = DbResult {
            domain: Domain::Restaurant,
            count: 22,
            record: None,
        };
        let input = RespondInput {
            history: &history,
            domain: Domain::Restaurant,
            state: &state,
            db: &db,
            dialog_id: None,
        };
        let a = p.respond(&input).unwrap();
        let b = p.respond(&input).unwrap();
        assert_eq!(a, b);
        assert!(
            a.user
                .contains("Restaurant constraints: none\nDatabase: 22 matches\n"),
            "{}",
            a.user
        );
        assert!(a.system.contains("[value_reference]"));
    }
}
