//! [`Attr`]: every slot a simulated user or system may inform or request,
//! named as the user goals of the MultiWOZ files name them.

use std::fmt;
use std::str::FromStr;

use multiwoz::{Domain, Slot};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A slot of a dialog act or a goal: search constraints, booking details and
/// the attributes a user may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Attr {
    /// Venue name.
    Name,
    /// Part of town.
    Area,
    /// Venue type.
    Type,
    /// Restaurant cuisine.
    Food,
    /// cheap / moderate / expensive.
    PriceRange,
    /// Hotel stars.
    Stars,
    /// Hotel parking.
    Parking,
    /// Hotel internet.
    Internet,
    /// Train day.
    Day,
    /// Train or taxi departure.
    Departure,
    /// Train or taxi destination.
    Destination,
    /// Arrive-by time.
    ArriveBy,
    /// Leave-at time.
    LeaveAt,
    /// Hospital department.
    Department,
    /// Booking: day.
    BookDay,
    /// Booking: people.
    BookPeople,
    /// Booking: nights.
    BookStay,
    /// Booking: time.
    BookTime,
    /// Street address.
    Address,
    /// Phone number.
    Phone,
    /// Postcode.
    Postcode,
    /// Attraction entrance fee.
    EntranceFee,
    /// Train id.
    TrainId,
    /// Train journey time.
    Duration,
    /// Train ticket price.
    Price,
    /// Taxi car.
    CarType,
    /// Booking reference.
    Reference,
    /// How many venues match.
    Choice,
}

impl Attr {
    /// Every attribute.
    pub const ALL: [Attr; 28] = [
        Attr::Name,
        Attr::Area,
        Attr::Type,
        Attr::Food,
        Attr::PriceRange,
        Attr::Stars,
        Attr::Parking,
        Attr::Internet,
        Attr::Day,
        Attr::Departure,
        Attr::Destination,
        Attr::ArriveBy,
        Attr::LeaveAt,
        Attr::Department,
        Attr::BookDay,
        Attr::BookPeople,
        Attr::BookStay,
        Attr::BookTime,
        Attr::Address,
        Attr::Phone,
        Attr::Postcode,
        Attr::EntranceFee,
        Attr::TrainId,
        Attr::Duration,
        Attr::Price,
        Attr::CarType,
        Attr::Reference,
        Attr::Choice,
    ];

    /// The name used in goals, acts and database records (`leaveAt`,
    /// `entrance fee`, `car type`; booking slots without their prefix).
    pub fn as_str(self) -> &'static str {
        match self {
            Attr::Name => "name",
            Attr::Area => "area",
            Attr::Type => "type",
            Attr::Food => "food",
            Attr::PriceRange => "pricerange",
            Attr::Stars => "stars",
            Attr::Parking => "parking",
            Attr::Internet => "internet",
            Attr::Day => "day",
            Attr::Departure => "departure",
            Attr::Destination => "destination",
            Attr::ArriveBy => "arriveBy",
            Attr::LeaveAt => "leaveAt",
            Attr::Department => "department",
            Attr::BookDay => "book day",
            Attr::BookPeople => "book people",
            Attr::BookStay => "book stay",
            Attr::BookTime => "book time",
            Attr::Address => "address",
            Attr::Phone => "phone",
            Attr::Postcode => "postcode",
            Attr::EntranceFee => "entrance fee",
            Attr::TrainId => "trainID",
            Attr::Duration => "duration",
            Attr::Price => "price",
            Attr::CarType => "car type",
            Attr::Reference => "ref",
            Attr::Choice => "choice",
        }
    }

    /// The database field that holds this attribute, where records have one.
    pub fn db_field(self) -> Option<&'static str> {
        Some(match self {
            Attr::Name => "name",
            Attr::Area => "area",
            Attr::Type => "type",
            Attr::Food => "food",
            Attr::PriceRange => "pricerange",
            Attr::Stars => "stars",
            Attr::Parking => "parking",
            Attr::Internet => "internet",
            Attr::Day => "day",
            Attr::Departure => "departure",
            Attr::Destination => "destination",
            Attr::ArriveBy => "arriveBy",
            Attr::LeaveAt => "leaveAt",
            Attr::Department => "department",
            Attr::Address => "address",
            Attr::Phone => "phone",
            Attr::Postcode => "postcode",
            Attr::EntranceFee => "entrance fee",
            Attr::TrainId => "trainID",
            Attr::Duration => "duration",
            Attr::Price => "price",
            Attr::CarType => "car",
            _ => return None,
        })
    }

    /// Whether this is a booking detail (people, day, stay, time).
    pub fn is_book(self) -> bool {
        matches!(
            self,
            Attr::BookDay | Attr::BookPeople | Attr::BookStay | Attr::BookTime
        )
    }

    /// The belief-state slot this attribute is tracked as, if any.
    pub fn state_slot(self) -> Option<Slot> {
        Some(match self {
            Attr::Name => Slot::Name,
            Attr::Area => Slot::Area,
            Attr::Type => Slot::Type,
            Attr::Food => Slot::Food,
            Attr::PriceRange => Slot::PriceRange,
            Attr::Stars => Slot::Stars,
            Attr::Parking => Slot::Parking,
            Attr::Internet => Slot::Internet,
            Attr::Day => Slot::Day,
            Attr::Departure => Slot::Departure,
            Attr::Destination => Slot::Destination,
            Attr::ArriveBy => Slot::Arrive,
            Attr::LeaveAt => Slot::Leave,
            Attr::Department => Slot::Department,
            Attr::BookDay => Slot::BookDay,
            Attr::BookPeople => Slot::BookPeople,
            Attr::BookStay => Slot::BookStay,
            Attr::BookTime => Slot::BookTime,
            _ => return None,
        })
    }

    /// The attribute of a goal's `info`/`fail_info` key (`leaveAt`, `pricerange`).
    pub fn from_info_key(key: &str) -> Option<Attr> {
        key.parse().ok().filter(|a: &Attr| !a.is_book())
    }

    /// The attribute of a goal's `book`/`fail_book` key (`people`, `day`, …).
    pub fn from_book_key(key: &str) -> Option<Attr> {
        match key {
            "people" => Some(Attr::BookPeople),
            "day" => Some(Attr::BookDay),
            "stay" => Some(Attr::BookStay),
            "time" => Some(Attr::BookTime),
            _ => None,
        }
    }

    /// The attribute of a MultiWOZ 2.1 dialog-act slot (`Addr`, `Post`, `Leave`,
    /// `Ticket`) in `domain`, for an act of `intent` (`Request` or `Inform`).
    /// Booking details are read as booking attributes; `Time` is the journey
    /// time of a train when requested and the booking time otherwise.
    pub fn from_act_slot(domain: Option<Domain>, slot: &str, request: bool) -> Option<Attr> {
        Some(match slot.to_ascii_lowercase().as_str() {
            "name" => Attr::Name,
            "area" => Attr::Area,
            "type" => Attr::Type,
            "food" => Attr::Food,
            "price" if domain == Some(Domain::Train) => Attr::Price,
            "price" => Attr::PriceRange,
            "stars" => Attr::Stars,
            "parking" => Attr::Parking,
            "internet" => Attr::Internet,
            "day" if domain == Some(Domain::Train) => Attr::Day,
            "day" => Attr::BookDay,
            "depart" | "departure" => Attr::Departure,
            "dest" | "destination" => Attr::Destination,
            "arrive" => Attr::ArriveBy,
            "leave" => Attr::LeaveAt,
            "department" => Attr::Department,
            "people" => Attr::BookPeople,
            "stay" => Attr::BookStay,
            "time" if domain == Some(Domain::Train) && request => Attr::Duration,
            "time" => Attr::BookTime,
            "addr" | "address" => Attr::Address,
            "phone" => Attr::Phone,
            "post" | "postcode" => Attr::Postcode,
            "fee" => Attr::EntranceFee,
            "id" | "trainid" => Attr::TrainId,
            "ticket" => Attr::Price,
            "car" => Attr::CarType,
            "ref" => Attr::Reference,
            "choice" => Attr::Choice,
            _ => return None,
        })
    }
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for an attribute name outside [`Attr`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown slot `{0}`")]
pub struct UnknownAttr(pub String);

impl FromStr for Attr {
    type Err = UnknownAttr;

    /// Parses the names of [`Attr::as_str`] and the goal files' spellings
    /// (`price range`, `car type`, `trainid`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let squash = |x: &str| -> String {
            x.chars()
                .filter(|c| !c.is_whitespace() && *c != '_')
                .flat_map(char::to_lowercase)
                .collect()
        };
        let wanted = squash(s);
        Attr::ALL
            .into_iter()
            .find(|a| squash(a.as_str()) == wanted)
            .ok_or_else(|| UnknownAttr(s.to_string()))
    }
}

impl Serialize for Attr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Attr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
