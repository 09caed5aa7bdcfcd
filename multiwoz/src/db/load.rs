//! Reading the `<domain>_db.json` files.

use std::collections::HashMap;
use std::path::Path;

use indexmap::IndexMap;
use serde_json::Value;

use super::entity::Entity;
use super::{Database, DbError};
use crate::Domain;

/// The attraction type that the MultiWOZ files misspell and the evaluator's
/// copy of the database corrects.
const MISSPELLED_TYPE: (&str, &str) = ("mutliple sports", "multiple sports");

impl Database {
    /// Loads `<db_dir>/{restaurant,hotel,attraction,train,hospital,police,taxi}_db.json`.
    ///
    /// The four venue files are required; hospital, police and taxi are read
    /// when present (the evaluator's own database folder lacks them). The
    /// attraction type `mutliple sports` is corrected to `multiple sports`, as in
    /// the evaluator's copy, so a plain MultiWOZ `db/` folder gives the
    /// evaluator's results.
    pub fn load(db_dir: &Path) -> Result<Database, DbError> {
        let mut entities = HashMap::new();
        for domain in Domain::ALL {
            let path = db_dir.join(format!("{}_db.json", domain.as_str()));
            if !domain.has_venues() && !path.exists() {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|source| DbError::Io {
                path: path.clone(),
                source,
            })?;
            entities.insert(domain, parse_entities(domain, &path, &text)?);
        }
        Ok(Database::from_entities(entities))
    }

    /// Builds a database from JSON texts per domain (the contents of the
    /// `<domain>_db.json` files), e.g. for tests; `path` names the origin in
    /// errors.
    pub fn from_json_texts<'a>(
        texts: impl IntoIterator<Item = (Domain, &'a Path, &'a str)>,
    ) -> Result<Database, DbError> {
        let mut entities = HashMap::new();
        for (domain, path, text) in texts {
            entities.insert(domain, parse_entities(domain, path, text)?);
        }
        Ok(Database::from_entities(entities))
    }
}

/// Parses one file: a JSON array of objects (field order kept).
fn parse_entities(domain: Domain, path: &Path, text: &str) -> Result<Vec<Entity>, DbError> {
    let records: Vec<IndexMap<String, Value>> =
        serde_json::from_str(text).map_err(|source| DbError::Json {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(records
        .into_iter()
        .enumerate()
        .map(|(i, mut fields)| {
            if domain == Domain::Attraction
                && let Some(Value::String(t)) = fields.get_mut("type")
                && t == MISSPELLED_TYPE.0
            {
                *t = MISSPELLED_TYPE.1.to_string();
            }
            Entity::new(domain, i, fields)
        })
        .collect())
}
