//! End-to-end test of `dard chat` in a real terminal: the binary runs in a
//! detached tmux pane (120×40), a user asks for a cheap restaurant in the
//! centre, the screen must show a reply naming a restaurant that the database
//! lists as cheap and central, and after Esc the shell gets a restored
//! terminal back (main screen, cooked mode, prompt).
//!
//! Needs tmux (CI installs it) and the MultiWOZ data (found as `dard` finds it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use multiwoz::Domain;
use multiwoz::db::Database;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
const PROMPT: &str = "chat-test$ ";

/// A tmux server of our own (unique socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(dir: &Path) -> Tmux {
        let version = Command::new("tmux").arg("-V").output();
        match version {
            Ok(out) if out.status.success() => {}
            _ => panic!(
                "tmux is not installed or does not run: the `dard chat` end-to-end test \
                 needs it (apt-get install tmux)"
            ),
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let tmux = Tmux {
            socket: format!("dard-chat-test-{}-{nanos}", std::process::id()),
        };
        let shell = format!("env PS1='{PROMPT}' sh");
        let out = tmux.cmd(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &WIDTH.to_string(),
            "-y",
            &HEIGHT.to_string(),
            "-s",
            "chat",
            "-c",
            dir.to_str().unwrap(),
            &shell,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("running tmux")
    }

    /// Types `text` literally, then presses `keys` (tmux key names).
    fn type_line(&self, text: &str) {
        let out = self.cmd(&["send-keys", "-t", "chat", "-l", text]);
        assert!(out.status.success(), "send-keys failed");
        self.key("Enter");
    }

    fn key(&self, key: &str) {
        let out = self.cmd(&["send-keys", "-t", "chat", key]);
        assert!(out.status.success(), "send-keys {key} failed");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "chat"]).stdout)
            .into_owned()
    }

    fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["display-message", "-p", "-t", "chat", format])
                .stdout,
        )
        .trim()
        .to_string()
    }

    /// Polls the screen until `done` holds, for at most `limit`.
    fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if start.elapsed() > limit {
                panic!("waited {limit:?} for {what}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// The text of the conversation pane's rows: what lies between the first two
/// `│` of each row.
fn conversation_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|row| {
            let mut parts = row.split('│');
            parts.next()?;
            Some(parts.next()?.to_string())
        })
        .collect()
}

/// dard's replies on the screen, each with its wrapped rows joined.
fn replies(screen: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for row in conversation_rows(screen) {
        if let Some(text) = row.strip_prefix("dard ") {
            current = Some(text.trim().to_string());
            continue;
        }
        if let Some(reply) = current.as_mut() {
            let text = row.trim();
            if row.starts_with("     ") && !text.is_empty() && !text.starts_with('→') {
                reply.push(' ');
                reply.push_str(text);
                continue;
            }
            out.push(current.take().unwrap());
        }
    }
    out.extend(current);
    out
}

/// How many turns the conversation pane shows as answered (one `→ … agent`
/// line each).
fn answered_turns(screen: &str) -> usize {
    conversation_rows(screen)
        .iter()
        .filter(|r| r.trim_start().starts_with("→ ") && r.contains(" agent · "))
        .count()
}

#[test]
fn chat_in_tmux_names_a_cheap_central_restaurant_and_restores_the_terminal() {
    let layout = multiwoz::locate::locate(None).unwrap_or_else(|e| {
        panic!("the chat end-to-end test needs the MultiWOZ data (DARD_DATA or ../shared/multiwoz): {e}")
    });
    let db_dir = layout
        .db_dir
        .clone()
        .expect("the data folder has no database");
    let db = Database::load(&db_dir).unwrap();
    let all: Vec<String> = db
        .entities(Domain::Restaurant)
        .iter()
        .map(|e| e.name().to_lowercase())
        .collect();
    let cheap_central: Vec<String> = db
        .query(
            Domain::Restaurant,
            [("pricerange", "cheap"), ("area", "centre")],
        )
        .iter()
        .map(|e| e.name().to_lowercase())
        .collect();
    assert!(
        !cheap_central.is_empty(),
        "the database lists no cheap central restaurant"
    );

    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(dir.path());
    tmux.wait_for("the shell prompt", Duration::from_secs(10), |s| {
        s.contains(PROMPT.trim_end())
    });
    let root = std::path::absolute(&layout.root).unwrap();
    let command = format!(
        "'{}' chat --data '{}'; echo \"EXITED:$?\"",
        env!("CARGO_BIN_EXE_dard"),
        root.display()
    );
    tmux.type_line(&command);
    tmux.wait_for("the chat screen", Duration::from_secs(90), |s| {
        s.contains("dard chat") && s.contains("Enter send")
    });
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "1",
        "the chat uses the alternate screen"
    );

    // The request; if dard first asks something back (the food type), the user
    // leaves the choice to it, as people do.
    let turns = [
        "I need a cheap restaurant in the centre",
        "Any type of food is fine. Which one do you recommend?",
        "Just pick one for me please, what is its name?",
    ];
    let mut named: Vec<String> = Vec::new();
    let mut screen = String::new();
    for (i, text) in turns.iter().enumerate() {
        tmux.type_line(text);
        screen = tmux.wait_for("dard's reply", Duration::from_secs(30), |s| {
            answered_turns(s) > i
        });
        let on_screen = replies(&screen).join(" ").to_lowercase();
        named = all
            .iter()
            .filter(|n| on_screen.contains(n.as_str()))
            .cloned()
            .collect();
        if !named.is_empty() {
            break;
        }
    }
    eprintln!(
        "replies on screen: {:?}; restaurants named: {named:?}",
        replies(&screen)
    );
    assert!(
        !named.is_empty(),
        "no reply names a restaurant of the database: {:?}\n{screen}",
        replies(&screen)
    );
    for name in &named {
        assert!(
            cheap_central.contains(name),
            "a reply names {name:?}, which the database does not list as cheap and in the \
             centre: {:?}",
            replies(&screen)
        );
    }
    // The side panel shows the delegation.
    assert!(screen.contains("Agent restaurant"), "{screen}");

    tmux.key("Escape");
    let screen = tmux.wait_for("the shell after quitting", Duration::from_secs(15), |s| {
        s.lines().any(|l| l.starts_with("EXITED:"))
    });
    assert!(
        screen.lines().any(|l| l.trim_end() == "EXITED:0"),
        "dard chat failed:\n{screen}"
    );
    assert!(
        screen.lines().any(|l| l.trim_end() == PROMPT.trim_end()),
        "no shell prompt after quitting:\n{screen}"
    );
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    // Cooked mode again: the shell's terminal echoes and reads lines.
    tmux.type_line("stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo STTY\"\"DONE");
    let screen = tmux.wait_for("stty's answer", Duration::from_secs(10), |s| {
        s.lines().any(|l| l.trim_end().ends_with("STTYDONE"))
    });
    let modes = screen
        .lines()
        .find(|l| l.trim_end().ends_with("STTYDONE"))
        .unwrap();
    assert_eq!(
        modes.trim_end(),
        "icanon echo STTYDONE",
        "the terminal is not restored:\n{screen}"
    );
}
