//! Reading config text with errors that point at the right place: the line and
//! column of the offending key and its whole key path
//! (`backends.claude.layers.retry.max_retries`), for syntax errors, type errors,
//! unknown keys and bad values alike — all before any part of the pipeline is built.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use crate::config::Config;
use crate::error::BuildError;

/// Parses and checks config text; `file` names it in errors.
pub(crate) fn parse(text: &str, file: Option<&Path>) -> Result<Config, BuildError> {
    let fail = |path: &[String], message: &str| BuildError::Config {
        file: file.map(Path::to_path_buf),
        message: at(text, path, message),
    };
    // Syntax: toml's own message already shows the line and a caret.
    let table: toml::Table = toml::from_str(text).map_err(|e| BuildError::Config {
        file: file.map(Path::to_path_buf),
        message: e.to_string(),
    })?;
    let value = serde_json::to_value(&table).map_err(|e| fail(&[], &e.to_string()))?;
    // Backends one by one, so that an error inside an entry keeps its whole path.
    if let Some(serde_json::Value::Object(backends)) = value.get("backends") {
        for (name, entry) in backends {
            models::config::parse_entry(entry.clone()).map_err(|e| {
                let mut path = vec!["backends".to_string(), name.clone()];
                path.extend(e.path);
                fail(&path, &e.message)
            })?;
        }
    }
    let config: Config =
        models::config::from_value_with_path(value).map_err(|e| fail(&e.path, &e.message))?;
    for (name, backend) in &config.backends {
        backend.validate(name).map_err(|e| {
            let mut path = vec!["backends".to_string(), name.clone()];
            if let Some((_, Some(key))) = e.location() {
                path.extend(key.split('.').map(str::to_string));
            }
            let message = match &e {
                models::ConfigError::Invalid { message, .. } => message.clone(),
                other => other.to_string(),
            };
            fail(&path, &message)
        })?;
    }
    config
        .user
        .check(&config.backends)
        .map_err(|(key, message)| fail(&["user".to_string(), key.to_string()], &message))?;
    Ok(config)
}

/// `line L, column C: key.path: message`, pointing at the deepest key of `path`
/// that the text holds (the whole path when it is there).
fn at(text: &str, path: &[String], message: &str) -> String {
    let shown = path.join(".");
    let position = locate(text, path)
        .map(|(line, col)| format!("line {line}, column {col}: "))
        .unwrap_or_default();
    match shown.is_empty() {
        true => format!("{position}{message}"),
        false => format!("{position}{shown}: {message}"),
    }
}

/// The 1-based line and column of the deepest key of `path` in `text`.
pub(crate) fn locate(text: &str, path: &[String]) -> Option<(usize, usize)> {
    let doc = DeTable::parse(text).ok()?;
    let mut table: &DeTable<'_> = doc.get_ref();
    let mut found = None;
    for key in path {
        let Some((k, v)) = table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key.as_str())
        else {
            break;
        };
        found = Some(k.span().start);
        match v.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    found.map(|offset| line_col(text, offset))
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse(text, Some(Path::new("x.toml")))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn config_errors_point_at_the_true_line_column_and_key_path() {
        let type_error = "[backends.x]\nkind = \"openai\"\nmodel = 42\n";
        let e = error(type_error);
        assert!(
            e.starts_with("x.toml: line 3, column 1: backends.x.model: invalid type"),
            "{e}"
        );

        let unknown = "[backends.x]\nkind = \"openai\"\nmodel = \"m\"\n\n  temprature = 0.2\n";
        let e = error(unknown);
        assert!(
            e.contains("line 5, column 3: backends.x.temprature: unknown field"),
            "{e}"
        );

        let retry = "[backends.claude]\nkind = \"bedrock\"\nmodel = \"m\"\n[backends.claude.layers.retry]\nmax_retries = \"many\"\n";
        let e = error(retry);
        assert!(
            e.contains("line 5, column 1: backends.claude.layers.retry.max_retries: invalid type"),
            "{e}"
        );

        let inline = "[backends]\nc = { kind = \"openai\", model = \"m\", layers = { timeout_secs = -1 } }\n";
        let e = error(inline);
        assert!(
            e.contains("line 2, column 48") && e.contains("layers.timeout_secs"),
            "{e}"
        );

        let top = "[pipeline]\nruoter = \"builtin\"\n";
        let e = error(top);
        assert!(
            e.contains("line 2, column 1: pipeline.ruoter: unknown field"),
            "{e}"
        );
    }

    #[test]
    fn urls_are_checked_when_the_config_is_read() {
        let e =
            error("[backends.x]\nkind = \"openai\"\nmodel = \"m\"\nbase_url = \"http://[::1\"\n");
        assert!(
            e.contains("line 4, column 1") && e.contains("base_url"),
            "{e}"
        );
        let e =
            error("[backends.x]\nkind = \"bedrock\"\nmodel = \"m\"\nendpoint_url = \"nowhere\"\n");
        assert!(e.contains("line 4") && e.contains("endpoint_url"), "{e}");
    }
}
