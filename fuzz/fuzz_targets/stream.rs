//! A stream fed arbitrary deltas (text, UTF-16 with lone surrogates, bytes split anywhere,
//! strict or lossy) counts and encodes like one-shot encoding of the text it accepted.
//!
//! Input: a config byte (encoding, special tokens, snapshots), a seed byte, then the delta bytes.
//! The seed drives a generator that picks each delta's kind and length, so the input's own bytes
//! choose the split points and the fuzzer can mutate them.
//!
//! The reference text is rebuilt with the standard library's lossy decoders (which replace
//! invalid UTF-8 as Python does), not with the stream's own carry.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use streamtok::{Encoding, Rank, SpecialMatcher, Stream};

const NAMES: [&str; 6] = ["r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base", "o200k_harmony"];

/// What the stream should have received: finished text plus a pending partial character.
#[derive(Default)]
struct Model {
    text: String,
    /// Bytes of a UTF-8 character not complete yet: not counted until it is.
    carry: Vec<u8>,
    /// A high surrogate that ended the last UTF-16 delta: counts as U+FFFD until completed.
    held: Option<u16>,
}

impl Model {
    fn settle(&mut self) {
        if !self.carry.is_empty() {
            self.carry.clear();
            self.text.push('\u{fffd}');
        }
        if self.held.take().is_some() {
            self.text.push('\u{fffd}');
        }
    }

    /// The text as if the input ended now (a carry has not arrived; a held surrogate is U+FFFD).
    fn now(&self) -> String {
        let mut t = self.text.clone();
        if self.held.is_some() {
            t.push('\u{fffd}');
        }
        t
    }
}

/// Length of the incomplete (but so far valid) UTF-8 character that ends `bytes`, if any.
fn incomplete_tail(bytes: &[u8]) -> usize {
    (1..=3.min(bytes.len()))
        .find(|&k| matches!(std::str::from_utf8(&bytes[bytes.len() - k..]), Err(e) if e.valid_up_to() == 0 && e.error_len().is_none()))
        .unwrap_or(0)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn expected_ids(enc: &Encoding, specials: Option<&SpecialMatcher>, text: &str) -> Vec<Rank> {
    match specials {
        None => enc.encode_ordinary(text),
        Some(m) => enc.encode(text, m),
    }
}

fn expected_count(enc: &Encoding, specials: Option<&SpecialMatcher>, text: &str) -> usize {
    match specials {
        None => enc.count(text),
        Some(m) => enc.count_with(text, m),
    }
}

fuzz_target!(|data: &[u8]| {
    let [config, seed, input @ ..] = data else { return };
    let enc = Encoding::builtin(NAMES[usize::from(config % 6)]).expect("built-in encoding");
    let specials: Option<Arc<SpecialMatcher>> = match (config >> 3) & 3 {
        0 | 1 => None,
        2 => Some(enc.all_specials().clone()),
        _ => Some(Arc::new(enc.special_matcher(["<|endoftext|>"]))),
    };
    let snapshots = config & 0x20 != 0;
    let m = specials.as_deref().filter(|m| !m.is_empty());
    let mut counter = Stream::new(enc.clone(), specials.clone());
    let mut encoder = Stream::new(enc.clone(), specials.clone());
    let mut ids: Vec<Rank> = Vec::new();
    let mut model = Model::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (u64::from(*seed) << 32 | input.len() as u64));
    let mut stable = 0;
    let mut rest = input;
    while !rest.is_empty() {
        let r = rng.next();
        let len = if r & 0x30 == 0 { (r >> 8) as usize % 64 } else { (r >> 8) as usize % 6 };
        let (chunk, after) = rest.split_at(len.min(rest.len()));
        rest = after;
        let before = (counter.count(), counter.stable_count());
        match r % 4 {
            0 => {
                let delta = String::from_utf8_lossy(chunk);
                if !delta.is_empty() {
                    model.settle();
                    model.text.push_str(&delta);
                }
                counter.push_str(&delta, None).expect("push_str");
                encoder.push_str(&delta, Some(&mut ids)).expect("push_str");
            }
            1 => {
                let units: Vec<u16> = chunk.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
                if !units.is_empty() {
                    if !model.carry.is_empty() {
                        model.carry.clear();
                        model.text.push('\u{fffd}');
                    }
                    let mut all: Vec<u16> = model.held.take().into_iter().collect();
                    all.extend_from_slice(&units);
                    if let Some(&last) = all.last() {
                        if (0xd800..0xdc00).contains(&last) {
                            model.held = all.pop();
                        }
                    }
                    model.text.push_str(&String::from_utf16_lossy(&all));
                }
                counter.push_utf16(&units, None).expect("push_utf16");
                encoder.push_utf16(&units, Some(&mut ids)).expect("push_utf16");
            }
            k => {
                let strict = k == 3;
                let mut all = model.carry.clone();
                all.extend_from_slice(chunk);
                let cut = all.len() - incomplete_tail(&all);
                let valid = std::str::from_utf8(&all[..cut]).is_ok();
                let got = counter.push_bytes(chunk, strict, None);
                let got_ids = encoder.push_bytes(chunk, strict, Some(&mut ids));
                if strict && !valid && !chunk.is_empty() {
                    // An error leaves the stream as it was.
                    assert!(got.is_err() && got_ids.is_err(), "strict push of invalid bytes {chunk:?} succeeded");
                    assert_eq!((counter.count(), counter.stable_count()), before);
                    continue;
                }
                got.expect("push_bytes");
                got_ids.expect("push_bytes");
                if !chunk.is_empty() {
                    if model.held.take().is_some() {
                        model.text.push('\u{fffd}');
                    }
                    model.text.push_str(&String::from_utf8_lossy(&all[..cut]));
                    model.carry = all[cut..].to_vec();
                }
            }
        }
        if snapshots && r & 0x40_0000 != 0 {
            counter = Stream::restore(enc.clone(), specials.clone(), counter.snapshot()).expect("restore");
        }
        let now = model.now();
        let whole = expected_ids(&enc, m, &now);
        assert_eq!(counter.count(), whole.len(), "count after {now:?}");
        assert_eq!(expected_count(&enc, m, &now), whole.len(), "one-shot count vs ids of {now:?}");
        assert_eq!(encoder.count(), whole.len(), "encoder count after {now:?}");
        assert!(counter.stable_count() >= stable && counter.stable_count() <= counter.count());
        stable = counter.stable_count();
        assert_eq!(encoder.stable_count(), ids.len());
        assert_eq!(ids[..], whole[..ids.len()], "stable ids after {now:?}");
        let mut all_ids = ids.clone();
        all_ids.extend(encoder.pending());
        assert_eq!(all_ids, whole, "stable + pending ids after {now:?}");
    }
    model.settle();
    let whole = expected_ids(&enc, m, &model.text);
    assert_eq!(counter.finish(None), whole.len(), "final count of {:?}", model.text);
    encoder.finish(Some(&mut ids));
    assert_eq!(ids, whole, "final ids of {:?}", model.text);
    assert_eq!(counter.stable_count(), counter.count());
});
