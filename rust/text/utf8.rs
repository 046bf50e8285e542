//! Incremental UTF-8 decoding for byte deltas that may split a character.
//!
//! Invalid bytes become U+FFFD one maximal ill-formed subsequence at a time, which is what
//! Python's `bytes.decode("utf-8", "replace")` and its incremental decoder produce.

use crate::error::{Error, Result};

/// Bytes of a character that a delta started but did not finish (at most 3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Utf8Carry {
    bytes: [u8; 4],
    len: u8,
}

impl Utf8Carry {
    /// Whether a partial character is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The waiting bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Decodes `carry + data` into `out`; a trailing incomplete character stays in the carry.
    ///
    /// With `strict`, invalid bytes are an error and neither `self` nor `out` changes.
    pub fn decode(&mut self, data: &[u8], strict: bool, out: &mut String) -> Result<()> {
        let carried = self.len as usize;
        let mut head = None;
        let mut rest = data;
        if carried > 0 {
            // The waiting character needs at most 4 - carried more bytes.
            let take = data.len().min(4 - carried);
            let mut joined = [0u8; 4];
            joined[..carried].copy_from_slice(self.bytes());
            joined[carried..carried + take].copy_from_slice(&data[..take]);
            let joined = &joined[..carried + take];
            match std::str::from_utf8(joined) {
                Err(e) if e.valid_up_to() == 0 => match e.error_len() {
                    None => {
                        // Still incomplete; nothing else is in `data`.
                        self.bytes[..joined.len()].copy_from_slice(joined);
                        self.len = joined.len() as u8;
                        return Ok(());
                    }
                    Some(n) => {
                        if strict {
                            return Err(invalid(0));
                        }
                        head = Some('\u{fffd}');
                        rest = &data[n - carried..];
                    }
                },
                _ => {
                    let c = first_char(joined);
                    head = Some(c);
                    rest = &data[c.len_utf8() - carried..];
                }
            }
        }
        if strict {
            if let Err(e) = std::str::from_utf8(rest) {
                if e.error_len().is_some() {
                    return Err(invalid(data.len() - rest.len() + e.valid_up_to()));
                }
            }
        }
        if let Some(c) = head {
            out.push(c);
        }
        *self = Utf8Carry::default();
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(s);
                    return Ok(());
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    match e.error_len() {
                        Some(n) => {
                            out.push('\u{fffd}');
                            rest = &after[n..];
                        }
                        None => {
                            self.bytes[..after.len()].copy_from_slice(after);
                            self.len = after.len() as u8;
                            return Ok(());
                        }
                    }
                }
            }
        }
    }

    /// Ends the input: a waiting partial character becomes one U+FFFD.
    pub fn finish(&mut self, out: &mut String) {
        if !self.is_empty() {
            out.push('\u{fffd}');
            *self = Utf8Carry::default();
        }
    }
}

/// The first character of `bytes`, which starts with a complete, valid one.
fn first_char(bytes: &[u8]) -> char {
    let valid = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    };
    valid.chars().next().unwrap_or('\u{fffd}')
}

fn invalid(offset: usize) -> Error {
    Error::InvalidUtf8 { offset, reason: "invalid start byte or continuation byte" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_split(data: &[u8], at: usize) -> String {
        let mut c = Utf8Carry::default();
        let mut out = String::new();
        c.decode(&data[..at], false, &mut out).unwrap();
        c.decode(&data[at..], false, &mut out).unwrap();
        c.finish(&mut out);
        out
    }

    #[test]
    fn any_split_decodes_like_lossy_whole() {
        let cases: [&[u8]; 5] = [
            "a\u{e9}\u{4e2d}\u{1f600}z".as_bytes(),
            b"\xe4\xb8",
            b"x\xff\xfey\xed\xa0\x80",
            b"\xf0\x9f\x98",
            b"\xe2\x82\xe2\x82\xac",
        ];
        for data in cases {
            let whole = String::from_utf8_lossy(data);
            for at in 0..=data.len() {
                assert_eq!(decode_split(data, at), whole, "{data:?} split at {at}");
            }
        }
    }

    #[test]
    fn strict_error_changes_nothing() {
        let mut c = Utf8Carry::default();
        let mut out = String::new();
        c.decode(b"ab\xe4", true, &mut out).unwrap();
        assert_eq!((out.as_str(), c.bytes()), ("ab", &b"\xe4"[..]));
        assert!(c.decode(b"x", true, &mut out).is_err());
        assert_eq!((out.as_str(), c.bytes()), ("ab", &b"\xe4"[..]));
    }
}
