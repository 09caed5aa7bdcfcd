//! `dard data` (being written).

/// Flags of `dard data`.
#[derive(Debug, clap::Args)]
pub struct DataArgs {}

/// Runs `dard data`.
pub fn run(_args: DataArgs) -> anyhow::Result<()> {
    anyhow::bail!("`dard data` is not implemented yet")
}
