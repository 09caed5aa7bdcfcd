//! One module per subcommand: flag structs and a `run` that calls into the libraries.

pub mod backend_args;
pub mod bench;
pub mod chat;
pub mod data;
pub mod eval;
pub mod export;
pub mod fetch;
pub mod replay_sim;
pub mod serve;
pub mod simulate;
