//! One simulated conversation against dard: the session as the simulator's
//! system under test ([`SessionSystem`]), the customers of a run ([`Users`])
//! and [`play_goal`], which plays one goal with both.

use std::sync::Arc;

use manager::{Dard, Session};
use multiwoz::db::Database;
use sim::goal::Goal;
use sim::{AgendaUser, DialogRecord, Nlg, Record, Reply, System, SystemError, SystemTurn};

use crate::simulate::llm_user::LlmUsers;

/// A dard session as the simulator's system under test.
pub struct SessionSystem(pub Session);

impl System for SessionSystem {
    fn reply<'a>(&'a mut self, user: &'a str) -> Reply<'a> {
        Box::pin(async move {
            let out = self
                .0
                .turn(user)
                .await
                .map_err(|e| SystemError::msg(crate::runner::error_chain(&e)))?;
            Ok(SystemTurn {
                text: out.reply,
                delex: out.delex_reply,
                domain: Some(out.domain),
                reason: out.reason,
                record: out.db.record.map(|r| Record {
                    id: r.id,
                    fields: r.fields,
                }),
                count: Some(out.db.count),
                state: out.state,
            })
        })
    }
}

/// Who plays the customers of a run; cheap to clone.
#[derive(Clone)]
#[non_exhaustive]
pub enum Users {
    /// The agenda policy speaking through templates mined from the val split.
    Agenda(Arc<Nlg>),
    /// A model, as the config's `[user]` section names it.
    Llm(Arc<LlmUsers>),
}

/// Plays one goal against a fresh session keyed by the goal's id.
pub async fn play_goal(
    dard: &Dard,
    users: &Users,
    db: &Database,
    goal: &Goal,
    seed: u64,
    max_turns: usize,
) -> DialogRecord {
    let mut system = SessionSystem(dard.session_keyed(&goal.id));
    match users {
        Users::Agenda(nlg) => {
            let mut user = AgendaUser::new(goal, nlg, seed, max_turns);
            sim::play(goal, &mut user, &mut system, db).await
        }
        Users::Llm(llm) => {
            let mut user = llm.user(goal, seed, max_turns);
            sim::play(goal, &mut user, &mut system, db).await
        }
    }
}
