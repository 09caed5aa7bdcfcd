//! Fresh goals of the MultiWOZ shape: the structure of a goal (its domains in
//! order, which constraints, which requests, the booking details) is drawn
//! from the val split's goals, and the constraint values from a database
//! record, so that every generated goal can be met. Train times are set
//! around the chosen train's; a taxi's places are venues from the database.
//! A `fail_info` (when the drawn structure has one) changes one constraint to
//! a value that finds nothing. Same seed, same goals.

use multiwoz::Domain;
use multiwoz::db::{Database, Entity};

use crate::attr::Attr;
use crate::goal::{DomainGoal, Goal, db_meets};
use crate::rng::Rng;

/// Draws goals from the val goals' structure and the database.
pub struct Generator<'a> {
    shapes: Vec<Goal>,
    db: &'a Database,
}

impl<'a> Generator<'a> {
    /// A generator over `shapes` (the val split's goals) and `db`.
    pub fn new(shapes: Vec<Goal>, db: &'a Database) -> Generator<'a> {
        Generator { shapes, db }
    }

    /// `count` goals for `seed`, named `gen-<seed>-<n>`.
    pub fn generate(&self, seed: u64, count: usize) -> Vec<Goal> {
        (0..count).map(|n| self.one(seed, n)).collect()
    }

    /// The `n`-th goal of `seed`.
    pub fn one(&self, seed: u64, n: usize) -> Goal {
        let id = format!("gen-{seed}-{n}");
        let mut rng = Rng::derive(seed, &id);
        let Some(shape) = rng.pick(&self.shapes).cloned() else {
            return Goal {
                id,
                domains: Vec::new(),
            };
        };
        let mut domains: Vec<(Domain, DomainGoal)> = Vec::new();
        for (d, g) in &shape.domains {
            let filled = self.fill(*d, g, &domains, &mut rng);
            domains.push((*d, filled));
        }
        Goal { id, domains }
    }

    fn fill(
        &self,
        domain: Domain,
        shape: &DomainGoal,
        before: &[(Domain, DomainGoal)],
        rng: &mut Rng,
    ) -> DomainGoal {
        let mut goal = DomainGoal {
            info: Vec::new(),
            fail_info: Vec::new(),
            book: shape.book.clone(),
            fail_book: Vec::new(),
            reqt: shape.reqt.clone(),
        };
        match domain {
            Domain::Taxi => {
                for (a, _) in &shape.info {
                    let v = match a {
                        Attr::LeaveAt | Attr::ArriveBy => {
                            let m = 7 * 60 + 15 * rng.below(60);
                            format!("{:02}:{:02}", m / 60, m % 60)
                        }
                        Attr::Departure | Attr::Destination => self.place(before, rng),
                        _ => continue,
                    };
                    goal.info.push((*a, v));
                }
            }
            Domain::Police => {}
            _ => {
                let entities = self.db.entities(domain);
                for _ in 0..20 {
                    let Some(e) = rng.pick(entities) else { break };
                    let info = info_from(e, shape, rng);
                    if !domain.has_venues() || db_meets(self.db, domain, &info) {
                        goal.info = info;
                        break;
                    }
                }
                if !shape.fail_info.is_empty() {
                    goal.fail_info = self.failing(domain, &goal.info, rng).unwrap_or_default();
                }
            }
        }
        goal
    }

    /// A venue name for a taxi's end.
    fn place(&self, before: &[(Domain, DomainGoal)], rng: &mut Rng) -> String {
        let named: Vec<&str> = before
            .iter()
            .filter_map(|(_, g)| g.info_value(Attr::Name))
            .collect();
        if let Some(n) = rng.pick(&named).filter(|_| rng.chance(0.5)) {
            return n.to_string();
        }
        let d = [Domain::Attraction, Domain::Restaurant, Domain::Hotel][rng.below(3)];
        rng.pick(self.db.entities(d))
            .map(|e| e.name().to_lowercase())
            .unwrap_or_else(|| "the train station".into())
    }

    /// `info` with one constraint changed so that nothing matches.
    fn failing(
        &self,
        domain: Domain,
        info: &[(Attr, String)],
        rng: &mut Rng,
    ) -> Option<Vec<(Attr, String)>> {
        let slots: Vec<Attr> = info
            .iter()
            .map(|(a, _)| *a)
            .filter(|a| {
                matches!(
                    a,
                    Attr::Area | Attr::Food | Attr::PriceRange | Attr::Type | Attr::Stars
                )
            })
            .collect();
        for _ in 0..20 {
            let slot = *rng.pick(&slots)?;
            let field = slot.db_field()?;
            let values: Vec<String> = self
                .db
                .entities(domain)
                .iter()
                .filter_map(|e| e.get(field).map(str::to_lowercase))
                .collect();
            let v = rng.pick(&values)?.clone();
            let mut fail = info.to_vec();
            for (a, x) in &mut fail {
                if *a == slot {
                    *x = v.clone();
                }
            }
            if fail != info && !db_meets(self.db, domain, &fail) {
                return Some(fail);
            }
        }
        None
    }
}

/// The shape's constraints with the record's values (times around a train's).
fn info_from(e: &Entity, shape: &DomainGoal, rng: &mut Rng) -> Vec<(Attr, String)> {
    let mut out = Vec::new();
    for (a, _) in &shape.info {
        let Some(field) = a.db_field() else { continue };
        let Some(v) = e.get(field) else { continue };
        let v = v.to_lowercase();
        let v = match a {
            Attr::LeaveAt => shift(&v, -(15 * rng.below(4) as i64), 15, false),
            Attr::ArriveBy => shift(&v, 15 * rng.below(4) as i64, 15, true),
            _ => Some(v),
        };
        if let Some(v) = v {
            out.push((*a, v));
        }
    }
    out
}

/// `HH:MM` moved by `delta` minutes and rounded to `step` (down, or up).
fn shift(t: &str, delta: i64, step: i64, up: bool) -> Option<String> {
    let m = crate::policy::minutes(t)? as i64 + delta;
    let m = if up {
        (m + step - 1) / step * step
    } else {
        m / step * step
    };
    let m = m.clamp(0, 23 * 60 + 45);
    Some(format!("{:02}:{:02}", m / 60, m % 60))
}
