//! One simulated conversation: the user speaks, the system answers, the
//! simulator reads the answer, until the user ends it; then the dialog is
//! scored.

use std::future::Future;
use std::pin::Pin;

use multiwoz::Domain;
use multiwoz::db::Database;
use serde::{Deserialize, Serialize};

use crate::acts::Act;
use crate::eval::{DialogScore, ScoredTurn, score};
use crate::goal::Goal;
use crate::nlg::Nlg;
use crate::policy::{AgendaPolicy, EndReason};
use crate::rng::Rng;
use crate::system::{Record, State, System, SystemTurn};
use crate::understand::understand;

/// One exchange: the user's turn and the system's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// What the user said.
    pub user: String,
    /// The user's acts (empty for a model-played user).
    pub user_acts: Vec<Act>,
    /// What the system said (absent for the user's closing turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The system's delexicalized reply.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub delex: String,
    /// The system's acts as the simulator understood them.
    #[serde(default)]
    pub system_acts: Vec<Act>,
    /// The domain the manager delegated to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<Domain>,
    /// The manager's reason.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The system's state after the turn.
    #[serde(default)]
    pub state: State,
    /// The record the reply was filled from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
}

/// A whole simulated dialog with its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DialogRecord {
    /// The goal's id.
    pub id: String,
    /// The goal.
    pub goal: Goal,
    /// The exchanges.
    pub turns: Vec<TurnRecord>,
    /// Why it ended.
    pub end: EndReason,
    /// The figures.
    pub score: DialogScore,
    /// System turns delegated to a domain the goal does not contain.
    pub outside_goal_turns: usize,
    /// System turns in all.
    pub system_turns: usize,
}

impl DialogRecord {
    /// Re-scores the recorded turns (e.g. after the evaluator changed).
    pub fn rescore(&mut self, db: &Database) {
        let scored: Vec<ScoredTurn<'_>> = self
            .turns
            .iter()
            .filter(|t| t.system.is_some())
            .map(|t| ScoredTurn {
                acts: &t.system_acts,
                state: &t.state,
                record: t.record.as_ref(),
            })
            .collect();
        self.score = score(&self.goal, &scored, self.turns.len(), db);
    }
}

/// What a user says in one turn.
#[derive(Debug, Clone, PartialEq)]
pub struct UserTurn {
    /// The words.
    pub text: String,
    /// The acts, when the user knows them.
    pub acts: Vec<Act>,
    /// Whether this turn ends the dialog.
    pub end: Option<EndReason>,
}

/// The future a [`User`] returns.
pub type UserReply<'a> = Pin<Box<dyn Future<Output = UserTurn> + Send + 'a>>;

/// A simulated user in one conversation.
pub trait User: Send {
    /// The next turn, given the system's last turn and its acts (none at the start).
    fn respond<'a>(&'a mut self, system: Option<(&'a SystemTurn, &'a [Act])>) -> UserReply<'a>;
}

/// The agenda user with the mined templates: no model.
#[derive(Debug, Clone)]
pub struct AgendaUser<'n> {
    policy: AgendaPolicy,
    nlg: &'n Nlg,
    rng: Rng,
    /// The domains the user has spoken of so far.
    spoken: Vec<Domain>,
}

impl<'n> AgendaUser<'n> {
    /// A user for `goal`; `seed` decides every random choice.
    pub fn new(goal: &Goal, nlg: &'n Nlg, seed: u64, max_turns: usize) -> AgendaUser<'n> {
        AgendaUser {
            policy: AgendaPolicy::new(goal, Rng::derive(seed, &goal.id), max_turns),
            nlg,
            rng: Rng::derive(seed ^ 0x5eed, &goal.id),
            spoken: Vec::new(),
        }
    }
}

impl User for AgendaUser<'_> {
    fn respond<'a>(&'a mut self, system: Option<(&'a SystemTurn, &'a [Act])>) -> UserReply<'a> {
        let acts = system.map_or(&[][..], |(_, a)| a);
        let next = self.policy.next(acts);
        let fresh = next
            .acts
            .iter()
            .filter_map(|a| a.domain)
            .find(|d| !self.spoken.contains(d));
        let text = match fresh {
            Some(d) => self.nlg.say_introducing(&next.acts, d, &mut self.rng),
            None => self.nlg.say(&next.acts, &mut self.rng),
        };
        for d in next.acts.iter().filter_map(|a| a.domain) {
            if !self.spoken.contains(&d) {
                self.spoken.push(d);
            }
        }
        Box::pin(std::future::ready(UserTurn {
            text,
            acts: next.acts,
            end: next.end,
        }))
    }
}

/// Plays one conversation of `user` with `system` and scores it.
pub async fn play(
    goal: &Goal,
    user: &mut dyn User,
    system: &mut dyn System,
    db: &Database,
) -> DialogRecord {
    let mut turns: Vec<TurnRecord> = Vec::new();
    let mut last: Option<(SystemTurn, Vec<Act>)> = None;
    let mut focus: Option<Domain> = goal.domains.first().map(|(d, _)| *d);
    let end = loop {
        let said = user
            .respond(last.as_ref().map(|(t, a)| (t, a.as_slice())))
            .await;
        if let Some(d) = said.acts.iter().find_map(|a| a.domain) {
            focus = Some(d);
        }
        if let Some(end) = said.end {
            turns.push(TurnRecord {
                user: said.text,
                user_acts: said.acts,
                system: None,
                delex: String::new(),
                system_acts: Vec::new(),
                domain: None,
                reason: String::new(),
                state: State::new(),
                record: None,
            });
            break end;
        }
        match system.reply(&said.text).await {
            Ok(reply) => {
                let acts = understand(&reply, focus);
                turns.push(TurnRecord {
                    user: said.text,
                    user_acts: said.acts,
                    system: Some(reply.text.clone()),
                    delex: reply.delex.clone(),
                    system_acts: acts.clone(),
                    domain: reply.domain,
                    reason: reply.reason.clone(),
                    state: reply.state.clone(),
                    record: reply.record.clone(),
                });
                last = Some((reply, acts));
            }
            Err(e) => break EndReason::SystemError(e.to_string()),
        }
    };
    let system_turns = turns.iter().filter(|t| t.system.is_some()).count();
    let outside_goal_turns = turns
        .iter()
        .filter(|t| t.system.is_some() && t.domain.is_some_and(|d| !goal.has(d)))
        .count();
    let mut record = DialogRecord {
        id: goal.id.clone(),
        goal: goal.clone(),
        turns,
        end,
        score: DialogScore::default(),
        outside_goal_turns,
        system_turns,
    };
    record.rescore(db);
    record
}
