//! Realization: a [`Plan`] becomes a human system turn retrieved from the
//! [`Pool`], or a fixed template when the pool has nothing that fits.
//!
//! Candidates must do the same kind of thing in the same domain and carry
//! every placeholder the plan requires and none it does not allow. Among them
//! the choice is deterministic: the reply to the most similar user turn,
//! weighted with how typical the reply is of its group.

use std::collections::{BTreeSet, HashMap, HashSet};

use multiwoz::Domain;

use super::policy::{INTERNET, PARKING, Plan, TYPE_WORDS};
use super::pool::{Entry, Kind, Pool};
use super::template::template;

/// The pool indexed for retrieval.
#[derive(Debug, Clone, Default)]
pub struct Realizer {
    pool: Pool,
    by_family: HashMap<(Option<Domain>, u8), Vec<usize>>,
    /// Every user word of the pool, numbered, and each entry's user words as
    /// numbers: similarity looks each up in the user turn's bit set instead
    /// of hashing strings for every candidate of every reply.
    vocabulary: HashMap<String, u32>,
    entry_words: Vec<Vec<u32>>,
    /// Every placeholder of the pool as a bit, and each entry's placeholders
    /// as a set of bits (`None` when the pool has more than fit in one): the
    /// placeholder test of a candidate is two mask operations.
    placeholder_bits: Option<HashMap<String, u128>>,
    entry_masks: Vec<u128>,
    /// The amenities each entry claims a venue has ([`Plan::amenities`] bits;
    /// an amenity it asks about is no claim).
    entry_amenities: Vec<u8>,
    /// The venue-type words each entry uses ([`Plan::type_words`] bits).
    entry_types: Vec<u32>,
    /// Whether each entry describes two venues or trains.
    entry_two_entities: Vec<bool>,
}

/// A user turn's words as [`Realizer`] numbers them: the known ones as a bit
/// set over the vocabulary (a lookup per entry word, no branchy merge), and
/// how many there are in all.
struct Words {
    known: Vec<u64>,
    len: usize,
}

impl Words {
    fn knows(&self, id: u32) -> bool {
        let id = id as usize;
        self.known
            .get(id / 64)
            .is_some_and(|block| block & (1 << (id % 64)) != 0)
    }
}

/// Offers and attribute replies are one family: both name the venue and tell
/// some of its attributes; the placeholders decide.
fn family(kind: Kind) -> u8 {
    match kind {
        Kind::Offer | Kind::Attrs => 0,
        Kind::Request => 1,
        Kind::Book => 2,
        Kind::BookRequest => 3,
        Kind::NoBook => 4,
        Kind::NoOffer => 5,
        Kind::Reqmore => 6,
        Kind::Bye => 7,
    }
}

impl Realizer {
    /// Indexes a pool.
    pub fn new(pool: Pool) -> Realizer {
        let mut by_family: HashMap<(Option<Domain>, u8), Vec<usize>> = HashMap::new();
        for (i, e) in pool.entries().iter().enumerate() {
            by_family
                .entry((e.domain, family(e.kind)))
                .or_default()
                .push(i);
            by_family
                .entry((None, family(e.kind) + 100))
                .or_default()
                .push(i);
        }
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let entry_words = pool
            .entries()
            .iter()
            .map(|e| {
                e.user_words
                    .iter()
                    .map(|w| {
                        let next = u32::try_from(vocabulary.len()).unwrap_or(u32::MAX);
                        *vocabulary.entry(w.clone()).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        let mut bits: HashMap<String, u128> = HashMap::new();
        for e in pool.entries() {
            for p in &e.placeholders {
                let next = bits.len();
                if next < 128 && !bits.contains_key(p) {
                    bits.insert(p.clone(), 1 << next);
                }
            }
        }
        let all_fit = pool
            .entries()
            .iter()
            .all(|e| e.placeholders.iter().all(|p| bits.contains_key(p)));
        let entry_masks = pool
            .entries()
            .iter()
            .map(|e| {
                e.placeholders
                    .iter()
                    .filter_map(|p| bits.get(p))
                    .fold(0, |m, b| m | b)
            })
            .collect();
        let entry_amenities = pool.entries().iter().map(claimed_amenities).collect();
        let entry_types = pool.entries().iter().map(type_words_of).collect();
        let entry_two_entities = pool
            .entries()
            .iter()
            .map(|e| names_two_entities(&e.text))
            .collect();
        Realizer {
            entry_types,
            entry_two_entities,
            entry_amenities,
            pool,
            by_family,
            vocabulary,
            entry_words,
            placeholder_bits: all_fit.then_some(bits),
            entry_masks,
        }
    }

    /// The placeholders a plan requires, allows and prefers, as bits; `None`
    /// when it requires one no entry has (nothing fits) or the pool has no bits.
    fn plan_masks(&self, plan: &Plan) -> Option<Option<(u128, u128, u128)>> {
        let Some(bits) = &self.placeholder_bits else {
            return Some(None);
        };
        let mut must = 0;
        for p in &plan.must {
            must |= bits.get(p)?;
        }
        let mask =
            |set: &BTreeSet<String>| set.iter().filter_map(|p| bits.get(p)).fold(0, |m, b| m | b);
        Some(Some((must, must | mask(&plan.may), mask(&plan.prefer))))
    }

    fn words(&self, user_words: &HashSet<String>) -> Words {
        let mut known = vec![0u64; self.vocabulary.len().div_ceil(64)];
        for id in user_words.iter().filter_map(|w| self.vocabulary.get(w)) {
            let id = *id as usize;
            known[id / 64] |= 1 << (id % 64);
        }
        Words {
            known,
            len: user_words.len(),
        }
    }

    /// How many replies the pool holds.
    pub fn len(&self) -> usize {
        self.pool.entries().len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.pool.entries().is_empty()
    }

    /// The reply for a plan (delexicalized, detokenized).
    pub fn realize(
        &self,
        plan: &Plan,
        user_words: &HashSet<String>,
        exclude: Option<&str>,
    ) -> String {
        let mut text = self.realize_one(plan, user_words, exclude);
        if let Some(then) = &plan.then {
            text.push(' ');
            text.push_str(&self.retrieved_or_template(then, user_words, exclude));
        }
        text
    }

    /// One plan's reply, detokenized. When no reply in the pool tells all the
    /// attributes asked for together with the venue's name, the answer is told
    /// in two replies, the first naming the venue, rather than leaving the
    /// venue unnamed (a person must know whose phone number it is).
    fn realize_one(
        &self,
        plan: &Plan,
        user_words: &HashSet<String>,
        exclude: Option<&str>,
    ) -> String {
        if let Some(e) = self.retrieve_exact(plan, user_words, exclude) {
            return detokenize(&e.text);
        }
        if let Some(name) = plan
            .fallback_without
            .as_ref()
            .filter(|n| plan.kind == Kind::Attrs && plan.must.contains(*n) && plan.must.len() >= 3)
        {
            let asks: Vec<&String> = plan.must.iter().filter(|p| *p != name).collect();
            for (i, lead) in asks.iter().enumerate() {
                let mut first = plan.clone();
                first.must = [name.clone(), (*lead).clone()].into();
                first.fallback_without = None;
                let mut rest = plan.clone();
                rest.must = asks
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, a)| (*a).clone())
                    .collect();
                rest.fallback_without = None;
                if let (Some(a), Some(b)) = (
                    self.retrieve_exact(&first, user_words, exclude),
                    self.retrieve_exact(&rest, user_words, exclude),
                ) {
                    let a = leading(&detokenize(&a.text));
                    return format!("{a} {}", detokenize(&b.text));
                }
            }
            // No two replies cover it: the venue with the first attribute, then
            // each other attribute on its own, so nothing asked goes untold.
            if asks.len() >= 2 {
                let part = |must: Vec<String>| {
                    let mut p = plan.clone();
                    p.must = must.into_iter().collect();
                    p.fallback_without = None;
                    self.retrieved_or_template(&p, user_words, exclude)
                };
                let mut out = vec![part(vec![name.clone(), asks[0].clone()])];
                for a in &asks[1..] {
                    out.push(part(vec![(*a).clone()]));
                }
                let last = out.len() - 1;
                for o in &mut out[..last] {
                    *o = leading(o);
                }
                return out.join(" ");
            }
        }
        self.retrieved_or_template(plan, user_words, exclude)
    }

    /// The best fitting pool reply (or one without the placeholder the plan can
    /// drop), else the template, detokenized.
    fn retrieved_or_template(
        &self,
        plan: &Plan,
        user_words: &HashSet<String>,
        exclude: Option<&str>,
    ) -> String {
        let text = self
            .retrieve(plan, user_words, exclude)
            .map_or_else(|| template(plan), |e| e.text.clone());
        detokenize(&text)
    }

    /// The best pool entry for a plan, if any fits; when none carries a
    /// placeholder the plan can do without, the best one without it.
    pub fn retrieve(
        &self,
        plan: &Plan,
        user_words: &HashSet<String>,
        exclude: Option<&str>,
    ) -> Option<&Entry> {
        if let Some(e) = self.retrieve_exact(plan, user_words, exclude) {
            return Some(e);
        }
        let drop = plan.fallback_without.as_ref()?;
        let mut relaxed = plan.clone();
        relaxed.must.remove(drop);
        relaxed.fallback_without = None;
        self.retrieve_exact(&relaxed, user_words, exclude)
    }

    fn retrieve_exact(
        &self,
        plan: &Plan,
        user_words: &HashSet<String>,
        exclude: Option<&str>,
    ) -> Option<&Entry> {
        let generic = matches!(plan.kind, Kind::Bye | Kind::Reqmore);
        let words = self.words(user_words);
        let masks = self.plan_masks(plan)?;
        let keys: Vec<(Option<Domain>, u8)> = if generic {
            vec![
                (Some(plan.domain), family(plan.kind)),
                (None, family(plan.kind) + 100),
            ]
        } else {
            vec![(Some(plan.domain), family(plan.kind))]
        };
        for key in keys {
            let Some(ids) = self.by_family.get(&key) else {
                continue;
            };
            let mut best: Option<(f32, usize)> = None;
            for &i in ids {
                let e = &self.pool.entries()[i];
                let placeholders_fit = match masks {
                    Some((must, allowed, _)) => {
                        let m = self.entry_masks[i];
                        m & must == must && m & !allowed == 0
                    }
                    None => placeholders_fit(plan, e),
                };
                if !placeholders_fit
                    || self.entry_amenities[i] & !plan.amenities != 0
                    || self.entry_types[i] & !plan.type_words != 0
                    || plan.single_entity && self.entry_two_entities[i]
                    || !requests_fit(plan, e)
                    || exclude.is_some_and(|x| x == e.dialog)
                {
                    continue;
                }
                // Counted with one mask operation where the pool has bits.
                let (prefer, extras) = match masks {
                    Some((must, _, prefer)) => {
                        let m = self.entry_masks[i];
                        ((m & prefer).count_ones(), (m & !must).count_ones())
                    }
                    _ => placeholder_counts(plan, e),
                };
                let score = score(plan, e, prefer, extras, &self.entry_words[i], &words);
                if best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, i));
                }
            }
            if let Some((_, i)) = best {
                return self.pool.entries().get(i);
            }
        }
        None
    }
}

/// The amenities an entry's words say a venue has: "wifi" or "internet",
/// "parking", unless the entry asks about it.
fn claimed_amenities(e: &Entry) -> u8 {
    let words = |w: &[&str]| e.text.split_whitespace().any(|t| w.contains(&t));
    let mut bits = 0;
    if words(&["wifi", "internet", "wi-fi"]) && !e.requests.contains("internet") {
        bits |= INTERNET;
    }
    if words(&["parking"]) && !e.requests.contains("parking") {
        bits |= PARKING;
    }
    bits
}

/// The venue-type words an entry's text uses ([`TYPE_WORDS`] bits); words
/// count whole ("park" in "parking" is none), plurals too.
fn type_words_of(e: &Entry) -> u32 {
    let text = e.text.to_lowercase();
    let tokens: Vec<&str> = text.split(' ').collect();
    let uses = |word: &str| {
        let phrase: Vec<&str> = word.split(' ').collect();
        let Some((last, head)) = phrase.split_last() else {
            return false;
        };
        tokens.windows(phrase.len()).any(|w| {
            w[..head.len()] == *head
                && w[head.len()]
                    .strip_prefix(last)
                    .is_some_and(|rest| rest.is_empty() || rest == "s")
        })
    };
    TYPE_WORDS
        .iter()
        .enumerate()
        .filter(|(_, (word, _))| uses(word))
        .fold(0, |bits, (i, _)| bits | 1 << i)
}

/// Whether a reply describes two venues or trains ("one is [value_name] … the
/// other is [value_name]").
pub fn names_two_entities(text: &str) -> bool {
    text.matches("[value_name]").count() > 1 || text.matches("[value_id]").count() > 1
}

/// Whether an entry carries every placeholder the plan requires and none it
/// does not allow (what [`Realizer`]'s masks test when the pool has them).
fn placeholders_fit(plan: &Plan, e: &Entry) -> bool {
    plan.must.iter().all(|p| e.placeholders.contains(p))
        && e.placeholders
            .iter()
            .all(|p| plan.must.contains(p) || plan.may.contains(p))
}

/// Whether an entry asks for (or, offering, leaves out) what the plan does.
fn requests_fit(plan: &Plan, e: &Entry) -> bool {
    match plan.kind {
        Kind::Request | Kind::BookRequest => {
            let Some(first) = plan.requests.first() else {
                return false;
            };
            e.requests.contains(first) && e.requests.iter().all(|r| plan.requests.contains(r))
        }
        Kind::Offer | Kind::Attrs => {
            e.requests.is_empty() || e.requests.iter().all(|r| r == "people" || r == "day")
        }
        _ => true,
    }
}

/// How many of the plan's preferred placeholders an entry carries, and how
/// many it carries that the plan does not require.
fn placeholder_counts(plan: &Plan, e: &Entry) -> (u32, u32) {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let prefer = plan
        .prefer
        .iter()
        .filter(|p| e.placeholders.contains(*p))
        .count();
    let extras = e
        .placeholders
        .iter()
        .filter(|p| !plan.must.contains(*p))
        .count();
    (count(prefer), count(extras))
}

fn score(
    plan: &Plan,
    e: &Entry,
    prefer: u32,
    extras: u32,
    entry_words: &[u32],
    user: &Words,
) -> f32 {
    let inter = entry_words.iter().filter(|&&w| user.knows(w)).count() as f32;
    let union = (entry_words.len() + user.len) as f32 - inter;
    let sim = if union > 0.0 { inter / union } else { 0.0 };
    let (prefer, extras) = (prefer as f32, extras as f32);
    // A reply that talks about another domain ("the restaurant" in a taxi
    // reply) would confuse the user.
    let foreign = e.mentions.iter().any(|d| *d != plan.domain) as u8 as f32;
    // Weights tuned on the val split (BLEU against its delexicalized turns, and
    // placeholders per reply kept near the human references').
    // A question that asks for everything still missing saves the user a turn.
    let asked = if matches!(plan.kind, Kind::Request | Kind::BookRequest) {
        e.requests.len().saturating_sub(1) as f32
    } else {
        0.0
    };
    0.3 * sim + 3.0 * e.centrality + 0.3 * prefer - 0.15 * extras - 0.5 * foreign
        + ASKED_WEIGHT * asked
}

/// How much a question covering one more missing detail is preferred.
const ASKED_WEIGHT: f32 = 0.1;

/// A reply that other sentences follow, without its closing question ("Is
/// there anything else?" belongs at the end of the whole answer).
fn leading(text: &str) -> String {
    let t = text.trim_end();
    if !t.ends_with('?') {
        return t.to_string();
    }
    let body = &t[..t.len() - 1];
    match body.rfind(['.', '!']) {
        Some(i) => t[..=i].to_string(),
        None => t.to_string(),
    }
}

/// Undoes MultiWOZ's tokenization for people: no space before punctuation or
/// clitics (`there 's` → `there's`, `do n't` → `don't`).
pub fn detokenize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for tok in text.split_whitespace() {
        let glue = matches!(tok, "." | "," | "?" | "!" | ":" | ";" | ")" | "%")
            || tok.starts_with('\'') && tok.len() <= 3
            || tok == "n't";
        if !out.is_empty() && !glue && !out.ends_with('(') {
            out.push(' ');
        }
        out.push_str(tok);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::builtin::policy::type_word_bits;

    fn entry(text: &str) -> Entry {
        Entry {
            text: text.to_string(),
            domain: Some(Domain::Attraction),
            kind: Kind::Offer,
            placeholders: BTreeSet::new(),
            requests: BTreeSet::new(),
            user_words: HashSet::new(),
            centrality: 0.0,
            dialog: String::new(),
            mentions: Vec::new(),
        }
    }

    #[test]
    fn what_one_does_at_a_venue_ties_a_reply_to_its_type() {
        let dancing = type_words_of(&entry(
            "[value_name] is a [value_type] if you like dancing .",
        ));
        // A plan about a boat allows only the boat's words: the reply is not for it.
        assert_ne!(dancing & !type_word_bits("boat"), 0);
        assert_eq!(dancing & !type_word_bits("nightclub"), 0);
        let films = type_words_of(&entry("They show films every night ."));
        assert_eq!(films & !type_word_bits("cinema"), 0);
        assert_ne!(films & !type_word_bits("museum"), 0);
        // Two-word names and plurals count.
        let houses = type_words_of(&entry("Museums ? There are two guest houses ."));
        assert_eq!(
            houses & !type_word_bits("guesthouse") & !type_word_bits("museum"),
            0
        );
        assert_ne!(houses & !type_word_bits("guesthouse"), 0);
        assert_ne!(houses & !type_word_bits("museum"), 0);
        // "parking" is no park, "clubhouse" no club.
        assert_eq!(
            type_words_of(&entry("It has free parking and a clubhouse .")),
            0
        );
    }
}
