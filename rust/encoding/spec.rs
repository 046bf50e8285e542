//! What an encoding is made of (pre-tokenizer, mergeable ranks, special tokens), and the
//! registry of the built-in encodings with exactly the special tokens tiktoken defines.

use crate::error::{Error, Result};
use crate::pretok::{Family, Pretok};
use crate::vocab::{tiktoken_format, Rank, Vocab, MAX_RANK};
use std::sync::Arc;

/// Everything an encoding is made of: pre-tokenizer, mergeable ranks, special tokens.
pub struct Spec {
    /// The encoding's name.
    pub name: String,
    /// The pre-tokenizer.
    pub pretok: Pretok,
    /// The mergeable tokens.
    pub vocab: Arc<Vocab>,
    /// Special tokens and their ids, in the order of the dict that named them (where one is a
    /// prefix of another, the order decides which tiktoken matches).
    pub specials: Vec<(String, Rank)>,
}

/// Names of the built-in encodings, in tiktoken's order.
pub const BUILTIN_NAMES: [&str; 7] =
    ["gpt2", "r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base", "o200k_harmony"];

const ENDOFTEXT: &str = "<|endoftext|>";
const FIM_PREFIX: &str = "<|fim_prefix|>";
const FIM_MIDDLE: &str = "<|fim_middle|>";
const FIM_SUFFIX: &str = "<|fim_suffix|>";
const ENDOFPROMPT: &str = "<|endofprompt|>";

impl Spec {
    /// The built-in encoding `name`, with exactly the special tokens tiktoken 0.14 defines.
    pub fn builtin(name: &str) -> Result<Spec> {
        let s = |pairs: &[(&str, Rank)]| pairs.iter().map(|(t, r)| (t.to_string(), *r)).collect::<Vec<_>>();
        let (family, vocab, specials) = match name {
            "gpt2" | "r50k_base" => (Family::Gpt2, "r50k_base", s(&[(ENDOFTEXT, 50256)])),
            "p50k_base" => (Family::Gpt2, "p50k_base", s(&[(ENDOFTEXT, 50256)])),
            "p50k_edit" => (
                Family::Gpt2,
                "p50k_base",
                s(&[(ENDOFTEXT, 50256), (FIM_PREFIX, 50281), (FIM_MIDDLE, 50282), (FIM_SUFFIX, 50283)]),
            ),
            "cl100k_base" => (
                Family::Cl100k,
                "cl100k_base",
                s(&[
                    (ENDOFTEXT, 100257),
                    (FIM_PREFIX, 100258),
                    (FIM_MIDDLE, 100259),
                    (FIM_SUFFIX, 100260),
                    (ENDOFPROMPT, 100276),
                ]),
            ),
            "o200k_base" => (Family::O200k, "o200k_base", s(&[(ENDOFTEXT, 199999), (ENDOFPROMPT, 200018)])),
            "o200k_harmony" => (Family::O200k, "o200k_base", harmony_specials()),
            other => return Err(Error::UnknownEncoding(other.to_string())),
        };
        let vocab = crate::vocab::builtin(vocab).ok_or_else(|| Error::UnknownEncoding(name.to_string()))?;
        Ok(Spec { name: name.to_string(), pretok: Pretok::Family(family), vocab, specials })
    }

    /// An encoding from `.tiktoken` data split by `pretok`, checked for consistency.
    pub fn from_tiktoken(name: &str, pretok: Pretok, data: &[u8], specials: Vec<(String, Rank)>) -> Result<Spec> {
        let pairs = tiktoken_format::parse(data)?;
        if let Some((_, rank)) = pairs.iter().find(|p| p.1 > MAX_RANK) {
            return Err(Error::MalformedVocab { line: 0, reason: format!("rank {rank} is above {MAX_RANK}") });
        }
        let vocab = Vocab::from_pairs(pairs);
        // Two texts may share an id (o200k_harmony's do); decoding gives the first one's text.
        for (text, id) in &specials {
            if text.is_empty() {
                return Err(Error::InvalidSpecial(text.clone(), "empty text".to_string()));
            }
            if vocab.bytes_of(*id).is_some() {
                return Err(Error::InvalidSpecial(text.clone(), format!("id {id} is a mergeable token")));
            }
            if *id == Rank::MAX {
                return Err(Error::InvalidSpecial(text.clone(), format!("id {id} is out of range")));
            }
        }
        let mut texts: Vec<&str> = specials.iter().map(|s| s.0.as_str()).collect();
        texts.sort_unstable();
        if let Some(w) = texts.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidSpecial(w[0].to_string(), "text is used twice".to_string()));
        }
        Ok(Spec { name: name.to_string(), pretok, vocab: Arc::new(vocab), specials })
    }
}

/// o200k_harmony's special tokens, reserved range included.
fn harmony_specials() -> Vec<(String, Rank)> {
    let named: [(&str, Rank); 16] = [
        (ENDOFPROMPT, 200018),
        ("<|startoftext|>", 199998),
        (ENDOFTEXT, 199999),
        ("<|reserved_200000|>", 200000),
        ("<|reserved_200001|>", 200001),
        ("<|return|>", 200002),
        ("<|constrain|>", 200003),
        ("<|reserved_200004|>", 200004),
        ("<|channel|>", 200005),
        ("<|start|>", 200006),
        ("<|end|>", 200007),
        ("<|message|>", 200008),
        ("<|reserved_200009|>", 200009),
        ("<|reserved_200010|>", 200010),
        ("<|reserved_200011|>", 200011),
        ("<|call|>", 200012),
    ];
    let mut all: Vec<(String, Rank)> = named.iter().map(|(t, r)| (t.to_string(), *r)).collect();
    // o200k_base's <|endofprompt|> keeps id 200018, which the reserved range gives
    // <|reserved_200018|> too: two texts, one id, as in tiktoken.
    all.extend((200013..201088).map(|i| (format!("<|reserved_{i}|>"), i)));
    all
}
