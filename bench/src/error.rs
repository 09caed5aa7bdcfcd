//! Why a benchmark run could not start or finish.

use std::path::PathBuf;

use manager::BuildError;

/// The error of [`crate::prepare`] and [`crate::Bench::run`]. Every
/// variant names the flag, key, file or path at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchError {
    /// A flag is missing, contradicts another or has a bad value.
    #[error("{flag}: {message}")]
    Flag {
        /// The flag (`--model`, `--ids`, …).
        flag: String,
        /// What is wrong.
        message: String,
    },
    /// The pipeline could not be built (configuration, backend, prompts, data).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The MultiWOZ data could not be found or read.
    #[error("MultiWOZ data: {0}")]
    Data(String),
    /// A file of the run folder could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file of the run folder is malformed.
    #[error("{}: {message}", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line where it applies.
        message: String,
    },
    /// Another process holds the run folder (a run or a `--resume` of it).
    #[error(
        "{} is in use by {} (a `dard bench` run or --resume of it); wait for it to end or pass another --out",
        .dir.display(),
        .pid.map(|p| format!("process {p}")).unwrap_or_else(|| "another process".to_string())
    )]
    Locked {
        /// The run folder.
        dir: PathBuf,
        /// The process id written by the holder, when readable.
        pid: Option<u32>,
    },
    /// `--resume` was asked with settings that differ from the run's.
    #[error(
        "--resume: {field} differs from the run in {} (run.json has {was}, now {now}); \
         pass the run's settings or start a new run with another --out",
        .dir.display()
    )]
    Mismatch {
        /// The run folder.
        dir: PathBuf,
        /// The setting that differs.
        field: String,
        /// Its value in the run.
        was: String,
        /// Its value now.
        now: String,
    },
}

impl BenchError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BenchError {
        let path = path.into();
        move |source| BenchError::Io { path, source }
    }

    /// A flag error.
    pub(crate) fn flag(flag: &str, message: impl Into<String>) -> BenchError {
        BenchError::Flag {
            flag: flag.to_string(),
            message: message.into(),
        }
    }
}
