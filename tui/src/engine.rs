//! The pipeline side of the chat: an [`Engine`] answers turns in a background
//! task, and the UI talks to it over channels, so that drawing and keys never
//! wait on a model.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use bench::{Plan, Selection, Setting, TurnJob};
use futures::FutureExt;
use manager::{Dard, DialogState, Session, TurnOutcome, TurnRequest};
use multiwoz::model::Dialog;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::error::TuiError;

/// What the UI asks the engine to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Answer this user message (chat).
    Send(String),
    /// Answer the next turn of the dialog being replayed.
    Step,
    /// Start the dialog over.
    Reset,
}

/// One answered turn, as shown and saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// What the user said.
    pub user: String,
    /// What the pipeline did and answered.
    pub outcome: TurnOutcome,
    /// The corpus reply at this turn (replay only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gold: Option<String>,
}

/// What the engine answers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Reply {
    /// A turn was answered.
    Answered(Box<TurnRecord>),
    /// A turn failed (model error, timeout, …); `user` is the message that was
    /// not answered, so the UI can offer it again.
    Failed {
        /// The unanswered message.
        user: String,
        /// What went wrong, for people.
        error: String,
    },
    /// The replayed dialog has no more turns.
    Finished,
    /// The dialog was started over.
    Reset,
}

/// Something that answers the UI's commands: the live pipeline, a replay, or a
/// script in tests.
pub trait Engine: Send + 'static {
    /// Handles one command. Errors are replies ([`Reply::Failed`]), not panics.
    fn handle(&mut self, command: Command) -> impl Future<Output = Reply> + Send;
}

/// Runs `engine` in a background task; returns the command sender and the
/// reply receiver. A panic inside the engine becomes a [`Reply::Failed`]; the
/// task ends when the sender is dropped.
pub fn spawn<E: Engine>(
    mut engine: E,
) -> (
    mpsc::UnboundedSender<Command>,
    mpsc::UnboundedReceiver<Reply>,
) {
    let (command_tx, mut command_rx) = mpsc::unbounded_channel::<Command>();
    let (reply_tx, reply_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(command) = command_rx.recv().await {
            let user = match &command {
                Command::Send(text) => text.clone(),
                _ => String::new(),
            };
            let reply = match AssertUnwindSafe(engine.handle(command))
                .catch_unwind()
                .await
            {
                Ok(reply) => reply,
                Err(payload) => Reply::Failed {
                    user,
                    error: format!("the pipeline panicked: {}", panic_message(&*payload)),
                },
            };
            if reply_tx.send(reply).is_err() {
                break;
            }
        }
    });
    (command_tx, reply_rx)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_string())
}

/// The live chat: a [`Session`] of the pipeline, each turn bounded by a timeout.
#[derive(Debug)]
pub struct ChatEngine {
    session: Session,
    timeout: Duration,
}

impl ChatEngine {
    /// A chat on a new session of `dard`; a turn taking longer than `timeout`
    /// fails with a timeout message.
    pub fn new(dard: &Dard, timeout: Duration) -> ChatEngine {
        ChatEngine {
            session: dard.session(),
            timeout,
        }
    }
}

impl Engine for ChatEngine {
    async fn handle(&mut self, command: Command) -> Reply {
        match command {
            Command::Send(user) => {
                match tokio::time::timeout(self.timeout, self.session.turn(&user)).await {
                    Ok(Ok(outcome)) => Reply::Answered(Box::new(TurnRecord {
                        user,
                        outcome,
                        gold: None,
                    })),
                    Ok(Err(e)) => Reply::Failed {
                        user,
                        error: e.to_string(),
                    },
                    Err(_) => Reply::Failed {
                        user,
                        error: format!("no answer within {} s (timed out)", self.timeout.as_secs()),
                    },
                }
            }
            Command::Step => Reply::Failed {
                user: String::new(),
                error: "not replaying a dialog".to_string(),
            },
            Command::Reset => {
                self.session.reset();
                Reply::Reset
            }
        }
    }
}

/// Replays a MultiWOZ dialog: each step answers the next user turn from the
/// corpus history (the pipeline's own tracker carries the state), and keeps
/// the corpus reply next to the pipeline's.
#[derive(Debug)]
pub struct ReplayEngine {
    dard: Dard,
    dialog: String,
    jobs: Vec<TurnJob>,
    next: usize,
    state: DialogState,
    timeout: Duration,
}

impl ReplayEngine {
    /// A replay of `dialog` on `dard`.
    pub fn new(dard: &Dard, dialog: &Dialog, timeout: Duration) -> Result<ReplayEngine, TuiError> {
        let plan = Plan::build(
            std::slice::from_ref(dialog),
            &Selection::All,
            Setting::EndToEnd,
        )
        .map_err(|e| TuiError::Replay {
            id: dialog.id.clone(),
            message: e.to_string(),
        })?;
        let jobs = plan
            .dialogs
            .into_iter()
            .flat_map(|(_, jobs)| jobs)
            .collect();
        Ok(ReplayEngine {
            dard: dard.clone(),
            dialog: dialog.key(),
            jobs,
            next: 0,
            state: DialogState::new(),
            timeout,
        })
    }

    /// The number of turns of the dialog.
    pub fn turns(&self) -> usize {
        self.jobs.len()
    }
}

impl Engine for ReplayEngine {
    async fn handle(&mut self, command: Command) -> Reply {
        match command {
            Command::Reset => {
                self.next = 0;
                self.state.clear();
                Reply::Reset
            }
            Command::Send(_) | Command::Step => {
                let Some(job) = self.jobs.get(self.next) else {
                    return Reply::Finished;
                };
                let history = job.history();
                let user = history.last().map(|u| u.text.clone()).unwrap_or_default();
                let gold = job.utterances.get(job.history_len).map(|u| u.text.clone());
                let request = TurnRequest {
                    history,
                    dialog_id: Some(&self.dialog),
                    gold_state: None,
                    previous_state: Some(&self.state),
                };
                match tokio::time::timeout(self.timeout, self.dard.answer(request)).await {
                    Ok(Ok(outcome)) => {
                        self.next += 1;
                        self.state = outcome.state.clone();
                        Reply::Answered(Box::new(TurnRecord {
                            user,
                            outcome,
                            gold,
                        }))
                    }
                    Ok(Err(e)) => Reply::Failed {
                        user,
                        error: e.to_string(),
                    },
                    Err(_) => Reply::Failed {
                        user,
                        error: format!("no answer within {} s (timed out)", self.timeout.as_secs()),
                    },
                }
            }
        }
    }
}

/// Replays a dialog of a `dard simulate` run: each step sends the simulated
/// customer's next message to a session keyed like the simulation's (so the
/// made-up details match), and keeps the reply recorded in the run next to
/// the pipeline's. Unlike a corpus replay, the history is the pipeline's own.
#[derive(Debug)]
pub struct SimReplayEngine {
    session: Session,
    turns: Vec<(String, Option<String>)>,
    next: usize,
    timeout: Duration,
}

impl SimReplayEngine {
    /// A replay on `dard` of the dialog played for goal `goal_id`: its user
    /// messages with the replies recorded in the run.
    pub fn new(
        dard: &Dard,
        goal_id: &str,
        turns: Vec<(String, Option<String>)>,
        timeout: Duration,
    ) -> SimReplayEngine {
        SimReplayEngine {
            session: dard.session_keyed(goal_id),
            turns,
            next: 0,
            timeout,
        }
    }

    /// The number of turns to replay.
    pub fn turns(&self) -> usize {
        self.turns.len()
    }
}

impl Engine for SimReplayEngine {
    async fn handle(&mut self, command: Command) -> Reply {
        match command {
            Command::Reset => {
                self.next = 0;
                self.session.reset();
                Reply::Reset
            }
            Command::Send(_) | Command::Step => {
                let Some((user, recorded)) = self.turns.get(self.next).cloned() else {
                    return Reply::Finished;
                };
                match tokio::time::timeout(self.timeout, self.session.turn(&user)).await {
                    Ok(Ok(outcome)) => {
                        self.next += 1;
                        Reply::Answered(Box::new(TurnRecord {
                            user,
                            outcome,
                            gold: recorded,
                        }))
                    }
                    Ok(Err(e)) => Reply::Failed {
                        user,
                        error: e.to_string(),
                    },
                    Err(_) => Reply::Failed {
                        user,
                        error: format!("no answer within {} s (timed out)", self.timeout.as_secs()),
                    },
                }
            }
        }
    }
}
