//! `dard chat --replay-sim RUN[#N|#ID]`: a dialog of a `dard simulate` run
//! played again through the pipeline.
//!
//! `RUN` is a run folder or its `dialogs.jsonl`; after `#` comes the dialog:
//! its 0-based line number in the file or its goal id (default: the first).
//! The simulated customer's messages are sent, in order, to a session keyed
//! by the goal's id as in the run (so made-up details match), and each reply
//! is shown next to the one recorded in the run: in the chat screen on a
//! terminal, else as one JSON line per turn.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use manager::Dard;
use manager::script::ScriptRecord;
use sim::DialogRecord;

/// A simulated dialog to replay.
#[derive(Debug, Clone)]
pub struct SimDialog {
    /// The goal's id (the session key of the run).
    pub id: String,
    /// The customer's messages that the system answered, each with the reply
    /// recorded in the run.
    pub turns: Vec<(String, Option<String>)>,
}

/// Reads the dialog `spec` names (`RUN[#N|#ID]`).
pub fn load(spec: &str) -> Result<SimDialog> {
    let (path, selector) = match spec.rsplit_once('#') {
        Some((p, sel)) if !sel.contains('/') => (p, Some(sel.trim())),
        _ => (spec, None),
    };
    let mut file = PathBuf::from(path);
    if file.is_dir() {
        file = file.join(bench::simulate::files::DIALOGS);
    }
    let records = read(&file)?;
    let Some(first) = records.first() else {
        bail!("--replay-sim: {} holds no finished dialog", file.display());
    };
    let record = match selector {
        None | Some("") => first,
        Some(sel) => match sel.parse::<usize>() {
            Ok(n) => records.get(n).with_context(|| {
                format!(
                    "--replay-sim: {} holds {} dialogs (0 to {}); there is no #{n}",
                    file.display(),
                    records.len(),
                    records.len() - 1
                )
            })?,
            Err(_) => match records.iter().find(|d| d.id.eq_ignore_ascii_case(sel)) {
                Some(d) => d,
                None => {
                    let ids: Vec<&str> = records.iter().take(5).map(|d| d.id.as_str()).collect();
                    bail!(
                        "--replay-sim: {} has no dialog with goal id `{sel}` (it holds {}: {}{})",
                        file.display(),
                        records.len(),
                        ids.join(", "),
                        if records.len() > 5 { ", …" } else { "" }
                    );
                }
            },
        },
    };
    let turns: Vec<(String, Option<String>)> = record
        .turns
        .iter()
        .filter(|t| t.system.is_some())
        .map(|t| (t.user.clone(), t.system.clone()))
        .collect();
    if turns.is_empty() {
        bail!(
            "--replay-sim: dialog `{}` in {} has no answered turn to replay",
            record.id,
            file.display()
        );
    }
    Ok(SimDialog {
        id: record.id.clone(),
        turns,
    })
}

/// The dialogs of a `dialogs.jsonl`, in file order; a malformed line is an
/// error naming it, except an unfinished last line (a run killed mid-write).
fn read(file: &Path) -> Result<Vec<DialogRecord>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("--replay-sim: reading {}", file.display()))?;
    let finished = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let mut records = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<DialogRecord>(line) {
            Ok(d) => records.push(d),
            Err(_) if i + 1 == lines.len() && !finished => break,
            Err(e) => bail!(
                "--replay-sim: {}, line {}: not a simulated dialog: {e}",
                file.display(),
                i + 1
            ),
        }
    }
    Ok(records)
}

/// Replays `dialog` without a screen, printing one JSON line per turn.
pub async fn print(dard: &Dard, dialog: &SimDialog) -> Result<()> {
    let mut session = dard.session_keyed(&dialog.id);
    let mut out = std::io::stdout().lock();
    for (t, (user, recorded)) in dialog.turns.iter().enumerate() {
        let outcome = session
            .turn(user)
            .await
            .with_context(|| format!("answering turn {t} of {}", dialog.id))?;
        // The chat script's record plus the goal id and the reply the run recorded.
        let mut line = serde_json::to_value(ScriptRecord::of(0, t, user, &outcome, &session))
            .context("writing a turn's record")?;
        if let Some(fields) = line.as_object_mut() {
            fields.insert("goal".into(), dialog.id.clone().into());
            fields.insert("recorded".into(), recorded.clone().into());
        }
        let text = line.to_string();
        writeln!(out, "{text}").context("writing a turn's record")?;
    }
    Ok(())
}
