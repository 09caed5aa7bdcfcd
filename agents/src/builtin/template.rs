//! The built-in's fixed replies: what it says when the example pool has no
//! reply that does what the plan asks (a request for a detail no human turn
//! asked for, an answer with an unusual set of attributes, a hospital
//! department's phone).

use multiwoz::Domain;

use super::policy::Plan;
use super::pool::Kind;

/// A fixed reply for when the pool has none that fits.
pub fn template(plan: &Plan) -> String {
    let d = plan.domain.as_str();
    match plan.kind {
        Kind::Bye => "Thank you for using our service. Goodbye!".into(),
        Kind::Reqmore => "You are welcome. Is there anything else I can help you with?".into(),
        Kind::NoOffer => format!(
            "I am sorry, I could not find a {d} matching your request. Would you like to try something else?"
        ),
        Kind::NoBook => {
            "I am sorry, that booking was unsuccessful. Would you like to try another day or time?"
                .into()
        }
        Kind::Request | Kind::BookRequest => {
            let what = plan
                .requests
                .first()
                .map_or("details", |r| match r.as_str() {
                    "area" => "area",
                    "price" => "price range",
                    "food" => "type of food",
                    "type" => "type",
                    "stars" => "star rating",
                    "day" => "day",
                    "people" => "number of people",
                    "stay" => "number of nights",
                    "time" => "time",
                    "leave" => "departure time",
                    "arrive" => "arrival time",
                    "depart" => "departure place",
                    "dest" => "destination",
                    _ => "details",
                });
            format!("What {what} would you like?")
        }
        Kind::Book => {
            if plan.domain == Domain::Taxi {
                "Your taxi is booked. It is a [value_car] and the contact number is [value_phone]."
                    .into()
            } else {
                "Booking was successful. Your reference number is [value_reference].".into()
            }
        }
        Kind::Attrs if plan.domain == Domain::Hospital && plan.must.contains("department") => {
            let dept = "The [value_department] department";
            let place = match (
                plan.must.contains("address"),
                plan.must.contains("postcode"),
            ) {
                (true, true) => Some("[value_address], [value_postcode]"),
                (true, false) => Some("[value_address]"),
                (false, true) => Some("postcode [value_postcode]"),
                (false, false) => None,
            };
            match (plan.must.contains("phone"), place) {
                (true, Some(p)) => format!(
                    "{dept} of Addenbrookes Hospital is on [value_phone]; the hospital is at {p}."
                ),
                (false, Some(p)) => format!("{dept} is at Addenbrookes Hospital, {p}."),
                _ => format!("{dept} of Addenbrookes Hospital is on [value_phone]."),
            }
        }
        Kind::Offer | Kind::Attrs => {
            let mut parts = Vec::new();
            let id = if plan.domain == Domain::Train {
                "[value_id]"
            } else {
                "[value_name]"
            };
            let named = ["name", "id"]
                .iter()
                .any(|n| plan.must.contains(*n) || plan.may.contains(*n));
            if plan.kind == Kind::Offer {
                parts.push(format!("I recommend {id}."));
            }
            // An answer names the venue once, in its first sentence.
            let mut subject = (plan.kind != Kind::Offer && named).then_some(id);
            for p in plan
                .must
                .iter()
                .filter(|p| !matches!(p.as_str(), "name" | "id"))
            {
                let who = subject.take();
                match p.as_str() {
                    // Filled as "free parking" / "no internet".
                    "parking" | "internet" => {
                        parts.push(format!("{} has [value_{p}].", who.unwrap_or("It")))
                    }
                    _ => match who {
                        Some(w) => parts.push(format!("The {p} of {w} is [value_{p}].")),
                        None => parts.push(format!("The {p} is [value_{p}].")),
                    },
                }
            }
            if parts.is_empty() {
                parts.push(format!("I recommend {id}."));
            }
            parts.join(" ")
        }
    }
}
