//! The example pool: delexicalized human system turns from the available
//! dialogs, indexed by what they do (their dialog-act kind, domain, requested
//! slots) and which placeholders they carry.
//!
//! Each entry also keeps the user turn it answered, so that retrieval can prefer
//! a reply to a similar user turn, and a *centrality* score (its average word
//! overlap with the other entries of its group), so that ties go to the most
//! typical phrasing.

use std::collections::{BTreeSet, HashMap, HashSet};

use multiwoz::Domain;
use multiwoz::disk_cache::codec::{Corrupt, Reader, Writer};
use multiwoz::lex::delexicalize;
use multiwoz::model::{Dialog, Speaker, Turn};

use super::labels::gold_domains;
use super::lexicon::Lexicon;
use super::text::normalize;

/// What a system turn does, as read from its dialog acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// Asks the user for search constraints.
    Request,
    /// Proposes a venue (name) or a train (id).
    Offer,
    /// Tells attributes the user asked for (phone, address, …).
    Attrs,
    /// Confirms a booking with a reference (or a taxi with car and phone).
    Book,
    /// Asks for booking details (day, people, time, stay).
    BookRequest,
    /// Says the booking failed.
    NoBook,
    /// Says nothing matches.
    NoOffer,
    /// "Anything else?" (with thanks/welcome).
    Reqmore,
    /// Goodbye.
    Bye,
}

/// One pool entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The delexicalized reply, as written (tokenized MultiWOZ text).
    pub text: String,
    /// The domain the reply serves.
    pub domain: Option<Domain>,
    /// What it does.
    pub kind: Kind,
    /// Placeholder attributes it mentions (`name`, `phone`, `reference`, …).
    pub placeholders: BTreeSet<String>,
    /// Slots it asks for (`area`, `price`, `people`, …), lower case.
    pub requests: BTreeSet<String>,
    /// The normalized tokens of the user turn it answered.
    pub user_words: HashSet<String>,
    /// Average overlap with the other entries of its group (0..1).
    pub centrality: f32,
    /// The dialog it comes from (evaluator key), to exclude when replaying it.
    pub dialog: String,
    /// The domains its words name ("restaurant", "hotel", "train", …).
    pub mentions: Vec<Domain>,
}

/// The example pool.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    entries: Vec<Entry>,
}

/// Placeholder attributes in a delexicalized text (`[value_phone]` → `phone`).
pub fn placeholders_of(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        let attr = name.strip_prefix("value_").unwrap_or(name);
        out.insert(attr.to_string());
        rest = &rest[open + close + 1..];
    }
    out
}

fn kind_of(turn: &Turn, placeholders: &BTreeSet<String>) -> Option<(Kind, BTreeSet<String>)> {
    let mut requests = BTreeSet::new();
    let (mut book, mut nobook, mut nooffer, mut bookreq, mut req, mut bye, mut more) =
        (false, false, false, false, false, false, false);
    let mut offer = false;
    for act in &turn.acts {
        let intent = act.intent();
        let dom = act.domain_part();
        let slot = act.slot.to_ascii_lowercase();
        match (dom, intent) {
            ("Booking", "Book") | ("Train", "OfferBooked") => book = true,
            ("Taxi", "Inform") if matches!(slot.as_str(), "car" | "phone") => book = true,
            ("Booking", "NoBook") => nobook = true,
            (_, "NoOffer") => nooffer = true,
            ("Booking", "Request") => {
                bookreq = true;
                requests.insert(slot);
            }
            (_, "Request") => {
                req = true;
                requests.insert(slot);
            }
            ("general", "bye") => bye = true,
            ("general", "reqmore" | "welcome" | "greet") => more = true,
            (_, "Inform" | "Recommend" | "Select" | "OfferBook")
                if matches!(slot.as_str(), "name" | "id") =>
            {
                offer = true;
            }
            _ => {}
        }
    }
    let attrs = ["phone", "address", "postcode"]
        .iter()
        .any(|p| placeholders.contains(*p));
    let kind = if book && (placeholders.contains("reference") || placeholders.contains("car")) {
        Kind::Book
    } else if nobook {
        Kind::NoBook
    } else if nooffer {
        Kind::NoOffer
    } else if attrs {
        Kind::Attrs
    } else if offer && (placeholders.contains("name") || placeholders.contains("id")) {
        Kind::Offer
    } else if bookreq {
        Kind::BookRequest
    } else if req {
        Kind::Request
    } else if bye {
        Kind::Bye
    } else if more {
        Kind::Reqmore
    } else {
        return None;
    };
    Some((kind, requests))
}

impl Pool {
    /// Builds the pool from the system turns of `dialogs`. Replies that still
    /// carry a concrete venue name, food, area or station (a value the
    /// annotation missed) are left out: they would say the wrong thing.
    pub fn build(dialogs: &[Dialog], lexicon: &Lexicon) -> Pool {
        let mut entries = Vec::new();
        for dialog in dialogs {
            let labels = gold_domains(dialog);
            let key = dialog.key();
            let mut user_idx = 0usize;
            let mut last_user = String::new();
            for turn in &dialog.turns {
                if turn.speaker == Speaker::User {
                    last_user = normalize(&turn.text);
                    user_idx += 1;
                    continue;
                }
                let text = delexicalize(turn);
                let placeholders = placeholders_of(&text);
                let Some((kind, requests)) = kind_of(turn, &placeholders) else {
                    continue;
                };
                let norm = normalize(&text.replace('[', " [").replace(']', "] "));
                let toks: Vec<&str> = norm.split(' ').filter(|t| !t.is_empty()).collect();
                if leaks_value(lexicon, &toks) || toks.len() > 40 {
                    continue;
                }
                entries.push(Entry {
                    text,
                    domain: labels.get(user_idx.saturating_sub(1)).copied().flatten(),
                    kind,
                    placeholders,
                    requests,
                    user_words: last_user.split(' ').map(str::to_string).collect(),
                    centrality: 0.0,
                    dialog: key.clone(),
                    mentions: super::cues::domain_words(&norm),
                });
            }
        }
        compute_centrality(&mut entries);
        Pool { entries }
    }

    /// Every entry.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// Whether a reply still names a concrete venue, food, area, price range or
/// station that the annotation did not delexicalize.
fn leaks_value(lexicon: &Lexicon, toks: &[&str]) -> bool {
    use multiwoz::Slot;
    lexicon.find(toks).iter().any(|m| {
        let phrase = toks[m.start..m.end].join(" ");
        phrase != "cambridge"
            && m.readings.iter().any(|r| {
                matches!(
                    r.slot,
                    Slot::Name | Slot::Food | Slot::Area | Slot::PriceRange | Slot::Departure
                )
            })
    })
}

/// Sets each entry's centrality: mean Dice overlap of its word bigrams with a
/// bounded sample of the other entries of its (domain, kind, placeholders) group.
fn compute_centrality(entries: &mut [Entry]) {
    let mut groups: HashMap<(Option<Domain>, Kind, String), Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let ph: Vec<&str> = e.placeholders.iter().map(String::as_str).collect();
        groups
            .entry((e.domain, e.kind, ph.join(",")))
            .or_default()
            .push(i);
    }
    let grams: Vec<HashSet<String>> = entries.iter().map(|e| bigrams(&e.text)).collect();
    for members in groups.values() {
        let sample: Vec<usize> = members
            .iter()
            .copied()
            .step_by((members.len() / 40).max(1))
            .collect();
        for &i in members {
            let mut total = 0.0;
            for &j in &sample {
                if i != j {
                    total += dice(&grams[i], &grams[j]);
                }
            }
            entries[i].centrality = total / sample.len().max(1) as f32;
        }
    }
}

/// Lower-case word bigrams of a text.
pub fn bigrams(text: &str) -> HashSet<String> {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let mut out: HashSet<String> = words
        .windows(2)
        .map(|w| format!("{} {}", w[0], w[1]))
        .collect();
    out.extend(words);
    out
}

fn dice(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.intersection(b).count() as f32;
    2.0 * inter / (a.len() + b.len()) as f32
}

impl Pool {
    /// Writes the pool for the start-up cache ([`super::persist`]).
    pub(super) fn write(&self, w: &mut Writer) {
        let strings = |w: &mut Writer, items: &mut dyn ExactSizeIterator<Item = &String>| {
            w.count(items.len());
            for s in items {
                w.str(s);
            }
        };
        w.count(self.entries.len());
        for e in &self.entries {
            w.str(&e.text);
            match e.domain {
                Some(d) => {
                    w.byte(1);
                    w.domain(d);
                }
                None => w.byte(0),
            }
            w.byte(kind_code(e.kind));
            strings(w, &mut e.placeholders.iter());
            strings(w, &mut e.requests.iter());
            strings(w, &mut e.user_words.iter());
            w.f32(e.centrality);
            w.str(&e.dialog);
            w.count(e.mentions.len());
            for d in &e.mentions {
                w.domain(*d);
            }
        }
    }

    /// Reads what [`Pool::write`] wrote.
    pub(super) fn read(r: &mut Reader<'_>) -> Result<Pool, Corrupt> {
        fn strings<C: FromIterator<String>>(r: &mut Reader<'_>) -> Result<C, Corrupt> {
            let n = r.count()?;
            (0..n).map(|_| r.str().map(str::to_owned)).collect()
        }
        let n = r.count()?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let text = r.str()?.to_owned();
            let domain = match r.byte()? {
                0 => None,
                1 => Some(r.domain()?),
                _ => return Err(Corrupt),
            };
            let kind = kind_of_code(r.byte()?).ok_or(Corrupt)?;
            let placeholders = strings(r)?;
            let requests = strings(r)?;
            let user_words = strings(r)?;
            let centrality = r.f32()?;
            let dialog = r.str()?.to_owned();
            let k = r.count()?;
            let mentions = (0..k).map(|_| r.domain()).collect::<Result<_, _>>()?;
            entries.push(Entry {
                text,
                domain,
                kind,
                placeholders,
                requests,
                user_words,
                centrality,
                dialog,
                mentions,
            });
        }
        Ok(Pool { entries })
    }
}

/// The kinds in their one-byte order; the match keeps it complete.
fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::Request => 0,
        Kind::Offer => 1,
        Kind::Attrs => 2,
        Kind::Book => 3,
        Kind::BookRequest => 4,
        Kind::NoBook => 5,
        Kind::NoOffer => 6,
        Kind::Reqmore => 7,
        Kind::Bye => 8,
    }
}

fn kind_of_code(code: u8) -> Option<Kind> {
    [
        Kind::Request,
        Kind::Offer,
        Kind::Attrs,
        Kind::Book,
        Kind::BookRequest,
        Kind::NoBook,
        Kind::NoOffer,
        Kind::Reqmore,
        Kind::Bye,
    ]
    .get(usize::from(code))
    .copied()
}
