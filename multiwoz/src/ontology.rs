//! The closed sets of MultiWOZ: domains and (normalized) slots.
//!
//! Slot names follow the standard evaluator's normalized ontology: `arriveBy` is
//! [`Slot::Arrive`], `leaveAt` is [`Slot::Leave`], booking slots carry a `book` prefix
//! (`bookday`, `bookpeople`, `bookstay`, `booktime`), and `price range` is `pricerange`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A MultiWOZ service domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Domain {
    /// Restaurants in Cambridge.
    Restaurant,
    /// Hotels and guesthouses.
    Hotel,
    /// Museums, colleges, parks and other attractions.
    Attraction,
    /// Trains to and from Cambridge.
    Train,
    /// Taxi bookings.
    Taxi,
    /// Addenbrookes hospital departments.
    Hospital,
    /// The Parkside police station.
    Police,
}

impl Domain {
    /// Every domain, in a fixed order.
    pub const ALL: [Domain; 7] = [
        Domain::Restaurant,
        Domain::Hotel,
        Domain::Attraction,
        Domain::Train,
        Domain::Taxi,
        Domain::Hospital,
        Domain::Police,
    ];

    /// The lower-case name used in data files and by the standard evaluator.
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Restaurant => "restaurant",
            Domain::Hotel => "hotel",
            Domain::Attraction => "attraction",
            Domain::Train => "train",
            Domain::Taxi => "taxi",
            Domain::Hospital => "hospital",
            Domain::Police => "police",
        }
    }

    /// Whether the domain has venues that the evaluator matches against a database.
    pub fn has_venues(self) -> bool {
        matches!(
            self,
            Domain::Restaurant | Domain::Hotel | Domain::Attraction | Domain::Train
        )
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a domain name outside the ontology.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown domain `{0}` (expected one of restaurant, hotel, attraction, train, taxi, hospital, police)"
)]
pub struct UnknownDomain(pub String);

impl FromStr for Domain {
    type Err = UnknownDomain;

    /// Parses a domain name case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Domain::ALL
            .into_iter()
            .find(|d| d.as_str() == lower)
            .ok_or_else(|| UnknownDomain(s.to_string()))
    }
}

impl Serialize for Domain {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Domain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A belief-state slot, named as the standard evaluator normalizes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Slot {
    /// Part of town: centre, north, south, east, west.
    Area,
    /// Venue name.
    Name,
    /// Venue type (hotel/guesthouse, museum, college, …).
    Type,
    /// Restaurant cuisine.
    Food,
    /// cheap, moderate, expensive.
    PriceRange,
    /// Hotel star rating.
    Stars,
    /// Hotel parking (yes/no).
    Parking,
    /// Hotel internet (yes/no).
    Internet,
    /// Train travel day.
    Day,
    /// Train or taxi departure place.
    Departure,
    /// Train or taxi destination.
    Destination,
    /// Arrive-by time (`arriveBy`).
    Arrive,
    /// Leave-at time (`leaveAt`).
    Leave,
    /// Hospital department.
    Department,
    /// Booking day.
    BookDay,
    /// Number of people to book for.
    BookPeople,
    /// Number of nights (hotel).
    BookStay,
    /// Booking time (restaurant).
    BookTime,
}

impl Slot {
    /// Every slot, in a fixed order.
    pub const ALL: [Slot; 18] = [
        Slot::Area,
        Slot::Name,
        Slot::Type,
        Slot::Food,
        Slot::PriceRange,
        Slot::Stars,
        Slot::Parking,
        Slot::Internet,
        Slot::Day,
        Slot::Departure,
        Slot::Destination,
        Slot::Arrive,
        Slot::Leave,
        Slot::Department,
        Slot::BookDay,
        Slot::BookPeople,
        Slot::BookStay,
        Slot::BookTime,
    ];

    /// The normalized name, as in the evaluator's gold states.
    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Area => "area",
            Slot::Name => "name",
            Slot::Type => "type",
            Slot::Food => "food",
            Slot::PriceRange => "pricerange",
            Slot::Stars => "stars",
            Slot::Parking => "parking",
            Slot::Internet => "internet",
            Slot::Day => "day",
            Slot::Departure => "departure",
            Slot::Destination => "destination",
            Slot::Arrive => "arrive",
            Slot::Leave => "leave",
            Slot::Department => "department",
            Slot::BookDay => "bookday",
            Slot::BookPeople => "bookpeople",
            Slot::BookStay => "bookstay",
            Slot::BookTime => "booktime",
        }
    }

    /// Whether this is a booking slot (ignored by database queries).
    pub fn is_book(self) -> bool {
        matches!(
            self,
            Slot::BookDay | Slot::BookPeople | Slot::BookStay | Slot::BookTime
        )
    }

    /// Parses a slot name in any of the spellings found in MultiWOZ files
    /// (`arriveBy`, `leaveAt`, `price range`, `book day`, …).
    pub fn parse_loose(name: &str) -> Option<Slot> {
        let n: String = name
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        let n = match n.as_str() {
            "arriveby" => "arrive",
            "leaveat" => "leave",
            "price" => "pricerange",
            other => other,
        };
        Slot::ALL.into_iter().find(|s| s.as_str() == n)
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a slot name outside the ontology.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown slot `{0}`")]
pub struct UnknownSlot(pub String);

impl FromStr for Slot {
    type Err = UnknownSlot;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Slot::parse_loose(s).ok_or_else(|| UnknownSlot(s.to_string()))
    }
}

impl Serialize for Slot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Slot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names_round_trip() {
        for d in Domain::ALL {
            assert_eq!(d.as_str().parse::<Domain>(), Ok(d));
        }
        assert_eq!("Restaurant".parse::<Domain>(), Ok(Domain::Restaurant));
        assert!("bus".parse::<Domain>().is_err());
    }

    #[test]
    fn slot_spellings_normalize() {
        assert_eq!(Slot::parse_loose("arriveBy"), Some(Slot::Arrive));
        assert_eq!(Slot::parse_loose("leaveAt"), Some(Slot::Leave));
        assert_eq!(Slot::parse_loose("price range"), Some(Slot::PriceRange));
        assert_eq!(Slot::parse_loose("book day"), Some(Slot::BookDay));
        assert_eq!(Slot::parse_loose("colour"), None);
        for s in Slot::ALL {
            assert_eq!(s.as_str().parse::<Slot>(), Ok(s));
        }
    }
}
