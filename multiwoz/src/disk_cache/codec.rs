//! The primitives cache payloads are written with: counts are little-endian
//! `u32`, strings are length-prefixed UTF-8, floats are their little-endian bits,
//! domains are one byte (their position in [`Domain::ALL`]). Reading checks every
//! count against the bytes left, so damaged bytes give [`Corrupt`], never a panic
//! or a huge allocation.

use crate::Domain;

/// The bytes do not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// Appends encoded values to a byte buffer.
#[derive(Debug, Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    /// A writer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Writer {
        Writer(Vec::with_capacity(n))
    }

    /// A count or length.
    pub fn count(&mut self, n: usize) {
        // Nothing in MultiWOZ comes near 4 GiB; a larger count could not be decoded
        // and makes the entry corrupt, which only costs a rebuild.
        self.0
            .extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    }

    /// A `u32`.
    pub fn u32(&mut self, n: u32) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    /// An `f32`, bit for bit.
    pub fn f32(&mut self, x: f32) {
        self.0.extend_from_slice(&x.to_bits().to_le_bytes());
    }

    /// One byte.
    pub fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    /// A string.
    pub fn str(&mut self, s: &str) {
        self.count(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    /// A domain.
    pub fn domain(&mut self, d: Domain) {
        self.0
            .push(Domain::ALL.iter().position(|x| *x == d).unwrap_or(0) as u8);
    }
}

/// Reads values back in the order they were written.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// Whether every byte was read.
    pub fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Corrupt> {
        let end = self.pos.checked_add(n).ok_or(Corrupt)?;
        let out = self.bytes.get(self.pos..end).ok_or(Corrupt)?;
        self.pos = end;
        Ok(out)
    }

    /// One byte.
    pub fn byte(&mut self) -> Result<u8, Corrupt> {
        Ok(self.take(1)?[0])
    }

    /// A `u32`.
    pub fn u32(&mut self) -> Result<u32, Corrupt> {
        let raw: [u8; 4] = self.take(4)?.try_into().map_err(|_| Corrupt)?;
        Ok(u32::from_le_bytes(raw))
    }

    /// An `f32`.
    pub fn f32(&mut self) -> Result<f32, Corrupt> {
        Ok(f32::from_bits(self.u32()?))
    }

    /// A count; it may not exceed the bytes left (every counted item takes at
    /// least one byte), which bounds what a damaged count can allocate.
    pub fn count(&mut self) -> Result<usize, Corrupt> {
        let n = self.u32()? as usize;
        if n > self.bytes.len() - self.pos {
            return Err(Corrupt);
        }
        Ok(n)
    }

    /// A string.
    pub fn str(&mut self) -> Result<&'a str, Corrupt> {
        let n = self.count()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| Corrupt)
    }

    /// A domain.
    pub fn domain(&mut self) -> Result<Domain, Corrupt> {
        Domain::ALL
            .get(usize::from(self.byte()?))
            .copied()
            .ok_or(Corrupt)
    }
}
