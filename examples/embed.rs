//! Embedding dard in a program: the built-in default (no model, no key, no
//! download) answering a short dialog, with what each turn did.
//!
//! Run with `cargo run -p dard-manager --example embed` (optionally
//! `-- path/to/config.toml`); the MultiWOZ data folder is found as `dard data`
//! finds it (`--data`-less: `DARD_DATA`, `./data/multiwoz`, `../shared/multiwoz`).

use manager::{Dard, TurnOutcome};

fn show(user: &str, outcome: &TurnOutcome) {
    println!("user:   {user}");
    println!("system: {}", outcome.reply);
    println!(
        "        [{} agent: {}; {} match(es); state {}]",
        outcome.domain,
        outcome.reason,
        outcome.db.count,
        agents::prompt::format_state(&outcome.state)
    );
    for stage in &outcome.stages {
        println!(
            "        {} on {}: {:.1} ms, {} tokens in, {} out",
            stage.stage,
            stage.backend,
            stage.latency.as_secs_f64() * 1000.0,
            stage.tokens_in(),
            stage.tokens_out()
        );
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Dard::builder();
    if let Some(path) = std::env::args().nth(1) {
        builder = builder.config_file(path);
    }
    // Training the built-in router reads the available dialogs: do it off the
    // async runtime's thread.
    let dard = tokio::task::spawn_blocking(move || builder.build()).await??;
    println!("pipeline: {:?}\n", dard.info());

    let mut session = dard.session();
    for user in [
        "I need a cheap restaurant in the centre.",
        "Italian food, please. Can I have their phone number?",
        "Thanks! I also need a taxi from there to the train station at 18:00.",
        "That's all, goodbye.",
    ] {
        let outcome = session.turn(user).await?;
        show(user, &outcome);
    }
    Ok(())
}
