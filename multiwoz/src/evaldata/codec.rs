//! A compact binary encoding of [`EvalData`] for the on-disk cache.
//!
//! Lengths are little-endian `u32`, strings are length-prefixed UTF-8, domains and
//! requestables are one byte (their position in a fixed table). Decoding checks
//! every length against the bytes left and every byte against its table, so a
//! damaged file is reported as [`Corrupt`] and never panics or over-allocates.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::{DomainGoal, EvalData, Goal, Requestable, TurnState};
use crate::Domain;

pub(super) use crate::disk_cache::codec::Corrupt;
use crate::disk_cache::codec::{Reader, Writer};

/// The requestables in their one-byte order.
const REQUESTABLES: [Requestable; 5] = [
    Requestable::Phone,
    Requestable::Address,
    Requestable::Post,
    Requestable::Reference,
    Requestable::TrainId,
];

/// Encodes evaluation data: four sections (goals, references, gold states,
/// booked domains), each behind its length in bytes so that they can be
/// decoded side by side.
pub(super) fn encode(data: &EvalData) -> Vec<u8> {
    let sections = [
        encode_goals(data),
        encode_references(data),
        encode_gold_states(data),
        encode_booked(data),
    ];
    let mut w = Writer(Vec::with_capacity(
        sections.iter().map(Vec::len).sum::<usize>() + 32,
    ));
    for section in &sections {
        w.count(section.len());
        w.0.extend_from_slice(section);
    }
    w.0
}

fn encode_goals(data: &EvalData) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(1 << 16));
    w.map(&data.goals, |w, goal| {
        w.count(goal.domains.len());
        for (domain, g) in &goal.domains {
            w.domain(*domain);
            w.strings(&g.informable);
            w.count(g.requestable.len());
            for r in &g.requestable {
                w.0.push(REQUESTABLES.iter().position(|x| x == r).unwrap_or(0) as u8);
            }
            w.strings(&g.booking);
        }
    });
    w.0
}

fn encode_references(data: &EvalData) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(1 << 20));
    w.map(&data.references, |w, refs| {
        w.count(refs.len());
        for r in refs {
            w.str(r);
        }
    });
    w.0
}

fn encode_gold_states(data: &EvalData) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(1 << 20));
    w.map(&data.gold_states, |w, states| {
        w.count(states.len());
        for state in states {
            w.count(state.len());
            for (domain, slots) in state {
                w.str(domain);
                w.strings(slots);
            }
        }
    });
    w.0
}

fn encode_booked(data: &EvalData) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(1 << 14));
    w.map(&data.booked_domains, |w, turns| {
        w.count(turns.len());
        for domains in turns {
            w.count(domains.len());
            for d in domains {
                w.domain(*d);
            }
        }
    });
    w.0
}

/// Decodes what [`encode`] wrote, the four sections in parallel; trailing bytes
/// (in a section or after the last) are corruption too.
pub(super) fn decode(bytes: &[u8]) -> Result<EvalData, Corrupt> {
    let mut r = Reader::new(bytes);
    let mut sections = [&[][..]; 4];
    for section in &mut sections {
        let n = r.count()?;
        *section = r.take(n)?;
    }
    if !r.at_end() {
        return Err(Corrupt);
    }
    let [goals, references, gold_states, booked] = sections;
    let ((goals, references), (gold_states, booked_domains)) = rayon::join(
        || rayon::join(|| decode_goals(goals), || decode_references(references)),
        || rayon::join(|| decode_gold_states(gold_states), || decode_booked(booked)),
    );
    Ok(EvalData {
        goals: goals?,
        references: references?,
        gold_states: gold_states?,
        booked_domains: booked_domains?,
    })
}

/// Decodes one whole section with `read`.
fn whole<T>(
    bytes: &[u8],
    read: impl FnOnce(&mut Reader<'_>) -> Result<T, Corrupt>,
) -> Result<T, Corrupt> {
    let mut r = Reader::new(bytes);
    let out = read(&mut r)?;
    if !r.at_end() {
        return Err(Corrupt);
    }
    Ok(out)
}

fn decode_goals(bytes: &[u8]) -> Result<HashMap<String, Goal>, Corrupt> {
    whole(bytes, |r| {
        r.map(|r| {
            let n = r.count()?;
            let mut domains = IndexMap::with_capacity(n);
            for _ in 0..n {
                let domain = r.domain()?;
                let informable = r.strings()?;
                let k = r.count()?;
                let mut requestable = Vec::with_capacity(k);
                for _ in 0..k {
                    requestable.push(*REQUESTABLES.get(usize::from(r.byte()?)).ok_or(Corrupt)?);
                }
                let booking = r.strings()?;
                domains.insert(
                    domain,
                    DomainGoal {
                        informable,
                        requestable,
                        booking,
                    },
                );
            }
            Ok(Goal { domains })
        })
    })
}

fn decode_references(bytes: &[u8]) -> Result<HashMap<String, Vec<String>>, Corrupt> {
    whole(bytes, |r| {
        r.map(|r| {
            let n = r.count()?;
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                out.push(r.str()?.to_owned());
            }
            Ok(out)
        })
    })
}

fn decode_gold_states(bytes: &[u8]) -> Result<HashMap<String, Vec<TurnState>>, Corrupt> {
    whole(bytes, |r| {
        r.map(|r| {
            let n = r.count()?;
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                let k = r.count()?;
                let mut state = TurnState::with_capacity(k);
                for _ in 0..k {
                    let domain = r.str()?.to_owned();
                    state.insert(domain, r.strings()?);
                }
                out.push(state);
            }
            Ok(out)
        })
    })
}

fn decode_booked(bytes: &[u8]) -> Result<HashMap<String, Vec<Vec<Domain>>>, Corrupt> {
    whole(bytes, |r| {
        r.map(|r| {
            let n = r.count()?;
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                let k = r.count()?;
                let mut domains = Vec::with_capacity(k);
                for _ in 0..k {
                    domains.push(r.domain()?);
                }
                out.push(domains);
            }
            Ok(out)
        })
    })
}

/// The evaluation data's compound values on top of the shared primitives.
trait WriteExt {
    fn strings(&mut self, map: &IndexMap<String, String>);
    fn map<T>(&mut self, map: &HashMap<String, T>, item: impl FnMut(&mut Writer, &T));
}

impl WriteExt for Writer {
    fn strings(&mut self, map: &IndexMap<String, String>) {
        self.count(map.len());
        for (k, v) in map {
            self.str(k);
            self.str(v);
        }
    }

    fn map<T>(&mut self, map: &HashMap<String, T>, mut item: impl FnMut(&mut Writer, &T)) {
        self.count(map.len());
        for (key, value) in map {
            self.str(key);
            item(self, value);
        }
    }
}

trait ReadExt<'a> {
    fn strings(&mut self) -> Result<IndexMap<String, String>, Corrupt>;
    fn map<T>(
        &mut self,
        item: impl FnMut(&mut Reader<'a>) -> Result<T, Corrupt>,
    ) -> Result<HashMap<String, T>, Corrupt>;
}

impl<'a> ReadExt<'a> for Reader<'a> {
    fn strings(&mut self) -> Result<IndexMap<String, String>, Corrupt> {
        let n = self.count()?;
        let mut out = IndexMap::with_capacity(n);
        for _ in 0..n {
            let k = self.str()?.to_owned();
            let v = self.str()?.to_owned();
            out.insert(k, v);
        }
        Ok(out)
    }

    fn map<T>(
        &mut self,
        mut item: impl FnMut(&mut Reader<'a>) -> Result<T, Corrupt>,
    ) -> Result<HashMap<String, T>, Corrupt> {
        let n = self.count()?;
        let mut out = HashMap::with_capacity(n);
        for _ in 0..n {
            let key = self.str()?.to_owned();
            let value = item(self)?;
            out.insert(key, value);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Domain;

    fn sample() -> EvalData {
        let mut data = EvalData::default();
        let mut goal = Goal::default();
        goal.domains.insert(
            Domain::Hotel,
            DomainGoal {
                informable: [("area".to_owned(), "north".to_owned())].into(),
                requestable: vec![Requestable::Phone, Requestable::Reference],
                booking: [("stay".to_owned(), "3".to_owned())].into(),
            },
        );
        goal.domains.insert(Domain::Train, DomainGoal::default());
        data.goals.insert("pmul0001".to_owned(), goal);
        data.references.insert(
            "pmul0001".to_owned(),
            vec!["the [hotel_name] is nice".to_owned(), "café ☕".to_owned()],
        );
        let mut state = TurnState::new();
        state.insert(
            "taxi".to_owned(),
            [("leave".to_owned(), "10:15".to_owned())].into(),
        );
        state.insert("hotel".to_owned(), IndexMap::new());
        data.gold_states
            .insert("pmul0001".to_owned(), vec![TurnState::new(), state]);
        data.booked_domains.insert(
            "pmul0001".to_owned(),
            vec![vec![], vec![Domain::Hotel, Domain::Train]],
        );
        data
    }

    #[test]
    fn round_trip_keeps_every_field_and_order() {
        let data = sample();
        let decoded = decode(&encode(&data)).unwrap();
        assert_eq!(decoded, data);
        let state = &decoded.gold_states["pmul0001"][1];
        let order: Vec<&str> = state.keys().map(String::as_str).collect();
        assert_eq!(order, ["taxi", "hotel"]);
    }

    #[test]
    fn every_truncation_is_corrupt_not_a_panic() {
        let bytes = encode(&sample());
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut]), Err(Corrupt), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), Err(Corrupt));
    }

    #[test]
    fn damaged_bytes_are_an_error_or_different_data_never_a_panic() {
        let data = sample();
        let bytes = encode(&data);
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[i] ^= flip;
                // Every byte carries content, so a change can never decode to the
                // original data.
                assert_ne!(decode(&damaged), Ok(data.clone()), "byte {i} ^ {flip:#x}");
            }
        }
    }
}
