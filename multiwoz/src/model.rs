//! The in-memory dialog model shared by both MultiWOZ formats.
//!
//! A [`Dialog`] is a list of alternating user and system [`Turn`]s. System turns carry
//! the annotated belief state ([`BeliefState`]); every turn carries its dialog acts
//! and span annotations. Names from the files are validated into [`Domain`] and
//! [`Slot`] where the ontology covers them and kept as strings where it does not
//! (dialog-act slot names such as `Ref` or `Choice`, booked-entity fields).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::{Domain, Slot};

/// A dataset split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Split {
    /// The training split.
    Train,
    /// The validation split (`val` in 2.1 files, `dev` in 2.2).
    Val,
    /// The test split.
    Test,
}

impl Split {
    /// Every split, in a fixed order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Val, Split::Test];

    /// The name used by MultiWOZ 2.1 files (`train`, `val`, `test`).
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who speaks a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Speaker {
    /// The user (even turn indices in MultiWOZ 2.1).
    User,
    /// The system (odd turn indices).
    System,
}

/// The format a dialog was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SourceFormat {
    /// The original MultiWOZ format (2.0/2.1): `{id: {goal, log}}`.
    Original,
    /// The MultiWOZ 2.2 schema format (`dialogues_*.json`).
    Schema22,
}

/// One dialog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dialog {
    /// The id as written in the file (`SNG0073`, `PMUL4648.json`).
    pub id: String,
    /// The split the dialog belongs to, when known.
    pub split: Option<Split>,
    /// The format it was read from.
    pub format: SourceFormat,
    /// The user goal of the original format; `None` for 2.2 dialogs, which have none.
    pub goal: Option<UserGoal>,
    /// The turns, user and system alternating, user first.
    pub turns: Vec<Turn>,
}

impl Dialog {
    /// The id in the standard evaluator's form: lower case, without `.json`.
    pub fn key(&self) -> String {
        dialog_key(&self.id)
    }

    /// The system turns, in order.
    pub fn system_turns(&self) -> impl Iterator<Item = &Turn> {
        self.turns.iter().filter(|t| t.speaker == Speaker::System)
    }
}

/// The standard evaluator's dialog key for an id: lower case, `.json` removed.
pub fn dialog_key(id: &str) -> String {
    let id = id.strip_suffix(".json").unwrap_or(id);
    id.to_ascii_lowercase()
}

/// One utterance with its annotations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// Who speaks.
    pub speaker: Speaker,
    /// The utterance (tokenized in MultiWOZ 2.1, e.g. `Saint John 's college .`).
    pub text: String,
    /// The belief state after this turn: present on system turns of the original
    /// format and, for 2.2, the state of the preceding user turn.
    pub belief: Option<BeliefState>,
    /// The dialog acts, in file order.
    pub acts: Vec<DialogAct>,
    /// The span annotations, in file order.
    pub spans: Vec<Span>,
}

/// The belief state: per domain, in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BeliefState {
    /// Domain states in the order the file lists them.
    pub domains: IndexMap<Domain, DomainBelief>,
}

/// The belief state of one domain, values exactly as annotated (including the
/// empty string, `not mentioned`, `dontcare`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DomainBelief {
    /// Search constraints (`semi`), keyed by normalized slot.
    pub semi: IndexMap<Slot, String>,
    /// Booking constraints (`book`), keyed by the `book*` slot (`people` → [`Slot::BookPeople`]).
    pub book: IndexMap<Slot, String>,
    /// The bookings made so far, each a map of raw fields (`name`, `reference`, `trainID`, …).
    pub booked: Vec<IndexMap<String, String>>,
}

/// One dialog act triple such as `Taxi-Inform(Car = blue honda)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialogAct {
    /// The act name as written, `Domain-Intent` (e.g. `Taxi-Inform`, `general-bye`).
    pub act: String,
    /// The slot as written (`Car`, `Ref`, `none`).
    pub slot: String,
    /// The value as written (`?` for requests, `none` where there is none).
    pub value: String,
}

impl DialogAct {
    /// The part of the act name before `-` (`Taxi`, `general`, `Booking`).
    pub fn domain_part(&self) -> &str {
        self.act.split_once('-').map_or(&self.act, |(d, _)| d)
    }

    /// The part of the act name after `-` (`Inform`, `Request`, …).
    pub fn intent(&self) -> &str {
        self.act.split_once('-').map_or("", |(_, i)| i)
    }

    /// The ontology domain of the act, if it names one (`Booking` and `general` do not).
    pub fn domain(&self) -> Option<Domain> {
        self.domain_part().parse().ok()
    }
}

/// Where a span lies in its utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SpanPos {
    /// MultiWOZ 2.1: indices into `text.split_whitespace()`, both inclusive.
    Tokens {
        /// The first token.
        first: usize,
        /// The last token (inclusive).
        last: usize,
    },
    /// MultiWOZ 2.2: character offsets, end exclusive (`utterance[start..end]`).
    Chars {
        /// The first character.
        start: usize,
        /// One past the last character.
        end: usize,
    },
}

/// A span annotation: where a dialog act's value is mentioned in the utterance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// The act name as written (`Taxi-Inform`).
    pub act: String,
    /// The slot as written (`Car`, `Phone`).
    pub slot: String,
    /// The annotated value (as in the text for 2.1 tokenized data).
    pub value: String,
    /// The position.
    pub pos: SpanPos,
}

/// The user goal of the original MultiWOZ format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserGoal {
    /// The domains the goal involves, in file order (empty domains left out).
    pub domains: IndexMap<Domain, DomainUserGoal>,
    /// The instructions shown to the crowd worker (HTML).
    pub message: Vec<String>,
}

/// One domain of a user goal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DomainUserGoal {
    /// Constraints the user informs (`info`), slot names as written (`leaveAt`).
    pub info: IndexMap<String, String>,
    /// Constraints tried first that fail in the DB (`fail_info`).
    pub fail_info: IndexMap<String, String>,
    /// Booking constraints (`book`), string values only.
    pub book: IndexMap<String, String>,
    /// Booking flags of the goal (`invalid`, `pre_invalid`).
    pub book_flags: IndexMap<String, bool>,
    /// Booking constraints tried first that fail (`fail_book`).
    pub fail_book: IndexMap<String, String>,
    /// Requested attributes (`reqt`), as written (`phone`, `car type`, `trainID`).
    pub reqt: Vec<String>,
    /// Whether the goal has a `book` section at all.
    pub has_book: bool,
}
