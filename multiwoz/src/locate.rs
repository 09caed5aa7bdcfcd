//! Finding MultiWOZ data on disk.
//!
//! Order: `--data DIR`, then the `DARD_DATA` environment variable, then
//! `./data/multiwoz`, then `../shared/multiwoz`, then the user's data folder
//! ([`user_data_dir`]: `$XDG_DATA_HOME/dard/multiwoz`, else
//! `~/.local/share/dard/multiwoz`, where the commands fetch the data when none is
//! found). A flag or variable that is set is
//! authoritative (a wrong path is reported, not skipped). A folder qualifies when it
//! holds dialogs in a format [`crate::load`] reads; it may be laid out like the
//! project's shared folder (`MultiWOZ_2.1_convlab2/`, `db/`, `mwzeval_data/`,
//! `reconstructed/`) or be a plain MultiWOZ checkout (`data.json`, list files, `db/`).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::error::LocateError;
use crate::model::{SourceFormat, Split};

/// The environment variable naming the data folder.
pub const ENV_VAR: &str = "DARD_DATA";

/// How the data folder was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// `--data DIR`.
    Flag,
    /// The `DARD_DATA` environment variable.
    Env,
    /// `./data/multiwoz`.
    Local,
    /// `../shared/multiwoz`.
    Shared,
    /// The user's data folder ([`user_data_dir`]).
    User,
}

/// Where the dialogs are.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialogSource {
    /// One original-format file per split (`test.json`, `val.json.zip`, …).
    PerSplit {
        /// The file of each split found.
        files: IndexMap<Split, PathBuf>,
    },
    /// One original-format `data.json` with split list files.
    Combined {
        /// The `data.json` file.
        data: PathBuf,
        /// The list file of each split found (`testListFile`, `valListFile`, …).
        lists: IndexMap<Split, PathBuf>,
    },
    /// A MultiWOZ 2.2 folder (`schema.json`, `train|dev|test/dialogues_*.json`).
    Schema22 {
        /// The folder holding `schema.json`.
        dir: PathBuf,
    },
}

impl DialogSource {
    /// The format of the dialogs.
    pub fn format(&self) -> SourceFormat {
        match self {
            DialogSource::Schema22 { .. } => SourceFormat::Schema22,
            _ => SourceFormat::Original,
        }
    }

    /// The splits available.
    pub fn splits(&self) -> Vec<Split> {
        match self {
            DialogSource::PerSplit { files } => files.keys().copied().collect(),
            DialogSource::Combined { lists, .. } => lists.keys().copied().collect(),
            DialogSource::Schema22 { dir } => Split::ALL
                .into_iter()
                .filter(|s| dir.join(crate::load::schema22::split_dir(*s)).is_dir())
                .collect(),
        }
    }

    /// A one-line description for people.
    pub fn describe(&self) -> String {
        match self {
            DialogSource::PerSplit { files } => {
                let parts: Vec<String> = files
                    .iter()
                    .map(|(s, p)| format!("{s}: {}", p.display()))
                    .collect();
                format!("original format, one file per split ({})", parts.join(", "))
            }
            DialogSource::Combined { data, lists } => {
                let parts: Vec<String> = lists.keys().map(|s| s.to_string()).collect();
                format!(
                    "original format, {} split by list files ({})",
                    data.display(),
                    parts.join(", ")
                )
            }
            DialogSource::Schema22 { dir } => {
                format!("MultiWOZ 2.2 schema format in {}", dir.display())
            }
        }
    }
}

/// Evaluation files in the evaluator's format, where the folder has them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvalFiles {
    /// Goals (`goals.json` or `reconstructed/goals_test_val.json`).
    pub goals: Option<PathBuf>,
    /// References (`references/mwz22.json` or the reconstructed APPROX file).
    pub references: Option<PathBuf>,
    /// Gold states (`gold_states.json` or the reconstructed APPROX file).
    pub gold_states: Option<PathBuf>,
    /// Booked domains (`booked_domains.json`).
    pub booked_domains: Option<PathBuf>,
}

/// A data folder that was found, with the paths of what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataLayout {
    /// The folder.
    pub root: PathBuf,
    /// How it was chosen.
    pub origin: Origin,
    /// The dialogs.
    pub dialogs: DialogSource,
    /// The MultiWOZ database folder (`*_db.json`), if present.
    pub db_dir: Option<PathBuf>,
    /// The evaluator's database copy (patched attraction DB), if present.
    pub evaluator_db_dir: Option<PathBuf>,
    /// The MultiWOZ 2.2 `schema.json`, if present.
    pub schema: Option<PathBuf>,
    /// Evaluator-format files, if present.
    pub eval_files: EvalFiles,
}

/// Finds the data folder from the process environment and working directory.
pub fn locate(explicit: Option<&Path>) -> Result<DataLayout, LocateError> {
    let env = std::env::var_os(ENV_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    locate_with(explicit, env.as_deref(), &cwd, user_data_dir().as_deref())
}

/// The user's MultiWOZ folder: `$XDG_DATA_HOME/dard/multiwoz`, else
/// `$HOME/.local/share/dard/multiwoz` (a relative `XDG_DATA_HOME` is ignored, as
/// the XDG specification says); `None` when neither variable helps.
pub fn user_data_dir() -> Option<PathBuf> {
    user_data_dir_from(
        std::env::var_os("XDG_DATA_HOME").as_deref(),
        std::env::var_os("HOME").as_deref(),
    )
}

/// [`user_data_dir`] for the given values of `$XDG_DATA_HOME` and `$HOME`.
pub fn user_data_dir_from(
    xdg_data_home: Option<&std::ffi::OsStr>,
    home: Option<&std::ffi::OsStr>,
) -> Option<PathBuf> {
    let base = match xdg_data_home.map(PathBuf::from).filter(|p| p.is_absolute()) {
        Some(dir) => dir,
        None => PathBuf::from(home.filter(|h| !h.is_empty())?)
            .join(".local")
            .join("share"),
    };
    Some(base.join("dard").join("multiwoz"))
}

/// Finds the data folder given the flag, the environment variable's value and the
/// directory that `./data/multiwoz` and `../shared/multiwoz` are relative to,
/// without the user's data folder.
pub fn locate_from(
    explicit: Option<&Path>,
    env: Option<&Path>,
    base: &Path,
) -> Result<DataLayout, LocateError> {
    locate_with(explicit, env, base, None)
}

/// [`locate_from`], searching `user` last when no flag or variable is set.
pub fn locate_with(
    explicit: Option<&Path>,
    env: Option<&Path>,
    base: &Path,
    user: Option<&Path>,
) -> Result<DataLayout, LocateError> {
    let candidates: Vec<(PathBuf, Origin)> = match (explicit, env) {
        (Some(p), _) => vec![(p.to_path_buf(), Origin::Flag)],
        (None, Some(p)) => vec![(p.to_path_buf(), Origin::Env)],
        (None, None) => {
            let mut c = vec![
                (base.join("data").join("multiwoz"), Origin::Local),
                (
                    base.join("..").join("shared").join("multiwoz"),
                    Origin::Shared,
                ),
            ];
            c.extend(user.map(|u| (u.to_path_buf(), Origin::User)));
            c
        }
    };
    let mut looked = Vec::new();
    for (dir, origin) in candidates {
        match inspect(&dir) {
            Ok(mut layout) => {
                layout.origin = origin;
                return Ok(layout);
            }
            Err(why) => {
                let label = match origin {
                    Origin::Flag => format!("--data: {why}"),
                    Origin::Env => format!("{ENV_VAR}: {why}"),
                    _ => why,
                };
                looked.push((dir, label));
            }
        }
    }
    Err(LocateError::NotFound { looked })
}

/// Sub-folders searched for dialog files, in order.
const DIALOG_DIRS: [&str; 6] = [
    "",
    "MultiWOZ_2.1_convlab2",
    "data/multiwoz",
    "MultiWOZ_2.1",
    "data/MultiWOZ_2.1",
    "data",
];

/// Looks at one folder. The error says why it does not qualify.
pub fn inspect(dir: &Path) -> Result<DataLayout, String> {
    if !dir.exists() {
        return Err("does not exist".to_string());
    }
    if !dir.is_dir() {
        return Err("is not a folder".to_string());
    }
    let subdirs = || {
        DIALOG_DIRS
            .iter()
            .map(|s| dir.join(s))
            .filter(|p| p.is_dir())
    };
    let dialogs = subdirs()
        .find_map(|d| per_split(&d))
        .or_else(|| subdirs().find_map(|d| combined(&d)))
        .or_else(|| schema22_dir(dir));
    let Some(dialogs) = dialogs else {
        return Err(
            "no test.json/val.json(.zip), data.json with list files, or MultiWOZ 2.2 dialogues_*.json"
                .to_string(),
        );
    };
    let db_dir = ["db", "data/db", "database"]
        .iter()
        .map(|s| dir.join(s))
        .find(|p| p.join("restaurant_db.json").is_file());
    let evaluator_db_dir = ["mwzeval_data/database", "mwzeval/data/database"]
        .iter()
        .map(|s| dir.join(s))
        .find(|p| p.join("attraction_db.json").is_file());
    let schema = [
        "MultiWOZ_2.2/schema.json",
        "data/MultiWOZ_2.2/schema.json",
        "schema.json",
    ]
    .iter()
    .map(|s| dir.join(s))
    .find(|p| p.is_file());
    let first = |names: &[&str]| names.iter().map(|s| dir.join(s)).find(|p| p.is_file());
    let eval_files = EvalFiles {
        goals: first(&[
            "mwzeval_data/goals.json",
            "reconstructed/goals_test_val.json",
        ]),
        references: first(&[
            "mwzeval_data/references/mwz22.json",
            "reconstructed/mwz22_references_test.APPROX_from_mwoz21.json",
        ]),
        gold_states: first(&[
            "mwzeval_data/gold_states.json",
            "reconstructed/gold_states_test.APPROX_from_mwoz21.json",
        ]),
        booked_domains: first(&["mwzeval_data/booked_domains.json"]),
    };
    Ok(DataLayout {
        root: dir.to_path_buf(),
        origin: Origin::Flag,
        dialogs,
        db_dir,
        evaluator_db_dir,
        schema,
        eval_files,
    })
}

fn per_split(dir: &Path) -> Option<DialogSource> {
    let mut files = IndexMap::new();
    for split in Split::ALL {
        let name = split.as_str();
        let found = [format!("{name}.json"), format!("{name}.json.zip")]
            .into_iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file());
        if let Some(p) = found {
            files.insert(split, p);
        }
    }
    (!files.is_empty()).then_some(DialogSource::PerSplit { files })
}

fn combined(dir: &Path) -> Option<DialogSource> {
    let data = dir.join("data.json");
    if !data.is_file() {
        return None;
    }
    let mut lists = IndexMap::new();
    for (split, stem) in [
        (Split::Train, "trainListFile"),
        (Split::Val, "valListFile"),
        (Split::Test, "testListFile"),
    ] {
        let found = ["", ".txt", ".json"]
            .iter()
            .map(|ext| dir.join(format!("{stem}{ext}")))
            .find(|p| p.is_file());
        if let Some(p) = found {
            lists.insert(split, p);
        }
    }
    // Original MultiWOZ ships no train list (train is every other dialog); only
    // the listed splits are offered.
    (!lists.is_empty()).then_some(DialogSource::Combined { data, lists })
}

fn schema22_dir(dir: &Path) -> Option<DialogSource> {
    ["MultiWOZ_2.2", "data/MultiWOZ_2.2", ""]
        .iter()
        .map(|s| dir.join(s))
        .find(|d| {
            d.join("schema.json").is_file()
                && Split::ALL
                    .into_iter()
                    .any(|s| crate::load::schema22::split_files(d, s).is_ok())
        })
        .map(|dir| DialogSource::Schema22 { dir })
}
