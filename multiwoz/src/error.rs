//! Typed errors of the data layer: loading dialogs, reading evaluation data,
//! finding the data folder and downloading MultiWOZ.
//!
//! Every variant names the file it concerns and, where one applies, the dialog id
//! and the field, so that a user can open the file and see what is wrong.

use std::fmt;
use std::path::PathBuf;

/// Where in a data file a problem sits: the file, an optional archive member, an
/// optional dialog id and an optional field path inside the dialog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file on disk (the archive itself for zip members).
    pub file: PathBuf,
    /// The member inside a zip archive, if the file is an archive.
    pub member: Option<String>,
    /// The dialog id, when the problem is inside one dialog.
    pub dialog: Option<String>,
    /// The field path inside the dialog, e.g. `log[3].metadata.hotel.semi.colour`.
    pub field: Option<String>,
}

impl Location {
    /// A location that names only a file.
    pub fn file(file: impl Into<PathBuf>) -> Location {
        Location {
            file: file.into(),
            ..Location::default()
        }
    }

    /// The same location inside the given dialog.
    pub fn dialog(&self, id: &str) -> Location {
        Location {
            dialog: Some(id.to_string()),
            ..self.clone()
        }
    }

    /// The same location at the given field.
    pub fn field(&self, field: impl Into<String>) -> Location {
        Location {
            field: Some(field.into()),
            ..self.clone()
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(m) = &self.member {
            write!(f, " (member `{m}`)")?;
        }
        if let Some(d) = &self.dialog {
            write!(f, ", dialog `{d}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        Ok(())
    }
}

/// An error while loading MultiWOZ dialogs or their side files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid JSON of the expected shape; serde's message carries the
    /// line and column.
    #[error("invalid JSON in {at}: {source}")]
    Json {
        /// The file (and member) that failed to parse.
        at: Location,
        /// The parser error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A zip archive could not be opened or read.
    #[error("cannot read zip archive {path}: {message}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What the zip reader reported.
        message: String,
    },
    /// A zip archive lacks the member the loader needs.
    #[error("zip archive {path} has no member `{member}` (members: {})", found.join(", "))]
    MissingMember {
        /// The archive.
        path: PathBuf,
        /// The member that was expected.
        member: String,
        /// The members the archive has.
        found: Vec<String>,
    },
    /// A domain name outside the ontology.
    #[error("unknown domain `{name}` in {at}")]
    UnknownDomain {
        /// Where it was found.
        at: Location,
        /// The name as written in the file.
        name: String,
    },
    /// A slot name outside the ontology.
    #[error("unknown slot `{name}` in {at}")]
    UnknownSlot {
        /// Where it was found.
        at: Location,
        /// The name as written in the file.
        name: String,
    },
    /// A value that has the right JSON type but makes no sense (e.g. a span past the
    /// end of its utterance).
    #[error("invalid value in {at}: {reason}")]
    Invalid {
        /// Where it was found.
        at: Location,
        /// Why it was rejected.
        reason: String,
    },
    /// A dialog id listed in a split list file is absent from the dialog file.
    #[error("dialog `{id}` listed in {list} is not in {data}")]
    MissingDialog {
        /// The id from the list file.
        id: String,
        /// The list file.
        list: PathBuf,
        /// The dialog file.
        data: PathBuf,
    },
    /// The folder holds no dialog files in a format this crate reads.
    #[error("no MultiWOZ dialog files found in {path}: {hint}")]
    NoDialogs {
        /// The folder that was searched.
        path: PathBuf,
        /// What was expected there.
        hint: String,
    },
}

/// An error while reading evaluation data in the standard evaluator's JSON format.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalDataError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON of the expected shape (line and column in the source).
    #[error("invalid JSON in {path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser error.
        #[source]
        source: serde_json::Error,
    },
    /// One dialog's entry has the wrong shape or an unknown name.
    #[error("invalid entry in {path}, dialog `{dialog}`: {message}")]
    Entry {
        /// The file.
        path: PathBuf,
        /// The dialog id whose entry is wrong.
        dialog: String,
        /// What is wrong, naming the field.
        message: String,
    },
}

/// The error when no MultiWOZ data folder can be found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocateError {
    /// None of the candidate folders holds MultiWOZ data.
    #[error("{}", not_found_message(looked))]
    NotFound {
        /// Each folder tried, with why it was rejected.
        looked: Vec<(PathBuf, String)>,
    },
}

fn not_found_message(looked: &[(PathBuf, String)]) -> String {
    let mut s = String::from("no MultiWOZ data found. Looked in:\n");
    for (p, why) in looked {
        s.push_str(&format!("  - {} ({why})\n", p.display()));
    }
    s.push_str(
        "Pass --data DIR or set DARD_DATA to a folder holding MultiWOZ (a data.json with \
         testListFile/valListFile and db/, or test.json/val.json[.zip] and db/), or run \
         `dard data download` to fetch it into ./data/multiwoz.",
    );
    s
}

/// An error while downloading MultiWOZ.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The HTTP request failed (connection, TLS, status).
    #[error("cannot download {url}: {message}")]
    Http {
        /// The URL requested.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The bytes downloaded do not have the expected SHA-256.
    #[error("checksum mismatch for {url}: expected sha256 {expected}, got {actual}")]
    Checksum {
        /// The URL requested.
        url: String,
        /// The checksum in the manifest.
        expected: String,
        /// The checksum of what arrived.
        actual: String,
    },
    /// Writing the downloaded file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The destination file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The body ended (or the connection failed) before the whole file arrived.
    #[error("cannot download {url}: got {got} of {expected} bytes ({message})")]
    Truncated {
        /// The URL requested.
        url: String,
        /// Bytes received.
        got: u64,
        /// Bytes expected (the manifest's size).
        expected: u64,
        /// What the connection reported.
        message: String,
    },
    /// The server sent nothing for longer than the stall timeout.
    #[error("cannot download {url}: the server sent nothing for {} s", after.as_secs_f64())]
    TimedOut {
        /// The URL requested.
        url: String,
        /// The stall timeout.
        after: std::time::Duration,
    },
    /// The manifest is malformed.
    #[error("invalid download manifest: {0}")]
    Manifest(String),
}
