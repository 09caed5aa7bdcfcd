//! `dard-sim`: a goal-driven MultiWOZ user simulator and a dialog evaluator
//! with the definitions of ConvLab's `MultiWozEvaluator`.
//!
//! A conversation ([`play`]) runs a [`User`] against a [`System`]: the user
//! (the agenda policy in [`policy`] speaking through the mined templates of
//! [`nlg`], or a model) says something, the system answers with a
//! [`SystemTurn`], [`understand`] reads the answer into dialog acts from what
//! the system said, the user reacts, and when the user ends the dialog
//! [`eval::score`] scores it. Goals come from the corpus ([`goal`]) or are
//! sampled fresh ([`generate`]).
//!
//! The crate knows nothing of dard's pipeline: anything that answers user
//! text implements [`System`].

pub mod acts;
pub mod attr;
pub mod dialog;
pub mod eval;
pub mod generate;
pub mod goal;
pub mod instructions;
pub mod nlg;
pub mod policy;
pub mod rng;
pub mod summary;
pub mod system;
pub mod testing;
pub mod understand;

pub use acts::{Act, Intent};
pub use attr::Attr;
pub use dialog::{AgendaUser, DialogRecord, TurnRecord, User, UserTurn, play};
pub use eval::{DialogScore, DomainScore};
pub use goal::{DomainGoal, Goal};
pub use nlg::Nlg;
pub use policy::EndReason;
pub use summary::Summary;
pub use system::{Record, Reply, State, System, SystemError, SystemTurn};
pub use understand::understand;
