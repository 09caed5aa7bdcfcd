//! A persistent cache of [`EvalData`], so that scoring a prediction file does not
//! re-derive (or re-parse) the same evaluation data every time. Keys, atomic
//! writes and the rebuilding of stale or damaged entries are
//! [`crate::disk_cache`]'s; this module names the folder and the encoding.
//!
//! Where: `$DARD_EVAL_CACHE` when set (`off`, `0` or empty disable the cache),
//! else `$XDG_CACHE_HOME/dard/eval`, else `$HOME/.cache/dard/eval`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::EvalData;
use super::codec;
pub use crate::disk_cache::CacheStatus;
use crate::disk_cache::{Codec, DiskCache};

/// The environment variable that relocates (a folder) or disables (`off`, `0`,
/// empty) the cache.
pub const CACHE_ENV: &str = "DARD_EVAL_CACHE";

/// How evaluation data is stored.
const CODEC: Codec<EvalData> = Codec {
    kind: "evaldata",
    format: 2,
    encode: codec::encode,
    decode: |bytes| codec::decode(bytes).ok(),
};

/// A folder of cached evaluation data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalDataCache {
    cache: DiskCache,
}

impl EvalDataCache {
    /// A cache in the given folder (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> EvalDataCache {
        EvalDataCache {
            cache: DiskCache::new(dir),
        }
    }

    /// The cache the environment asks for (see the module documentation), or
    /// `None` when it is disabled or no folder can be found.
    pub fn from_env() -> Option<EvalDataCache> {
        DiskCache::dir_from_env(CACHE_ENV, "eval").map(EvalDataCache::new)
    }

    /// The folder for the given values of `$DARD_EVAL_CACHE`, `$XDG_CACHE_HOME`
    /// and `$HOME`. A relative `XDG_CACHE_HOME` is ignored, as the XDG
    /// specification says.
    pub fn resolve_dir(
        setting: Option<&OsStr>,
        xdg_cache_home: Option<&OsStr>,
        home: Option<&OsStr>,
    ) -> Option<PathBuf> {
        crate::disk_cache::resolve_dir(setting, xdg_cache_home, home, "eval")
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        self.cache.dir()
    }

    /// The cached data built under `tag` from `sources`, or what `build` returns
    /// (then written to the cache). `build`'s error is returned as is and nothing
    /// is written.
    pub fn load_or_build<E>(
        &self,
        tag: &str,
        sources: &[PathBuf],
        build: impl FnOnce() -> Result<EvalData, E>,
    ) -> Result<(EvalData, CacheStatus), E> {
        self.cache.load_or_build(&CODEC, tag, sources, build)
    }
}

#[cfg(test)]
mod tests;
