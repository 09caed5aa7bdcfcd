//! The conversation as saved with Ctrl-S: JSON with every turn's details, and
//! the same dialog as plain text.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use manager::PipelineInfo;
use serde::{Deserialize, Serialize};

use crate::engine::TurnRecord;
use crate::error::TuiError;

/// One item of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Entry {
    /// An answered turn.
    Turn(Box<TurnRecord>),
    /// A turn that failed.
    Error {
        /// The unanswered message.
        user: String,
        /// What went wrong.
        error: String,
    },
}

/// What a transcript file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// `chat` or `replay`.
    pub mode: String,
    /// The replayed dialog's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialog: Option<String>,
    /// The backend of each stage.
    pub pipeline: PipelineInfo,
    /// Seconds since the Unix epoch when it was saved.
    pub saved_at_unix: u64,
    /// The conversation.
    pub entries: Vec<Entry>,
}

impl Transcript {
    /// The conversation as plain text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "dard {} transcript{} · tracker {} · router {} · agents {}",
            self.mode,
            self.dialog
                .as_deref()
                .map(|d| format!(" of {d}"))
                .unwrap_or_default(),
            self.pipeline.tracker,
            self.pipeline.router,
            crate::render::agents_summary(&self.pipeline),
        );
        for entry in &self.entries {
            out.push('\n');
            match entry {
                Entry::Turn(t) => {
                    let _ = writeln!(out, "user: {}", t.user);
                    let _ = writeln!(out, "dard [{}]: {}", t.outcome.domain, t.outcome.reply);
                    if let Some(gold) = &t.gold {
                        let _ = writeln!(out, "gold: {gold}");
                    }
                }
                Entry::Error { user, error } => {
                    let _ = writeln!(out, "user: {user}");
                    let _ = writeln!(out, "error: {error}");
                }
            }
        }
        out
    }

    /// Writes `dard-<mode>-<time>.json` and `.txt` into `dir` (never over an
    /// existing file) and returns both paths.
    pub fn save(&self, dir: &Path) -> Result<(PathBuf, PathBuf), TuiError> {
        let json = serde_json::to_string_pretty(self)?;
        let text = self.to_text();
        std::fs::create_dir_all(dir).map_err(|source| TuiError::Save {
            path: dir.to_path_buf(),
            source,
        })?;
        for n in 0..1000u32 {
            let stem = match n {
                0 => format!("dard-{}-{}", self.mode, self.saved_at_unix),
                n => format!("dard-{}-{}-{n}", self.mode, self.saved_at_unix),
            };
            let json_path = dir.join(format!("{stem}.json"));
            let text_path = dir.join(format!("{stem}.txt"));
            if text_path.exists() {
                continue;
            }
            match write_new(&json_path, &json) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => {
                    return Err(TuiError::Save {
                        path: json_path,
                        source,
                    });
                }
            }
            write_new(&text_path, &text).map_err(|source| TuiError::Save {
                path: text_path.clone(),
                source,
            })?;
            return Ok((json_path, text_path));
        }
        Err(TuiError::Save {
            path: dir.to_path_buf(),
            source: std::io::Error::other("no free transcript file name"),
        })
    }
}

fn write_new(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.flush()
}
