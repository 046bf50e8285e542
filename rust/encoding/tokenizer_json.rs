//! A Hugging Face `tokenizer.json` whose model is byte-level BPE, as an [`Encoding`]: the
//! pipeline `tokenizers` runs for `encode(text, add_special_tokens=False)`, in its order.
//!
//! 1. Added tokens are split out of the text: first those matched in the text as it is
//!    (`normalized: false`), leftmost-longest; then, in the text between them, normalized, those
//!    matched after normalization.
//! 2. The normalizer: none, or NFC (a `Sequence` of them), on the text between added tokens.
//! 3. The pre-tokenizer: `Split`s (`Isolated`, each splitting the pieces of the one before,
//!    gaps kept as pieces) and a last `ByteLevel` (GPT-2's regex when `use_regex`; a space
//!    before each stretch of text that does not start with one when `add_prefix_space`).
//! 4. The merges of each piece, in the order of the merges list ([`Merges`]).
//!
//! Which added tokens are special: `special: true` ones are the encoding's special tokens
//! (allowed or not as tiktoken's API says); the others are split out of every text, as
//! `tokenizers` does, in every call. Anything else a file may hold is refused with an error that
//! names the component, never approximated.

use super::{Encoding, Spec};
use crate::error::{Error, Result};
use crate::pretok::compiled::{patterns, Compiled};
use crate::pretok::special::SpecialMatcher;
use crate::pretok::Pretok;
use crate::vocab::tokenizer_json::{decoded_bytes, field, parse, Model, Parsed};
use crate::vocab::{Merges, Rank};
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use unicode_normalization_alignments::{is_nfc_quick, IsNormalized, UnicodeNormalization};

fn malformed(what: impl Into<String>) -> Error {
    Error::MalformedTokenizer(what.into())
}

fn unsupported(what: impl Into<String>) -> Error {
    Error::UnsupportedTokenizer(what.into())
}

/// One added token of the file.
#[derive(Clone, Debug)]
struct Added {
    text: String,
    id: Rank,
    special: bool,
    /// Matched in the normalized text, after the others.
    normalized: bool,
}

/// The added tokens of the two passes: matched in the text as it is, then in the normalized
/// text between those.
#[derive(Clone)]
struct Stages {
    raw: SpecialMatcher,
    normalized: SpecialMatcher,
}

/// What the file puts around the pre-tokenizer and the merges that a tiktoken encoding has no
/// part for: added tokens that are no special token, NFC, a space before each stretch of text,
/// added tokens matched after normalization. An encoding has one only when it needs it.
pub(crate) struct Pipeline {
    nfc: bool,
    prefix_space: bool,
    added: Vec<Added>,
    /// The tokens recognised with no special token allowed, and with every one allowed.
    none: Stages,
    all: Stages,
    /// [`Pipeline::find_one_pass`], worked out once (it compares every pair of added tokens).
    one_pass: bool,
    /// The matcher of a stream that allows no special token, made once: a stream is made per
    /// choice and per channel of a response, and the matcher of a large added vocabulary takes
    /// milliseconds to build.
    stream_none: OnceLock<Option<Arc<SpecialMatcher>>>,
    /// The same for a stream that allows every special token.
    stream_all: OnceLock<Option<Arc<SpecialMatcher>>>,
}

/// What the pipeline makes of a text, in order: added tokens, and stretches of ordinary text
/// for the pre-tokenizer.
pub(crate) enum Part<'a> {
    /// An added (or allowed special) token.
    Token(Rank),
    /// Ordinary text.
    Text(&'a str),
}

/// `text` in NFC as `tokenizers` computes it (the same crate, the same Unicode 9 tables).
fn nfc(text: &str) -> Cow<'_, str> {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().map(|(c, _)| c).collect())
    }
}

impl Pipeline {
    fn new(nfc: bool, prefix_space: bool, added: Vec<Added>) -> Pipeline {
        let mut p = Pipeline {
            nfc,
            prefix_space,
            added,
            none: empty_stages(),
            all: empty_stages(),
            one_pass: false,
            stream_none: OnceLock::new(),
            stream_all: OnceLock::new(),
        };
        p.none = p.stages_of(|a| !a.special);
        p.all = p.stages_of(|_| true);
        p.one_pass = p.find_one_pass();
        p
    }

    /// The two passes' matchers for the added tokens that `keep` keeps, longest first: the
    /// Aho-Corasick automata of `tokenizers` find the leftmost match, and there the longest.
    fn stages_of(&self, keep: impl Fn(&Added) -> bool) -> Stages {
        let mut raw: Vec<(&str, Rank)> = Vec::new();
        let mut normalized: Vec<(String, Rank)> = Vec::new();
        for a in self.added.iter().filter(|a| keep(a)) {
            if a.normalized {
                let text = if self.nfc { nfc(&a.text).into_owned() } else { a.text.clone() };
                normalized.push((text, a.id));
            } else {
                raw.push((&a.text, a.id));
            }
        }
        // Stable: of two tokens of one length only one can match at a position.
        raw.sort_by_key(|t| Reverse(t.0.len()));
        normalized.sort_by_key(|t| Reverse(t.0.len()));
        Stages {
            raw: SpecialMatcher::new(raw),
            normalized: SpecialMatcher::new(normalized.iter().map(|(t, id)| (t.as_str(), *id))),
        }
    }

    /// The matchers for the special tokens that `allowed` allows (none: no special token).
    fn stages<'s>(&'s self, enc: &Encoding, allowed: Option<&SpecialMatcher>) -> Cow<'s, Stages> {
        let Some(allowed) = allowed.filter(|m| !m.is_empty()) else { return Cow::Borrowed(&self.none) };
        if std::ptr::eq(allowed, &**enc.all_specials()) {
            return Cow::Borrowed(&self.all);
        }
        let texts: HashSet<&[u8]> = allowed.allowed_texts().collect();
        if self.added.iter().filter(|a| a.special).all(|a| texts.contains(a.text.as_bytes())) {
            return Cow::Borrowed(&self.all);
        }
        Cow::Owned(self.stages_of(|a| !a.special || texts.contains(a.text.as_bytes())))
    }

    /// Whether one leftmost-longest pass over the text finds the added tokens that the two
    /// passes find: without a normalizer, when no token `n` of the second pass can start before
    /// a token `r` of the first and reach into it (`n` holds `r`, or an end of `n` is a start of
    /// `r`): the one pass would take `n` where the first pass takes `r`. Where `r` starts first,
    /// both take `r`.
    fn find_one_pass(&self) -> bool {
        let reaches_into = |n: &[u8], r: &[u8]| {
            n.windows(r.len()).any(|w| w == r) || (1..n.len().min(r.len())).any(|k| n.ends_with(&r[..k]))
        };
        let (normalized, raw): (Vec<&Added>, Vec<&Added>) = self.added.iter().partition(|a| a.normalized);
        !self.nfc && !normalized.iter().any(|n| raw.iter().any(|r| reaches_into(n.text.as_bytes(), r.text.as_bytes())))
    }

    /// The matcher of a stream that allows the special tokens of `allowed`: with the added
    /// tokens that are no special token, longest first (see [`Pipeline::find_one_pass`]).
    fn stream_matcher(&self, allowed: Option<&SpecialMatcher>) -> SpecialMatcher {
        let texts: HashSet<&[u8]> = allowed.map(|m| m.allowed_texts().collect()).unwrap_or_default();
        let mut kept: Vec<&Added> =
            self.added.iter().filter(|a| !a.special || texts.contains(a.text.as_bytes())).collect();
        kept.sort_by_key(|a| Reverse(a.text.len()));
        SpecialMatcher::new(kept.iter().map(|a| (a.text.as_str(), a.id)))
    }

    /// Calls `f` with the parts of `text`, in order.
    pub(crate) fn split(&self, enc: &Encoding, allowed: Option<&SpecialMatcher>, text: &str, f: &mut dyn FnMut(Part)) {
        let stages = self.stages(enc, allowed);
        let mut pos = 0;
        while let Some((start, end, id)) = stages.raw.find(text.as_bytes(), pos) {
            self.between(&stages.normalized, &text[pos..start], f);
            f(Part::Token(id));
            pos = end;
        }
        self.between(&stages.normalized, &text[pos..], f);
    }

    /// The parts of text between two added tokens of the first pass: normalized, then split by
    /// the second pass.
    fn between(&self, tokens: &SpecialMatcher, text: &str, f: &mut dyn FnMut(Part)) {
        if text.is_empty() {
            return;
        }
        let text = if self.nfc { nfc(text) } else { Cow::Borrowed(text) };
        let mut pos = 0;
        while let Some((start, end, id)) = tokens.find(text.as_bytes(), pos) {
            self.ordinary(&text[pos..start], f);
            f(Part::Token(id));
            pos = end;
        }
        self.ordinary(&text[pos..], f);
    }

    /// A stretch of ordinary text, with the space `add_prefix_space` puts before it.
    fn ordinary(&self, text: &str, f: &mut dyn FnMut(Part)) {
        if text.is_empty() {
        } else if self.prefix_space && !text.starts_with(' ') {
            f(Part::Text(&format!(" {text}")));
        } else {
            f(Part::Text(text));
        }
    }
}

fn empty_stages() -> Stages {
    Stages { raw: SpecialMatcher::default(), normalized: SpecialMatcher::default() }
}

/// The `type` of a component object, or an error naming `what`.
fn kind<'a>(v: &'a Value, what: &str) -> Result<&'a str> {
    field(v, "type").and_then(Value::as_str).ok_or_else(|| malformed(format!("{what} has no type")))
}

/// Whether the normalizer is NFC: none, `NFC`, or a `Sequence` of those.
fn read_normalizer(v: Option<&Value>) -> Result<bool> {
    let Some(v) = v else { return Ok(false) };
    match kind(v, "normalizer")? {
        "NFC" => Ok(true),
        "Sequence" => {
            let Some(Value::Array(parts)) = field(v, "normalizers") else {
                return Err(malformed("normalizer Sequence has no list of normalizers"));
            };
            let mut nfc = false;
            for part in parts {
                nfc |= read_normalizer(Some(part))?;
            }
            Ok(nfc)
        }
        other => Err(unsupported(format!("normalizer {other:?} (supported: NFC, and a Sequence of NFC)"))),
    }
}

/// One step of the pre-tokenizer.
enum Step {
    Split(String),
    ByteLevel { prefix_space: bool, regex: bool },
}

fn read_steps(v: &Value, out: &mut Vec<Step>) -> Result<()> {
    let flag = |name: &str, default: bool| match field(v, name) {
        None => Ok(default),
        Some(b) => b.as_bool().ok_or_else(|| malformed(format!("pre_tokenizer: {name} is not a boolean"))),
    };
    match kind(v, "pre_tokenizer")? {
        "Sequence" => {
            let Some(Value::Array(steps)) = field(v, "pretokenizers") else {
                return Err(malformed("pre_tokenizer Sequence has no list of pretokenizers"));
            };
            steps.iter().try_for_each(|s| read_steps(s, out))
        }
        "Split" => {
            let behavior = field(v, "behavior").and_then(Value::as_str).unwrap_or("");
            if behavior != "Isolated" {
                return Err(unsupported(format!("pre_tokenizer Split with behavior {behavior:?} (only \"Isolated\")")));
            }
            if flag("invert", false)? {
                return Err(unsupported("pre_tokenizer Split with invert true"));
            }
            let pattern = match field(v, "pattern") {
                Some(p) => match (field(p, "Regex"), field(p, "String")) {
                    (Some(Value::String(re)), None) => re.clone(),
                    (None, Some(Value::String(s))) => regex_syntax::escape(s),
                    _ => return Err(malformed("pre_tokenizer Split pattern is neither {\"Regex\"} nor {\"String\"}")),
                },
                None => return Err(malformed("pre_tokenizer Split has no pattern")),
            };
            out.push(Step::Split(pattern));
            Ok(())
        }
        "ByteLevel" => {
            out.push(Step::ByteLevel {
                prefix_space: flag("add_prefix_space", true)?,
                regex: flag("use_regex", true)?,
            });
            Ok(())
        }
        other => Err(unsupported(format!(
            "pre_tokenizer {other:?} (supported: Split, ByteLevel, and a Sequence of them ending with ByteLevel)"
        ))),
    }
}

/// The pre-tokenizer's splits, and whether a space goes before each stretch of text.
fn read_pre_tokenizer(v: Option<&Value>) -> Result<(Vec<Compiled>, bool)> {
    let Some(v) = v else {
        return Err(unsupported("pre_tokenizer null (a byte-level BPE needs the ByteLevel pre-tokenizer)"));
    };
    let mut steps = Vec::new();
    read_steps(v, &mut steps)?;
    let (prefix_space, regex) = match steps.pop() {
        Some(Step::ByteLevel { prefix_space, regex }) => (prefix_space, regex),
        _ => return Err(unsupported("pre_tokenizer that does not end with ByteLevel")),
    };
    if steps.iter().any(|s| matches!(s, Step::ByteLevel { .. })) {
        return Err(unsupported("pre_tokenizer with ByteLevel before its last step"));
    }
    if prefix_space && !steps.is_empty() {
        // The space would go before every piece of the splits before it.
        return Err(unsupported("pre_tokenizer ByteLevel with add_prefix_space true after a Split"));
    }
    let mut patterns: Vec<String> =
        steps.into_iter().filter_map(|s| if let Step::Split(p) = s { Some(p) } else { None }).collect();
    if regex {
        patterns.push(patterns::BYTE_LEVEL.to_string());
    }
    if patterns.is_empty() {
        patterns.push(patterns::WHOLE.to_string());
    }
    let compile =
        |p: &String| Compiled::new(p).map_err(|e| unsupported(format!("pre_tokenizer Split pattern {p:?}: {e}")));
    Ok((patterns.iter().map(compile).collect::<Result<_>>()?, prefix_space))
}

fn read_decoder(v: Option<&Value>) -> Result<()> {
    let Some(v) = v else { return Err(unsupported("decoder null (decode needs the ByteLevel decoder)")) };
    match kind(v, "decoder")? {
        "ByteLevel" => Ok(()),
        "Sequence" => match field(v, "decoders") {
            Some(Value::Array(parts)) => parts.iter().try_for_each(|p| read_decoder(Some(p))),
            _ => Err(malformed("decoder Sequence has no list of decoders")),
        },
        other => Err(unsupported(format!("decoder {other:?} (supported: ByteLevel)"))),
    }
}

fn read_added_tokens(v: Option<&Value>) -> Result<Vec<Added>> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Array(list) = v else { return Err(malformed("added_tokens is not a list")) };
    let mut out: Vec<Added> = Vec::with_capacity(list.len());
    let mut seen = HashSet::new();
    for (i, token) in list.iter().enumerate() {
        let text = field(token, "content")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(format!("added_tokens[{i}] has no content")))?;
        let id = field(token, "id")
            .and_then(Value::as_u64)
            .filter(|&id| id < u64::from(Rank::MAX))
            .ok_or_else(|| malformed(format!("added token {text:?} has no id below 2^32-1")))? as Rank;
        let flag = |name: &str, default: bool| match field(token, name) {
            None => Ok(default),
            Some(b) => b.as_bool().ok_or_else(|| malformed(format!("added token {text:?}: {name} is not a boolean"))),
        };
        for name in ["single_word", "lstrip", "rstrip"] {
            if flag(name, false)? {
                return Err(unsupported(format!("added token {text:?} with {name} true")));
            }
        }
        let special = flag("special", false)?;
        let normalized = flag("normalized", !special)?;
        // tokenizers ignores an empty added token.
        if text.is_empty() {
            continue;
        }
        if !seen.insert(text) {
            return Err(malformed(format!("added token {text:?} is listed twice")));
        }
        out.push(Added { text: text.to_string(), id, special, normalized });
    }
    Ok(out)
}

impl Encoding {
    /// The encoding of a Hugging Face `tokenizer.json` (its text) whose model is byte-level
    /// BPE: what `tokenizers` gives for `encode(text, add_special_tokens=False)`, the special
    /// tokens (`special: true`) recognised where allowed. Refuses what it cannot run exactly
    /// with [`Error::UnsupportedTokenizer`] naming the component.
    pub fn from_tokenizer_json(name: &str, json: &[u8]) -> Result<Encoding> {
        let Parsed { root, vocab } = parse(json)?;
        for part in ["truncation", "padding"] {
            if field(&root, part).is_some() {
                return Err(unsupported(format!("{part} (it changes what encode returns; set it to null)")));
            }
        }
        let model = field(&root, "model").ok_or_else(|| malformed("no model"))?;
        let model = Model::from_json(model, vocab.as_deref())?;
        let nfc = read_normalizer(field(&root, "normalizer"))?;
        let (levels, prefix_space) = read_pre_tokenizer(field(&root, "pre_tokenizer"))?;
        read_decoder(field(&root, "decoder"))?;
        let added = read_added_tokens(field(&root, "added_tokens"))?;
        let Model { vocab, others, merges } = model;
        // tokenizers keeps a normalized added token's text normalized, and decodes that.
        let decoded =
            |a: &Added| decoded_bytes(&if nfc && a.normalized { self::nfc(&a.text) } else { Cow::from(&a.text) });
        for a in &added {
            if vocab.bytes_of(a.id).is_some_and(|b| b != &decoded(a)[..]) {
                return Err(malformed(format!("added token {:?} has the id {} of another token", a.text, a.id)));
            }
        }
        let specials: Vec<(String, Rank)> =
            added.iter().filter(|a| a.special).map(|a| (a.text.clone(), a.id)).collect();
        let spec =
            Spec { name: name.to_string(), pretok: Pretok::Sequence(levels.into()), vocab: Arc::new(vocab), specials };
        let mut enc = Encoding::with_merges(spec, merges)?;
        // Special tokens are found leftmost-longest, as tokenizers finds them.
        let mut by_length: Vec<&Added> = added.iter().filter(|a| a.special).collect();
        by_length.sort_by_key(|a| Reverse(a.text.len()));
        enc.by_precedence = by_length.iter().map(|a| (a.text.clone(), a.id)).collect();
        enc.all_specials = Arc::new(SpecialMatcher::new(by_length.iter().map(|a| (a.text.as_str(), a.id))));
        // Decoded as tokenizers' byte-level decoder decodes their text.
        for a in added.iter().filter(|a| a.special) {
            enc.special_bytes.insert(a.id, decoded(a).into());
        }
        let mut other_bytes: HashMap<Rank, Box<[u8]>> =
            others.iter().map(|(id, text)| (*id, decoded_bytes(text).into())).collect();
        for a in added.iter().filter(|a| !a.special) {
            other_bytes.insert(a.id, decoded(a).into());
        }
        enc.other_bytes = other_bytes;
        let mixed = added.iter().any(|a| a.normalized) && added.iter().any(|a| !a.normalized);
        if nfc || prefix_space || mixed || added.iter().any(|a| !a.special) {
            enc.pipeline = Some(Arc::new(Pipeline::new(nfc, prefix_space, added)));
        }
        Ok(enc)
    }

    /// The merges list, if the encoding is a pair-priority BPE.
    pub fn merges(&self) -> Option<&Merges> {
        self.merges.as_deref()
    }

    /// The special tokens a stream of this encoding finds, given the ones `allowed` allows (with
    /// a tokenizer.json's added tokens that are no special token, which every text splits out);
    /// refuses, saying why, an encoding that streams cannot run exactly yet.
    pub fn stream_specials(&self, allowed: Option<Arc<SpecialMatcher>>) -> Result<Option<Arc<SpecialMatcher>>> {
        if !self.pretok.streams() {
            return Err(Error::NoStreams(
                self.name.clone(),
                "its pre-tokenizer is a Sequence of more than four Splits",
            ));
        }
        let Some(p) = &self.pipeline else { return Ok(allowed) };
        let why = if p.nfc {
            "its tokenizer.json normalizes text (NFC), which a delta can change across its seam"
        } else if p.prefix_space {
            "its tokenizer.json puts a space before the text (ByteLevel add_prefix_space)"
        } else if !p.one_pass {
            "its tokenizer.json has added tokens matched after normalization that overlap ones matched before"
        } else {
            let made = || {
                let matcher = p.stream_matcher(allowed.as_deref());
                (!matcher.is_empty()).then(|| Arc::new(matcher))
            };
            let all = |m: &SpecialMatcher| {
                let texts: HashSet<&[u8]> = m.allowed_texts().collect();
                p.added.iter().filter(|a| a.special).all(|a| texts.contains(a.text.as_bytes()))
            };
            return Ok(match allowed.as_deref() {
                None => p.stream_none.get_or_init(made).clone(),
                Some(m) if all(m) => p.stream_all.get_or_init(made).clone(),
                Some(_) => made(),
            });
        };
        Err(Error::NoStreams(self.name.clone(), why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::tokenizer_json::byte_chars;

    /// A tokenizer.json of all bytes and `merges` ("a b" each), with `rest` (JSON fields) for
    /// the other components.
    fn file(merges: &[&str], rest: &str) -> String {
        let mut vocab: serde_json::Map<String, Value> =
            byte_chars().iter().enumerate().map(|(i, c)| (c.to_string(), Value::from(i))).collect();
        for m in merges {
            let joined = m.replace(' ', "");
            let n = vocab.len();
            vocab.entry(joined).or_insert(Value::from(n));
        }
        let model = serde_json::json!({"type": "BPE", "vocab": vocab, "merges": merges});
        format!(r#"{{"model": {model}, "decoder": {{"type": "ByteLevel"}}, {rest}}}"#)
    }

    const BYTE_LEVEL: &str = r#""pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}"#;

    fn refusal(rest: &str) -> String {
        match Encoding::from_tokenizer_json("t", file(&[], rest).as_bytes()) {
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        }
    }

    #[test]
    fn a_file_encodes_by_its_merges_list_and_splits_out_added_tokens() {
        let rest = format!(
            r#"{BYTE_LEVEL}, "added_tokens": [{{"id": 300, "content": "<x>", "special": true}},
            {{"id": 301, "content": "hey", "special": false, "normalized": false}}]"#
        );
        let e = Encoding::from_tokenizer_json("t", file(&["Ġ h", "Ġh i"], &rest).as_bytes()).unwrap();
        let id = |s: &[u8]| e.vocab().rank(s).unwrap();
        assert_eq!(e.encode_ordinary(" hi"), [id(b" hi")]);
        // The added token that is no special token is split out of every text.
        assert_eq!(e.encode_ordinary("heyhi"), [301, id(b"h"), id(b"i")]);
        assert_eq!(e.count("heyhi"), 3);
        assert_eq!(e.encode_ordinary("<x>").len(), 3);
        assert_eq!(e.encode("a<x>", e.all_specials()), [id(b"a"), 300]);
        assert_eq!(e.decode_bytes(&[300, 301]).unwrap(), b"<x>hey");
        assert!(e.is_special_token(300) && !e.is_special_token(301));
    }

    #[test]
    fn long_texts_stay_whole() {
        // The cuts of long texts hold for the hand-written patterns only: a Split may join what
        // they separate (here a letter and the space after it).
        let rest = r#""pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "[a-z]+ ?"}, "behavior": "Isolated", "invert": false},
            {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}"#;
        let e = Encoding::from_tokenizer_json("t", file(&["a b", "ab Ġ"], rest).as_bytes()).unwrap();
        let text = "ab ".repeat(crate::encoding::split::SPLIT_BYTES);
        assert!(e.on_parts(&text, &SpecialMatcher::default(), 2, |p| p.len()).is_none());
        assert_eq!(e.count_on(&text, 2), crate::encoding::split::SPLIT_BYTES);
    }

    #[test]
    fn each_unsupported_component_is_named() {
        for (rest, named) in [
            (r#""normalizer": {"type": "Lowercase"}"#, "normalizer \"Lowercase\""),
            (r#""pre_tokenizer": {"type": "Metaspace"}"#, "pre_tokenizer \"Metaspace\""),
            (r#""pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Removed"}"#, "behavior"),
            (r#""pre_tokenizer": null"#, "pre_tokenizer null"),
            (r#""truncation": {"max_length": 5}"#, "truncation"),
            (r#""padding": {}"#, "padding"),
        ] {
            let got = refusal(rest);
            assert!(got.starts_with("unsupported tokenizer.json component") && got.contains(named), "{rest}: {got}");
        }
        let lstrip = format!(r#"{BYTE_LEVEL}, "added_tokens": [{{"id": 300, "content": "<x>", "lstrip": true}}]"#);
        assert!(refusal(&lstrip).contains("added token \"<x>\" with lstrip true"));
    }
}
