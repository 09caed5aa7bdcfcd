//! The MultiWOZ venue database with the standard evaluator's query semantics.
//!
//! [`Database::query`] returns exactly what mwzeval's
//! `MultiWOZVenueDatabase().query(domain, constraints)` returns — the same ids
//! in the same (file) order — for the restaurant, hotel, attraction and train
//! domains, and nothing for the others:
//!
//! * the query keys are the first record's column names after dropping the
//!   ignored columns (`location`, `openhours`; `location`, `price`,
//!   `takesbookings`; `location`, `introduction`, `signature`) and normalizing
//!   them (lower case, no spaces, `arriveBy` → `arrive`, `leaveAt` → `leave`);
//!   constraint keys outside them (book slots, typos) are ignored;
//! * a constraint whose raw value is a don't-care spelling is skipped; the
//!   others are normalized like belief-state values;
//! * `arrive` keeps records arriving at or before, `leave` records leaving at
//!   or after the constraint, compared in minutes (`time_str_to_minutes`);
//! * names (and restaurant food, train departure/destination) match when
//!   `fuzz.partial_ratio(record value, constraint) >= 90`; other columns need
//!   exact equality with the raw record value;
//! * a record whose value is `?` matches any constraint on that column.
//!
//! Two cases where Python raises instead of answering are answered here: a
//! record lacking a queried column (`KeyError`; only three restaurants lack
//! `phone`) does not match, and a constraint time whose minutes Python's
//! `int()` rejects (`ValueError`) counts as minute 0, like any other
//! unreadable time.
//!
//! The fast path intersects per-column bit sets: exact columns are hashed,
//! times are precomputed minutes, and fuzzy columns compute `partial_ratio`
//! once per distinct (record value, constraint) pair and cache the result per
//! constraint behind a lock, so a `Database` can be shared across threads.
//! [`Database::query_reference`] is a literal, unindexed transcription kept to
//! check the fast path against.

mod bitset;
mod entity;
mod load;
mod table;

use std::collections::HashMap;
use std::path::PathBuf;

pub use entity::Entity;

use crate::Domain;
use crate::fuzzy::partial_ratio;
use crate::normalize::{normalize_state_value, time_str_to_minutes};
use table::{Cell, DONTCARE, FUZZY_THRESHOLD, QueryValue, Table, is_fuzzy};

/// An error while loading the database files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// A database file could not be read.
    #[error("cannot read database file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A database file is not a valid JSON list of records (objects); serde's
    /// message gives the line and column.
    #[error("database file {path} is not a JSON list of records: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

/// A reference to an entity returned by a query; dereferences to [`Entity`].
#[derive(Debug, Clone, Copy)]
pub struct EntityRef<'db> {
    entity: &'db Entity,
}

impl<'db> EntityRef<'db> {
    /// The entity itself.
    pub fn entity(&self) -> &'db Entity {
        self.entity
    }

    /// The id the evaluator reports: `id`, or the train id for trains.
    pub fn id(&self) -> &'db str {
        self.entity.id()
    }

    /// The `name` field (empty where the domain has none).
    pub fn name(&self) -> &'db str {
        self.entity.name()
    }

    /// A raw string field, as [`Entity::get`].
    pub fn get(&self, field: &str) -> Option<&'db str> {
        self.entity.get(field)
    }
}

impl std::ops::Deref for EntityRef<'_> {
    type Target = Entity;

    fn deref(&self) -> &Entity {
        self.entity
    }
}

impl PartialEq for EntityRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.entity.domain() == other.entity.domain() && self.entity.index() == other.entity.index()
    }
}

impl Eq for EntityRef<'_> {}

/// The loaded database: every domain's entities, id lookup, and the evaluator's
/// query tables for the four venue domains. `Send + Sync`; share it behind an
/// `Arc`.
pub struct Database {
    entities: HashMap<Domain, Vec<Entity>>,
    by_id: HashMap<Domain, HashMap<String, usize>>,
    tables: HashMap<Domain, Table>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("Database");
        for d in Domain::ALL {
            s.field(d.as_str(), &self.entities(d).len());
        }
        s.finish()
    }
}

impl Database {
    /// Builds the database from entities per domain (file order kept).
    fn from_entities(entities: HashMap<Domain, Vec<Entity>>) -> Database {
        let by_id = entities
            .iter()
            .map(|(d, es)| {
                let mut ids = HashMap::new();
                for (i, e) in es.iter().enumerate() {
                    if !e.id().is_empty() {
                        ids.entry(e.id().to_string()).or_insert(i);
                    }
                }
                (*d, ids)
            })
            .collect();
        let tables = entities
            .iter()
            .filter(|(d, _)| d.has_venues())
            .map(|(d, es)| (*d, Table::new(*d, es)))
            .collect();
        Database {
            entities,
            by_id,
            tables,
        }
    }

    /// The entities of a domain in file order (empty for a domain whose file
    /// was absent).
    pub fn entities(&self, domain: Domain) -> &[Entity] {
        self.entities.get(&domain).map_or(&[], Vec::as_slice)
    }

    /// The entity with the given id (`id` field, or `trainID` for trains).
    pub fn entity(&self, domain: Domain, id: &str) -> Option<&Entity> {
        let i = *self.by_id.get(&domain)?.get(id)?;
        self.entities.get(&domain)?.get(i)
    }

    /// The entities matching the constraints, with the standard evaluator's
    /// semantics (see the module documentation); repeated keys keep the last
    /// value, as a Python dict would.
    pub fn query<'a>(
        &self,
        domain: Domain,
        constraints: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<EntityRef<'_>> {
        let Some(table) = self.tables.get(&domain) else {
            return Vec::new();
        };
        let constraints = last_wins(constraints);
        let query: Vec<Option<QueryValue>> = table
            .keys()
            .iter()
            .map(|key| {
                let value = constraints.get(key.as_str())?;
                normalized_query_value(key, value)
            })
            .collect();
        let entities = self.entities(domain);
        table
            .matching(&query)
            .iter()
            .filter_map(|i| entities.get(i).map(|entity| EntityRef { entity }))
            .collect()
    }

    /// The ids of [`Database::query`]'s result, as the evaluator's list.
    pub fn query_ids<'a>(
        &self,
        domain: Domain,
        constraints: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<&str> {
        self.query(domain, constraints)
            .into_iter()
            .map(|e| e.entity.id())
            .collect()
    }

    /// The same result as [`Database::query`], computed the way the evaluator
    /// does: record by record, key by key, no index and no cache. Kept as the
    /// reference the fast path is tested against.
    pub fn query_reference<'a>(
        &self,
        domain: Domain,
        constraints: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<EntityRef<'_>> {
        let Some(table) = self.tables.get(&domain) else {
            return Vec::new();
        };
        let constraints = last_wins(constraints);
        let query: Vec<(usize, &str, QueryValue)> = table
            .keys()
            .iter()
            .enumerate()
            .filter_map(|(k, key)| {
                let value = constraints.get(key.as_str())?;
                Some((k, key.as_str(), normalized_query_value(key, value)?))
            })
            .collect();
        let mut results = Vec::new();
        'records: for (i, entity) in self.entities(domain).iter().enumerate() {
            for (k, key, value) in &query {
                let item = match table.cell(*k, i) {
                    Cell::Text(s) if s == "?" => continue,
                    Cell::Text(s) => s.as_str(),
                    Cell::Missing | Cell::Other => continue 'records,
                };
                let ok = match value {
                    QueryValue::Minutes(limit) => match time_str_to_minutes(item) {
                        Some(m) if *key == "arrive" => m <= *limit,
                        Some(m) => m >= *limit,
                        None => false,
                    },
                    QueryValue::Text(v) if is_fuzzy(domain, key) => {
                        partial_ratio(item, v) >= FUZZY_THRESHOLD
                    }
                    QueryValue::Text(v) => item == v,
                };
                if !ok {
                    continue 'records;
                }
            }
            results.push(EntityRef { entity });
        }
        results
    }
}

/// Builds a key → value map where later pairs replace earlier ones.
fn last_wins<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> HashMap<&'a str, &'a str> {
    pairs.into_iter().collect()
}

/// The evaluator's treatment of one constraint on a query key: `None` for a
/// don't-care value, minutes for `arrive`/`leave`, the normalized value
/// otherwise.
fn normalized_query_value(key: &str, raw: &str) -> Option<QueryValue> {
    if DONTCARE.contains(&raw) {
        return None;
    }
    let value = normalize_state_value(key, raw);
    Some(if key == "arrive" || key == "leave" {
        // Python raises on unreadable minutes; minute 0 is what every other
        // unreadable time gets.
        QueryValue::Minutes(time_str_to_minutes(&value).unwrap_or(0))
    } else {
        QueryValue::Text(value)
    })
}
