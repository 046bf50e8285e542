//! The model of a Hugging Face `tokenizer.json` whose model is byte-level BPE: its vocabulary
//! (tokens written with GPT-2's byte-to-character mapping, read back as bytes) and its merges
//! list. The rest of the file (normalizer, pre-tokenizer, added tokens) is the encoding's
//! (`encoding/tokenizer_json.rs`).

use super::{Merges, Rank, Vocab, MAX_RANK};
use crate::error::{Error, Result};
use rustc_hash::FxHashMap;
use serde_json::Value;

/// GPT-2's byte-to-character mapping: printable Latin-1 bytes stand for themselves, the other
/// bytes (controls, space, DEL, NBSP, soft hyphen) for U+0100 and up, in byte order.
pub fn byte_chars() -> [char; 256] {
    let keeps = |b: u8| (b'!'..=b'~').contains(&b) || (0xa1..=0xac).contains(&b) || b >= 0xae;
    let mut out = ['\0'; 256];
    let mut next = 0x100;
    for b in 0..=255u8 {
        out[b as usize] = if keeps(b) {
            char::from(b)
        } else {
            next += 1;
            char::from_u32(next - 1).unwrap_or('\0')
        };
    }
    out
}

/// The byte that `c` stands for in GPT-2's mapping, if any.
fn byte_of(c: char) -> Option<u8> {
    match c as u32 {
        0x21..=0x7e | 0xa1..=0xac | 0xae..=0xff => Some(c as u8),
        // U+0100 + i is the i-th byte that does not stand for itself.
        n @ 0x100..=0x143 => {
            let i = n - 0x100;
            let others = (0u8..=0x20).chain([0x7f]).chain(0x80..=0xa0).chain([0xad]);
            others.clone().nth(i as usize)
        }
        _ => None,
    }
}

/// The bytes a token written in GPT-2's mapping stands for; `None` when a character is not one
/// of the mapping's (such a token is never made by merges of bytes).
pub fn token_bytes(token: &str) -> Option<Vec<u8>> {
    token.chars().map(byte_of).collect()
}

/// The bytes `tokenizers`' byte-level decoder gives for a token's text: the bytes its
/// characters stand for, or its UTF-8 when some character stands for none.
pub fn decoded_bytes(token: &str) -> Vec<u8> {
    token_bytes(token).unwrap_or_else(|| token.as_bytes().to_vec())
}

/// A byte-level BPE model read from `tokenizer.json`.
pub struct Model {
    /// Its tokens that stand for bytes, by id.
    pub vocab: Vocab,
    /// Its tokens that do not (never made by merges), by id, with their text.
    pub others: Vec<(Rank, String)>,
    /// The merges, in the order of the list.
    pub merges: Merges,
}

fn malformed(what: impl Into<String>) -> Error {
    Error::MalformedTokenizer(what.into())
}

fn unsupported(what: impl Into<String>) -> Error {
    Error::UnsupportedTokenizer(what.into())
}

/// The value of `field` of `object`, treating JSON null as absent.
pub fn field<'a>(object: &'a Value, field: &str) -> Option<&'a Value> {
    object.get(field).filter(|v| !v.is_null())
}

impl Model {
    /// Reads the `model` object of a tokenizer.json; refuses, naming the field, what would make
    /// `tokenizers` encode otherwise than byte-level BPE by its merges list.
    /// Its vocabulary is `vocab` when [`parse`] took it out of the object, else the object's.
    pub fn from_json(model: &Value, vocab: Option<&[(String, Value)]>) -> Result<Model> {
        let kind = field(model, "type").and_then(Value::as_str);
        if let Some(kind) = kind.filter(|k| *k != "BPE") {
            return Err(unsupported(format!("model type {kind:?} (only byte-level \"BPE\" is supported)")));
        }
        if kind.is_none() && field(model, "merges").is_none() {
            return Err(malformed("the model has neither a type nor merges"));
        }
        if let Some(d) = field(model, "dropout") {
            if d.as_f64() != Some(0.0) {
                return Err(unsupported(format!("model.dropout {d} (BPE dropout is random)")));
            }
        }
        if field(model, "byte_fallback").and_then(Value::as_bool) == Some(true) {
            return Err(unsupported("model.byte_fallback true (a SentencePiece-style BPE, not byte-level)"));
        }
        for affix in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let Some(v) = field(model, affix).filter(|v| v.as_str() != Some("")) {
                return Err(unsupported(format!("model.{affix} {v}")));
            }
        }
        let whole_first = match field(model, "ignore_merges") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| malformed("model.ignore_merges is not a boolean"))?,
        };
        let listed;
        let entries: &[(String, Value)] = match (vocab, field(model, "vocab")) {
            (Some(vocab), _) => vocab,
            (None, Some(Value::Object(map))) => {
                listed = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
                &listed
            }
            _ => return Err(malformed("model.vocab is not an object of token to id")),
        };
        let mut pairs = Vec::with_capacity(entries.len());
        let mut others = Vec::new();
        let mut ids = FxHashMap::with_capacity_and_hasher(entries.len(), Default::default());
        for (token, id) in entries {
            let id =
                id.as_u64().filter(|&id| id <= u64::from(MAX_RANK)).ok_or_else(|| {
                    malformed(format!("model.vocab: id of {token:?} is not an integer up to {MAX_RANK}"))
                })? as Rank;
            ids.insert(token.as_str(), id);
            match token_bytes(token) {
                Some(bytes) if !bytes.is_empty() => pairs.push((bytes, id)),
                _ => others.push((id, token.clone())),
            }
        }
        check_distinct(pairs.iter().map(|p| p.1).chain(others.iter().map(|o| o.0)))?;
        let vocab = Vocab::from_pairs(pairs);
        if let Some(b) = (0..=255u8).find(|&b| vocab.rank(&[b]).is_none()) {
            // `tokenizers` drops such a byte (or makes it the unknown token): no exact count.
            let c = byte_chars()[b as usize];
            return Err(unsupported(format!(
                "model.vocab has no token for byte {b:#04x} ({c:?}): tokenizers would drop it or make it unk_token"
            )));
        }
        let merges = read_merges(field(model, "merges"), &ids, &vocab)?;
        let merges = Merges::new(&vocab, &merges, whole_first).map_err(|e| malformed(format!("model.merges: {e}")))?;
        Ok(Model { vocab, others, merges })
    }
}

/// A tokenizer.json, parsed: everything as JSON values but the model's vocabulary, kept as a
/// list of its entries (into a map, the 100,000 and more keys of a real file would cost a
/// tree's worth of comparisons to insert and to drop).
pub struct Parsed {
    /// The file, its `model` without `vocab`.
    pub root: Value,
    /// The entries of `model.vocab`, in file order, if the file has one.
    pub vocab: Option<Vec<(String, Value)>>,
}

/// Parses a tokenizer.json (UTF-8 JSON).
pub fn parse(json: &[u8]) -> Result<Parsed> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
    use std::fmt;

    /// The model: its `vocab` member listed into `out`, the others into a map.
    struct Object<'a> {
        out: &'a mut Option<Vec<(String, Value)>>,
    }
    /// The root: its `model` member goes through `Object` for `vocab`.
    struct Root<'a>(&'a mut Option<Vec<(String, Value)>>);
    /// An object's entries, listed.
    struct Entries;

    impl<'de> Visitor<'de> for Entries {
        type Value = Vec<(String, Value)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("model.vocab: an object of token to id")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(entry) = map.next_entry::<String, Value>()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    impl<'de> DeserializeSeed<'de> for Entries {
        type Value = Vec<(String, Value)>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Root<'_> {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = if key == "model" {
                    map.next_value_seed(Object { out: &mut *self.0 })?
                } else {
                    map.next_value::<Value>()?
                };
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
    }
    impl<'de> DeserializeSeed<'de> for Root<'_> {
        type Value = Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Object<'_> {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("model: a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if key == "vocab" {
                    *self.out = Some(map.next_value_seed(Entries)?);
                } else {
                    out.insert(key, map.next_value::<Value>()?);
                }
            }
            Ok(Value::Object(out))
        }
    }
    impl<'de> DeserializeSeed<'de> for Object<'_> {
        type Value = Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    let mut vocab = None;
    let mut de = serde_json::Deserializer::from_slice(json);
    let root = Root(&mut vocab).deserialize(&mut de).and_then(|root| de.end().map(|()| root));
    let root = root.map_err(|e| malformed(e.to_string()))?;
    Ok(Parsed { root, vocab })
}

/// Refuses an id given to two tokens.
fn check_distinct(ids: impl Iterator<Item = Rank>) -> Result<()> {
    let mut seen: Vec<u64> = Vec::new();
    for id in ids {
        let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
        if word >= seen.len() {
            seen.resize(word + 1, 0);
        }
        if seen[word] & bit != 0 {
            return Err(malformed(format!("model.vocab: id {id} is given to two tokens")));
        }
        seen[word] |= bit;
    }
    Ok(())
}

/// The merges as `(priority, left, right)`, in either of the file's forms (`"a b"` or
/// `["a", "b"]`); a merge whose part is a token that stands for no bytes is left out (no
/// merge of bytes ever makes that part).
fn read_merges(merges: Option<&Value>, ids: &FxHashMap<&str, Rank>, vocab: &Vocab) -> Result<Vec<(Rank, Rank, Rank)>> {
    let Some(Value::Array(list)) = merges else {
        return Err(malformed("model.merges is not a list"));
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, merge) in list.iter().enumerate() {
        let (left, right) = match merge {
            Value::String(s) => match s.split_once(' ') {
                Some((a, b)) if !b.contains(' ') => (a, b),
                _ => return Err(malformed(format!("model.merges[{i}] {s:?} is not two tokens split by a space"))),
            },
            Value::Array(pair) => match &pair[..] {
                [Value::String(a), Value::String(b)] => (a.as_str(), b.as_str()),
                _ => return Err(malformed(format!("model.merges[{i}] is not a pair of tokens"))),
            },
            _ => return Err(malformed(format!("model.merges[{i}] is neither \"a b\" nor [\"a\", \"b\"]"))),
        };
        let id = |part: &str| {
            ids.get(part)
                .copied()
                .ok_or_else(|| malformed(format!("model.merges[{i}]: {part:?} is not in model.vocab")))
        };
        let (a, b) = (id(left)?, id(right)?);
        if vocab.bytes_of(a).is_some() && vocab.bytes_of(b).is_some() {
            out.push((i as Rank, a, b));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_mapping_is_gpt2s_and_goes_both_ways() {
        let chars = byte_chars();
        assert_eq!(chars[b' ' as usize], 'Ġ');
        assert_eq!(chars[b'\n' as usize], 'Ċ');
        assert_eq!(chars[b'a' as usize], 'a');
        assert_eq!(chars[0xad], '\u{143}');
        for b in 0..=255u8 {
            assert_eq!(byte_of(chars[b as usize]), Some(b));
        }
        assert_eq!(token_bytes("Ġhello"), Some(b" hello".to_vec()));
        assert_eq!(token_bytes("<｜begin｜>"), None);
        assert_eq!(decoded_bytes("<｜x｜>"), "<｜x｜>".as_bytes());
    }

    fn model(json: &str) -> Result<Model> {
        Model::from_json(&serde_json::from_str(json).unwrap(), None)
    }

    #[test]
    fn a_model_reads_its_bytes_and_merges_and_refuses_what_it_cannot_run() {
        let mut entries: serde_json::Map<String, Value> =
            byte_chars().iter().enumerate().map(|(i, c)| (c.to_string(), Value::from(i))).collect();
        for (token, id) in [("Ġa", 256), ("<s>x</s>", 257), ("<｜s｜>", 258)] {
            entries.insert(token.to_string(), Value::from(id));
        }
        let vocab = Value::Object(entries).to_string();
        let vocab = &vocab[1..vocab.len() - 1];
        let m = model(&format!(r#"{{"type": "BPE", "vocab": {{{vocab}}}, "merges": ["Ġ a"]}}"#)).unwrap();
        assert_eq!(m.vocab.rank(b" a"), Some(256));
        assert_eq!(m.others, [(258, "<｜s｜>".to_string())]);
        assert_eq!(m.merges.priority(256, 1), Some(0));
        let pair_form =
            format!(r#"{{"type": "BPE", "vocab": {{{vocab}}}, "merges": [["Ġ", "a"]], "ignore_merges": true}}"#);
        assert!(model(&pair_form).unwrap().merges.whole_first());
        let refused = |extra: &str| {
            let json = format!(r#"{{"type": "BPE", "vocab": {{{vocab}}}, "merges": [], {extra}}}"#);
            model(&json).err().map(|e| e.to_string()).unwrap_or_default()
        };
        assert!(refused(r#""dropout": 0.1"#).contains("model.dropout"));
        assert!(refused(r#""byte_fallback": true"#).contains("model.byte_fallback"));
        assert!(refused(r###""continuing_subword_prefix": "##""###).contains("model.continuing_subword_prefix"));
        assert!(refused(r#""end_of_word_suffix": "</w>""#).contains("model.end_of_word_suffix"));
        assert!(refused(r#""dropout": 0.0"#).is_empty());
        let wordpiece = model(r#"{"type": "WordPiece", "vocab": {}}"#).err().unwrap().to_string();
        assert!(wordpiece.contains("model type \"WordPiece\""), "{wordpiece}");
        let missing_byte = model(r#"{"type": "BPE", "vocab": {"a": 0}, "merges": []}"#).err().unwrap().to_string();
        assert!(missing_byte.contains("no token for byte 0x00"), "{missing_byte}");
        let bad_merge = format!(r#"{{"type": "BPE", "vocab": {{{vocab}}}, "merges": ["Ġ b c"]}}"#);
        assert!(model(&bad_merge).err().unwrap().to_string().contains("model.merges[0]"));
    }
}
