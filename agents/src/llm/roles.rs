//! The three LLM-backed roles and their safe fallbacks.

use std::sync::Arc;

use multiwoz::Domain;

use crate::llm::parse::{
    check_not_instruction_example, instruction_examples, parse_response, parse_route, parse_state,
};
use crate::llm::{GenerationOptions, LlmStats, call_parsed};
use crate::prompt::Prompter;
use crate::roles::{
    AgentError, AgentFuture, DbResult, DialogState, DomainAgent, RespondInput, RespondOutput,
    RouteInput, RouteOutput, Router, Stage, TrackInput, TrackOutput, Tracker, Utterance,
};
use models::ModelHandle;

/// What every LLM-backed role holds.
#[derive(Debug, Clone)]
struct Core {
    model: ModelHandle,
    prompter: Arc<Prompter>,
    generation: GenerationOptions,
    stats: Arc<LlmStats>,
}

impl Core {
    fn new(model: ModelHandle, prompter: Arc<Prompter>, generation: GenerationOptions) -> Core {
        Core {
            model,
            prompter,
            generation,
            stats: Arc::new(LlmStats::default()),
        }
    }
}

fn check_history(history: &[Utterance], stage: Stage) -> Result<(), AgentError> {
    if history.is_empty() {
        return Err(AgentError::Input {
            stage,
            message: "the history is empty; it must end with the user turn".into(),
        });
    }
    Ok(())
}

macro_rules! role_accessors {
    ($t:ty) => {
        impl $t {
            /// The backend this role calls.
            pub fn model(&self) -> &ModelHandle {
                &self.core.model
            }

            /// The role's call, repair and fallback counters.
            pub fn stats(&self) -> &LlmStats {
                &self.core.stats
            }
        }
    };
}

/// Belief-state tracking by an LLM (the DST prompt). Fallback: the previous state.
#[derive(Debug, Clone)]
pub struct LlmTracker {
    core: Core,
}

impl LlmTracker {
    /// A tracker on `model` with prompts from `prompter`.
    pub fn new(model: ModelHandle, prompter: Arc<Prompter>, generation: GenerationOptions) -> Self {
        LlmTracker {
            core: Core::new(model, prompter, generation),
        }
    }
}

role_accessors!(LlmTracker);

impl Tracker for LlmTracker {
    fn track<'a>(&'a self, input: TrackInput<'a>) -> AgentFuture<'a, TrackOutput> {
        Box::pin(async move {
            check_history(input.history, Stage::Track)?;
            let c = &self.core;
            let prompt = c.prompter.track_within(&input, c.model.prompt_budget());
            let examples = instruction_examples(&prompt.system);
            let dialog = input
                .history
                .iter()
                .map(|u| u.text.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            let parse = |text: &str| {
                let state = parse_state(text)?;
                check_not_instruction_example(&state, &examples, input.previous, &dialog)?;
                Ok(state)
            };
            let parsed = call_parsed(
                &c.model,
                &c.stats,
                Stage::Track,
                &prompt,
                c.generation.track_max_tokens,
                c.generation.temperature,
                parse,
            )
            .await?;
            Ok(TrackOutput {
                state: parsed.value.unwrap_or_else(|| input.previous.clone()),
                usage: parsed.usage,
            })
        })
    }
}

/// The dialog manager's routing by an LLM. Fallback: [`fallback_domain`].
#[derive(Debug, Clone)]
pub struct LlmRouter {
    core: Core,
}

impl LlmRouter {
    /// A router on `model` with prompts from `prompter`.
    pub fn new(model: ModelHandle, prompter: Arc<Prompter>, generation: GenerationOptions) -> Self {
        LlmRouter {
            core: Core::new(model, prompter, generation),
        }
    }
}

role_accessors!(LlmRouter);

impl Router for LlmRouter {
    fn route<'a>(&'a self, input: RouteInput<'a>) -> AgentFuture<'a, RouteOutput> {
        Box::pin(async move {
            check_history(input.history, Stage::Route)?;
            let c = &self.core;
            let prompt = c.prompter.route_within(&input, c.model.prompt_budget());
            let parsed = call_parsed(
                &c.model,
                &c.stats,
                Stage::Route,
                &prompt,
                c.generation.route_max_tokens,
                c.generation.temperature,
                parse_route,
            )
            .await?;
            let (domain, reason) = match parsed.value {
                Some((domain, reason)) => (domain, reason),
                None => (
                    fallback_domain(input.history, input.state),
                    "fallback: the manager's answer could not be read".to_string(),
                ),
            };
            Ok(RouteOutput {
                domain,
                reason,
                off_topic: false,
                usage: parsed.usage,
            })
        })
    }
}

/// A domain agent writing replies with an LLM. Fallback: [`fallback_reply`].
#[derive(Debug, Clone)]
pub struct LlmDomainAgent {
    core: Core,
}

impl LlmDomainAgent {
    /// An agent on `model` with prompts from `prompter`; one instance can serve
    /// every domain (the prompt follows `RespondInput::domain`).
    pub fn new(model: ModelHandle, prompter: Arc<Prompter>, generation: GenerationOptions) -> Self {
        LlmDomainAgent {
            core: Core::new(model, prompter, generation),
        }
    }
}

role_accessors!(LlmDomainAgent);

impl DomainAgent for LlmDomainAgent {
    fn respond<'a>(&'a self, input: RespondInput<'a>) -> AgentFuture<'a, RespondOutput> {
        Box::pin(async move {
            check_history(input.history, Stage::Respond)?;
            let c = &self.core;
            let prompt = c
                .prompter
                .respond_within(&input, c.model.prompt_budget())
                .map_err(|e| AgentError::Prompt {
                    template: crate::prompt::response_file(input.domain),
                    message: e.to_string(),
                })?;
            let parsed = call_parsed(
                &c.model,
                &c.stats,
                Stage::Respond,
                &prompt,
                c.generation.respond_max_tokens,
                c.generation.temperature,
                parse_response,
            )
            .await?;
            Ok(RespondOutput {
                reply: parsed
                    .value
                    .unwrap_or_else(|| fallback_reply(input.domain, input.db)),
                usage: parsed.usage,
            })
        })
    }
}

/// Words that point at a domain, for the router's fallback.
const CUES: &[(Domain, &[&str])] = &[
    (
        Domain::Restaurant,
        &[
            "restaurant",
            "food",
            "eat",
            "dine",
            "dinner",
            "lunch",
            "table",
            "cuisine",
        ],
    ),
    (
        Domain::Hotel,
        &[
            "hotel",
            "guesthouse",
            "guest",
            "stay",
            "room",
            "nights",
            "parking",
            "wifi",
        ],
    ),
    (
        Domain::Attraction,
        &[
            "attraction",
            "museum",
            "college",
            "park",
            "theatre",
            "cinema",
            "nightclub",
            "entertainment",
            "church",
            "gallery",
            "pool",
            "visit",
        ],
    ),
    (
        Domain::Train,
        &["train", "trains", "rail", "railway", "ticket", "tickets"],
    ),
    (Domain::Taxi, &["taxi", "cab", "car", "pick"]),
    (
        Domain::Hospital,
        &["hospital", "department", "doctor", "injured", "sick"],
    ),
    (
        Domain::Police,
        &["police", "robbed", "stolen", "theft", "crime"],
    ),
];

/// The router's safe fallback: the domain whose cue words the last user turn
/// uses most, else the last domain of the state, else restaurant.
pub fn fallback_domain(history: &[Utterance], state: &DialogState) -> Domain {
    let words: Vec<String> = history
        .last()
        .map(|u| {
            u.text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect()
        })
        .unwrap_or_default();
    let best = CUES
        .iter()
        .map(|(d, cues)| {
            (
                *d,
                words.iter().filter(|w| cues.contains(&w.as_str())).count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
    match best {
        Some((d, _)) => d,
        None => state
            .iter()
            .rev()
            .find(|(_, slots)| !slots.is_empty())
            .map_or(Domain::Restaurant, |(d, _)| *d),
    }
}

/// A domain agent's safe fallback: a short, honest reply that fits the database
/// result and uses only stock placeholders.
pub fn fallback_reply(domain: Domain, db: &DbResult) -> String {
    match (domain, db.count) {
        (Domain::Taxi, _) => {
            "i can book a taxi for you . where are you leaving from , where are you going and at what time ?"
                .to_string()
        }
        (Domain::Police, _) | (Domain::Hospital, _) => {
            "the address is [value_address] , [value_postcode] and the phone number is [value_phone] ."
                .to_string()
        }
        (_, 0) => format!(
            "i am sorry , i could not find a {domain} matching your request . would you like to try something else ?"
        ),
        (Domain::Train, _) => {
            "[value_id] leaves at [value_leave] and arrives at [value_arrive] . would you like to book it ?"
                .to_string()
        }
        (_, 1) => "i found [value_name] . would you like more information ?".to_string(),
        _ => format!(
            "there are [value_choice] {domain} options . do you have any other preference ?"
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;
    use crate::prompt::unknown_placeholders;

    #[test]
    fn fallback_domain_uses_cue_words_then_state() {
        let h = [Utterance::user("I need a taxi from the hotel")];
        // "taxi" and "hotel" tie; the earlier domain in ontology order would win,
        // so make taxi the clear winner with a second cue.
        let h2 = [Utterance::user("book a taxi , a car at 5 please")];
        assert_eq!(fallback_domain(&h2, &DialogState::new()), Domain::Taxi);
        assert!(matches!(
            fallback_domain(&h, &DialogState::new()),
            Domain::Hotel | Domain::Taxi
        ));
        let mut state = DialogState::new();
        state
            .entry(Domain::Train)
            .or_default()
            .insert(multiwoz::Slot::Day, "monday".into());
        assert_eq!(
            fallback_domain(&[Utterance::user("thanks")], &state),
            Domain::Train
        );
        assert_eq!(
            fallback_domain(&[Utterance::user("thanks")], &DialogState::new()),
            Domain::Restaurant
        );
    }

    #[test]
    fn fallback_replies_use_stock_placeholders_only() {
        for d in Domain::ALL {
            for count in [0, 1, 5] {
                let db = DbResult {
                    domain: d,
                    count,
                    record: None,
                };
                let reply = fallback_reply(d, &db);
                assert!(unknown_placeholders(&reply).is_empty(), "{reply}");
                assert!(!reply.is_empty());
            }
        }
    }
}
