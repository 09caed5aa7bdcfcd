//! The value lexicon of the built-in tracker: every phrase a user may use for a
//! slot value, mapped to the canonical (database) value.
//!
//! Venue names, foods, areas, price ranges, types, stations and departments come
//! from the database; synonyms and spelling variants ("center", "moderately
//! priced", "guest house", "kings cross") are listed here.

use std::collections::HashMap;

use multiwoz::disk_cache::codec::{Corrupt, Reader, Writer};
use multiwoz::{Domain, Slot};

mod phrases;
pub(crate) use phrases::PRICE_HINTS;

use phrases::{
    AREAS, ATTRACTION_TYPES, COMMON_WORDS, EXTRA_FOODS, FOOD_SYNONYMS, HOTEL_TYPES, NAME_AFFIXES,
    PRICES, STATIONS,
};

use super::text::normalize;

/// One reading of a phrase: the value it denotes for a domain's slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The domain the value belongs to.
    pub domain: Domain,
    /// The slot it fills.
    pub slot: Slot,
    /// The canonical value (lower case, as in the database).
    pub value: String,
}

/// A lexicon match in an utterance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the first token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// Every reading of the matched phrase.
    pub readings: Vec<Reading>,
}

/// Phrase → readings, matched longest-first over normalized tokens.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    phrases: HashMap<String, Vec<Reading>>,
    /// The longest phrase (in tokens) starting with each token.
    starts: HashMap<String, usize>,
    max_len: usize,
    /// One-word station names of six letters or more, in the order added: the
    /// candidates for a misspelt station.
    stations: Vec<String>,
    /// Venue names of three words or more by their first word: the candidates
    /// for a misspelt name. Derived from `phrases`, so never stored.
    long_names: HashMap<String, Vec<String>>,
    /// The area of each venue by its (database) name: "the same area as the
    /// hotel" when the hotel was chosen by name.
    areas: HashMap<String, String>,
    /// The hospital's departments in database order: "the paediatric
    /// department" is the first whose name has that word.
    departments: Vec<String>,
}

impl Lexicon {
    /// Adds one phrase reading; the phrase is normalized first.
    pub fn add(&mut self, phrase: &str, domain: Domain, slot: Slot, value: &str) {
        let key = normalize(phrase);
        if key.is_empty() {
            return;
        }
        let n = key.split(' ').count();
        self.max_len = self.max_len.max(n);
        let first = key.split(' ').next().unwrap_or_default().to_string();
        let longest = self.starts.entry(first).or_insert(0);
        *longest = (*longest).max(n);
        let reading = Reading {
            domain,
            slot,
            value: value.to_string(),
        };
        if domain == Domain::Train
            && slot == Slot::Departure
            && !key.contains(' ')
            && key.len() >= 6
            && !self.stations.contains(&key)
        {
            self.stations.push(key.clone());
        }
        let list = self.phrases.entry(key).or_default();
        if !list.contains(&reading) {
            list.push(reading);
        }
    }

    /// Whether a phrase (normalized) is known.
    pub fn contains(&self, phrase: &str) -> bool {
        self.phrases.contains_key(phrase)
    }

    /// Builds the lexicon from database values: `(domain, field, value)` triples with
    /// fields as in the database files (`name`, `food`, `area`, `pricerange`, `type`,
    /// `stars`, `departure`, `destination`, `department`).
    pub fn build<'a>(db_values: impl IntoIterator<Item = (Domain, &'a str, &'a str)>) -> Lexicon {
        let mut lex = Lexicon::default();
        let mut names: Vec<(Domain, String)> = Vec::new();
        let mut areas: Vec<(Domain, String)> = Vec::new();
        for (domain, field, value) in db_values {
            let value = value.trim().to_lowercase();
            let value = value.as_str();
            match (domain, field) {
                (Domain::Restaurant | Domain::Hotel | Domain::Attraction, "name") => {
                    names.push((domain, value.to_string()));
                }
                (Domain::Restaurant | Domain::Hotel | Domain::Attraction, "area") => {
                    areas.push((domain, value.to_string()));
                }
                (Domain::Restaurant, "food") => lex.add(value, domain, Slot::Food, value),
                (Domain::Train, "departure" | "destination") => {
                    lex.add(value, Domain::Train, Slot::Departure, value);
                }
                (Domain::Hospital, "department") => {
                    lex.add(value, domain, Slot::Department, value);
                    if !lex.departments.iter().any(|d| d == value) {
                        lex.departments.push(value.to_string());
                    }
                }
                _ => {}
            }
        }
        for &(p, v) in AREAS {
            for d in [Domain::Restaurant, Domain::Hotel, Domain::Attraction] {
                lex.add(p, d, Slot::Area, v);
            }
        }
        for &(p, v) in PRICES {
            for d in [Domain::Restaurant, Domain::Hotel] {
                lex.add(p, d, Slot::PriceRange, v);
            }
        }
        for &(p, v) in ATTRACTION_TYPES {
            lex.add(p, Domain::Attraction, Slot::Type, v);
        }
        for &(p, v) in HOTEL_TYPES {
            lex.add(p, Domain::Hotel, Slot::Type, v);
        }
        for &(p, v) in STATIONS {
            lex.add(p, Domain::Train, Slot::Departure, v);
        }
        for f in EXTRA_FOODS {
            if !lex.contains(&normalize(f)) {
                lex.add(f, Domain::Restaurant, Slot::Food, f);
            }
        }
        for &(p, v) in FOOD_SYNONYMS {
            let key = normalize(p);
            lex.phrases.remove(&key);
            lex.add(p, Domain::Restaurant, Slot::Food, v);
        }
        for (domain, name) in &names {
            lex.add(name, *domain, Slot::Name, name);
        }
        for (domain, name) in &names {
            for alias in aliases(name) {
                let key = normalize(&alias);
                // An alias never shadows another value or a full name.
                if !lex.phrases.contains_key(&key) && key.len() >= 4 && !is_common(&key) {
                    lex.add(&alias, *domain, Slot::Name, name);
                }
            }
        }
        lex.index_long_names();
        lex.areas = venue_areas(&names, &areas);
        lex
    }

    /// The area of the venue with this database name, when known.
    pub fn area_of(&self, name: &str) -> Option<&str> {
        self.areas.get(name).map(String::as_str)
    }

    /// The hospital's departments, in database order.
    pub fn departments(&self) -> &[String] {
        &self.departments
    }

    /// Fills [`Lexicon::long_names`] from the phrases.
    fn index_long_names(&mut self) {
        let mut long_names: HashMap<String, Vec<String>> = HashMap::new();
        for (key, readings) in &self.phrases {
            let mut words = key.split(' ');
            if key.split(' ').count() >= 3 && readings.iter().all(|r| r.slot == Slot::Name) {
                let first = words.next().unwrap_or_default().to_string();
                long_names.entry(first).or_default().push(key.clone());
            }
        }
        // Hash maps iterate in any order; the candidates are tried in a fixed one.
        for keys in long_names.values_mut() {
            keys.sort();
        }
        self.long_names = long_names;
    }

    /// Finds lexicon phrases in normalized tokens, longest first, without overlaps.
    pub fn find(&self, tokens: &[&str]) -> Vec<Match> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let mut hit = self.longest_exact(tokens[i], &tokens[i + 1..]);
            if hit.is_none() {
                // The corrected word may begin a longer phrase: "cambrige
                // artworks" is the attraction, not a station and a word.
                hit = self.misspelled_station(tokens[i]).map(|(key, r)| {
                    self.longest_exact(key, &tokens[i + 1..])
                        .unwrap_or((1, r.clone()))
                });
            }
            // A misspelt long name beats a shorter exact phrase inside it
            // ("museum" in "museum of archaeology and anthropology").
            if hit.as_ref().is_none_or(|(len, _)| *len < 3)
                && let Some(fuzzy) = self
                    .misspelled_name(&tokens[i..])
                    .filter(|(n, _)| hit.as_ref().is_none_or(|(len, _)| n > len))
            {
                hit = Some(fuzzy);
            }
            if let Some((len, readings)) = hit {
                out.push(Match {
                    start: i,
                    end: i + len,
                    readings,
                });
                i += len;
            } else {
                i += 1;
            }
        }
        out
    }
}

impl Lexicon {
    /// A one-word station name typed with a slip ("leicaster", "steveage"):
    /// people misspell the towns they travel to, and every train in the
    /// database runs to or from one of a dozen stations, so a close match is
    /// safe to take. Words shorter than six letters are never corrected.
    fn misspelled_station(&self, token: &str) -> Option<(&str, &Vec<Reading>)> {
        if token.len() < 6 || !token.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let mut best: Option<(u8, &str, &Vec<Reading>)> = None;
        for key in &self.stations {
            // A phrase's readings can be replaced later (food synonyms replace
            // theirs): only a phrase still read as a station counts.
            let Some(readings) = self.phrases.get(key).filter(|rs| {
                rs.iter()
                    .any(|r| r.domain == Domain::Train && r.slot == Slot::Departure)
            }) else {
                continue;
            };
            if !multiwoz::fuzzy::ratio_can_reach(token, key, 85) {
                continue;
            }
            let score = multiwoz::fuzzy::ratio(token, key);
            if score >= 85 && best.is_none_or(|(b, _, _)| score > b) {
                best = Some((score, key, readings));
            }
        }
        best.map(|(_, key, r)| (key, r))
    }

    /// The longest exact phrase that starts with `first` and goes on with
    /// `rest`: its length in tokens and its readings.
    fn longest_exact(&self, first: &str, rest: &[&str]) -> Option<(usize, Vec<Reading>)> {
        let longest = self.starts.get(first).copied().unwrap_or(0);
        (1..=longest.min(rest.len() + 1)).rev().find_map(|len| {
            let key = std::iter::once(first)
                .chain(rest[..len - 1].iter().copied())
                .collect::<Vec<_>>()
                .join(" ");
            self.phrases.get(&key).map(|r| (len, r.clone()))
        })
    }
}

impl Lexicon {
    /// A venue name of three words or more typed with a slip in a later word
    /// ("museum of archaeology and anthropology" for the database's "museum of
    /// archaelogy and anthropology", "milton county park"): the same first
    /// word, as many words, and at least 90% alike. Long names are distinctive
    /// enough that a close match is the venue meant.
    fn misspelled_name(&self, tokens: &[&str]) -> Option<(usize, Vec<Reading>)> {
        let candidates = self.long_names.get(*tokens.first()?)?;
        let mut best: Option<(u8, usize, &Vec<Reading>)> = None;
        for key in candidates {
            let n = key.split(' ').count();
            if n > tokens.len() {
                continue;
            }
            let window = tokens[..n].join(" ");
            if !multiwoz::fuzzy::ratio_can_reach(&window, key, 90) {
                continue;
            }
            let score = multiwoz::fuzzy::ratio(&window, key);
            if score >= 90
                && best.is_none_or(|(b, _, _)| score > b)
                && let Some(readings) = self.phrases.get(key)
            {
                best = Some((score, n, readings));
            }
        }
        best.map(|(_, n, r)| (n, r.clone()))
    }
}

/// Shorter forms of a venue name that people use.
fn aliases(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = vec![name.to_string()];
    for _ in 0..2 {
        let mut next = Vec::new();
        for n in &current {
            for affix in NAME_AFFIXES {
                let stripped = if affix.starts_with(' ') {
                    n.strip_suffix(affix)
                } else {
                    n.strip_prefix(affix)
                };
                if let Some(s) = stripped {
                    let s = s.trim().to_string();
                    if !s.is_empty() && !out.contains(&s) {
                        out.push(s.clone());
                        next.push(s);
                    }
                }
            }
        }
        current = next;
    }
    out
}

/// Each venue's area. The values come entity by entity, one name and one
/// area each, so the k-th name of a domain goes with its k-th area; a domain
/// whose counts differ (an entity without one of them) gets none, rather than
/// areas paired with the wrong venues.
fn venue_areas(names: &[(Domain, String)], areas: &[(Domain, String)]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for domain in [Domain::Restaurant, Domain::Hotel, Domain::Attraction] {
        let of = |list: &'_ [(Domain, String)]| -> Vec<String> {
            list.iter()
                .filter(|(d, _)| *d == domain)
                .map(|(_, v)| v.clone())
                .collect()
        };
        let (n, a) = (of(names), of(areas));
        if n.len() == a.len() {
            out.extend(n.into_iter().zip(a));
        }
    }
    out
}

/// Words that must never be read as a venue name on their own.
fn is_common(phrase: &str) -> bool {
    COMMON_WORDS.contains(&phrase)
}

impl Lexicon {
    /// Writes the lexicon for the start-up cache ([`super::persist`]).
    pub(super) fn write(&self, w: &mut Writer) {
        w.count(self.phrases.len());
        for (phrase, readings) in &self.phrases {
            w.str(phrase);
            w.count(readings.len());
            for reading in readings {
                w.domain(reading.domain);
                w.byte(
                    Slot::ALL
                        .iter()
                        .position(|s| *s == reading.slot)
                        .unwrap_or(0) as u8,
                );
                w.str(&reading.value);
            }
        }
        w.count(self.starts.len());
        for (token, len) in &self.starts {
            w.str(token);
            w.count(*len);
        }
        w.count(self.max_len);
        w.count(self.stations.len());
        for station in &self.stations {
            w.str(station);
        }
        let mut areas: Vec<_> = self.areas.iter().collect();
        areas.sort();
        w.count(areas.len());
        for (name, area) in areas {
            w.str(name);
            w.str(area);
        }
        w.count(self.departments.len());
        for department in &self.departments {
            w.str(department);
        }
    }

    /// Reads what [`Lexicon::write`] wrote.
    pub(super) fn read(r: &mut Reader<'_>) -> Result<Lexicon, Corrupt> {
        let n = r.count()?;
        let mut phrases = HashMap::with_capacity(n);
        for _ in 0..n {
            let phrase = r.str()?.to_owned();
            let k = r.count()?;
            let mut readings = Vec::with_capacity(k);
            for _ in 0..k {
                let domain = r.domain()?;
                let slot = *Slot::ALL.get(usize::from(r.byte()?)).ok_or(Corrupt)?;
                let value = r.str()?.to_owned();
                readings.push(Reading {
                    domain,
                    slot,
                    value,
                });
            }
            phrases.insert(phrase, readings);
        }
        let n = r.count()?;
        let mut starts = HashMap::with_capacity(n);
        for _ in 0..n {
            let token = r.str()?.to_owned();
            starts.insert(token, r.u32()? as usize);
        }
        let max_len = r.u32()? as usize;
        let n = r.count()?;
        let stations = (0..n)
            .map(|_| r.str().map(str::to_owned))
            .collect::<Result<_, _>>()?;
        let n = r.count()?;
        let mut areas = HashMap::with_capacity(n);
        for _ in 0..n {
            let name = r.str()?.to_owned();
            areas.insert(name, r.str()?.to_owned());
        }
        let n = r.count()?;
        let departments = (0..n)
            .map(|_| r.str().map(str::to_owned))
            .collect::<Result<_, _>>()?;
        let mut lex = Lexicon {
            phrases,
            starts,
            max_len,
            stations,
            long_names: HashMap::new(),
            areas,
            departments,
        };
        lex.index_long_names();
        Ok(lex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venue_areas_pair_names_and_areas_per_domain_and_survive_the_cache() {
        let lex = Lexicon::build([
            (Domain::Hotel, "area", "north"),
            (Domain::Hotel, "name", "Acorn Guest House"),
            (Domain::Hotel, "name", "Lensfield Hotel"),
            (Domain::Hotel, "area", "south"),
            (Domain::Restaurant, "name", "Curry Prince"),
        ]);
        assert_eq!(lex.area_of("acorn guest house"), Some("north"));
        assert_eq!(lex.area_of("lensfield hotel"), Some("south"));
        // A restaurant without an area pairs with nothing.
        assert_eq!(lex.area_of("curry prince"), None);
        let mut w = Writer::with_capacity(1 << 10);
        lex.write(&mut w);
        let back = Lexicon::read(&mut Reader::new(&w.0)).unwrap();
        assert_eq!(back.area_of("lensfield hotel"), Some("south"));
    }

    fn lex() -> Lexicon {
        Lexicon::build([
            (Domain::Restaurant, "name", "restaurant alimentum"),
            (Domain::Restaurant, "food", "modern european"),
            (Domain::Hotel, "name", "the lensfield hotel"),
            (Domain::Train, "departure", "london kings cross"),
        ])
    }

    #[test]
    fn longest_phrase_wins_and_aliases_resolve() {
        let l = lex();
        let n = normalize("modern european food near the lensfield, or alimentum");
        let toks: Vec<&str> = n.split(' ').collect();
        let found = l.find(&toks);
        let values: Vec<&str> = found.iter().map(|m| m.readings[0].value.as_str()).collect();
        assert_eq!(
            values,
            [
                "modern european",
                "the lensfield hotel",
                "restaurant alimentum"
            ]
        );
    }

    #[test]
    fn areas_are_ambiguous_across_venue_domains() {
        let l = lex();
        let found = l.find(&["center"]);
        assert_eq!(found[0].readings.len(), 3);
        assert!(found[0].readings.iter().all(|r| r.value == "centre"));
    }

    #[test]
    fn a_misspelt_long_name_is_the_venue_and_beats_a_word_inside_it() {
        let lex = Lexicon::build([
            (
                Domain::Attraction,
                "name",
                "museum of archaelogy and anthropology",
            ),
            (Domain::Attraction, "type", "museum"),
            (Domain::Attraction, "name", "milton country park"),
        ]);
        let text = "from the museum of archaeology and anthropology to milton county park";
        let toks: Vec<&str> = text.split(' ').collect();
        let matches = lex.find(&toks);
        let found: Vec<(usize, &str)> = matches
            .iter()
            .flat_map(|m| m.readings.iter().map(move |r| (m.start, r.value.as_str())))
            .filter(|(_, v)| v.contains(' '))
            .collect();
        assert_eq!(
            found,
            [
                (2, "museum of archaelogy and anthropology"),
                (8, "milton country park")
            ]
        );
        // A different last word is another place, not a slip.
        let toks: Vec<&str> = "milton country club".split(' ').collect();
        assert!(lex.find(&toks).iter().all(|m| m.end - m.start < 3));
    }
}
