//! What the router knows about every domain beyond its training turns.
//!
//! The router learns from the dialogs it is given; the val split has no police
//! turns and two hospital turns, so a learned router cannot send "I was robbed,
//! where is the police station?" to the police. The agents' own descriptions
//! (`prompts/agents.txt`) and the ontology (the domain nouns, the database's
//! names and the hospital's departments) name every domain whether or not the
//! training data has examples of it. A turn that names, by that knowledge,
//! exactly one domain the router has (almost) never seen goes to that domain.
//!
//! A turn outside every domain (a greeting, small talk) names none, changes no
//! state and carries a small-talk cue; the manager answers it with what dard
//! can help with instead of a random domain's offer.

use multiwoz::Domain;
use multiwoz::disk_cache::codec::{Corrupt, Reader, Writer};
use multiwoz::model::Dialog;

use super::cues::SMALL_TALK;
use super::cues::{domain_words, is_closing};
use super::labels::gold_domains;
use super::lexicon::Lexicon;
use super::text::contains_any;

/// A domain with fewer training turns than this is routed by knowledge.
const MIN_SUPPORT: usize = 50;

/// The agents' descriptions, one `domain: description` line each (the file the
/// LLM router reads too).
const AGENTS: &str = include_str!("../../../prompts/agents.txt");

/// Per domain: how many training turns it has and the proper names its agent's
/// description gives (lower case).
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    support: [usize; Domain::ALL.len()],
    names: Vec<(Domain, String)>,
}

fn index(d: Domain) -> usize {
    Domain::ALL.iter().position(|x| *x == d).unwrap_or(0)
}

impl Knowledge {
    /// Counts the training turns of each domain in `dialogs` and reads the
    /// agents' descriptions.
    pub fn build(dialogs: &[Dialog]) -> Knowledge {
        let mut support = [0; Domain::ALL.len()];
        for dialog in dialogs {
            for d in gold_domains(dialog).into_iter().flatten() {
                support[index(d)] += 1;
            }
        }
        Knowledge::with_support(support)
    }

    /// The knowledge for given per-domain training-turn counts; the names come
    /// from the agents' descriptions, which are compiled in.
    pub(super) fn with_support(support: [usize; Domain::ALL.len()]) -> Knowledge {
        let mut names = Vec::new();
        for line in AGENTS.lines() {
            let Some((domain, description)) = line.split_once(':') else {
                continue;
            };
            let Ok(domain) = domain.trim().parse::<Domain>() else {
                continue;
            };
            // Capitalized words of a description are the domain's own names
            // (Addenbrookes, Parkside).
            for word in description.split(|c: char| !c.is_alphanumeric()) {
                if word.chars().next().is_some_and(char::is_uppercase) {
                    names.push((domain, word.to_lowercase()));
                }
            }
        }
        Knowledge { support, names }
    }

    /// Writes what was learnt from the dialogs (the start-up cache's part).
    pub(super) fn write(&self, w: &mut Writer) {
        // Plain numbers, not counts: a count is checked against the bytes
        // left, and these tallies are larger than what follows them.
        for n in self.support {
            w.u32(u32::try_from(n).unwrap_or(u32::MAX));
        }
    }

    /// Reads what [`Knowledge::write`] wrote.
    pub(super) fn read(r: &mut Reader<'_>) -> Result<Knowledge, Corrupt> {
        let mut support = [0; Domain::ALL.len()];
        for n in &mut support {
            *n = r.u32()? as usize;
        }
        Ok(Knowledge::with_support(support))
    }

    /// How many training turns `domain` has.
    pub fn support(&self, domain: Domain) -> usize {
        self.support[index(domain)]
    }

    /// The domains a normalized user turn names: by their nouns, by the
    /// description's names, or by a database value only that domain has.
    pub fn named(&self, norm: &str, lexicon: &Lexicon) -> Vec<Domain> {
        let mut out = domain_words(norm);
        let tokens: Vec<&str> = norm.split(' ').filter(|t| !t.is_empty()).collect();
        for (d, name) in &self.names {
            if tokens.contains(&name.as_str()) && !out.contains(d) {
                out.push(*d);
            }
        }
        for m in lexicon.find(&tokens) {
            let mut domains: Vec<Domain> = m.readings.iter().map(|r| r.domain).collect();
            domains.dedup();
            if let [d] = domains.as_slice()
                && !out.contains(d)
            {
                out.push(*d);
            }
        }
        out
    }

    /// The domain the turn must go to although the learned router did not
    /// pick it: the one domain the turn names, when the router has too few
    /// examples of it to know.
    pub fn unlearned(&self, norm: &str, lexicon: &Lexicon) -> Option<Domain> {
        match self.named(norm, lexicon).as_slice() {
            [d] if self.support(*d) < MIN_SUPPORT => Some(*d),
            _ => None,
        }
    }

    /// The one domain with too few training turns that a normalized text
    /// names (other, learned domains may be named too: "Addenbrookes
    /// Hospital … Do you need a taxi?").
    pub fn unlearned_named(&self, norm: &str, lexicon: &Lexicon) -> Option<Domain> {
        let named: Vec<Domain> = self
            .named(norm, lexicon)
            .into_iter()
            .filter(|d| self.support(*d) < MIN_SUPPORT)
            .collect();
        match named.as_slice() {
            [d] => Some(*d),
            _ => None,
        }
    }

    /// Whether a normalized user turn is outside every domain: it names none,
    /// gave the tracker nothing (`state_changed` false), is no closing, and is
    /// small talk (a greeting, a joke, a question about dard) or has no word at all.
    pub fn off_topic(&self, norm: &str, lexicon: &Lexicon, state_changed: bool) -> bool {
        // A turn with no word in it ("???", an emoji) asks nothing of any domain.
        let wordless = !norm.chars().any(char::is_alphanumeric);
        !state_changed
            && !is_closing(norm)
            && self.named(norm, lexicon).is_empty()
            && (wordless || contains_any(norm, SMALL_TALK))
    }
}
