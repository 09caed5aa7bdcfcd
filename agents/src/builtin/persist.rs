//! The start-up cache of the built-in default: what [`Builtin::train`] learns
//! (the lexicon, the router's weights and the example pool) is stored on disk
//! with [`multiwoz::disk_cache`], keyed by the dialog files it was trained on, a
//! checksum of the database values and the running executable, so that a later
//! start reads it back instead of loading the dialogs and training again. A
//! stale or damaged entry is retrained silently.
//!
//! Where: `$DARD_BUILTIN_CACHE` when set (`off`, `0` or empty disable the
//! cache), else `$XDG_CACHE_HOME/dard/builtin`, else `$HOME/.cache/dard/builtin`.

use std::path::{Path, PathBuf};

use multiwoz::Domain;
use multiwoz::disk_cache::codec::{Reader, Writer};
use multiwoz::disk_cache::{CacheStatus, Codec, DiskCache, checksum};
use multiwoz::model::Dialog;

use super::Builtin;
use super::knowledge::Knowledge;
use super::lexicon::Lexicon;
use super::pool::Pool;
use super::router::DomainClassifier;
use super::tracker::RuleTracker;

/// The environment variable that relocates (a folder) or disables (`off`, `0`,
/// empty) the cache.
pub const BUILTIN_CACHE_ENV: &str = "DARD_BUILTIN_CACHE";

/// What the built-in default learns from the data: the tracker (over its
/// lexicon), the router and the example pool.
#[derive(Debug, Clone)]
pub struct Trained {
    pub(super) tracker: RuleTracker,
    pub(super) router: DomainClassifier,
    pub(super) pool: Pool,
    pub(super) knowledge: Knowledge,
}

const CODEC: Codec<Trained> = Codec {
    kind: "builtin",
    format: 5,
    encode,
    decode,
};

fn encode(t: &Trained) -> Vec<u8> {
    let mut w = Writer::with_capacity(8 << 20);
    t.tracker.lexicon().write(&mut w);
    t.router.write(&mut w);
    t.pool.write(&mut w);
    t.knowledge.write(&mut w);
    w.0
}

fn decode(bytes: &[u8]) -> Option<Trained> {
    let mut r = Reader::new(bytes);
    let lexicon = Lexicon::read(&mut r).ok()?;
    let router = DomainClassifier::read(&mut r).ok()?;
    let pool = Pool::read(&mut r).ok()?;
    let knowledge = Knowledge::read(&mut r).ok()?;
    r.at_end().then(|| Trained {
        tracker: RuleTracker::new(lexicon),
        router,
        pool,
        knowledge,
    })
}

/// A folder of trained built-in defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinCache {
    cache: DiskCache,
}

impl BuiltinCache {
    /// A cache in the given folder (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> BuiltinCache {
        BuiltinCache {
            cache: DiskCache::new(dir),
        }
    }

    /// The cache the environment asks for (see the module documentation), or
    /// `None` when it is disabled or no folder can be found.
    pub fn from_env() -> Option<BuiltinCache> {
        DiskCache::dir_from_env(BUILTIN_CACHE_ENV, "builtin").map(BuiltinCache::new)
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        self.cache.dir()
    }

    /// The built-in default trained on the database values and the dialogs
    /// read from `sources`: from the cache when an entry for exactly these
    /// inputs (and this executable) exists, else trained on what `dialogs`
    /// loads and then cached. `dialogs` runs only on a miss; its error is
    /// returned as is.
    pub fn load_or_train<E>(
        &self,
        db_values: &[(Domain, &str, &str)],
        sources: &[PathBuf],
        dialogs: impl FnOnce() -> Result<Vec<Dialog>, E>,
    ) -> Result<(Builtin, CacheStatus), E> {
        let tag = format!("db {:016x}", db_checksum(db_values));
        let (trained, status) = self.cache.load_or_build(&CODEC, &tag, sources, || {
            let dialogs = dialogs()?;
            Ok(Builtin::train(db_values.iter().copied(), &dialogs))
        })?;
        Ok((Builtin::from_trained(trained), status))
    }
}

/// A checksum of the database values the lexicon is built from, in order.
fn db_checksum(values: &[(Domain, &str, &str)]) -> u64 {
    let mut w = Writer::with_capacity(1 << 20);
    for (domain, field, value) in values {
        w.domain(*domain);
        w.str(field);
        w.str(value);
    }
    checksum(&w.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trained_parts_round_trip_and_damage_is_rejected() {
        let values = [
            (Domain::Restaurant, "name", "pizza hut city centre"),
            (Domain::Restaurant, "food", "italian"),
            (Domain::Train, "departure", "cambridge"),
        ];
        let trained = Builtin::train(values.iter().copied(), &[]);
        let bytes = encode(&trained);
        let back = decode(&bytes).expect("decodes");
        // Hash maps come back in another order, so compare contents, not bytes.
        assert_eq!(encode(&back).len(), bytes.len());
        assert!(back.tracker.lexicon().contains("italian"));
        assert_eq!(back.router.n_features(), trained.router.n_features());
        assert_eq!(back.pool.entries().len(), trained.pool.entries().len());
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
    }

    #[test]
    fn support_tallies_larger_than_the_bytes_after_them_read_back() {
        // Regression: the tallies were written as counts, which a reader
        // bounds by the bytes left, so every real entry read back as damaged
        // and each start trained again.
        let mut trained = Builtin::train([(Domain::Hotel, "name", "acorn")], &[]);
        trained.knowledge = Knowledge::with_support([4000; Domain::ALL.len()]);
        let back = decode(&encode(&trained)).expect("decodes");
        assert_eq!(back.knowledge.support(Domain::Police), 4000);
    }

    #[test]
    fn the_cache_trains_once_then_reads_back_and_retrains_damaged_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("val.json");
        std::fs::write(&source, "{}").unwrap();
        let cache = BuiltinCache::new(tmp.path().join("cache"));
        let values = [(Domain::Restaurant, "food", "italian")];
        let lookup = |values: &[(Domain, &str, &str)]| {
            let mut trained = false;
            let (builtin, status) = cache
                .load_or_train(values, std::slice::from_ref(&source), || {
                    trained = true;
                    Ok::<_, ()>(Vec::new())
                })
                .unwrap();
            (builtin, status, trained)
        };
        let (_, status, trained) = lookup(&values);
        assert_eq!((status, trained), (CacheStatus::Missing, true));
        let (builtin, status, trained) = lookup(&values);
        assert_eq!((status, trained), (CacheStatus::Hit, false));
        assert!(builtin.tracker().lexicon().contains("italian"));
        // Other database values are another entry's business: trained anew.
        let (_, status, trained) = lookup(&[(Domain::Restaurant, "food", "thai")]);
        assert_eq!((status, trained), (CacheStatus::Missing, true));
        // A damaged entry is retrained, not trusted.
        for entry in std::fs::read_dir(cache.dir()).unwrap() {
            let path = entry.unwrap().path();
            let mut bytes = std::fs::read(&path).unwrap();
            let last = bytes.len() - 9;
            bytes[last] ^= 0xff;
            std::fs::write(&path, bytes).unwrap();
        }
        let (_, status, trained) = lookup(&values);
        assert_eq!((status, trained), (CacheStatus::Corrupt, true));
    }
}
