//! Random edits of a seed input, shared by the corpus-driven property tests
//! (included with `#[path]` by each crate's `tests/fuzz_*.rs`).

use std::path::{Path, PathBuf};

use proptest::prelude::*;

/// The files of `fuzz/corpus/<kind>/`.
pub fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// One edit: cut a range, insert bytes, overwrite a byte, or truncate.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Remove `len` bytes at a position (taken modulo the length).
    Cut(usize, usize),
    /// Insert these bytes at a position.
    Insert(usize, Vec<u8>),
    /// Replace the byte at a position.
    Set(usize, u8),
    /// Keep only a prefix.
    Truncate(usize),
}

/// Up to `max` edits, with inserted bytes drawn mostly from the syntax of JSON and
/// TOML so that edits reach past the first parse error.
pub fn edits(max: usize) -> impl Strategy<Value = Vec<Edit>> {
    let token = prop_oneof![
        Just(b"\"".to_vec()),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"=".to_vec()),
        Just(b":".to_vec()),
        Just(b",".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"1e999".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..6),
    ];
    let edit = prop_oneof![
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| Edit::Cut(at, n)),
        (any::<usize>(), token).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Set(at, b)),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    proptest::collection::vec(edit, 1..=max)
}

/// `seed` with `edits` applied.
pub fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for edit in edits {
        let n = bytes.len().max(1);
        match edit {
            Edit::Cut(at, len) => {
                let start = at % n;
                let end = (start + len).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
            Edit::Insert(at, t) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, t.iter().copied());
            }
            Edit::Set(at, b) => {
                if !bytes.is_empty() {
                    let i = at % bytes.len();
                    bytes[i] = *b;
                }
            }
            Edit::Truncate(at) => bytes.truncate(at % n),
        }
    }
    bytes
}
