//! What the binary tells people: user errors as one message and its causes (each
//! once, never a backtrace), colour only on a terminal that wants it, and the log
//! file of the terminal chat.

use std::fs::{File, OpenOptions};
use std::io::IsTerminal;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Whether stderr gets ANSI colour: only on a terminal, and never when `NO_COLOR`
/// is set to anything (<https://no-color.org>).
pub fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The text of an error for people: `error: message`, then each cause on its own
/// line, leaving out a cause whose text is already shown (libraries often repeat
/// their source in their own message). No backtrace, whatever `RUST_BACKTRACE` says.
pub fn error_text(err: &anyhow::Error, colour: bool) -> String {
    let (red, reset) = if colour {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("", "")
    };
    let first = models::redact::redact_urls(&err.to_string());
    let mut text = format!("{red}error:{reset} {first}");
    let mut shown = vec![first];
    for cause in err.chain().skip(1) {
        let line = models::redact::redact_urls(&cause.to_string());
        if line.is_empty() || shown.iter().any(|s| s.contains(&line)) {
            continue;
        }
        text.push_str(&format!("\n  caused by: {line}"));
        shown.push(line);
    }
    text
}

/// The folder of dard's logs: `$XDG_STATE_HOME/dard`, else `~/.local/state/dard`
/// (never a fixed name in a shared temporary folder, where anyone can plant a link).
pub fn state_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_STATE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".local").join("state"))
        })
        .map(|d| d.join("dard"))
}

/// The chat's log file, in [`state_dir`].
pub fn chat_log_path() -> Option<PathBuf> {
    state_dir().map(|d| d.join("chat.log"))
}

/// Opens `path` to append, creating it (and its folder, private to the user) if
/// needed, without following a symbolic link at the last component: a link there
/// makes the open fail instead of writing into whatever it points at.
pub fn open_log(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn the_chat_log_does_not_follow_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious\n").unwrap();
        let log = dir.path().join("state").join("chat.log");
        std::fs::create_dir_all(log.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&victim, &log).unwrap();
        assert!(open_log(&log).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        std::fs::remove_file(&log).unwrap();
        use std::io::Write;
        writeln!(open_log(&log).unwrap(), "line").unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "line\n");
    }

    #[test]
    fn errors_show_each_cause_once_without_colour_off_a_terminal() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let err = anyhow::Error::new(io).context("cannot read x.json: No such file or directory");
        let err = err.context("loading the predictions");
        let text = error_text(&err, false);
        assert_eq!(
            text.matches("No such file or directory").count(),
            1,
            "{text}"
        );
        assert!(text.starts_with("error: loading the predictions"), "{text}");
        assert!(!text.contains('\x1b'));
        assert!(error_text(&err, true).contains("\x1b[1;31m"));
    }
}
