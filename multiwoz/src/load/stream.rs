//! Reading an original-format file piece by piece: each piece is parsed, and
//! mapped by the caller, on the rayon pool while the file is still being read or
//! unzipped (see `chunks.rs` for where a file is cut).

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use super::chunks::Cutter;
use super::original::parse_original;
use super::{MAX_ZIP_MEMBER_BYTES, check_declared, check_held, member_name, read_bytes};
use crate::error::{LoadError, Location};
use crate::model::{Dialog, Split};

/// The size of a piece: small enough to keep both cores busy from the first
/// megabytes of a file, large enough that a piece's own work dominates.
const PIECE_BYTES: usize = 1 << 20;

/// The size of one read from the file or the archive.
const BLOCK_BYTES: usize = 1 << 18;

/// Which dialog ids to keep.
pub(super) type Keep<'a> = Option<&'a (dyn Fn(&str) -> bool + Sync)>;

/// Parses an original-format file (plain or zipped) piece by piece and maps each
/// piece's dialogs with `f`; the results come back in file order. The dialogs of
/// all pieces, in order, are the file's dialogs. Errors are those of parsing the
/// whole file at once (line, column and dialog included).
pub(super) fn map_original_file<T: Send>(
    path: &Path,
    split: Option<Split>,
    keep: Keep<'_>,
    f: &(dyn Fn(Vec<Dialog>) -> T + Sync),
) -> Result<Vec<T>, LoadError> {
    let read = |reader: &mut dyn Read, limit: Option<u64>, at: &Location| {
        read_pieces(reader, limit, at, path, split, keep, f)
    };
    match with_reader(path, read)? {
        Some(mapped) => Ok(mapped),
        // A piece failed: the whole file, parsed at once, gives the error with its
        // real line and column (or, if a cut was wrong, the dialogs after all).
        None => {
            let (bytes, at) = read_bytes(path, None)?;
            let dialogs = parse_original(&bytes, &at, split, keep)?;
            Ok(vec![f(dialogs)])
        }
    }
}

/// Reads `reader` in blocks, cuts it into pieces and maps each piece on the pool;
/// `None` when a piece did not parse.
fn read_pieces<T: Send>(
    reader: &mut dyn Read,
    limit: Option<u64>,
    at: &Location,
    path: &Path,
    split: Option<Split>,
    keep: Keep<'_>,
    f: &(dyn Fn(Vec<Dialog>) -> T + Sync),
) -> Result<Option<Vec<T>>, LoadError> {
    let results: Mutex<Vec<(usize, Result<T, LoadError>)>> = Mutex::new(Vec::new());
    rayon::in_place_scope(|scope| -> Result<(), LoadError> {
        let mut count = 0;
        let mut spawn = |piece: Vec<u8>| {
            let index = count;
            count += 1;
            let results = &results;
            scope.spawn(move |_| {
                let mapped = parse_original(&piece, at, split, keep).map(f);
                drop(piece);
                results
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push((index, mapped));
            });
        };
        let mut cutter = Cutter::new(PIECE_BYTES);
        let mut block = vec![0; BLOCK_BYTES];
        let mut total: u64 = 0;
        loop {
            let n = reader.read(&mut block).map_err(|e| read_error(path, e))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if let Some(declared) = limit {
                check_held(total, declared).map_err(|message| LoadError::Zip {
                    path: path.to_path_buf(),
                    message: format!(
                        "member `{}`: {message}",
                        at.member.as_deref().unwrap_or_default()
                    ),
                })?;
            }
            cutter.push(&block[..n], &mut spawn);
        }
        spawn(cutter.finish());
        Ok(())
    })?;
    let mut results = results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    results.sort_by_key(|(index, _)| *index);
    Ok(results
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Result<_, _>>()
        .ok())
}

/// Calls `body` with a reader over the file, or over its archive member, the
/// most bytes it may hold (an archive member's declared size) and its location.
fn with_reader<R>(
    path: &Path,
    body: impl FnOnce(&mut dyn Read, Option<u64>, &Location) -> Result<R, LoadError>,
) -> Result<R, LoadError> {
    let mut file = File::open(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if !is_zip {
        return body(&mut file, None, &Location::file(path));
    }
    let zip_err = |e: zip::result::ZipError| LoadError::Zip {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
    let name = member_name(path, &mut archive, None)?;
    let mut entry = archive.by_name(&name).map_err(zip_err)?;
    let declared = entry.size();
    check_declared(declared, MAX_ZIP_MEMBER_BYTES).map_err(|message| LoadError::Zip {
        path: path.to_path_buf(),
        message: format!("member `{name}`: {message}"),
    })?;
    let at = Location {
        member: Some(name),
        ..Location::file(path)
    };
    body(&mut entry, Some(declared), &at)
}

fn read_error(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.to_path_buf(),
        source,
    }
}
