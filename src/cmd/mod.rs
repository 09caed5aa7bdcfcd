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

/// Exits the process with `code`, first stopping the local models' worker
/// threads (with the `llama` feature): a process that exits while a worker is
/// inside llama.cpp can crash in its destructors (a second Ctrl-C during a
/// llama call ended with a segfault before).
pub fn exit(code: i32) -> ! {
    #[cfg(feature = "llama")]
    if !models::llama::shutdown(std::time::Duration::from_secs(5)) {
        eprintln!("warning: a llama worker was still busy after 5 s; exiting anyway");
    }
    std::process::exit(code)
}
