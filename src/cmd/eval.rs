//! `dard eval` (being written).

/// Flags of `dard eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {}

/// Runs `dard eval`.
pub fn run(_args: EvalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`dard eval` is not implemented yet")
}
