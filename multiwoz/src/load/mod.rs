//! Loading MultiWOZ dialogs from disk, in both public formats.
//!
//! * Original format (`{id: {goal, log}}`): a whole `data.json` split by
//!   `testListFile`/`valListFile`, or per-split files `test.json`/`val.json`, plain
//!   or inside a `.zip` that is read directly.
//! * MultiWOZ 2.2 schema format: `train|dev|test/dialogues_*.json` next to
//!   `schema.json`, with `dialog_acts.json` when present.
//!
//! [`load_splits`] loads the splits of a located data folder in parallel.

mod chunks;
mod original;
mod raw;
pub mod schema22;
mod stream;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use original::parse_original;

use crate::error::{LoadError, Location};
use crate::locate::{DataLayout, DialogSource};
use crate::model::{Dialog, Split};

/// Reads a file, or a member of a zip archive when the path ends in `.zip`. For an
/// archive the member is the one named `member` (matched on its last path
/// component), or, when `member` is `None`, the archive name without `.zip`.
pub fn read_bytes(path: &Path, member: Option<&str>) -> Result<(Vec<u8>, Location), LoadError> {
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if !is_zip {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        return Ok((bytes, Location::file(path)));
    }
    let file = File::open(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let zip_err = |e: zip::result::ZipError| LoadError::Zip {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
    let name = member_name(path, &mut archive, member)?;
    let entry = archive.by_name(&name).map_err(zip_err)?;
    let declared = entry.size();
    let bytes =
        read_capped(entry, declared, MAX_ZIP_MEMBER_BYTES).map_err(|message| LoadError::Zip {
            path: path.to_path_buf(),
            message: format!("member `{name}`: {message}"),
        })?;
    let at = Location {
        member: Some(name),
        ..Location::file(path)
    };
    Ok((bytes, at))
}

/// The archive member named `wanted` (matched on its last path component), or,
/// when `wanted` is `None`, the archive name without `.zip`.
fn member_name<R: Read + std::io::Seek>(
    path: &Path,
    archive: &mut zip::ZipArchive<R>,
    wanted: Option<&str>,
) -> Result<String, LoadError> {
    let wanted = match wanted {
        Some(m) => m.to_string(),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    match names
        .iter()
        .find(|n| n.rsplit('/').next() == Some(wanted.as_str()))
    {
        Some(name) => Ok(name.clone()),
        None => Err(LoadError::MissingMember {
            path: path.to_path_buf(),
            member: wanted,
            found: names,
        }),
    }
}

/// The largest zip member the loaders unpack: far above any MultiWOZ file (the
/// biggest, 2.1's `data.json`, is about 400 MB), far below what would exhaust
/// memory when an archive claims or holds more.
pub const MAX_ZIP_MEMBER_BYTES: u64 = 1 << 30;

/// Reads a zip member whose header declares `declared` bytes: refused up front
/// when that is over `limit`, and stopped as soon as the data runs past it (a
/// corrupt or hostile archive may lie), so memory stays bounded by the smaller.
fn read_capped(reader: impl Read, declared: u64, limit: u64) -> Result<Vec<u8>, String> {
    check_declared(declared, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    reader
        .take(declared + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    check_held(bytes.len() as u64, declared)?;
    Ok(bytes)
}

/// A member whose header declares more than `limit` bytes is refused up front.
fn check_declared(declared: u64, limit: u64) -> Result<(), String> {
    match declared > limit {
        true => Err(format!(
            "declares {declared} bytes, over the limit of {limit} bytes; is this a MultiWOZ archive?"
        )),
        false => Ok(()),
    }
}

/// A member that holds more than its header declares is corrupt (or hostile).
fn check_held(held: u64, declared: u64) -> Result<(), String> {
    match held > declared {
        true => Err(format!(
            "holds more than the {declared} bytes its header declares; the archive is corrupt"
        )),
        false => Ok(()),
    }
}

/// Loads an original-format file (plain or zipped) holding one split. A large
/// file is parsed on every core while it is read (see [`map_split`]).
pub fn load_original_file(path: &Path, split: Option<Split>) -> Result<Vec<Dialog>, LoadError> {
    let started = std::time::Instant::now();
    let pieces = stream::map_original_file(path, split, None, &|dialogs| dialogs)?;
    let dialogs: Vec<Dialog> = pieces.into_iter().flatten().collect();
    tracing::debug!(
        file = %path.display(),
        ms = started.elapsed().as_millis() as u64,
        dialogs = dialogs.len(),
        "loaded original-format file"
    );
    Ok(dialogs)
}

/// Reads a split list file (one dialog id per line, with or without `.json`).
pub fn read_list(path: &Path) -> Result<Vec<String>, LoadError> {
    let (bytes, _) = read_bytes(path, None)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// Loads the dialogs of `lists` (split → list file) from one combined `data.json`,
/// parsing it once. Every listed id must be present.
pub fn load_combined(data: &Path, lists: &[(Split, PathBuf)]) -> Result<Vec<Dialog>, LoadError> {
    let mut wanted = std::collections::HashMap::new();
    for (split, list) in lists {
        for id in read_list(list)? {
            wanted.insert(crate::model::dialog_key(&id), (*split, list.clone(), id));
        }
    }
    let (bytes, at) = read_bytes(data, Some("data.json"))?;
    let keep = |id: &str| wanted.contains_key(&crate::model::dialog_key(id));
    let mut dialogs = parse_original(&bytes, &at, None, Some(&keep))?;
    for d in &mut dialogs {
        d.split = wanted.get(&d.key()).map(|(s, _, _)| *s);
    }
    if dialogs.len() < wanted.len() {
        let found: std::collections::HashSet<String> = dialogs.iter().map(Dialog::key).collect();
        if let Some((_, (_, list, id))) = wanted.iter().find(|(k, _)| !found.contains(*k)) {
            return Err(LoadError::MissingDialog {
                id: id.clone(),
                list: list.clone(),
                data: data.to_path_buf(),
            });
        }
    }
    Ok(dialogs)
}

/// Loads the requested splits of a located data folder, in parallel (one thread
/// per file). Dialogs come back grouped by split, in the order of `splits`, each
/// split in file order. A split the folder does not have is an error naming it.
pub fn load_splits(layout: &DataLayout, splits: &[Split]) -> Result<Vec<Dialog>, LoadError> {
    match &layout.dialogs {
        DialogSource::PerSplit { files } => {
            let mut jobs = Vec::new();
            for split in splits {
                let Some(path) = files.get(split) else {
                    return Err(missing_split(layout, *split));
                };
                jobs.push((*split, path.clone()));
            }
            let results: Vec<Result<Vec<Dialog>, LoadError>> = std::thread::scope(|s| {
                let handles: Vec<_> = jobs
                    .iter()
                    .map(|(split, path)| s.spawn(move || load_original_file(path, Some(*split))))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(LoadError::NoDialogs {
                                path: layout.root.clone(),
                                hint: "a loader thread panicked".to_string(),
                            })
                        })
                    })
                    .collect()
            });
            let mut out = Vec::new();
            for r in results {
                out.extend(r?);
            }
            Ok(out)
        }
        DialogSource::Combined { data, lists } => {
            let mut chosen = Vec::new();
            for split in splits {
                let Some(list) = lists.get(split) else {
                    return Err(missing_split(layout, *split));
                };
                chosen.push((*split, list.clone()));
            }
            let mut dialogs = load_combined(data, &chosen)?;
            // Group by split in the order asked for, keeping file order inside a split.
            dialogs.sort_by_key(|d| splits.iter().position(|s| Some(*s) == d.split));
            Ok(dialogs)
        }
        DialogSource::Schema22 { dir } => {
            let results: Vec<Result<Vec<Dialog>, LoadError>> = std::thread::scope(|s| {
                let handles: Vec<_> = splits
                    .iter()
                    .map(|split| s.spawn(move || schema22::load_split(dir, *split)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(LoadError::NoDialogs {
                                path: dir.clone(),
                                hint: "a loader thread panicked".to_string(),
                            })
                        })
                    })
                    .collect()
            });
            let mut out = Vec::new();
            for r in results {
                out.extend(r?);
            }
            Ok(out)
        }
    }
}

/// Loads one split of a located data folder and maps its dialogs with `f`, piece
/// by piece: when the split is one original-format file, the pieces of the file
/// are parsed and mapped on the rayon pool while the rest is still being read, so
/// that reading, parsing and `f` share the cores and the whole split is never in
/// memory at once. Other layouts are loaded whole and mapped as one piece. The
/// results are in file order; the pieces' dialogs, in order, are the split's.
pub fn map_split<T: Send>(
    layout: &DataLayout,
    split: Split,
    f: &(dyn Fn(Vec<Dialog>) -> T + Sync),
) -> Result<Vec<T>, LoadError> {
    match &layout.dialogs {
        DialogSource::PerSplit { files } => {
            let Some(path) = files.get(&split) else {
                return Err(missing_split(layout, split));
            };
            stream::map_original_file(path, Some(split), None, f)
        }
        _ => Ok(vec![f(load_splits(layout, &[split])?)]),
    }
}

/// The files [`load_splits`] reads for `split` (to key caches of data derived
/// from them); empty when the folder does not have the split.
pub fn split_sources(layout: &DataLayout, split: Split) -> Vec<PathBuf> {
    match &layout.dialogs {
        DialogSource::PerSplit { files } => files.get(&split).cloned().into_iter().collect(),
        DialogSource::Combined { data, lists } => match lists.get(&split) {
            Some(list) => vec![data.clone(), list.clone()],
            None => Vec::new(),
        },
        DialogSource::Schema22 { dir } => {
            let Ok(mut files) = schema22::split_files(dir, split) else {
                return Vec::new();
            };
            let acts = dir.join("dialog_acts.json");
            if acts.exists() {
                files.push(acts);
            }
            files
        }
    }
}

fn missing_split(layout: &DataLayout, split: Split) -> LoadError {
    LoadError::NoDialogs {
        path: layout.root.clone(),
        hint: format!(
            "the `{split}` split is not in this folder ({})",
            layout.dialogs.describe()
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    #[test]
    fn zip_members_are_capped_by_declared_size_and_limit() {
        let data = [b'x'; 100];
        assert_eq!(read_capped(&data[..], 100, 1000).unwrap().len(), 100);
        let over = read_capped(&data[..], 5000, 1000).unwrap_err();
        assert!(over.contains("over the limit"), "{over}");
        let lie = read_capped(&data[..], 10, 1000).unwrap_err();
        assert!(lie.contains("more than the 10 bytes"), "{lie}");
    }

    #[test]
    fn a_zip_member_within_its_declared_size_still_loads() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.json.zip");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        zip.start_file("test.json", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"{}").unwrap();
        zip.finish().unwrap();
        let (bytes, at) = read_bytes(&path, None).unwrap();
        assert_eq!(bytes, b"{}");
        assert_eq!(at.member.as_deref(), Some("test.json"));
    }
}
