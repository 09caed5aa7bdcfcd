//! A goal as natural-language instructions, in the manner of the task
//! description MultiWOZ showed its crowd workers ("You are looking for a place
//! to stay. The hotel should be in the cheap price range …"), for a model that
//! plays the customer.
//!
//! Every value of the goal appears verbatim (lower case, as the goal holds
//! it), so the model can repeat it exactly; the order of domains is the
//! order the customer pursues them. `fail_info` and `fail_book` become "if
//! there is none / if the booking fails, try instead" sentences, and the
//! requested attributes a "make sure you get" sentence.

use multiwoz::Domain;

use crate::attr::Attr;
use crate::goal::{DomainGoal, Goal};

/// The instructions for `goal`: one paragraph per domain, in order.
pub fn describe(goal: &Goal) -> String {
    goal.domains
        .iter()
        .map(|(d, g)| describe_domain(*d, g))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paragraph of one domain.
fn describe_domain(domain: Domain, g: &DomainGoal) -> String {
    let mut out = vec![opening(domain, g)];
    if !g.fail_info.is_empty() {
        out.push(format!(
            "First ask for one that {}.",
            constraints(&g.fail_info)
        ));
        out.push(format!(
            "If there is no such {domain}, you want one that {} instead.",
            constraints(&g.info)
        ));
    } else if !g.info.is_empty() {
        out.push(format!(
            "The {domain} should be one that {}.",
            constraints(&g.info)
        ));
    }
    if g.wants_booking() {
        // The first try: `book` with what `fail_book` changes.
        let mut first = g.book.clone();
        for (a, v) in &g.fail_book {
            match first.iter_mut().find(|(b, _)| b == a) {
                Some(slot) => slot.1 = v.clone(),
                None => first.push((*a, v.clone())),
            }
        }
        out.push(format!(
            "Once you find it, book it {}.",
            booking(domain, &first)
        ));
        if !g.fail_book.is_empty() {
            out.push(format!(
                "If the booking fails, try {} instead.",
                booking(domain, &g.book)
            ));
        }
        out.push("Make sure you get the booking reference number.".to_string());
    }
    if !g.reqt.is_empty() {
        let asked: Vec<&str> = g.reqt.iter().map(|a| attr_words(*a)).collect();
        out.push(format!("Make sure you get the {}.", list(&asked)));
    }
    out.join(" ")
}

/// The first sentence of a domain: what the customer is after.
fn opening(domain: Domain, g: &DomainGoal) -> String {
    let named = g.info.iter().any(|(a, _)| *a == Attr::Name);
    match domain {
        Domain::Restaurant if named => "You are looking for a particular restaurant.".into(),
        Domain::Restaurant => "You are looking for a place to dine.".into(),
        Domain::Hotel if named => "You are looking for a particular hotel.".into(),
        Domain::Hotel => "You are looking for a place to stay.".into(),
        Domain::Attraction if named => "You are looking for a particular attraction.".into(),
        Domain::Attraction => "You are looking for places to go in town.".into(),
        Domain::Train => "You are looking for a train.".into(),
        Domain::Taxi => "You also want to book a taxi.".into(),
        Domain::Hospital => "You are looking for a hospital in town.".into(),
        Domain::Police => "You are looking for the police station.".into(),
        other => format!("You are looking for a {other}."),
    }
}

/// `is called X, serves Y food and is in the Z area`.
fn constraints(pairs: &[(Attr, String)]) -> String {
    let parts: Vec<String> = pairs.iter().map(|(a, v)| constraint(*a, v)).collect();
    list(&parts.iter().map(String::as_str).collect::<Vec<_>>())
}

fn constraint(attr: Attr, v: &str) -> String {
    if v == "dontcare" {
        return format!("may have any {}", attr_words(attr));
    }
    match attr {
        Attr::Name => format!("is called {v}"),
        Attr::Area => format!("is in the {v} area"),
        Attr::Type => format!("is of the type {v}"),
        Attr::Food => format!("serves {v} food"),
        Attr::PriceRange => format!("is in the {v} price range"),
        Attr::Stars => format!("has {v} stars"),
        Attr::Parking if v == "no" => "does not need to have free parking".into(),
        Attr::Parking => "includes free parking".into(),
        Attr::Internet if v == "no" => "does not need to have free wifi".into(),
        Attr::Internet => "includes free wifi".into(),
        Attr::Day => format!("leaves on {v}"),
        Attr::Departure => format!("departs from {v}"),
        Attr::Destination => format!("goes to {v}"),
        Attr::ArriveBy => format!("arrives by {v}"),
        Attr::LeaveAt => format!("leaves after {v}"),
        Attr::Department => format!("has the {v} department"),
        other => format!("has {} {v}", attr_words(other)),
    }
}

/// `for 3 people and 2 nights starting on tuesday`.
fn booking(domain: Domain, pairs: &[(Attr, String)]) -> String {
    let get = |a: Attr| crate::goal::lookup(pairs, a);
    let mut parts = Vec::new();
    if let Some(n) = get(Attr::BookPeople) {
        parts.push(format!("{n} people"));
    }
    if let Some(n) = get(Attr::BookStay) {
        parts.push(format!("{n} nights"));
    }
    let mut text = match parts.is_empty() {
        true => String::new(),
        false => format!(
            "for {}",
            list(&parts.iter().map(String::as_str).collect::<Vec<_>>())
        ),
    };
    if let Some(day) = get(Attr::BookDay) {
        let word = if domain == Domain::Hotel {
            "starting from"
        } else {
            "on"
        };
        text = format!("{text} {word} {day}").trim().to_string();
    }
    if let Some(time) = get(Attr::BookTime) {
        text = format!("{text} at {time}").trim().to_string();
    }
    text
}

/// How an attribute is named in a sentence.
fn attr_words(a: Attr) -> &'static str {
    match a {
        Attr::PriceRange => "price range",
        Attr::ArriveBy => "arrival time",
        Attr::LeaveAt => "departure time",
        Attr::TrainId => "train ID",
        Attr::Duration => "travel time",
        Attr::Price => "price",
        Attr::CarType => "car type",
        Attr::Reference => "reference number",
        Attr::Phone => "phone number",
        other => other.as_str(),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    fn pairs(v: &[(Attr, &str)]) -> Vec<(Attr, String)> {
        v.iter().map(|(a, s)| (*a, s.to_string())).collect()
    }

    #[test]
    fn every_value_of_the_goal_is_in_the_instructions_in_order() {
        let goal = Goal {
            id: "t".into(),
            domains: vec![
                (
                    Domain::Hotel,
                    DomainGoal {
                        info: pairs(&[(Attr::Area, "north"), (Attr::Internet, "yes")]),
                        fail_info: pairs(&[(Attr::Area, "west")]),
                        book: pairs(&[
                            (Attr::BookPeople, "3"),
                            (Attr::BookStay, "2"),
                            (Attr::BookDay, "tuesday"),
                        ]),
                        fail_book: pairs(&[(Attr::BookStay, "5")]),
                        reqt: vec![],
                    },
                ),
                (
                    Domain::Taxi,
                    DomainGoal {
                        info: pairs(&[(Attr::LeaveAt, "17:15")]),
                        reqt: vec![Attr::CarType, Attr::Phone],
                        ..DomainGoal::default()
                    },
                ),
            ],
        };
        let text = describe(&goal);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("You are looking for a place to stay."));
        assert!(lines[0].contains("First ask for one that is in the west area."));
        assert!(
            lines[0]
                .contains("you want one that is in the north area and includes free wifi instead"),
            "{text}"
        );
        assert!(
            lines[0].contains("book it for 3 people and 5 nights starting from tuesday."),
            "{text}"
        );
        assert!(
            lines[0].contains("try for 3 people and 2 nights starting from tuesday instead"),
            "{text}"
        );
        assert!(lines[0].contains("reference number"));
        assert!(lines[1].contains("leaves after 17:15"));
        assert!(lines[1].contains("Make sure you get the car type and phone number."));
    }
}
