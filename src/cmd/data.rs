//! `dard data`: shows the MultiWOZ data dard finds (format, splits, dialog and turn
//! counts, database sizes), optionally with load time and peak memory, and
//! `dard data download` fetches it.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use multiwoz::Domain;
use multiwoz::download::{Manifest, Outcome, download};
use multiwoz::locate::{DataLayout, Origin, locate};
use multiwoz::model::{Dialog, Speaker};

/// Flags of `dard data`.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// The MultiWOZ folder (else $DARD_DATA, ./data/multiwoz, ../shared/multiwoz, the user data folder).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Also print the load time and the peak resident memory.
    #[arg(long)]
    pub stats: bool,
    /// What to do instead of showing the data.
    #[command(subcommand)]
    pub action: Option<DataAction>,
}

/// Sub-actions of `dard data`.
#[derive(Debug, clap::Subcommand)]
pub enum DataAction {
    /// Download MultiWOZ from its public GitHub sources, checking SHA-256 checksums.
    Download(DownloadArgs),
}

/// Flags of `dard data download`.
#[derive(Debug, clap::Args)]
pub struct DownloadArgs {
    /// Where to put the data (found there by later commands when it is ./data/multiwoz).
    #[arg(long, value_name = "DIR", default_value = "data/multiwoz")]
    pub dest: PathBuf,
    /// Fetch from a mirror laid out like the destination (`BASE/db/hotel_db.json`, …)
    /// instead of GitHub.
    #[arg(long, value_name = "BASE")]
    pub url: Option<String>,
}

/// Runs `dard data`.
pub fn run(args: DataArgs) -> Result<()> {
    match args.action {
        Some(DataAction::Download(d)) => run_download(&d),
        None => show(args.data.as_deref(), args.stats),
    }
}

fn run_download(args: &DownloadArgs) -> Result<()> {
    let mut manifest = Manifest::multiwoz();
    if let Some(base) = &args.url {
        manifest = manifest.with_base_url(base);
    }
    println!(
        "Downloading {} files into {}",
        manifest.entries.len(),
        args.dest.display()
    );
    download(&manifest, &args.dest, |entry, outcome| {
        let what = match outcome {
            Outcome::Downloaded => "downloaded, sha256 ok",
            Outcome::AlreadyPresent => "already present, sha256 ok",
            _ => "done",
        };
        println!("  {} ({} bytes): {what}", entry.local, entry.size);
    })
    .context("download failed")?;
    println!(
        "Done. `dard data --data {}` shows what was fetched.",
        args.dest.display()
    );
    Ok(())
}

fn show(data: Option<&std::path::Path>, stats: bool) -> Result<()> {
    let started = Instant::now();
    let layout = locate(data)?;
    let splits = layout.dialogs.splits();
    let dialogs = multiwoz::load::load_splits(&layout, &splits)
        .with_context(|| format!("cannot load the dialogs in {}", layout.root.display()))?;
    let dialogs_done = started.elapsed();
    let db = match &layout.db_dir {
        Some(dir) => Some(
            multiwoz::db::Database::load(dir)
                .with_context(|| format!("cannot load the database in {}", dir.display()))?,
        ),
        None => None,
    };
    let total = started.elapsed();

    print_layout(&layout);
    println!(
        "{:<8}{:>9}{:>9}{:>14}",
        "split", "dialogs", "turns", "system turns"
    );
    for split in &splits {
        let of: Vec<&Dialog> = dialogs.iter().filter(|d| d.split == Some(*split)).collect();
        let turns: usize = of.iter().map(|d| d.turns.len()).sum();
        let system: usize = of
            .iter()
            .map(|d| {
                d.turns
                    .iter()
                    .filter(|t| t.speaker == Speaker::System)
                    .count()
            })
            .sum();
        println!(
            "{:<8}{:>9}{:>9}{:>14}",
            split.as_str(),
            of.len(),
            turns,
            system
        );
    }
    match &db {
        Some(db) => {
            let sizes: Vec<String> = Domain::ALL
                .iter()
                .map(|d| format!("{d} {}", db.entities(*d).len()))
                .collect();
            println!("database entities: {}", sizes.join(", "));
        }
        None => println!("database: not found (expected db/*_db.json)"),
    }
    if stats {
        println!(
            "load time: {:.0} ms total ({:.0} ms dialogs, {:.0} ms database)",
            total.as_secs_f64() * 1000.0,
            dialogs_done.as_secs_f64() * 1000.0,
            (total - dialogs_done).as_secs_f64() * 1000.0
        );
        match peak_rss_kib() {
            Some(kib) => println!("peak RSS: {:.1} MB", kib as f64 / 1024.0),
            None => println!("peak RSS: unavailable (no /proc/self/status)"),
        }
    }
    Ok(())
}

fn print_layout(layout: &DataLayout) {
    let how = match layout.origin {
        Origin::Flag => "--data",
        Origin::Env => "$DARD_DATA",
        Origin::Local => "./data/multiwoz",
        Origin::Shared => "../shared/multiwoz",
        Origin::User => "the user data folder",
        _ => "search",
    };
    println!("MultiWOZ data: {} (via {how})", layout.root.display());
    println!("dialogs: {}", layout.dialogs.describe());
    let show = |label: &str, p: &Option<PathBuf>| match p {
        Some(p) => println!("{label}: {}", p.display()),
        None => println!("{label}: not found"),
    };
    show("database", &layout.db_dir);
    show("evaluator database", &layout.evaluator_db_dir);
    show("2.2 schema", &layout.schema);
    let f = &layout.eval_files;
    show("eval goals", &f.goals);
    show("eval references", &f.references);
    show("eval gold states", &f.gold_states);
    show("eval booked domains", &f.booked_domains);
}

/// Peak resident set size (VmHWM) in KiB, from /proc/self/status.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
