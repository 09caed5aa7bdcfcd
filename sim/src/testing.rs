//! Reference systems with known scores, for checking the measure itself:
//! an oracle that answers from the goal and the database, a system that only
//! apologizes, and the oracle without booking references.
//!
//! The oracle sees the goal (it is an oracle) but answers only in text, as
//! any system does: per domain, in the goal's order, it first reports no
//! match if the goal has a `fail_info`, a failed booking if it has a
//! `fail_book`, then names a matching venue with every requested attribute
//! and the booking reference.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use multiwoz::db::Database;
use multiwoz::lex::{LexContext, lexicalize};
use multiwoz::{Domain, Slot};

use crate::attr::Attr;
use crate::goal::Goal;
use crate::system::{Record, Reply, State, System, SystemTurn};

/// The oracle system for one goal.
pub struct Oracle<'a> {
    goal: Goal,
    db: &'a Database,
    step: usize,
    failed_info: bool,
    failed_book: bool,
    references: bool,
    state: State,
}

impl<'a> Oracle<'a> {
    /// An oracle that books with references.
    pub fn new(goal: &Goal, db: &'a Database) -> Oracle<'a> {
        Oracle {
            goal: goal.clone(),
            db,
            step: 0,
            failed_info: false,
            failed_book: false,
            references: true,
            state: State::new(),
        }
    }

    /// The oracle that never gives a booking reference.
    pub fn without_references(goal: &Goal, db: &'a Database) -> Oracle<'a> {
        Oracle {
            references: false,
            ..Oracle::new(goal, db)
        }
    }

    fn answer(&mut self) -> SystemTurn {
        let Some((domain, g)) = self.goal.domains.get(self.step).cloned() else {
            return SystemTurn {
                text: "You are welcome. Goodbye!".into(),
                delex: "You are welcome. Goodbye!".into(),
                ..SystemTurn::default()
            };
        };
        if !g.fail_info.is_empty() && !self.failed_info {
            self.failed_info = true;
            let text = "I am sorry, there are no matches for that.".to_string();
            return SystemTurn {
                delex: text.clone(),
                text,
                domain: Some(domain),
                count: Some(0),
                state: self.state.clone(),
                ..SystemTurn::default()
            };
        }
        if !g.fail_book.is_empty() && g.wants_booking() && !self.failed_book {
            self.failed_book = true;
            let text = "I am sorry, the booking was unsuccessful.".to_string();
            return SystemTurn {
                delex: text.clone(),
                text,
                domain: Some(domain),
                state: self.state.clone(),
                ..SystemTurn::default()
            };
        }
        self.step += 1;
        self.failed_info = false;
        self.failed_book = false;
        let slots: BTreeMap<Slot, String> = g
            .info
            .iter()
            .chain(&g.book)
            .filter_map(|(a, v)| Some((a.state_slot()?, v.clone())))
            .collect();
        self.state.insert(domain, slots);
        let record = self.record(domain, &g.info);
        let mut delex = String::from("I have found one for you");
        if domain.has_venues() || record.get("name").is_some() {
            delex.push_str(" : [value_name] .");
        } else {
            delex.push('.');
        }
        for a in &g.reqt {
            if let Some(p) = placeholder(domain, *a) {
                delex.push_str(&format!(" The {} is {p} .", a.as_str()));
            }
        }
        if g.wants_booking() {
            delex.push_str(" I have booked it");
            if self.references {
                delex.push_str(" , the reference number is [value_reference] .");
            } else {
                delex.push('.');
            }
        }
        let mut text = delex.clone();
        if let Some(car) = record.get("car") {
            text = text.replace("[value_car]", car);
        }
        let fields = |name: &str| record.get(name).map(str::to_string);
        let state: IndexMap<String, String> = self
            .state
            .get(&domain)
            .map(|s| {
                s.iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let reference = format!("ORA{:05}", self.step);
        let ctx = LexContext {
            domain: Some(domain),
            entity: Some(&fields),
            state: Some(&state),
            reference: Some(&reference),
            choice: Some(1),
        };
        let text = lexicalize(&text, &ctx);
        SystemTurn {
            text,
            delex,
            domain: Some(domain),
            reason: "oracle".into(),
            record: Some(record),
            count: Some(1),
            state: self.state.clone(),
        }
    }

    fn record(&self, domain: Domain, info: &[(Attr, String)]) -> Record {
        match domain {
            Domain::Taxi => {
                let mut r = Record::default();
                r.fields.insert("car".into(), "black toyota".into());
                r.fields.insert("phone".into(), "07218068540".into());
                r
            }
            _ => {
                let c: Vec<(&str, &str)> = info
                    .iter()
                    .filter_map(|(a, v)| Some((a.state_slot()?.as_str(), v.as_str())))
                    .collect();
                let entity = if domain.has_venues() {
                    self.db.query(domain, c).first().map(|e| e.entity())
                } else {
                    self.db.entities(domain).first()
                };
                let mut r = Record::default();
                if let Some(e) = entity {
                    r.id = e.id().to_string();
                    for (k, v) in e.fields() {
                        let v = match v {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Number(n) => n.to_string(),
                            _ => continue,
                        };
                        r.fields.insert(k.to_string(), v);
                    }
                }
                r
            }
        }
    }
}

/// The placeholder that names `attr` in `domain`'s replies.
fn placeholder(domain: Domain, attr: Attr) -> Option<&'static str> {
    Some(match attr {
        Attr::Address => "[value_address]",
        Attr::Phone => "[value_phone]",
        Attr::Postcode => "[value_postcode]",
        Attr::EntranceFee | Attr::Price => "[value_price]",
        Attr::PriceRange => "[value_pricerange]",
        Attr::Duration if domain == Domain::Train => "[value_time]",
        Attr::TrainId => "[value_id]",
        Attr::LeaveAt => "[value_leave]",
        Attr::ArriveBy => "[value_arrive]",
        Attr::CarType => "[value_car]",
        Attr::Area => "[value_area]",
        Attr::Type => "[value_type]",
        Attr::Stars => "[value_stars]",
        Attr::Internet => "[value_internet]",
        Attr::Parking => "[value_parking]",
        Attr::Food => "[value_food]",
        Attr::Name => "[value_name]",
        _ => return None,
    })
}

impl System for Oracle<'_> {
    fn reply<'b>(&'b mut self, _user: &'b str) -> Reply<'b> {
        let turn = self.answer();
        Box::pin(std::future::ready(Ok(turn)))
    }
}

/// A system that apologizes to everything.
#[derive(Debug, Clone, Default)]
pub struct Sorry;

impl System for Sorry {
    fn reply<'b>(&'b mut self, _user: &'b str) -> Reply<'b> {
        let text = "Sorry, I can't help with that.".to_string();
        Box::pin(std::future::ready(Ok(SystemTurn {
            delex: text.clone(),
            text,
            ..SystemTurn::default()
        })))
    }
}
