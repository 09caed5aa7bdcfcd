//! Persistent caches of data derived from files, shared by the evaluation data
//! ([`crate::evaldata::EvalDataCache`]) and the built-in default's trained model
//! (in the `agents` crate).
//!
//! An entry is keyed by a tag (what was built, e.g. `derived test`), the sources it
//! was built from (canonical path, size and modification time of each), this
//! crate's version, the cache's kind and format, and the running executable (its
//! size and modification time, so that a rebuilt binary never trusts data an older
//! build wrote). The file name comes from the tag and the source paths only, so a
//! stale entry is overwritten rather than left behind. Entries are written to a
//! temporary file and renamed into place; an entry that is stale, truncated or
//! damaged (checked with a checksum) is rebuilt silently. Failing to write the
//! cache is never an error: the data is simply not cached.
//!
//! [`codec`] has the little-endian, length-prefixed primitives the payloads are
//! written with; decoding checks every length, so damage never panics or
//! over-allocates.

pub mod codec;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// The first bytes of every entry.
const MAGIC: &[u8; 8] = b"DARDEVC\0";

/// What happened when an entry was looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheStatus {
    /// The entry was valid and used.
    Hit,
    /// There was no entry; the data was built (and written when possible).
    Missing,
    /// The entry was built from other versions of the sources (or by another
    /// build of dard); the data was rebuilt.
    Stale,
    /// The entry was truncated or damaged; the data was rebuilt.
    Corrupt,
    /// A source could not be examined, so the data was built without the cache.
    Uncached,
}

/// How one kind of data is stored: its name (the entry files' prefix), the
/// version of its encoding, and the encoder and decoder.
pub struct Codec<T> {
    /// The kind's name, e.g. `evaldata`; part of every entry's file name and key.
    pub kind: &'static str,
    /// Bumped whenever the encoding or the meaning of cached data changes.
    pub format: u32,
    /// Encodes the data.
    pub encode: fn(&T) -> Vec<u8>,
    /// Decodes what `encode` wrote; `None` for anything else.
    pub decode: fn(&[u8]) -> Option<T>,
}

/// A folder of cache entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskCache {
    dir: PathBuf,
}

impl DiskCache {
    /// A cache in the given folder (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> DiskCache {
        DiskCache { dir: dir.into() }
    }

    /// The folder of the process environment: `$<setting_var>` when set (`off`,
    /// `0`, `false`, `no` or empty disable the cache), else
    /// `$XDG_CACHE_HOME/dard/<sub>`, else `$HOME/.cache/dard/<sub>`.
    pub fn dir_from_env(setting_var: &str, sub: &str) -> Option<PathBuf> {
        let var = |name: &str| std::env::var_os(name);
        resolve_dir(
            var(setting_var).as_deref(),
            var("XDG_CACHE_HOME").as_deref(),
            var("HOME").as_deref(),
            sub,
        )
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cached data built under `tag` from `sources`, or what `build` returns
    /// (then written to the cache). `build`'s error is returned as is and nothing
    /// is written.
    pub fn load_or_build<T, E>(
        &self,
        codec: &Codec<T>,
        tag: &str,
        sources: &[PathBuf],
        build: impl FnOnce() -> Result<T, E>,
    ) -> Result<(T, CacheStatus), E> {
        let Some(key) = entry_key(codec, tag, sources) else {
            return Ok((build()?, CacheStatus::Uncached));
        };
        let path = self
            .dir
            .join(format!("{}-{:016x}.bin", codec.kind, key.name_hash));
        let status = match std::fs::read(&path) {
            Ok(bytes) => match read_entry(&bytes, &key.stamp, codec) {
                Ok(data) => return Ok((data, CacheStatus::Hit)),
                Err(status) => status,
            },
            Err(_) => CacheStatus::Missing,
        };
        let data = build()?;
        if let Err(e) = write_entry(
            &self.dir,
            &path,
            &key.stamp,
            codec.format,
            &(codec.encode)(&data),
        ) {
            tracing::debug!(path = %path.display(), error = %e, "not cached");
        }
        Ok((data, status))
    }
}

/// The folder for the given values of the setting variable, `$XDG_CACHE_HOME`
/// and `$HOME` (see [`DiskCache::dir_from_env`]). A relative `XDG_CACHE_HOME` is
/// ignored, as the XDG specification says.
pub fn resolve_dir(
    setting: Option<&OsStr>,
    xdg_cache_home: Option<&OsStr>,
    home: Option<&OsStr>,
    sub: &str,
) -> Option<PathBuf> {
    if let Some(setting) = setting {
        let off = ["", "0", "off", "false", "no"]
            .iter()
            .any(|v| setting.eq_ignore_ascii_case(v));
        return (!off).then(|| PathBuf::from(setting));
    }
    let xdg = xdg_cache_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = match xdg {
        Some(dir) => dir,
        None => PathBuf::from(home.filter(|h| !h.is_empty())?).join(".cache"),
    };
    Some(base.join("dard").join(sub))
}

/// An entry's file-name hash and the full stamp stored inside it.
struct EntryKey {
    name_hash: u64,
    stamp: String,
}

fn entry_key<T>(codec: &Codec<T>, tag: &str, sources: &[PathBuf]) -> Option<EntryKey> {
    let mut name = format!("{tag}\n");
    let mut stamp = format!(
        "dard {} cache {}\nmultiwoz {}\n{tag}\n",
        codec.kind,
        codec.format,
        env!("CARGO_PKG_VERSION")
    );
    for source in sources {
        let path = source.canonicalize().ok()?;
        let line = file_stamp(&path)?;
        name.push_str(&path.to_string_lossy());
        name.push('\n');
        stamp.push_str(&path.to_string_lossy());
        stamp.push('\t');
        stamp.push_str(&line);
        stamp.push('\n');
    }
    // A rebuilt executable may derive the data differently.
    if let Some(exe) = std::env::current_exe().ok().and_then(|p| file_stamp(&p)) {
        stamp.push_str("exe\t");
        stamp.push_str(&exe);
        stamp.push('\n');
    }
    Some(EntryKey {
        name_hash: checksum(name.as_bytes()),
        stamp,
    })
}

/// `size<TAB>modified` of a regular file, the modification time in nanoseconds;
/// `None` for anything else (a pipe or a device says nothing about its contents).
fn file_stamp(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let modified = meta.modified().ok()?;
    let nanos = match modified.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    Some(format!("{}\t{nanos}", meta.len()))
}

/// Layout: magic, format (u32), stamp length (u32), stamp, payload length (u64),
/// payload, checksum of the payload (u64); integers little-endian.
fn read_entry<T>(bytes: &[u8], stamp: &str, codec: &Codec<T>) -> Result<T, CacheStatus> {
    let corrupt = CacheStatus::Corrupt;
    let (magic, rest) = bytes.split_at_checked(MAGIC.len()).ok_or(corrupt)?;
    if magic != MAGIC {
        return Err(corrupt);
    }
    let (format, rest) = split_u32(rest).ok_or(corrupt)?;
    if format != codec.format {
        return Err(CacheStatus::Stale);
    }
    let (stamp_len, rest) = split_u32(rest).ok_or(corrupt)?;
    let (stored, rest) = rest.split_at_checked(stamp_len as usize).ok_or(corrupt)?;
    if stored != stamp.as_bytes() {
        return Err(CacheStatus::Stale);
    }
    let (len, rest) = rest.split_first_chunk::<8>().ok_or(corrupt)?;
    let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| corrupt)?;
    let (payload, rest) = rest.split_at_checked(len).ok_or(corrupt)?;
    let sum: [u8; 8] = rest.try_into().map_err(|_| corrupt)?;
    if u64::from_le_bytes(sum) != checksum(payload) {
        return Err(corrupt);
    }
    (codec.decode)(payload).ok_or(corrupt)
}

fn split_u32(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*head), rest))
}

fn write_entry(
    dir: &Path,
    path: &Path,
    stamp: &str,
    format: u32,
    payload: &[u8],
) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(payload.len() + stamp.len() + 32);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&format.to_le_bytes());
    let stamp_len = u32::try_from(stamp.len()).map_err(std::io::Error::other)?;
    bytes.extend_from_slice(&stamp_len.to_le_bytes());
    bytes.extend_from_slice(stamp.as_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes.extend_from_slice(&checksum(payload).to_le_bytes());

    std::fs::create_dir_all(dir)?;
    // A unique temporary name in the same folder, renamed into place: readers
    // see the old entry or the whole new one, never a partial write.
    let unique = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = path.with_extension(format!("tmp{}-{unique}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A fast 64-bit checksum (word-wise multiply-rotate, FxHash's mixing). Each step
/// is a bijection of the running value, so any change of one word changes the sum.
pub fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h ^ (h >> 29)
}
