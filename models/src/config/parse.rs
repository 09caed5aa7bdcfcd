//! Reading one `[backends]` entry with the exact key path of any error, and the
//! checks of its values that need no network, made when the config is read.

use serde::de::DeserializeOwned;

use super::BackendConfig;
use crate::error::ConfigError;
use crate::layers::LayerConfig;

/// Why a `[backends]` entry could not be read: the key path inside the entry
/// (`["layers", "retry", "max_retries"]`; empty for the entry itself) and what is
/// wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    /// The keys from the entry down to the offending one.
    pub path: Vec<String>,
    /// What is wrong, as serde or the check says it.
    pub message: String,
}

impl std::fmt::Display for EntryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.path.is_empty() {
            true => write!(f, "{}", self.message),
            false => write!(f, "{}: {}", self.path.join("."), self.message),
        }
    }
}

/// Reads one `[backends]` entry (as a JSON value of its table), dispatching on
/// `kind` by hand so that an error deep inside (`layers.retry.max_retries`) keeps
/// its whole path, which serde's tagged enums lose.
pub fn parse_entry(value: serde_json::Value) -> Result<BackendConfig, EntryError> {
    let serde_json::Value::Object(mut table) = value else {
        return Err(at(&[], "expected a table with a `kind` key".to_owned()));
    };
    let kind = match table.remove("kind") {
        Some(serde_json::Value::String(kind)) => kind,
        Some(other) => {
            return Err(at(&["kind"], format!("expected a string, found {other}")));
        }
        None => return Err(at(&[], "missing `kind`".to_owned())),
    };
    let rest = serde_json::Value::Object(table.clone());
    match kind.as_str() {
        "openai" => from_value_with_path(rest).map(BackendConfig::Openai),
        "bedrock" => from_value_with_path(rest).map(BackendConfig::Bedrock),
        "llama" => {
            if let Some(layers) = table.get("layers") {
                from_value_with_path::<LayerConfig>(layers.clone()).map_err(|mut e| {
                    e.path.insert(0, "layers".into());
                    e
                })?;
            }
            Ok(BackendConfig::Llama(table.into_iter().collect()))
        }
        "builtin" => match table.keys().next() {
            None => Ok(BackendConfig::Builtin),
            Some(key) => Err(at(
                &[key.as_str()],
                "kind \"builtin\" takes no other keys".to_owned(),
            )),
        },
        #[cfg(feature = "test-utils")]
        "scripted" => from_value_with_path(rest).map(BackendConfig::Scripted),
        other => Err(at(
            &["kind"],
            format!("unknown kind \"{other}\" (expected one of: openai, bedrock, llama, builtin)"),
        )),
    }
}

fn at(path: &[&str], message: String) -> EntryError {
    EntryError {
        path: path.iter().map(|s| s.to_string()).collect(),
        message,
    }
}

/// Deserializes `value`, recording the path to the first error. An unknown key's
/// own name ends the path, so that it can be pointed at.
pub fn from_value_with_path<T: DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, EntryError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut path: Vec<String> = e
            .path()
            .iter()
            .filter_map(|seg| match seg {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                _ => None,
            })
            .collect();
        let message = e.inner().to_string();
        if let Some(field) = message
            .strip_prefix("unknown field `")
            .and_then(|m| m.split('`').next())
            && path.last().map(String::as_str) != Some(field)
        {
            path.push(field.to_owned());
        }
        EntryError { path, message }
    })
}

impl BackendConfig {
    /// Checks what can be checked without the network or the environment: required
    /// keys, URLs that parse as http(s) URLs with a host, a positive timeout. The
    /// error names the backend and the key.
    pub fn validate(&self, name: &str) -> Result<(), ConfigError> {
        let missing = |kind: &str, key: &str| ConfigError::Missing {
            backend: name.to_owned(),
            kind: kind.to_owned(),
            key: key.to_owned(),
        };
        let (layers, urls): (Option<&LayerConfig>, Vec<(&str, &str)>) = match self {
            BackendConfig::Openai(c) => {
                if c.model.is_none() {
                    return Err(missing("openai", "model"));
                }
                let urls = c
                    .base_url
                    .iter()
                    .map(|u| ("base_url", u.as_str()))
                    .collect();
                (Some(&c.layers), urls)
            }
            BackendConfig::Bedrock(c) => {
                if c.model.is_none() {
                    return Err(missing("bedrock", "model"));
                }
                let urls = c
                    .endpoint_url
                    .iter()
                    .map(|u| ("endpoint_url", u.as_str()))
                    .collect();
                (Some(&c.layers), urls)
            }
            BackendConfig::Llama(raw) => {
                if !raw.contains_key("model_path") {
                    return Err(missing("llama", "model_path"));
                }
                (None, Vec::new())
            }
            BackendConfig::Builtin => (None, Vec::new()),
            #[cfg(feature = "test-utils")]
            BackendConfig::Scripted(c) => (Some(&c.layers), Vec::new()),
        };
        for (key, url) in urls {
            check_url(url).map_err(|message| ConfigError::Invalid {
                backend: name.to_owned(),
                key: key.to_owned(),
                message,
            })?;
        }
        if let Some(layers) = layers {
            layers.timeout(name)?;
        }
        Ok(())
    }
}

/// An http(s) URL with a host, or why not (the URL shown without credentials).
pub fn check_url(text: &str) -> Result<(), String> {
    let shown = crate::redact::redact_urls(text);
    let url = url::Url::parse(text).map_err(|e| format!("\"{shown}\" is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("\"{shown}\" is not an http(s) URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{shown}\" has no host"));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn entry_errors_keep_the_whole_key_path() {
        let e = parse_entry(serde_json::json!({
            "kind": "openai", "model": "m", "layers": {"retry": {"max_retries": "many"}}
        }))
        .unwrap_err();
        assert_eq!(e.path, ["layers", "retry", "max_retries"]);
        let e = parse_entry(serde_json::json!({"kind": "openai", "temprature": 1})).unwrap_err();
        assert_eq!(e.path, ["temprature"]);
        let e = parse_entry(serde_json::json!({"kind": "openai", "model": 42})).unwrap_err();
        assert_eq!(e.path, ["model"]);
        let e = parse_entry(serde_json::json!({"kind": "gpt"})).unwrap_err();
        assert_eq!(e.path, ["kind"]);
    }

    #[test]
    fn urls_are_parsed_as_urls() {
        assert!(check_url("http://127.0.0.1:8080/v1").is_ok());
        assert!(check_url("http://[::1]:8080/v1").is_ok());
        assert!(check_url("http://[::1").is_err());
        assert!(check_url("ftp://h/").is_err());
        assert!(check_url("localhost:8080").is_err());
        let err = check_url("http://u:SECRET@[::1").unwrap_err();
        assert!(!err.contains("SECRET"), "{err}");
    }
}
