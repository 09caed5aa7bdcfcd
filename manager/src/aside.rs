//! Two requests in one turn: "Could I get their phone number? I also need a
//! guesthouse in the west." The router hands a turn to one domain agent, so
//! the question about the venue the conversation was on would go unanswered
//! (or be answered with the new domain's venue). The manager answers the
//! details asked about that venue from its database record, in a sentence of
//! its own, and hands the rest of the turn to the new domain's agent; the reply
//! is the two together and speaks for both domains. Whatever the backend, the
//! facts come from the database.

use agents::builtin::cues::{Ask, domain_words, user_asks};
use agents::builtin::text::normalize;
use agents::roles::{DbResult, Speaker, Utterance};
use multiwoz::Domain;
use multiwoz::db::Database;

use crate::grounding::record_of;

/// The domains whose venues have the details an aside tells.
const VENUE_DOMAINS: [Domain; 3] = [Domain::Restaurant, Domain::Hotel, Domain::Attraction];

/// Words that open a new clause inside a sentence: "I need the phone number
/// for Cote and I am looking for an attraction called Clare Hall."
const CLAUSE_OPENERS: &[&str] = &["also", "and i", "and im", "and we"];

/// The question about one venue answered before the delegated agent's reply.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Aside {
    /// The venue's domain.
    pub domain: Domain,
    /// The venue, as a one-record database result.
    pub db: DbResult,
    /// The answer, delexicalized (`The phone number of [value_name] is …`).
    pub delex: String,
    /// The user turn without the question the aside answers: what the
    /// delegated agent reads as the last user utterance.
    pub rest: String,
    /// The domain the rest of the turn asks about: the one delegated to.
    pub delegated: Domain,
}

/// The aside of the last user turn of `history`, if it asks for details of a
/// venue of one domain (named in the question or in the system turn before)
/// and, in another clause, for something in another domain; the turn is then
/// delegated to that other domain, whatever the router picked.
pub(crate) fn find(db: &Database, history: &[Utterance]) -> Option<Aside> {
    let user = history.last().filter(|u| u.speaker == Speaker::User)?;
    let clauses = clauses(&user.text);
    if clauses.len() < 2 {
        return None;
    }
    let read: Vec<(Vec<Ask>, Vec<Domain>)> = clauses
        .iter()
        .map(|c| {
            let norm = normalize(c);
            let asks = user_asks(&norm)
                .into_iter()
                .filter(|a| matches!(a, Ask::Phone | Ask::Address | Ask::Postcode | Ask::Price))
                .collect();
            (asks, domain_words(&norm))
        })
        .collect();
    // The new request: clauses that name a domain and ask no detail. A
    // question after it is about what it asks for ("I would like to visit the
    // mumford theatre. Where is it?"), so the questions must come first.
    let first_new = read
        .iter()
        .position(|(asks, domains)| asks.is_empty() && !domains.is_empty())?;
    if read[first_new..].iter().any(|(asks, _)| !asks.is_empty()) {
        return None;
    }
    let named: Vec<Domain> = read[first_new..]
        .iter()
        .flat_map(|(_, domains)| domains.iter().copied())
        .collect();
    // In the cue lists' priority order: a taxi or train request names venues
    // only as places ("a taxi from the guesthouse to the college").
    let delegated = *named.first()?;
    let question: Vec<usize> = (0..clauses.len())
        .filter(|&i| !read[i].0.is_empty())
        .collect();
    if question.is_empty() || question.iter().any(|&i| read[i].1.contains(&delegated)) {
        return None;
    }
    let mut asks: Vec<Ask> = question.iter().flat_map(|&i| read[i].0.clone()).collect();
    asks.sort();
    asks.dedup();
    // The venue asked about: named in the question, else in the system turn
    // before; of the domain the question names, if it names one.
    let said: Vec<Domain> = question
        .iter()
        .flat_map(|&i| read[i].1.iter().copied())
        .collect();
    let question_text = question
        .iter()
        .map(|&i| normalize(&clauses[i]))
        .collect::<Vec<_>>()
        .join(" ");
    let system = history
        .iter()
        .rev()
        .find(|u| u.speaker == Speaker::System)
        .map(|u| normalize(&u.text))
        .unwrap_or_default();
    let wanted = |d: Domain| d != delegated && (said.is_empty() || said.contains(&d));
    // The system turn may name two venues ("… Finches is in the west"): the
    // one it named last is the one the conversation is on.
    let (domain, record) = named_venue(db, &question_text, false, wanted)
        .or_else(|| named_venue(db, &system, true, wanted))?;
    // "How much is it?" alone asks a restaurant's or hotel's price range only
    // vaguely; an attraction's entrance fee is a detail.
    if domain != Domain::Attraction && asks.iter().all(|a| *a == Ask::Price) {
        return None;
    }
    let rest = (0..clauses.len())
        .filter(|i| !question.contains(i))
        .map(|i| clauses[i].trim())
        .collect::<Vec<_>>()
        .join(" ");
    Some(Aside {
        domain,
        db: DbResult {
            domain,
            count: 1,
            record: Some(record),
        },
        delex: answer(domain, &asks)?,
        rest,
        delegated,
    })
}

/// The user turn cut into clauses: at sentence ends, and before the words that
/// open a new request inside a sentence.
fn clauses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for sentence in text.split_inclusive(['.', '?', '!', ';']) {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        let norm: Vec<String> = words.iter().map(|w| normalize(w)).collect();
        let mut start = 0;
        for i in 1..words.len() {
            let opens = CLAUSE_OPENERS.iter().any(|o| {
                let o = o.split(' ');
                o.clone().count() <= norm.len() - i && norm[i..].iter().zip(o).all(|(w, x)| w == x)
            });
            // "I also need …" is one clause: a piece of a word or two before
            // the opener belongs to it.
            if opens && i >= start + 3 {
                out.push(words[start..i].join(" "));
                start = i;
            }
        }
        if start < words.len() {
            out.push(words[start..].join(" "));
        }
    }
    out.retain(|c| !normalize(c).trim().is_empty());
    out
}

/// The first (or `last`) venue by position whose name `norm` contains, among
/// the domains `wanted` accepts; the longest name wins at a position.
fn named_venue(
    db: &Database,
    norm: &str,
    last: bool,
    wanted: impl Fn(Domain) -> bool,
) -> Option<(Domain, agents::roles::DbRecord)> {
    let padded = format!(" {norm} ");
    let mut best: Option<(usize, usize, Domain, &multiwoz::db::Entity)> = None;
    for domain in VENUE_DOMAINS.into_iter().filter(|d| wanted(*d)) {
        for entity in db.entities(domain) {
            let name = normalize(entity.name());
            let name = name.trim();
            // One-word names ("cote", "alpha-milton") are common words too.
            if name.len() < 4 {
                continue;
            }
            if let Some(at) = padded.find(&format!(" {name} ")) {
                let better = best.is_none_or(|(p, len, _, _)| {
                    (if last { at > p } else { at < p }) || at == p && name.len() > len
                });
                if better {
                    best = Some((at, name.len(), domain, entity));
                }
            }
        }
    }
    best.map(|(_, _, domain, entity)| (domain, record_of(entity)))
}

/// The answer to `asks` about a venue of `domain`, delexicalized: "The phone
/// number of [value_name] is [value_phone] and its postcode is [value_postcode]."
fn answer(domain: Domain, asks: &[Ask]) -> Option<String> {
    let parts: Vec<(&str, &str)> = asks
        .iter()
        .filter_map(|a| {
            Some(match a {
                Ask::Phone => ("phone number", "[value_phone]"),
                Ask::Address => ("address", "[value_address]"),
                Ask::Postcode => ("postcode", "[value_postcode]"),
                Ask::Price if domain == Domain::Attraction => ("entrance fee", "[value_price]"),
                Ask::Price => ("price range", "[value_price]"),
                _ => return None,
            })
        })
        .collect();
    let ((noun, value), more) = parts.split_first()?;
    let mut text = format!("The {noun} of [value_name] is {value}");
    for (i, (noun, value)) in more.iter().enumerate() {
        text.push_str(if i + 1 == more.len() { " and" } else { "," });
        text.push_str(&format!(" its {noun} is {value}"));
    }
    text.push('.');
    Some(text)
}

#[cfg(test)]
mod tests;
