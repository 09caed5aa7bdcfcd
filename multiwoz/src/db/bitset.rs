//! A fixed-size bit set over the entities of one table.

/// A set of entity positions, one bit each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bitset {
    words: Vec<u64>,
}

impl Bitset {
    /// The empty set over `len` positions.
    pub(crate) fn empty(len: usize) -> Bitset {
        Bitset {
            words: vec![0; len.div_ceil(64)],
        }
    }

    /// The full set over `len` positions.
    pub(crate) fn full(len: usize) -> Bitset {
        let mut words = vec![!0u64; len.div_ceil(64)];
        if let Some(last) = words.last_mut()
            && !len.is_multiple_of(64)
        {
            *last = (1u64 << (len % 64)) - 1;
        }
        Bitset { words }
    }

    /// Adds position `i`.
    pub(crate) fn insert(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    /// Keeps only the positions that are also in `other` or in `also`.
    pub(crate) fn intersect_union(&mut self, other: &Bitset, also: &Bitset) {
        for ((w, o), a) in self.words.iter_mut().zip(&other.words).zip(&also.words) {
            *w &= o | a;
        }
    }

    /// Keeps only the positions that are also in `other`.
    pub(crate) fn intersect(&mut self, other: &Bitset) {
        for (w, o) in self.words.iter_mut().zip(&other.words) {
            *w &= o;
        }
    }

    /// Whether no position is set.
    pub(crate) fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// The set positions in increasing order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + bit)
            })
        })
    }
}
