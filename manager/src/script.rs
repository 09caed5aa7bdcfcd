//! Scripted conversations: user turns read from a file, played through
//! [`Session`]s, one JSON record per turn out.
//!
//! The script format (what `dard chat --script FILE` reads): one user turn per
//! line; a blank line starts a new dialog; a line starting with `#` is a
//! comment. A line starting with `{` is a JSON object whose `"user"` string is
//! the turn; its other keys are kept for the caller (test expectations, for
//! example) and ignored by the chat.

use serde::Serialize;
use serde_json::{Map, Value};

use agents::roles::DialogState;
use multiwoz::Domain;

use crate::dard::Dard;
use crate::error::TurnError;
use crate::memory::DialogMemory;
use crate::session::Session;
use crate::turn::TurnOutcome;

/// One user turn of a script.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptTurn {
    /// The 1-based line it was read from.
    pub line: usize,
    /// What the user says.
    pub user: String,
    /// The other keys of a JSON line (empty for a plain line).
    pub extra: Map<String, Value>,
}

/// One dialog of a script: its user turns in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptDialog {
    /// The user turns.
    pub turns: Vec<ScriptTurn>,
}

/// A script line that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}, line {line}: {message}")]
#[non_exhaustive]
pub struct ScriptError {
    /// The file (or stream) the script came from.
    pub source_name: String,
    /// The 1-based line.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// Reads a script; `source_name` names the file in errors.
pub fn parse_script(text: &str, source_name: &str) -> Result<Vec<ScriptDialog>, ScriptError> {
    let mut dialogs = Vec::new();
    let mut current = ScriptDialog::default();
    let err = |line: usize, message: String| ScriptError {
        source_name: source_name.to_string(),
        line,
        message,
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            if !current.turns.is_empty() {
                dialogs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        let (user, extra) = if trimmed.starts_with('{') {
            let value: Value = serde_json::from_str(trimmed)
                .map_err(|e| err(line, format!("not a JSON object: {e}")))?;
            let Value::Object(mut map) = value else {
                return Err(err(line, "not a JSON object".to_string()));
            };
            let user = match map.remove("user") {
                Some(Value::String(s)) => s,
                Some(_) => return Err(err(line, "key `user` must be a string".to_string())),
                None => return Err(err(line, "missing key `user`".to_string())),
            };
            (user, map)
        } else {
            (trimmed.to_string(), Map::new())
        };
        if user.trim().is_empty() {
            return Err(err(line, "key `user` is empty".to_string()));
        }
        current.turns.push(ScriptTurn { line, user, extra });
    }
    if !current.turns.is_empty() {
        dialogs.push(current);
    }
    Ok(dialogs)
}

/// What one scripted turn did, as `dard chat --script` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScriptRecord {
    /// The dialog's number in the script (0, 1, …).
    pub dialog: usize,
    /// The turn's number in its dialog (0, 1, …).
    pub turn: usize,
    /// What the user said.
    pub user: String,
    /// The reply for people.
    pub reply: String,
    /// The domain the manager delegated to; `null` for small talk, which no
    /// domain answers.
    pub domain: Option<Domain>,
    /// Whether the turn was small talk, answered with what dard can help with.
    pub off_topic: bool,
    /// The manager's reason.
    pub reason: String,
    /// The belief state after the turn.
    pub state: DialogState,
    /// What the dialog has offered and booked after the turn.
    pub memory: DialogMemory,
    /// How many database records matched the delegated domain's constraints.
    pub db_count: usize,
    /// The delexicalized reply the agent wrote.
    pub delex: String,
}

impl ScriptRecord {
    /// The record of `outcome`, the `turn`-th of dialog `dialog`, in `session`.
    pub fn of(
        dialog: usize,
        turn: usize,
        user: &str,
        outcome: &TurnOutcome,
        session: &Session,
    ) -> ScriptRecord {
        ScriptRecord {
            dialog,
            turn,
            user: user.to_string(),
            reply: outcome.reply.clone(),
            domain: (!outcome.off_topic).then_some(outcome.domain),
            off_topic: outcome.off_topic,
            reason: outcome.reason.clone(),
            state: outcome.state.clone(),
            memory: session.memory().clone(),
            db_count: outcome.db.count,
            delex: outcome.delex_reply.clone(),
        }
    }
}

/// Plays `dialogs`, each in a new session of `dard`, and hands every turn's
/// record to `sink` as soon as it is answered.
pub async fn run_script(
    dard: &Dard,
    dialogs: &[ScriptDialog],
    mut sink: impl FnMut(ScriptRecord),
) -> Result<(), TurnError> {
    for (d, dialog) in dialogs.iter().enumerate() {
        let mut session = dard.session();
        for (t, turn) in dialog.turns.iter().enumerate() {
            let outcome = session.turn(&turn.user).await?;
            sink(ScriptRecord::of(d, t, &turn.user, &outcome, &session));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn blank_lines_split_dialogs_and_json_lines_keep_their_keys() {
        let text = "# a comment\nhello\n{\"user\": \"a cheap hotel\", \"expect\": {\"domain\": \"hotel\"}}\n\n\nbye\n";
        let dialogs = parse_script(text, "s.txt").unwrap();
        assert_eq!(dialogs.len(), 2);
        assert_eq!(dialogs[0].turns[1].user, "a cheap hotel");
        assert_eq!(dialogs[0].turns[1].line, 3);
        assert!(dialogs[0].turns[1].extra.contains_key("expect"));
        assert_eq!(dialogs[1].turns[0].user, "bye");
    }

    #[test]
    fn a_bad_line_names_the_file_line_and_key() {
        let e = parse_script("hi\n{\"text\": \"x\"}\n", "conv.jsonl").unwrap_err();
        assert_eq!(e.to_string(), "conv.jsonl, line 2: missing key `user`");
        let e = parse_script("{\"user\": 3}", "c").unwrap_err();
        assert!(e.to_string().contains("`user` must be a string"));
        let e = parse_script("{oops", "c").unwrap_err();
        assert!(e.to_string().starts_with("c, line 1: not a JSON object"));
    }
}
