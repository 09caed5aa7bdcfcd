use std::cell::Cell;
use std::ffi::OsStr;

use super::*;

fn data(reference: &str) -> EvalData {
    let mut data = EvalData::default();
    data.references
        .insert("sng0001".to_owned(), vec![reference.to_owned()]);
    data.booked_domains
        .insert("sng0001".to_owned(), vec![vec![crate::Domain::Hotel]]);
    data
}

/// A cache folder and one source file.
fn setup() -> (tempfile::TempDir, EvalDataCache, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("test.json");
    std::fs::write(&source, "{}").unwrap();
    let cache = EvalDataCache::new(tmp.path().join("cache"));
    (tmp, cache, source)
}

/// Looks up `tag` over `source`, building `data(text)` when needed; returns the
/// data, the status and whether `build` ran.
fn lookup(cache: &EvalDataCache, source: &Path, text: &str) -> (EvalData, CacheStatus, bool) {
    let built = Cell::new(false);
    let (d, status) = cache
        .load_or_build("derived test", &[source.to_path_buf()], || {
            built.set(true);
            Ok::<_, ()>(data(text))
        })
        .unwrap();
    (d, status, built.get())
}

fn entry_file(cache: &EvalDataCache) -> PathBuf {
    let entries: Vec<PathBuf> = std::fs::read_dir(cache.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].clone()
}

#[test]
fn a_missing_entry_is_built_written_and_then_read_back() {
    let (_tmp, cache, source) = setup();
    let (first, status, built) = lookup(&cache, &source, "a");
    assert_eq!((status, built), (CacheStatus::Missing, true));
    let (second, status, built) = lookup(&cache, &source, "ignored");
    assert_eq!((status, built), (CacheStatus::Hit, false));
    assert_eq!(second, first);
    assert_eq!(second, data("a"));
}

#[test]
fn a_changed_source_makes_the_entry_stale_and_it_is_rebuilt_in_place() {
    let (_tmp, cache, source) = setup();
    lookup(&cache, &source, "old");
    std::fs::write(&source, "{\"changed\": 1}").unwrap();
    let (d, status, built) = lookup(&cache, &source, "new");
    assert_eq!((status, built), (CacheStatus::Stale, true));
    assert_eq!(d, data("new"));
    let (d, status, _) = lookup(&cache, &source, "ignored");
    assert_eq!((status, d), (CacheStatus::Hit, data("new")));
    // Rebuilt under the same name: the stale entry is not left behind.
    entry_file(&cache);
}

#[test]
fn a_truncated_or_damaged_entry_is_rebuilt() {
    let (_tmp, cache, source) = setup();
    lookup(&cache, &source, "a");
    let file = entry_file(&cache);
    let good = std::fs::read(&file).unwrap();
    let mut damaged_payload = good.clone();
    let at = good.len() - 12;
    damaged_payload[at] ^= 0x20;
    let damages: [Vec<u8>; 4] = [
        good[..good.len() / 2].to_vec(),
        damaged_payload,
        b"not a cache entry at all".to_vec(),
        Vec::new(),
    ];
    for damaged in damages {
        std::fs::write(&file, &damaged).unwrap();
        let (d, status, built) = lookup(&cache, &source, "a");
        assert_eq!((status, built), (CacheStatus::Corrupt, true));
        assert_eq!(d, data("a"));
        // The rebuilt entry is whole again.
        assert_eq!(std::fs::read(&file).unwrap(), good);
        assert_eq!(lookup(&cache, &source, "a").1, CacheStatus::Hit);
    }
}

#[test]
fn another_tag_or_source_set_gets_its_own_entry() {
    let (tmp, cache, source) = setup();
    lookup(&cache, &source, "a");
    let other = tmp.path().join("val.json");
    std::fs::write(&other, "{}").unwrap();
    let (_, status, built) = lookup(&cache, &other, "b");
    assert_eq!((status, built), (CacheStatus::Missing, true));
    assert_eq!(lookup(&cache, &source, "x").0, data("a"));
    assert_eq!(lookup(&cache, &other, "x").0, data("b"));
}

#[test]
fn a_build_error_is_returned_and_nothing_is_written() {
    let (_tmp, cache, source) = setup();
    let result = cache.load_or_build("t", &[source], || Err::<EvalData, _>("boom"));
    assert_eq!(result.unwrap_err(), "boom");
    assert!(!cache.dir().exists());
}

#[test]
fn a_missing_source_builds_without_the_cache() {
    let (tmp, cache, _) = setup();
    let absent = tmp.path().join("absent.json");
    let (_, status, built) = lookup(&cache, &absent, "a");
    assert_eq!((status, built), (CacheStatus::Uncached, true));
    assert!(!cache.dir().exists());
}

#[test]
fn a_source_that_is_not_a_regular_file_builds_without_the_cache() {
    let (tmp, cache, _) = setup();
    let (_, status, built) = lookup(&cache, tmp.path(), "a");
    assert_eq!((status, built), (CacheStatus::Uncached, true));
    assert!(!cache.dir().exists());
}

#[test]
fn an_unwritable_cache_folder_still_returns_the_data() {
    let (tmp, _, source) = setup();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let cache = EvalDataCache::new(blocker.join("cache"));
    let (d, status, built) = lookup(&cache, &source, "a");
    assert_eq!((d, status, built), (data("a"), CacheStatus::Missing, true));
}

#[test]
fn the_folder_follows_the_environment() {
    let os = |s: &'static str| Some(OsStr::new(s));
    let resolve = EvalDataCache::resolve_dir;
    assert_eq!(
        resolve(os("/tmp/c"), os("/x"), os("/home/u")),
        Some(PathBuf::from("/tmp/c"))
    );
    for off in ["off", "0", "", "OFF", "false"] {
        assert_eq!(resolve(os(off), os("/x"), os("/home/u")), None, "{off}");
    }
    assert_eq!(
        resolve(None, os("/xdg"), os("/home/u")),
        Some(PathBuf::from("/xdg/dard/eval"))
    );
    assert_eq!(
        resolve(None, os("relative"), os("/home/u")),
        Some(PathBuf::from("/home/u/.cache/dard/eval"))
    );
    assert_eq!(resolve(None, None, None), None);
}
