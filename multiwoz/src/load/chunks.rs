//! Cutting an indented `{id: dialog, …}` file, as it is read, into pieces that
//! parse on their own, so that a large file is parsed on every core while the
//! rest of it is still being read or unzipped.
//!
//! A cut is made only where a top-level member starts: at a `,` followed by
//! exactly the whitespace that precedes the file's first key (a newline and the
//! top-level indentation) and a `"`. A raw newline cannot occur inside a JSON
//! string and a deeper key is indented further, so in a consistently indented file
//! such a place always lies between two top-level members. Each piece is a
//! complete object (`{` + its members + `}`). The caller checks every piece by
//! parsing it and parses the whole file instead when one fails, so a cut in the
//! wrong place (an oddly indented file) costs time, never a different result.

/// Cuts bytes pushed in file order into complete objects of about `target` bytes.
pub(super) struct Cutter {
    target: usize,
    current: Vec<u8>,
    /// `,` + the top-level indentation + `"`, once known; `Some(None)` when the
    /// file cannot be cut (compact, or not an object).
    separator: Option<Option<Vec<u8>>>,
    /// How far `current` has been searched for the separator.
    searched: usize,
}

impl Cutter {
    /// A cutter making pieces of at least `target` bytes.
    pub(super) fn new(target: usize) -> Cutter {
        Cutter {
            target,
            current: Vec::with_capacity(target + target / 4),
            separator: None,
            searched: 0,
        }
    }

    /// Appends `data`; calls `piece` with every piece completed by it.
    pub(super) fn push(&mut self, data: &[u8], piece: &mut impl FnMut(Vec<u8>)) {
        self.current.extend_from_slice(data);
        if self.separator.is_none() {
            self.separator = member_separator(&self.current);
        }
        let Some(Some(separator)) = &self.separator else {
            return;
        };
        while self.current.len() >= self.target {
            let from = self
                .searched
                .max(self.target)
                .saturating_sub(separator.len());
            let Some(at) = find(&self.current[from..], separator) else {
                self.searched = self.current.len();
                return;
            };
            let comma = from + at;
            // The next piece opens with `{` and starts at the next member's key.
            let mut next = Vec::with_capacity(self.target + self.target / 4);
            next.push(b'{');
            next.extend_from_slice(&self.current[comma + separator.len() - 1..]);
            let mut done = std::mem::replace(&mut self.current, next);
            done.truncate(comma);
            done.push(b'}');
            self.searched = 0;
            piece(done);
        }
    }

    /// The last piece: what was pushed since the last cut.
    pub(super) fn finish(self) -> Vec<u8> {
        self.current
    }
}

/// The member separator of `bytes`, once the first key can be seen: `Some(None)`
/// when the file cannot be cut, `None` while more bytes are needed to tell.
fn member_separator(bytes: &[u8]) -> Option<Option<Vec<u8>>> {
    let open = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    if bytes[open] != b'{' {
        return Some(None);
    }
    let rest = &bytes[open + 1..];
    let ws = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let indent = &rest[..ws];
    if rest[ws] != b'"' || !indent.contains(&b'\n') {
        return Some(None);
    }
    let mut separator = Vec::with_capacity(indent.len() + 2);
    separator.push(b',');
    separator.extend_from_slice(indent);
    separator.push(b'"');
    Some(Some(separator))
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, tail) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = haystack[from..].iter().position(|&b| b == first) {
        let at = from + i;
        if haystack[at + 1..].starts_with(tail) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;

    fn cut(text: &str, target: usize, block: usize) -> Vec<String> {
        let mut cutter = Cutter::new(target);
        let mut out = Vec::new();
        for chunk in text.as_bytes().chunks(block) {
            cutter.push(chunk, &mut |p| out.push(String::from_utf8(p).unwrap()));
        }
        out.push(String::from_utf8(cutter.finish()).unwrap());
        out
    }

    fn members(pieces: &[String]) -> Vec<(String, serde_json::Value)> {
        pieces
            .iter()
            .flat_map(|p| {
                let v: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(p).unwrap();
                v.into_iter().collect::<Vec<_>>()
            })
            .collect()
    }

    const INDENTED: &str = "{\n  \"a\": {\n    \"x\": [1, 2],\n    \"y\": \"s,\\n  \\\"q\"\n  },\n  \"b\": {\"z\": {}},\n  \"c\": 3\n}\n";

    #[test]
    fn indented_objects_are_cut_between_top_level_members_only() {
        let whole: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(INDENTED).unwrap();
        let whole: Vec<_> = whole.into_iter().collect();
        for target in 1..INDENTED.len() + 2 {
            for block in [1, 3, 7, 64] {
                let pieces = cut(INDENTED, target, block);
                assert_eq!(members(&pieces), whole, "target {target} block {block}");
            }
        }
        assert_eq!(cut(INDENTED, 1, 5).len(), 3);
    }

    #[test]
    fn compact_objects_and_non_objects_stay_whole() {
        let compact = "{\"a\": 1, \"b\": 2}";
        assert_eq!(cut(compact, 1, 2), vec![compact.to_string()]);
        let array = "[\n  1,\n  2\n]";
        assert_eq!(cut(array, 1, 2), vec![array.to_string()]);
    }
}
