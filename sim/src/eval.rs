//! Scoring one simulated dialog with the definitions of ConvLab's
//! `MultiWozEvaluator` (convlab 3.0.1) and its analyzer.
//!
//! * **Book rate** (per domain whose goal books and has constraints): 0 if
//!   nothing was booked; 1 for a taxi; else the share of the goal's `info`
//!   constraints the booked record meets (departure and destination not
//!   counted; a leave-at time met by leaving at or after it, an arrive-by time
//!   by arriving at or before it). The dialog's book rate is the mean.
//! * **Inform** (over all domains): true positives are the goal's `reqt`
//!   attributes the system informed (with a well-formed value), false
//!   negatives those it did not; false positives are ill-formed values and
//!   the informed attributes that are neither requested nor constraints among
//!   those ConvLab counts (area, type, phone, food, internet, parking, stars).
//!   A booking reference counts for Book, never for Inform.
//! * **Goal match** (per goal domain): some database record must meet the
//!   `info` constraints and the values the system told for `reqt`, and a
//!   booked record must be one of those records.
//! * **Book constraints** (strict success): the state the system held when it
//!   booked must carry the goal's booking details (the `fail_book` ones also
//!   count, since a booking the system made with them is one the user asked for).
//! * **Success**: book rate 1 (or no booking) and inform recall 1 (or nothing
//!   requested), not both absent, with every domain matched and the booking
//!   details right. **Complete** (the user's view, as ConvLab's analyzer
//!   reports it): every requested attribute told and every booking made.
//! * **Turns**: user plus system utterances (ConvLab counts two per exchange).

use std::collections::{BTreeMap, BTreeSet};

use multiwoz::Domain;
use multiwoz::db::Database;
use serde::{Deserialize, Serialize};

use crate::acts::{Act, Intent};
use crate::attr::Attr;
use crate::goal::{Goal, lookup};
use crate::policy::minutes;
use crate::system::{Record, State};

/// What the evaluator needs of one system turn.
#[derive(Debug, Clone, Copy)]
pub struct ScoredTurn<'a> {
    /// The acts read from the turn.
    pub acts: &'a [Act],
    /// The state the system held.
    pub state: &'a State,
    /// The record it filled the reply from.
    pub record: Option<&'a Record>,
}

/// The figures of one dialog (fractions in 0..=1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DialogScore {
    /// Every requested attribute told and every booking made.
    pub complete: bool,
    /// ConvLab's strict task success.
    pub success: bool,
    /// Mean book rate over the booking domains, if any.
    pub book_rate: Option<f64>,
    /// Inform precision, recall and F1 (absent when nothing was requested).
    pub inform: Option<[f64; 3]>,
    /// Inform true positives, false positives, false negatives.
    pub inform_counts: [usize; 3],
    /// The share of goal domains whose goal the database can meet as told.
    pub goal_match: f64,
    /// Utterances (user and system).
    pub turns: usize,
    /// Per goal domain.
    pub domains: BTreeMap<Domain, DomainScore>,
}

/// The figures of one goal domain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DomainScore {
    /// ConvLab's per-domain success.
    pub success: bool,
    /// Book rate, if the domain books.
    pub book_rate: Option<f64>,
    /// Inform recall, if anything was requested.
    pub inform_recall: Option<f64>,
}

/// What was booked in one domain.
struct Booking<'a> {
    record: Option<&'a Record>,
    state: Option<&'a BTreeMap<multiwoz::Slot, String>>,
}

/// Scores a dialog: `user_turns` is how many times the user spoke.
pub fn score(
    goal: &Goal,
    turns: &[ScoredTurn<'_>],
    user_turns: usize,
    db: &Database,
) -> DialogScore {
    // The first booking per domain, with the record and state behind it.
    let mut booked: BTreeMap<Domain, Booking<'_>> = BTreeMap::new();
    let mut informed: BTreeMap<Domain, BTreeMap<Attr, String>> = BTreeMap::new();
    let mut bad: usize = 0;
    for t in turns {
        for a in t.acts {
            let Some(d) = a.domain else { continue };
            match a.intent {
                Intent::Book if !booked.contains_key(&d) => {
                    let record = t.record.filter(|_| d != Domain::Taxi);
                    if d == Domain::Taxi || record.is_some() {
                        booked.insert(
                            d,
                            Booking {
                                record,
                                state: t.state.get(&d),
                            },
                        );
                    }
                }
                Intent::Inform | Intent::Recommend | Intent::OfferBook => {
                    let Some(slot) = a.slot else { continue };
                    if slot == Attr::Reference || slot == Attr::Choice || a.value.trim().is_empty()
                    {
                        continue;
                    }
                    if well_formed(d, slot, &a.value) {
                        informed
                            .entry(d)
                            .or_default()
                            .entry(slot)
                            .or_insert_with(|| a.value.clone());
                    } else {
                        bad += 1;
                    }
                }
                _ => {}
            }
        }
    }

    let mut out = DialogScore {
        turns: 2 * user_turns,
        ..DialogScore::default()
    };
    let (mut tp, mut fp, mut fn_) = (0usize, bad, 0usize);
    for d in Domain::ALL {
        let said = informed.get(&d);
        let g = goal.domain(d);
        let reqt: BTreeSet<Attr> = g
            .map(|g| g.reqt.iter().copied().collect())
            .unwrap_or_default();
        let info: BTreeSet<Attr> = g
            .map(|g| g.info.iter().map(|(a, _)| *a).collect())
            .unwrap_or_default();
        for a in &reqt {
            if said.is_some_and(|s| s.contains_key(a)) {
                tp += 1;
            } else {
                fn_ += 1;
            }
        }
        for a in said.into_iter().flat_map(|s| s.keys()) {
            if !reqt.contains(a) && !info.contains(a) && counts_as_unrequested(d, *a) {
                fp += 1;
            }
        }
    }
    out.inform_counts = [tp, fp, fn_];
    out.inform = prf(tp, fp, fn_);

    let mut book_scores = Vec::new();
    let mut constraint_scores = Vec::new();
    let mut matched = 0usize;
    let mut complete = true;
    for (d, g) in &goal.domains {
        let b = booked.get(d);
        let book_rate = book_rate(*d, g, b);
        if let Some(r) = book_rate {
            book_scores.push(r);
        }
        let constraints = book_constraints(*d, g, b);
        if let Some(c) = constraints {
            constraint_scores.push(c);
        }
        let said = informed.get(d);
        let m = goal_match(db, *d, g, said, b);
        if m {
            matched += 1;
        }
        let told = g
            .reqt
            .iter()
            .filter(|a| said.is_some_and(|s| s.contains_key(a)))
            .count();
        if told < g.reqt.len() || (g.wants_booking() && b.is_none()) {
            complete = false;
        }
        let recall = (!g.reqt.is_empty()).then(|| told as f64 / g.reqt.len() as f64);
        let ok = succeeded(book_rate, recall) && m && constraints.is_none_or(|c| c == 1.0);
        out.domains.insert(
            *d,
            DomainScore {
                success: ok,
                book_rate,
                inform_recall: recall,
            },
        );
    }
    out.book_rate = mean(&book_scores);
    out.goal_match = if goal.domains.is_empty() {
        1.0
    } else {
        matched as f64 / goal.domains.len() as f64
    };
    let recall = out.inform.map(|i| i[1]);
    let constraints = mean(&constraint_scores);
    out.success = succeeded(out.book_rate, recall)
        && out.goal_match == 1.0
        && constraints.is_none_or(|c| c == 1.0);
    out.complete = complete;
    out
}

/// ConvLab's success test on book rate and inform recall.
fn succeeded(book: Option<f64>, recall: Option<f64>) -> bool {
    matches!(
        (book, recall),
        (Some(b), Some(r)) if b == 1.0 && r == 1.0
    ) || matches!((book, recall), (Some(b), None) if b == 1.0)
        || matches!((book, recall), (None, Some(r)) if r == 1.0)
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Precision, recall and F1 as ConvLab computes them (no recall without a
/// request; precision 0 when nothing was informed).
fn prf(tp: usize, fp: usize, fn_: usize) -> Option<[f64; 3]> {
    if tp + fn_ == 0 {
        return None;
    }
    let rec = tp as f64 / (tp + fn_) as f64;
    if tp + fp == 0 {
        return Some([0.0, rec, 0.0]);
    }
    let prec = tp as f64 / (tp + fp) as f64;
    let f1 = if prec + rec == 0.0 {
        0.0
    } else {
        2.0 * prec * rec / (prec + rec)
    };
    Some([prec, rec, f1])
}

/// The attributes ConvLab's evaluator counts as unrequested informs.
fn counts_as_unrequested(domain: Domain, attr: Attr) -> bool {
    let requestable: &[Attr] = match domain {
        Domain::Attraction => &[Attr::Phone, Attr::Area, Attr::Type],
        Domain::Restaurant => &[Attr::Phone, Attr::Area, Attr::Food],
        Domain::Hotel => &[
            Attr::Phone,
            Attr::Internet,
            Attr::Parking,
            Attr::Area,
            Attr::Type,
            Attr::Stars,
        ],
        Domain::Taxi | Domain::Hospital | Domain::Police => &[Attr::Phone],
        _ => &[],
    };
    requestable.contains(&attr)
}

/// Whether an informed value has the form of its attribute.
fn well_formed(domain: Domain, attr: Attr, value: &str) -> bool {
    let v = value.trim().to_lowercase();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match attr {
        Attr::Area => ["centre", "east", "south", "west", "north"].contains(&v.as_str()),
        Attr::ArriveBy | Attr::LeaveAt => minutes(&v).is_some() && v.len() == 5,
        Attr::Day => [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ]
        .contains(&v.as_str()),
        Attr::Duration => v.contains("minute"),
        Attr::Internet | Attr::Parking => ["yes", "no", "none", "free"].contains(&v.as_str()),
        Attr::Phone => domain == Domain::Restaurant || (v.len() == 11 && digits(&v)),
        Attr::Price => v.contains("pound"),
        Attr::PriceRange => {
            ["cheap", "expensive", "moderate", "free"].contains(&v.as_str())
                || domain == Domain::Attraction
        }
        Attr::Postcode => {
            v == "pe296fl" || {
                let rest = v.strip_prefix("cb").unwrap_or("");
                let n = rest.chars().take_while(char::is_ascii_digit).count();
                let tail = &rest[n..];
                (1..=3).contains(&n)
                    && (2..=3).contains(&tail.len())
                    && tail.chars().all(|c| c.is_ascii_lowercase())
            }
        }
        Attr::Stars => v.len() == 1 && digits(&v),
        Attr::TrainId => v.starts_with("tr") && v.len() == 6 && digits(&v[2..]),
        _ => true,
    }
}

/// ConvLab's book rate of one domain.
fn book_rate(
    domain: Domain,
    goal: &crate::goal::DomainGoal,
    booked: Option<&Booking<'_>>,
) -> Option<f64> {
    if !goal.wants_booking() || goal.info.is_empty() {
        return None;
    }
    let Some(b) = booked else { return Some(0.0) };
    if domain == Domain::Taxi {
        return Some(1.0);
    }
    let record = b.record?;
    let mut total = goal.info.len();
    let mut hit = 0usize;
    for (attr, want) in &goal.info {
        let field = attr.db_field().unwrap_or(attr.as_str());
        let got = record.get(field).unwrap_or("").trim().to_lowercase();
        match attr {
            Attr::Departure | Attr::Destination => total -= 1,
            Attr::LeaveAt => match (minutes(want), minutes(&got)) {
                (Some(w), Some(g)) if w <= g => hit += 1,
                (Some(_), Some(_)) => {}
                _ => hit += 1,
            },
            Attr::ArriveBy => match (minutes(want), minutes(&got)) {
                (Some(w), Some(g)) if w >= g => hit += 1,
                (Some(_), Some(_)) => {}
                _ => hit += 1,
            },
            _ if want.trim() == got => hit += 1,
            _ => {}
        }
    }
    (total != 0).then(|| hit as f64 / total as f64)
}

/// ConvLab's booking-constraint check of one domain.
fn book_constraints(
    domain: Domain,
    goal: &crate::goal::DomainGoal,
    booked: Option<&Booking<'_>>,
) -> Option<f64> {
    if domain == Domain::Taxi || !goal.wants_booking() {
        return None;
    }
    let Some(state) = booked.and_then(|b| b.state) else {
        return Some(0.0);
    };
    if !state.keys().any(|s| s.is_book()) {
        return Some(1.0);
    }
    let hit = goal
        .book
        .iter()
        .filter(|(attr, want)| {
            let held = attr
                .state_slot()
                .and_then(|s| state.get(&s))
                .map(|v| v.trim().to_lowercase());
            let alt = lookup(&goal.fail_book, *attr);
            held.as_deref() == Some(want.as_str()) || (alt.is_some() && held.as_deref() == alt)
        })
        .count();
    Some(hit as f64 / goal.book.len() as f64)
}

/// How a system tells a value the database does not have.
const UNKNOWN: &[&str] = &["?", "unknown", "not known", "not listed", "not available"];

/// Whether the database meets the domain's goal as the system told it.
fn goal_match(
    db: &Database,
    domain: Domain,
    goal: &crate::goal::DomainGoal,
    said: Option<&BTreeMap<Attr, String>>,
    booked: Option<&Booking<'_>>,
) -> bool {
    if !domain.has_venues() {
        return true;
    }
    let constraints: Vec<(&str, &str)> = goal
        .info
        .iter()
        .filter_map(|(a, v)| Some((a.state_slot()?.as_str(), v.as_str())))
        .collect();
    let found = db.query(domain, constraints);
    let fits = |e: &multiwoz::db::EntityRef<'_>| {
        goal.reqt.iter().all(|a| {
            let Some(told) = said.and_then(|s| s.get(a)) else {
                return true;
            };
            match a.db_field().and_then(|f| e.get(f)) {
                Some(v) => {
                    let (v, t) = (v.trim().to_lowercase(), told.trim().to_lowercase());
                    // The database's "?" (a value nobody recorded) is told
                    // truthfully as unknown ("unknown", "an unknown entrance fee").
                    let unknown = v == "?"
                        && UNKNOWN
                            .iter()
                            .any(|u| t == *u || (u.len() > 1 && t.contains(u)));
                    unknown || v == t || v.contains(&t) || t.contains(&v)
                }
                None => true,
            }
        })
    };
    let candidates: Vec<&str> = found.iter().filter(|e| fits(e)).map(|e| e.id()).collect();
    if candidates.is_empty() {
        return false;
    }
    match booked.and_then(|b| b.record) {
        Some(r) if goal.wants_booking() => candidates.contains(&r.id.as_str()),
        _ => true,
    }
}
