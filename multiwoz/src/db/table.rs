//! The indexed query path: one table per venue domain with the evaluator's
//! columns, precomputed per-column indexes and a cache of fuzzy matches.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::bitset::Bitset;
use super::entity::{Entity, normalize_column_name};
use crate::Domain;
use crate::fuzzy::partial_ratio;
use crate::normalize::time_str_to_minutes;

/// The evaluator's fuzzy threshold (`fuzzy_ratio=90`).
pub(crate) const FUZZY_THRESHOLD: u8 = 90;

/// Values the evaluator treats as "no constraint" (compared before
/// normalization, exactly).
pub(crate) const DONTCARE: [&str; 6] = [
    "dontcare",
    "not mentioned",
    "don't care",
    "dont care",
    "do n't care",
    "do not care",
];

/// Cache entries per column before the cache stops growing (a bound on
/// memory for adversarial inputs; results stay exact beyond it).
const CACHE_LIMIT: usize = 1 << 16;

/// The columns the evaluator drops per domain before querying.
pub(crate) fn ignored_columns(domain: Domain) -> &'static [&'static str] {
    match domain {
        Domain::Attraction => &["location", "openhours"],
        Domain::Hotel => &["location", "price", "takesbookings"],
        Domain::Restaurant => &["location", "introduction", "signature"],
        _ => &[],
    }
}

/// The columns matched with `partial_ratio >= 90` per domain.
pub(crate) fn is_fuzzy(domain: Domain, column: &str) -> bool {
    match domain {
        Domain::Hotel | Domain::Attraction => column == "name",
        Domain::Restaurant => column == "name" || column == "food",
        Domain::Train => column == "departure" || column == "destination",
        _ => false,
    }
}

/// One cell of a query column, as the evaluator sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// The record lacks the column (Python would raise `KeyError`; here the
    /// record does not match).
    Missing,
    /// A string value.
    Text(String),
    /// A non-string JSON value, which never equals a string.
    Other,
}

/// How a column is matched, with its precomputed index.
enum ColumnIndex {
    /// `item <= query` (arrive) or `item >= query` (leave) in minutes; `None`
    /// where the record's time cannot be read (it never matches). Results are
    /// cached per query minute.
    Time {
        minutes: Vec<Option<u32>>,
        arrive: bool,
        cache: RwLock<HashMap<u32, Arc<Bitset>>>,
    },
    /// Exact string equality: value → records.
    Exact(HashMap<String, Bitset>),
    /// `partial_ratio(item, query) >= 90`, over the distinct column values.
    Fuzzy {
        distinct: Vec<String>,
        /// The characters of each distinct value, sorted (for [`may_reach_threshold`]).
        sorted_chars: Vec<Vec<char>>,
        records_of: Vec<Bitset>,
        cache: RwLock<HashMap<String, Arc<Bitset>>>,
    },
}

/// One query column: the raw cells, the `'?'` records (which always match) and
/// the index.
struct Column {
    cells: Vec<Cell>,
    unknown: Bitset,
    index: ColumnIndex,
}

/// The evaluator's view of one venue domain.
pub(crate) struct Table {
    len: usize,
    /// The query keys: the normalized column names of the first record, after
    /// dropping ignored columns, in file order.
    keys: Vec<String>,
    columns: Vec<Column>,
}

impl Table {
    /// Builds the table and its indexes from the domain's entities.
    pub(crate) fn new(domain: Domain, entities: &[Entity]) -> Table {
        let ignored = ignored_columns(domain);
        let keys: Vec<String> = match entities.first() {
            Some(first) => {
                let mut keys = Vec::new();
                for (k, _) in first.fields().filter(|(k, _)| !ignored.contains(k)) {
                    let k = normalize_column_name(k);
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
                keys
            }
            None => Vec::new(),
        };
        let len = entities.len();
        // Column by column, record by record; a later field whose name normalizes
        // to the same column replaces an earlier one. Raw names repeat across
        // records, so each is normalized once.
        let mut cells: Vec<Vec<Cell>> = vec![vec![Cell::Missing; len]; keys.len()];
        let mut column_of: HashMap<&str, Option<usize>> = HashMap::new();
        for (i, e) in entities.iter().enumerate() {
            for (k, v) in e.fields() {
                if ignored.contains(&k) {
                    continue;
                }
                let column = *column_of.entry(k).or_insert_with(|| {
                    let name = normalize_column_name(k);
                    keys.iter().position(|key| *key == name)
                });
                let Some(slot) = column.and_then(|c| cells.get_mut(c)?.get_mut(i)) else {
                    continue;
                };
                *slot = match v {
                    serde_json::Value::String(s) => Cell::Text(s.clone()),
                    _ => Cell::Other,
                };
            }
        }
        let columns = keys
            .iter()
            .zip(cells)
            .map(|(key, cells)| Column::new(domain, key, cells))
            .collect();
        Table { len, keys, columns }
    }

    /// The query keys (normalized column names of the first record).
    pub(crate) fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The cell of record `i` in the column of key `k` (by key position).
    pub(crate) fn cell(&self, key: usize, i: usize) -> &Cell {
        &self.columns[key].cells[i]
    }

    /// The records matching the (already normalized) query, one entry per key:
    /// `None` for keys without a constraint.
    pub(crate) fn matching(&self, query: &[Option<QueryValue>]) -> Bitset {
        let mut result = Bitset::full(self.len);
        for (column, value) in self.columns.iter().zip(query) {
            let Some(value) = value else { continue };
            match (&column.index, value) {
                (ColumnIndex::Time { .. }, QueryValue::Minutes(limit)) => {
                    let pass = column.time_matches(*limit, self.len);
                    result.intersect_union(&pass, &column.unknown);
                }
                (ColumnIndex::Exact(index), QueryValue::Text(text)) => match index.get(text) {
                    Some(pass) => result.intersect_union(pass, &column.unknown),
                    None => result.intersect(&column.unknown),
                },
                (ColumnIndex::Fuzzy { .. }, QueryValue::Text(text)) => {
                    let pass = column.fuzzy_matches(text, self.len);
                    result.intersect_union(&pass, &column.unknown);
                }
                // A time query on a non-time column cannot happen: the query
                // kind follows the key.
                _ => result.intersect(&column.unknown),
            }
            if result.is_empty() {
                break;
            }
        }
        result
    }
}

/// A normalized query value: minutes for `arrive`/`leave`, text otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueryValue {
    /// Minutes since midnight (`time_str_to_minutes` of the normalized value).
    Minutes(u32),
    /// The normalized value.
    Text(String),
}

impl Column {
    fn new(domain: Domain, key: &str, cells: Vec<Cell>) -> Column {
        let len = cells.len();
        let mut unknown = Bitset::empty(len);
        for (i, c) in cells.iter().enumerate() {
            if matches!(c, Cell::Text(s) if s == "?") {
                unknown.insert(i);
            }
        }
        let index = if key == "arrive" || key == "leave" {
            let minutes = cells
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => time_str_to_minutes(s),
                    _ => None,
                })
                .collect();
            ColumnIndex::Time {
                minutes,
                arrive: key == "arrive",
                cache: RwLock::new(HashMap::new()),
            }
        } else if is_fuzzy(domain, key) {
            let mut distinct: Vec<String> = Vec::new();
            let mut records_of: Vec<Bitset> = Vec::new();
            for (i, c) in cells.iter().enumerate() {
                if let Cell::Text(s) = c {
                    let pos = match distinct.iter().position(|d| d == s) {
                        Some(p) => p,
                        None => {
                            distinct.push(s.clone());
                            records_of.push(Bitset::empty(len));
                            distinct.len() - 1
                        }
                    };
                    records_of[pos].insert(i);
                }
            }
            ColumnIndex::Fuzzy {
                sorted_chars: distinct.iter().map(|d| sorted_chars(d)).collect(),
                distinct,
                records_of,
                cache: RwLock::new(HashMap::new()),
            }
        } else {
            let mut index: HashMap<String, Bitset> = HashMap::new();
            for (i, c) in cells.iter().enumerate() {
                if let Cell::Text(s) = c {
                    index
                        .entry(s.clone())
                        .or_insert_with(|| Bitset::empty(len))
                        .insert(i);
                }
            }
            ColumnIndex::Exact(index)
        };
        Column {
            cells,
            unknown,
            index,
        }
    }

    /// The records whose time satisfies the inequality with `limit`, computed
    /// once per limit and cached.
    fn time_matches(&self, limit: u32, len: usize) -> Arc<Bitset> {
        let ColumnIndex::Time {
            minutes,
            arrive,
            cache,
        } = &self.index
        else {
            return Arc::new(Bitset::empty(len));
        };
        if let Some(hit) = cache.read().unwrap_or_else(|e| e.into_inner()).get(&limit) {
            return Arc::clone(hit);
        }
        let mut pass = Bitset::empty(len);
        for (i, m) in minutes.iter().enumerate() {
            let ok = match m {
                Some(m) if *arrive => *m <= limit,
                Some(m) => *m >= limit,
                None => false,
            };
            if ok {
                pass.insert(i);
            }
        }
        let pass = Arc::new(pass);
        let mut map = cache.write().unwrap_or_else(|e| e.into_inner());
        if map.len() < CACHE_LIMIT {
            map.insert(limit, Arc::clone(&pass));
        }
        pass
    }

    /// The records whose value fuzzily matches `query`, computed once per
    /// distinct query and cached.
    fn fuzzy_matches(&self, query: &str, len: usize) -> Arc<Bitset> {
        let ColumnIndex::Fuzzy {
            distinct,
            sorted_chars: value_chars,
            records_of,
            cache,
        } = &self.index
        else {
            return Arc::new(Bitset::empty(len));
        };
        // A poisoned lock only means another thread panicked mid-insert; the
        // map itself is still valid, so keep using it.
        if let Some(hit) = cache.read().unwrap_or_else(|e| e.into_inner()).get(query) {
            return Arc::clone(hit);
        }
        let mut pass = Bitset::empty(len);
        let query_chars = sorted_chars(query);
        for ((value, chars), records) in distinct.iter().zip(value_chars).zip(records_of) {
            if may_reach_threshold(chars, &query_chars)
                && partial_ratio(value, query) >= FUZZY_THRESHOLD
            {
                for i in records.iter() {
                    pass.insert(i);
                }
            }
        }
        let pass = Arc::new(pass);
        let mut map = cache.write().unwrap_or_else(|e| e.into_inner());
        if map.len() < CACHE_LIMIT {
            map.insert(query.to_string(), Arc::clone(&pass));
        }
        pass
    }
}

/// The characters of a string, sorted.
fn sorted_chars(s: &str) -> Vec<char> {
    let mut chars: Vec<char> = s.chars().collect();
    chars.sort_unstable();
    chars
}

/// Whether `partial_ratio` of two strings (given as sorted characters) can be at
/// least [`FUZZY_THRESHOLD`]; `false` only when it certainly cannot.
///
/// `partial_ratio` scores windows `w` (at most `m` characters) of the longer
/// string against the shorter one (`m` characters) as `2 * lcs / (m + |w|)`. The
/// LCS is at most `c`, the size of the multiset intersection of the two strings'
/// characters, and at most `|w|`; the ratio is therefore at most
/// `2c / (m + c)`. The score (`round(100 * ratio)`, ties to even) reaches 90 only
/// when the ratio is at least 0.895, so `2c / (m + c) < 0.895` rules a pair out.
/// Ratios have denominators below a few hundred, far from any floating-point
/// doubt at that boundary.
pub(crate) fn may_reach_threshold(a: &[char], b: &[char]) -> bool {
    let m = a.len().min(b.len());
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    debug_assert_eq!(FUZZY_THRESHOLD, 90);
    2000 * common >= 895 * (m + common)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn passes(a: &str, b: &str) -> bool {
        may_reach_threshold(&sorted_chars(a), &sorted_chars(b))
    }

    #[test]
    fn the_bound_rules_out_clearly_different_names_only() {
        assert!(!passes("pizza hut city centre", "the cambridge chop house"));
        assert!(!passes("london kings cross", "cambridge"));
        assert!(passes("cambridge", "cambridge"));
        assert!(passes("the gandhi", "gandhi"));
        assert!(passes("", ""));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Never rules out a pair that scores 90 or more (small alphabets make
        /// high scores frequent).
        #[test]
        fn the_bound_never_rules_out_a_match(a in "[abc é]{0,12}", b in "[abcd é]{0,24}") {
            if partial_ratio(&a, &b) >= FUZZY_THRESHOLD {
                prop_assert!(passes(&a, &b), "{a:?} {b:?} = {}", partial_ratio(&a, &b));
            }
        }

        #[test]
        fn the_bound_never_rules_out_a_near_copy(a in "[a-z ]{1,20}", cut in 0usize..3, extra in "[a-z]{0,8}") {
            let b: String = format!("{}{extra}", &a[..a.len().saturating_sub(cut)]);
            if partial_ratio(&a, &b) >= FUZZY_THRESHOLD {
                prop_assert!(passes(&a, &b));
            }
        }
    }
}
