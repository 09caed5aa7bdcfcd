//! The user's words: templates mined from the val split's user turns (their
//! dialog acts and spans are annotated in the ConvLab-2 files), filled with
//! the goal's values.
//!
//! A user turn becomes a template when every act is one the simulator speaks
//! and every informed value is marked by a span that holds exactly that value;
//! the spans are replaced by slot markers. Templates are keyed by the set of
//! acts they express (`hotel inform area`, `hotel inform stars`). To say a set
//! of acts the generator picks, at random, a template of exactly that set; if
//! there is none it says the acts domain by domain, then one by one, and
//! only then falls back to the plain sentences of `data/nlg_fallback.json`.

use std::collections::{BTreeMap, BTreeSet};

use multiwoz::Domain;
use multiwoz::model::{Dialog, SpanPos, Speaker};
use serde::Deserialize;

use crate::acts::{Act, Intent};
use crate::attr::Attr;
use crate::rng::Rng;

/// What a template says: (domain, intent, slot, dontcare?) per act.
type Key = BTreeSet<(Option<Domain>, Intent, Option<Attr>, bool)>;

/// A template: text with `SLOTn` markers (`n` indexes [`Attr::ALL`]).
#[derive(Debug, Clone)]
struct Template(String);

/// The user language generator.
#[derive(Debug, Clone, Default)]
pub struct Nlg {
    templates: BTreeMap<Key, Vec<Template>>,
    fallback: Fallback,
    /// The words that name each domain (from `data/nlg_filter.json`).
    domain_words: BTreeMap<Domain, Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Fallback {
    inform: BTreeMap<String, Vec<String>>,
    request: BTreeMap<String, Vec<String>>,
    dontcare: Vec<String>,
    domain: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    intro: BTreeMap<String, Vec<String>>,
    thank: Vec<String>,
    bye: Vec<String>,
    any: Vec<String>,
}

fn marker(attr: Attr) -> String {
    let i = Attr::ALL.iter().position(|a| *a == attr).unwrap_or(0);
    format!("SLOT{i}")
}

impl Nlg {
    /// Mines templates from the user turns of `dialogs` (use the val split).
    /// `values` are the database's values (names, foods, areas, stations…):
    /// a template that still holds one outside its slots would make the user
    /// say something its goal does not hold, so it is dropped.
    pub fn mine(dialogs: &[Dialog], values: &[String]) -> Nlg {
        let mut values = values.to_vec();
        values.extend(spoken_values(dialogs));
        let filter = Filter::new(&values);
        let mut kept: Vec<(Key, Template)> = Vec::new();
        for dialog in dialogs {
            for turn in dialog.turns.iter().filter(|t| t.speaker == Speaker::User) {
                if let Some((key, t)) = template_of(turn)
                    && filter.keeps(&key, &t.0)
                {
                    kept.push((key, t));
                }
            }
        }
        let domain_words = filter.extra.domain_words.clone();
        let names = NameWords::new(&values, kept.iter().map(|(_, t)| t.0.as_str()));
        let mut templates: BTreeMap<Key, Vec<Template>> = BTreeMap::new();
        for (key, t) in kept {
            if !names.mentioned(&t.0) {
                templates.entry(key).or_default().push(t);
            }
        }
        Nlg {
            templates,
            fallback: serde_json::from_str(include_str!("../data/nlg_fallback.json"))
                .unwrap_or_default(),
            domain_words,
        }
    }

    /// Says `acts` as the first words about `domain`: a person starting on a
    /// hotel says it is a hotel they want ("a 4 star place in the north" alone
    /// could be anything), so a template that names the domain is preferred,
    /// and otherwise a sentence naming it comes first.
    pub fn say_introducing(&self, acts: &[Act], domain: Domain, rng: &mut Rng) -> String {
        let names = |t: &str| {
            let lower = t.to_lowercase();
            self.domain_words.get(&domain).is_some_and(|ws| {
                ws.iter()
                    .any(|w| crate::understand::contains_word(&lower, w))
            })
        };
        let key: Key = acts.iter().map(key_of).collect();
        if let Some(list) = self.templates.get(&key) {
            let naming: Vec<Template> = list.iter().filter(|t| names(&t.0)).cloned().collect();
            if !naming.is_empty() {
                let only = Nlg {
                    templates: [(key, naming)].into(),
                    fallback: Fallback::default(),
                    domain_words: BTreeMap::new(),
                };
                if let Some(s) = only.exact(acts, rng) {
                    return s;
                }
            }
        }
        let text = self.say(acts, rng);
        if names(&text) {
            return text;
        }
        match self
            .fallback
            .intro
            .get(domain.as_str())
            .and_then(|l| rng.pick(l))
        {
            Some(intro) if text.is_empty() => intro.clone(),
            Some(intro) => format!("{intro} {text}"),
            None => text,
        }
    }

    /// How many templates were mined.
    pub fn len(&self) -> usize {
        self.templates.values().map(Vec::len).sum()
    }

    /// Whether no template was mined.
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// Says `acts` as a sentence or a few.
    pub fn say(&self, acts: &[Act], rng: &mut Rng) -> String {
        if acts.is_empty() {
            return String::new();
        }
        if let Some(s) = self.exact(acts, rng) {
            return s;
        }
        // Domain by domain (general acts on their own), then act by act.
        let mut groups: Vec<(Option<Domain>, Intent, Vec<Act>)> = Vec::new();
        for a in acts {
            match groups
                .iter_mut()
                .find(|(d, i, _)| *d == a.domain && *i == a.intent)
            {
                Some(g) => g.2.push(a.clone()),
                None => groups.push((a.domain, a.intent, vec![a.clone()])),
            }
        }
        let mut out = Vec::new();
        for (_, _, group) in groups {
            if group.len() > 1
                && let Some(s) = self.exact(&group, rng)
            {
                out.push(s);
                continue;
            }
            for a in &group {
                let s = self
                    .exact(std::slice::from_ref(a), rng)
                    .unwrap_or_else(|| self.plain(a, rng));
                out.push(s);
            }
        }
        out.join(" ")
    }

    fn exact(&self, acts: &[Act], rng: &mut Rng) -> Option<String> {
        let key: Key = acts.iter().map(key_of).collect();
        let t = rng.pick(self.templates.get(&key)?)?;
        let mut text = t.0.clone();
        // Fill higher indices first so that SLOT1 never eats SLOT12's prefix.
        let mut by_marker: Vec<(String, &str)> = acts
            .iter()
            .filter_map(|a| Some((marker(a.slot?), a.value.as_str())))
            .collect();
        by_marker.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(b.0.cmp(&a.0)));
        for (m, v) in by_marker {
            text = text.replace(&m, v);
        }
        (!text.contains("SLOT")).then_some(text)
    }

    fn plain(&self, act: &Act, rng: &mut Rng) -> String {
        let f = &self.fallback;
        let pick = |list: Option<&Vec<String>>, rng: &mut Rng| -> Option<String> {
            list.and_then(|l| rng.pick(l)).cloned()
        };
        let slot = act.slot.map_or("none", Attr::as_str);
        let domain = act.domain.map_or("general", Domain::as_str);
        let t = match act.intent {
            Intent::Thank => pick(Some(&f.thank), rng),
            Intent::Bye => pick(Some(&f.bye), rng),
            Intent::Request => pick(f.request.get(slot), rng),
            Intent::Inform if act.slot == Some(Attr::Choice) => pick(Some(&f.any), rng),
            Intent::Inform if act.value == "dontcare" => pick(Some(&f.dontcare), rng),
            Intent::Inform => pick(f.inform.get(slot), rng),
            _ => None,
        };
        let t = t.unwrap_or_else(|| format!("The {slot} should be {{value}}."));
        let d = pick(f.domain.get(domain), rng).unwrap_or_else(|| domain.to_string());
        t.replace("{value}", &act.value)
            .replace("{slot}", slot)
            .replace("{domain}", &d)
    }
}

fn key_of(a: &Act) -> (Option<Domain>, Intent, Option<Attr>, bool) {
    let dontcare = a.intent == Intent::Inform && a.value == "dontcare";
    (a.domain, a.intent, a.slot, dontcare)
}

/// The template of one annotated user turn, if it makes one.
fn template_of(turn: &multiwoz::model::Turn) -> Option<(Key, Template)> {
    let mut key: Key = BTreeSet::new();
    let mut wanted: BTreeMap<Attr, String> = BTreeMap::new();
    for act in &turn.acts {
        let domain = act.domain();
        let intent = match (act.domain_part(), act.intent()) {
            ("general", "thank") => Intent::Thank,
            ("general", "bye") => Intent::Bye,
            (_, "Inform") if domain.is_some() => Intent::Inform,
            (_, "Request") if domain.is_some() => Intent::Request,
            _ => return None,
        };
        if domain.is_none() {
            key.insert((None, intent, None, false));
            continue;
        }
        if act.slot == "none" {
            continue;
        }
        let attr = Attr::from_act_slot(domain, &act.slot, intent == Intent::Request)?;
        let value = act.value.to_lowercase();
        let dontcare = value == "dontcare" || value == "dont care";
        if intent == Intent::Inform && !dontcare && wanted.insert(attr, value).is_some() {
            return None;
        }
        if !key.insert((domain, intent, Some(attr), dontcare)) {
            return None;
        }
    }
    if key.is_empty() {
        return None;
    }
    // Replace each wanted value's span by its marker.
    let tokens: Vec<&str> = turn.text.split_whitespace().collect();
    let mut replaced: Vec<Option<String>> = tokens.iter().map(|t| Some(t.to_string())).collect();
    let mut found: BTreeSet<Attr> = BTreeSet::new();
    for span in &turn.spans {
        let SpanPos::Tokens { first, last } = span.pos else {
            return None;
        };
        let domain = span
            .act
            .split_once('-')
            .and_then(|(d, _)| d.parse::<Domain>().ok());
        let Some(attr) = Attr::from_act_slot(domain, &span.slot, false) else {
            continue;
        };
        let Some(value) = wanted.get(&attr) else {
            continue;
        };
        if last < first || last >= tokens.len() || found.contains(&attr) {
            return None;
        }
        let said = tokens[first..=last].join(" ").to_lowercase();
        if &said != value {
            return None;
        }
        if replaced[first..=last].iter().any(Option::is_none) {
            return None;
        }
        replaced[first] = Some(marker(attr));
        for r in &mut replaced[first + 1..=last] {
            *r = None;
        }
        found.insert(attr);
    }
    if found.len() != wanted.len() {
        return None;
    }
    let words: Vec<String> = replaced.into_iter().flatten().collect();
    let text = multiwoz::moses::detokenize(&words);
    Some((key, Template(text)))
}

/// The distinctive words of the database's values ("lensfield", "stansted",
/// "arms"): a template that says one, or a misspelling of one, names a
/// venue or place in part ("is the Lensfield a 4 star hotel?"), which the
/// whole-value check cannot see.
struct NameWords {
    words: BTreeSet<String>,
}

impl NameWords {
    /// Words of `values` that few templates use: the common ones ("the",
    /// "house", "city") are plain language wherever they stand.
    fn new<'a>(values: &[String], templates: impl Iterator<Item = &'a str>) -> NameWords {
        const COMMON: usize = 12;
        let mut candidates: BTreeMap<String, usize> = values
            .iter()
            .flat_map(|v| words_of(v))
            .filter(|w| w.len() >= 4)
            .map(|w| (w, 0))
            .collect();
        for t in templates {
            let seen: BTreeSet<String> = words_of(t).collect();
            for w in seen {
                if let Some(n) = candidates.get_mut(&w) {
                    *n += 1;
                }
            }
        }
        let words = candidates
            .into_iter()
            .filter(|(_, n)| *n <= COMMON)
            .map(|(w, _)| w)
            .collect();
        NameWords { words }
    }

    fn mentioned(&self, template: &str) -> bool {
        words_of(template).any(|w| {
            self.words.contains(&w)
                || (w.len() >= 6
                    && self
                        .words
                        .iter()
                        .any(|n| n.len() >= 6 && multiwoz::fuzzy::ratio(&w, n) >= 88))
        })
    }
}

/// The lower-case words of a text, slot markers left out.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty() && !w.starts_with("SLOT"))
        .map(str::to_lowercase)
}

/// Whether a marker stands where its attribute cannot ("to SLOT" for a
/// departure, "after SLOT" for an arrival time): annotation slips in the
/// corpus that would make the user say the opposite of its goal.
fn misplaced(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .collect();
    words.iter().enumerate().skip(1).any(|(i, w)| {
        let before = words[i - 1].to_lowercase();
        let wrong: &[&str] = if *w == marker(Attr::Departure) {
            &["to", "into", "towards", "in"]
        } else if *w == marker(Attr::Destination) {
            &["from", "leaving", "leave", "leaves"]
        } else if *w == marker(Attr::ArriveBy) {
            &["after", "from"]
        } else if *w == marker(Attr::LeaveAt) {
            &["by", "before"]
        } else {
            &[]
        };
        wrong.contains(&before.as_str())
    })
}

/// What a template must not say outside its slots.
struct Filter {
    values: Vec<String>,
    extra: FilterFile,
}

#[derive(Debug, Default, Deserialize)]
struct FilterFile {
    /// Words that state a constraint without a database value ("upscale"),
    /// by the attribute they state: allowed only where the template has it.
    constraint_words: BTreeMap<Attr, Vec<String>>,
    /// Database values too common as plain words to forbid ("the place").
    allowed_values: Vec<String>,
    /// Words that ask for a booking.
    booking_words: Vec<String>,
    /// Words that state a value without being one ("church" for the type
    /// architecture, plurals, "free"): a template with one outside its slots
    /// would make the user want what its goal does not hold.
    #[serde(default)]
    value_words: Vec<String>,
    /// Words that name a domain: a template may name only its own domains
    /// ("to the hotel, please" in a taxi request names a place the goal may
    /// not hold).
    #[serde(default)]
    domain_words: BTreeMap<Domain, Vec<String>>,
}

impl Filter {
    fn new(values: &[String]) -> Filter {
        let extra: FilterFile =
            serde_json::from_str(include_str!("../data/nlg_filter.json")).unwrap_or_default();
        let mut values: Vec<String> = values
            .iter()
            .map(|v| v.trim().to_lowercase())
            .filter(|v| v.len() >= 3 && !extra.allowed_values.contains(v) && v != "cambridge")
            .collect();
        values.sort();
        values.dedup();
        Filter { values, extra }
    }

    fn keeps(&self, key: &Key, text: &str) -> bool {
        use crate::understand::contains_word;
        let lower = text.to_lowercase();
        // What the template says besides its markers.
        let bare: String = lower
            .split_whitespace()
            .filter(|w| !w.contains("slot"))
            .collect::<Vec<_>>()
            .join(" ");
        // Digits say a value (people, times, stars).
        if bare.chars().any(|c| c.is_ascii_digit()) {
            return false;
        }
        let attrs: BTreeSet<Attr> = key.iter().filter_map(|(_, _, a, _)| *a).collect();
        if !attrs.iter().any(|a| a.is_book())
            && self
                .extra
                .booking_words
                .iter()
                .any(|w| contains_word(&bare, w))
        {
            return false;
        }
        for (attr, words) in &self.extra.constraint_words {
            if !attrs.contains(attr) && words.iter().any(|w| contains_word(&bare, w)) {
                return false;
            }
        }
        let train_ends = attrs.contains(&Attr::Departure) || attrs.contains(&Attr::Destination);
        let train = key.iter().any(|(d, _, _, _)| *d == Some(Domain::Train));
        if train && !train_ends && contains_word(&bare, "cambridge") {
            return false;
        }
        let social = key.iter().all(|(d, _, _, _)| d.is_none());
        if social && bare.contains('?') {
            return false;
        }
        if self
            .extra
            .value_words
            .iter()
            .any(|w| contains_word(&bare, w))
        {
            return false;
        }
        if misplaced(text) {
            return false;
        }
        let own: BTreeSet<Domain> = key.iter().filter_map(|(d, _, _, _)| *d).collect();
        for (d, words) in &self.extra.domain_words {
            if !own.contains(d) && words.iter().any(|w| contains_word(&bare, w)) {
                return false;
            }
        }
        !self.values.iter().any(|v| contains_word(&bare, v))
    }
}

/// The values the dialogs' users ask for by name (foods, areas, types,
/// places, names), including those no database record holds ("indonesian",
/// "light bites"): a template must not say one outside its slots either.
fn spoken_values(dialogs: &[Dialog]) -> Vec<String> {
    const SLOTS: [&str; 8] = [
        "food",
        "area",
        "type",
        "name",
        "depart",
        "dest",
        "price",
        "department",
    ];
    let mut out = Vec::new();
    for dialog in dialogs {
        for turn in &dialog.turns {
            for act in &turn.acts {
                let slot = act.slot.to_lowercase();
                let value = act.value.trim().to_lowercase();
                if SLOTS.iter().any(|s| slot.starts_with(s))
                    && value.len() >= 3
                    && !matches!(
                        value.as_str(),
                        "dontcare" | "dont care" | "none" | "yes" | "any"
                    )
                {
                    out.push(value);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The values a template must not mention outside its slots: every string
/// of the database's searchable fields and the days of the week.
pub fn database_values(db: &multiwoz::db::Database) -> Vec<String> {
    const FIELDS: [&str; 8] = [
        "name",
        "food",
        "area",
        "pricerange",
        "type",
        "department",
        "departure",
        "destination",
    ];
    let mut out: Vec<String> = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for d in Domain::ALL {
        for e in db.entities(d) {
            for f in FIELDS {
                if let Some(v) = e.get(f) {
                    out.push(v.to_lowercase());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
