//! Dialog acts in ConvLab's flat form `[intent, domain, slot, value]`, so that
//! other tools can re-score the simulated dialogs.

use multiwoz::Domain;
use serde::{Deserialize, Serialize};

use crate::attr::Attr;

/// What an act does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Intent {
    /// Gives a value.
    Inform,
    /// Asks for a value.
    Request,
    /// The system offers a venue.
    Recommend,
    /// The system found nothing.
    NoOffer,
    /// The system booked (the value is the reference).
    Book,
    /// The system could not book.
    NoBook,
    /// The system offers to book.
    OfferBook,
    /// The system asks whether anything else is needed.
    Reqmore,
    /// Hello.
    Greet,
    /// Thanks.
    Thank,
    /// Goodbye.
    Bye,
}

/// One act. Serialized as ConvLab's `[intent, domain, slot, value]`, with
/// `general` as the domain of social acts and `none` for missing slots and values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Act {
    /// What the act does.
    pub intent: Intent,
    /// The domain, `None` for `general` acts.
    pub domain: Option<Domain>,
    /// The slot, if any.
    pub slot: Option<Attr>,
    /// The value (`?` for requests), empty when there is none.
    pub value: String,
}

impl Act {
    /// An act with a domain, slot and value.
    pub fn new(intent: Intent, domain: Domain, slot: Attr, value: impl Into<String>) -> Act {
        Act {
            intent,
            domain: Some(domain),
            slot: Some(slot),
            value: value.into(),
        }
    }

    /// An act about a domain without a slot (`nooffer`, `nobook`).
    pub fn bare(intent: Intent, domain: Domain) -> Act {
        Act {
            intent,
            domain: Some(domain),
            slot: None,
            value: String::new(),
        }
    }

    /// A `general` act (`thank`, `bye`, `greet`, `reqmore`).
    pub fn general(intent: Intent) -> Act {
        Act {
            intent,
            domain: None,
            slot: None,
            value: String::new(),
        }
    }

    /// The four strings of ConvLab's form.
    pub fn to_tuple(&self) -> [String; 4] {
        let intent = serde_json::to_value(self.intent)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        [
            intent,
            self.domain.map_or("general", Domain::as_str).to_string(),
            self.slot.map_or("none", Attr::as_str).to_string(),
            if self.value.is_empty() {
                "none".to_string()
            } else {
                self.value.clone()
            },
        ]
    }
}

impl Serialize for Act {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_tuple().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Act {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let [intent, domain, slot, value] = <[String; 4]>::deserialize(deserializer)?;
        let intent: Intent =
            serde_json::from_value(serde_json::Value::String(intent)).map_err(D::Error::custom)?;
        let domain = match domain.as_str() {
            "general" => None,
            d => Some(d.parse::<Domain>().map_err(D::Error::custom)?),
        };
        let slot = match slot.as_str() {
            "none" => None,
            s => Some(s.parse::<Attr>().map_err(D::Error::custom)?),
        };
        let value = if value == "none" {
            String::new()
        } else {
            value
        };
        Ok(Act {
            intent,
            domain,
            slot,
            value,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn acts_round_trip_as_convlab_tuples() {
        let acts = vec![
            Act::new(Intent::Inform, Domain::Train, Attr::LeaveAt, "09:15"),
            Act::new(Intent::Request, Domain::Hotel, Attr::Postcode, "?"),
            Act::bare(Intent::NoOffer, Domain::Restaurant),
            Act::general(Intent::Bye),
        ];
        let json = serde_json::to_string(&acts).unwrap();
        assert_eq!(
            json,
            r#"[["inform","train","leaveAt","09:15"],["request","hotel","postcode","?"],["nooffer","restaurant","none","none"],["bye","general","none","none"]]"#
        );
        let back: Vec<Act> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, acts);
    }
}
