//! User goals: what a simulated customer wants, domain by domain, in the shape
//! of the MultiWOZ goals (`info`, `fail_info`, `book`, `fail_book`, `reqt`).

use multiwoz::Domain;
use multiwoz::db::Database;
use multiwoz::model::{Dialog, UserGoal};
use serde::{Deserialize, Serialize};

use crate::attr::Attr;

/// One domain of a goal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainGoal {
    /// The constraints the user finally holds (`info`).
    pub info: Vec<(Attr, String)>,
    /// Constraints tried first, which find nothing in the database (`fail_info`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fail_info: Vec<(Attr, String)>,
    /// Booking details (`book`): people, day, stay, time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub book: Vec<(Attr, String)>,
    /// Booking details tried first, which the system may fail to book (`fail_book`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fail_book: Vec<(Attr, String)>,
    /// What the user wants to be told (`reqt`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reqt: Vec<Attr>,
}

impl DomainGoal {
    /// Whether the user wants a booking in this domain.
    pub fn wants_booking(&self) -> bool {
        !self.book.is_empty()
    }

    /// The final value of an `info` constraint.
    pub fn info_value(&self, attr: Attr) -> Option<&str> {
        lookup(&self.info, attr)
    }

    /// The final value of a booking detail.
    pub fn book_value(&self, attr: Attr) -> Option<&str> {
        lookup(&self.book, attr)
    }
}

/// Whether some record of `domain` meets the constraints.
pub(crate) fn db_meets(db: &Database, domain: Domain, info: &[(Attr, String)]) -> bool {
    let c: Vec<(&str, &str)> = info
        .iter()
        .filter_map(|(a, v)| Some((a.state_slot()?.as_str(), v.as_str())))
        .collect();
    !db.query(domain, c).is_empty()
}

/// The value of `attr` in a list of pairs.
pub(crate) fn lookup(pairs: &[(Attr, String)], attr: Attr) -> Option<&str> {
    pairs
        .iter()
        .find(|(a, _)| *a == attr)
        .map(|(_, v)| v.as_str())
}

/// A whole goal: the domains in the order the user pursues them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// The corpus dialog id, or `gen-<seed>-<n>` for generated goals.
    pub id: String,
    /// The domains, in order.
    pub domains: Vec<(Domain, DomainGoal)>,
}

impl Goal {
    /// The goal as it can be played against this database: a `fail_info` that
    /// some record meets is dropped.
    ///
    /// A corpus goal's `fail_info` is a first request that found nothing when
    /// the dialog was collected; many no longer fail against the released
    /// database, and the goal's message often never mentions them (the corpus
    /// customer asked for the `info` constraints straight away). A user who
    /// tried them would be offered a venue outside its real goal and accept it,
    /// so the dialog would fail through no fault of the system.
    pub fn settle(mut self, db: &Database) -> Goal {
        for (domain, g) in &mut self.domains {
            if domain.has_venues() && !g.fail_info.is_empty() && db_meets(db, *domain, &g.fail_info)
            {
                g.fail_info.clear();
            }
        }
        self
    }

    /// The goal of one domain.
    pub fn domain(&self, domain: Domain) -> Option<&DomainGoal> {
        self.domains
            .iter()
            .find(|(d, _)| *d == domain)
            .map(|(_, g)| g)
    }

    /// Whether the goal involves `domain`.
    pub fn has(&self, domain: Domain) -> bool {
        self.domain(domain).is_some()
    }

    /// Whether the goal asks for any booking.
    pub fn wants_booking(&self) -> bool {
        self.domains.iter().any(|(_, g)| g.wants_booking())
    }

    /// The goal of a corpus dialog, from the ConvLab-2 files' `goal` field.
    /// Slots outside the ontology are skipped; `None` when the dialog has no goal
    /// or the goal has no domain.
    pub fn from_dialog(dialog: &Dialog) -> Option<Goal> {
        let user = dialog.goal.as_ref()?;
        let goal = Goal::from_user_goal(&dialog.id, user);
        (!goal.domains.is_empty()).then_some(goal)
    }

    /// Converts a MultiWOZ user goal.
    pub fn from_user_goal(id: &str, user: &UserGoal) -> Goal {
        let info = |m: &indexmap::IndexMap<String, String>| -> Vec<(Attr, String)> {
            m.iter()
                .filter_map(|(k, v)| Some((Attr::from_info_key(k)?, clean(v))))
                .collect()
        };
        let book = |m: &indexmap::IndexMap<String, String>| -> Vec<(Attr, String)> {
            m.iter()
                .filter_map(|(k, v)| Some((Attr::from_book_key(k)?, clean(v))))
                .collect()
        };
        let domains: Vec<(Domain, DomainGoal)> = user
            .domains
            .iter()
            .map(|(d, g)| {
                let reqt = g
                    .reqt
                    .iter()
                    .filter_map(|r| r.parse::<Attr>().ok())
                    .filter(|a| *a != Attr::Reference)
                    .collect();
                (
                    *d,
                    DomainGoal {
                        info: info(&g.info),
                        fail_info: info(&g.fail_info),
                        book: book(&g.book),
                        fail_book: book(&g.fail_book),
                        reqt,
                    },
                )
            })
            .collect();
        let mut domains: Vec<(Domain, DomainGoal)> = domains;
        // The files list domains in a fixed key order, not the order the
        // customer pursued them; a taxi connects the places of the other
        // domains, so it comes after them (as ConvLab's goal ordering has it).
        domains.sort_by_key(|(d, _)| *d == Domain::Taxi);
        Goal {
            id: id.to_string(),
            domains,
        }
    }
}

/// Goal values as the user says them: trimmed, lower case.
fn clean(v: &str) -> String {
    v.trim().to_lowercase()
}

/// The goals of `dialogs`, in order, skipping dialogs without one.
pub fn goals_of(dialogs: &[Dialog]) -> Vec<Goal> {
    dialogs.iter().filter_map(Goal::from_dialog).collect()
}
