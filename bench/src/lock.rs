//! An exclusive lock on a run folder, held for the whole of a run (new or
//! resumed), so two processes never play the same turns into one trace.
//!
//! The lock is an advisory `flock` on `<out>/.lock` (released by the kernel when
//! the process ends, even on SIGKILL); the file holds the holder's process id so
//! that a second process can name it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::BenchError;

/// The lock file inside a run folder.
pub const LOCK_FILE: &str = ".lock";

/// A held lock on a run folder; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// Creates `dir` if needed and locks it, or fails with [`BenchError::Locked`]
    /// naming the process that holds it.
    pub fn acquire(dir: &Path) -> Result<RunLock, BenchError> {
        std::fs::create_dir_all(dir).map_err(BenchError::io(dir))?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(BenchError::io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(BenchError::Locked {
                    dir: dir.to_path_buf(),
                    pid: text.trim().parse().ok(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(BenchError::io(&path)(e)),
        }
        let pid = std::process::id().to_string();
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(pid.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(BenchError::io(&path))?;
        Ok(RunLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_run_folder_names_the_holder_pid() {
        let dir = tempfile::tempdir().unwrap();
        let held = RunLock::acquire(dir.path()).unwrap();
        let err = RunLock::acquire(dir.path()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&std::process::id().to_string()) && text.contains("in use"),
            "{text}"
        );
        drop(held);
        RunLock::acquire(dir.path()).unwrap();
    }
}
