//! Prompt templates: plain text with `{{variable}}` slots, split into a system part
//! and a user part by the marker lines `=== system ===` and `=== user ===`.
//!
//! Templates are checked when they are loaded (markers present, every variable
//! known for that template), so a typo in an override file fails at start-up with
//! the file's name, never in the middle of a run.

use std::fmt;

use crate::prompt::PromptError;

/// The marker line that starts the system part.
pub const SYSTEM_MARKER: &str = "=== system ===";
/// The marker line that starts the user part.
pub const USER_MARKER: &str = "=== user ===";

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Text(String),
    Var(String),
}

/// A parsed template part.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Part {
    segments: Vec<Segment>,
}

impl Part {
    fn parse(text: &str, source: &str, allowed: &[&str]) -> Result<Part, PromptError> {
        let mut segments = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let Some(close) = rest[open + 2..].find("}}") else {
                return Err(PromptError::Template {
                    file: source.to_string(),
                    message: "a `{{` is never closed by `}}`".to_string(),
                });
            };
            let name = rest[open + 2..open + 2 + close].trim();
            if !allowed.contains(&name) {
                return Err(PromptError::Template {
                    file: source.to_string(),
                    message: format!(
                        "unknown variable `{{{{{name}}}}}` (this template may use: {})",
                        allowed.join(", ")
                    ),
                });
            }
            if open > 0 {
                segments.push(Segment::Text(rest[..open].to_string()));
            }
            segments.push(Segment::Var(name.to_string()));
            rest = &rest[open + 2 + close + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_string()));
        }
        Ok(Part { segments })
    }

    /// Renders the part into `out`; returns how many bytes of `out` come
    /// before the first variable `is_static` says varies from call to call.
    fn render(
        &self,
        vars: &dyn Fn(&str) -> Option<String>,
        is_static: &dyn Fn(&str) -> bool,
        out: &mut String,
    ) -> usize {
        let mut static_len = None;
        for seg in &self.segments {
            match seg {
                Segment::Text(t) => out.push_str(t),
                Segment::Var(name) => {
                    if static_len.is_none() && !is_static(name) {
                        static_len = Some(out.len());
                    }
                    // Variables were checked at load time; an unset one renders empty.
                    out.push_str(&vars(name).unwrap_or_default());
                }
            }
        }
        static_len.unwrap_or(out.len())
    }
}

/// A parsed, validated template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    system: Part,
    user: Part,
}

impl Template {
    /// Parses `text` (read from `source`, a file name for messages), allowing only
    /// the variables in `allowed`.
    pub fn parse(text: &str, source: &str, allowed: &[&str]) -> Result<Template, PromptError> {
        // Windows line endings in an override file must not change the prompt.
        let text = text.replace("\r\n", "\n");
        let Some(after_system) = text
            .strip_prefix(SYSTEM_MARKER)
            .and_then(|t| t.strip_prefix('\n'))
        else {
            return Err(PromptError::Template {
                file: source.to_string(),
                message: format!("the first line must be `{SYSTEM_MARKER}`"),
            });
        };
        let marker = format!("\n{USER_MARKER}\n");
        let Some((system, user)) = after_system.split_once(&marker) else {
            return Err(PromptError::Template {
                file: source.to_string(),
                message: format!("no `{USER_MARKER}` line"),
            });
        };
        Ok(Template {
            source: source.to_string(),
            system: Part::parse(system, source, allowed)?,
            user: Part::parse(user.trim_end_matches('\n'), source, allowed)?,
        })
    }

    /// Where the template came from (a file path, or `default:<name>`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the system and user parts with the variables `vars` gives.
    pub fn render(&self, vars: &dyn Fn(&str) -> Option<String>) -> (String, String) {
        let (system, user, _) = self.render_split(vars, &|_| true);
        (system, user)
    }

    /// Renders like [`Template::render`], and also returns how many leading
    /// bytes of the user part are static: those before the first variable
    /// for which `is_static` is false.
    pub fn render_split(
        &self,
        vars: &dyn Fn(&str) -> Option<String>,
        is_static: &dyn Fn(&str) -> bool,
    ) -> (String, String, usize) {
        let mut system = String::new();
        self.system.render(vars, &|_| true, &mut system);
        let mut user = String::new();
        let static_len = self.user.render(vars, is_static, &mut user);
        (system.trim_end_matches('\n').to_string(), user, static_len)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn template_renders_variables_in_both_parts() {
        let t = Template::parse(
            "=== system ===\nYou are {{who}}.\n=== user ===\nSay {{what}}\n",
            "t.txt",
            &["who", "what"],
        )
        .unwrap();
        let (system, user) = t.render(&|v| Some(format!("<{v}>")));
        assert_eq!(system, "You are <who>.");
        assert_eq!(user, "Say <what>");
    }

    #[test]
    fn static_user_prefix_ends_at_the_first_per_turn_variable() {
        let t = Template::parse(
            "=== system ===\ns\n=== user ===\n{{fixed}}Now: {{turn}} then {{fixed}}\n",
            "t.txt",
            &["fixed", "turn"],
        )
        .unwrap();
        let (_, user, n) = t.render_split(&|v| Some(format!("<{v}>")), &|v| v == "fixed");
        assert_eq!(user, "<fixed>Now: <turn> then <fixed>");
        assert_eq!(&user[..n], "<fixed>Now: ");
        let (_, user, n) = t.render_split(&|v| Some(format!("<{v}>")), &|_| true);
        assert_eq!(n, user.len());
    }

    #[test]
    fn unknown_variable_is_rejected_with_the_file_name() {
        let err = Template::parse(
            "=== system ===\n{{oops}}\n=== user ===\nx",
            "my.txt",
            &["a"],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("my.txt") && err.contains("oops"), "{err}");
    }

    #[test]
    fn missing_markers_are_rejected() {
        assert!(Template::parse("hello", "a.txt", &[]).is_err());
        assert!(Template::parse("=== system ===\nhello", "a.txt", &[]).is_err());
        assert!(Template::parse("=== system ===\nx {{y", "a.txt", &["y"]).is_err());
    }

    #[test]
    fn crlf_override_files_render_like_lf_ones() {
        let lf = Template::parse("=== system ===\na\n=== user ===\nb\n", "x", &[]).unwrap();
        let crlf =
            Template::parse("=== system ===\r\na\r\n=== user ===\r\nb\r\n", "x", &[]).unwrap();
        assert_eq!(lf.render(&|_| None), crlf.render(&|_| None));
    }
}
