//! Database entities: raw fields as the files hold them, with cheap access to
//! the id and name that lexicalization and evaluation need.

use indexmap::IndexMap;
use serde_json::Value;

use crate::Domain;

/// One database record (a restaurant, hotel, attraction, train, hospital
/// department, police station or the taxi record) with its raw fields in file
/// order.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    domain: Domain,
    index: usize,
    id: String,
    name: String,
    fields: IndexMap<String, Value>,
}

impl Entity {
    /// Builds an entity from the raw fields of one record: the id is the `id`
    /// field (string or number) or, for trains, `trainID`; the name is the
    /// `name` field. Missing ones are empty strings.
    pub(crate) fn new(domain: Domain, index: usize, fields: IndexMap<String, Value>) -> Entity {
        let text = |key: &str| match fields.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let id = if domain == Domain::Train {
            text("trainID")
        } else {
            text("id")
        };
        let name = text("name");
        Entity {
            domain,
            index,
            id,
            name,
            fields,
        }
    }

    /// The domain this entity belongs to.
    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// The position of the entity in its database file.
    pub fn index(&self) -> usize {
        self.index
    }

    /// What the evaluator reports for a match: the `id` field, or the train id
    /// for trains (empty when the record has none, e.g. the taxi record).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The `name` field (empty for trains, hospital departments and taxis).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A string field by its raw name (`address`, `phone`, `entrance fee`,
    /// `arriveBy`, …) or by the evaluator's normalized column name
    /// (`entrancefee`, `arrive`, `leave`, `trainid`); `None` when absent or not a
    /// string (lists, numbers, the hotel `price` object).
    pub fn get(&self, field: &str) -> Option<&str> {
        match self.value(field)? {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A raw field value of any JSON type, looked up like [`Entity::get`].
    pub fn value(&self, field: &str) -> Option<&Value> {
        if let Some(v) = self.fields.get(field) {
            return Some(v);
        }
        let wanted = normalize_column_name(field);
        self.fields
            .iter()
            .find(|(k, _)| normalize_column_name(k) == wanted)
            .map(|(_, v)| v)
    }

    /// All raw fields in file order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// The evaluator's column-name normalization: `id` stays as is; other names are
/// lower-cased without spaces, and `arriveby`/`leaveat` become `arrive`/`leave`.
pub(crate) fn normalize_column_name(name: &str) -> String {
    if name == "id" {
        return name.to_string();
    }
    let name = name.to_lowercase().replace(' ', "");
    match name.as_str() {
        "arriveby" => "arrive".to_string(),
        "leaveat" => "leave".to_string(),
        _ => name,
    }
}
