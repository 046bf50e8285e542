//! Byte-pair merging on vocabularies and pieces that the fuzzer makes: the core's merges (short
//! and long pieces, alone or inside a longer text, with and without the rank cache) give the
//! tokens of tiktoken's own algorithm (fuzz_targets/reference.rs), and decode back to the
//! piece; the same vocabulary as a merges list (every split of each token into two tokens, in a
//! data-chosen order) gives the tokens of Hugging Face's algorithm. Arbitrary bytes given to the
//! `.tiktoken` parser are an error, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use streamtok::bpe::{self, Help, LazyStarts, PairMemo};
use streamtok::pretok::Pretok;
use streamtok::{Encoding, Family, Merges, Rank};
use streamtok::{Spec, Vocab};

#[path = "reference.rs"]
mod reference;
use reference::{reference, reference_by_list};

fuzz_target!(|data: &[u8]| {
    let [config, rest @ ..] = data else { return };
    if config & 1 == 1 {
        // The parser and the checks on a loaded encoding must reject bad data with an error.
        let specials = vec![("<|x|>".to_string(), Rank::from(*config) << 8)];
        if let Ok(spec) = Spec::from_tiktoken("fuzz", Pretok::Family(Family::Gpt2), rest, specials) {
            if let Ok(enc) = Encoding::new(spec) {
                let ids = enc.encode_ordinary("hello world 123");
                let ids: Vec<u64> = ids.into_iter().map(u64::from).collect();
                assert_eq!(enc.decode_bytes(&ids).expect("own ids decode"), b"hello world 123");
            }
        }
        return;
    }
    // Merge tokens: `count` runs of 2 to 5 bytes taken from the data, after the 256 single bytes,
    // ranked in the order given (so a rank can be lower than a part's); the rest is the piece.
    let Some((&count, mut rest)) = rest.split_first() else { return };
    let mut pairs: Vec<(Vec<u8>, Rank)> = (0..=255u8).map(|b| (vec![b], Rank::from(b))).collect();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..count % 48 {
        let Some((&len, after)) = rest.split_first() else { break };
        let len = 2 + usize::from(len % 4);
        if after.len() < len {
            break;
        }
        let (token, after) = after.split_at(len);
        rest = after;
        if seen.insert(token.to_vec()) {
            pairs.push((token.to_vec(), pairs.len() as Rank));
        }
    }
    // Long pieces exercise the heap merge; a repeated piece can be made from a short input.
    // The reference is quadratic, so pieces stay below 2 KB.
    let mut piece: Vec<u8> = if config & 2 != 0 { rest.repeat(1 + usize::from(config >> 2)) } else { rest.to_vec() };
    piece.truncate(2048);
    if piece.is_empty() {
        return;
    }
    let vocab = Vocab::from_pairs(pairs);
    let expected = reference(&vocab, &piece);
    let mut got = Vec::new();
    bpe::encode_piece(&vocab, &piece, &mut got);
    assert_eq!(got, expected, "encode_piece of {piece:?}");
    assert_eq!(bpe::count_piece(&vocab, &piece), expected.len(), "count_piece of {piece:?}");
    // The same piece inside a longer text, with the index and the memo an encoding gives the
    // merge of long pieces: the merges may load bytes past its end, never use them.
    let (starts, pairs) = (LazyStarts::default(), std::sync::OnceLock::from(PairMemo::new(true)));
    let help = Help { starts: Some(&starts), pairs: Some(&pairs), merges: None };
    let pad = usize::from(config >> 4);
    let text: Vec<u8> = [&piece[..pad.min(piece.len())], &piece, &piece[..]].concat();
    let (start, end) = (pad.min(piece.len()), pad.min(piece.len()) + piece.len());
    let mut inside: Vec<Rank> = Vec::new();
    bpe::encode(&vocab, help, &text, start, end, &mut inside);
    assert_eq!(inside, expected, "encode_piece_at of {piece:?} in {text:?}");
    assert_eq!(bpe::count(&vocab, help, &text, start, end), expected.len());
    let mut spans: Vec<(u32, Rank)> = Vec::new();
    bpe::encode(&vocab, help, &text, start, end, &mut spans);
    assert_eq!(spans.iter().map(|s| s.1).collect::<Vec<_>>(), expected, "encode into spans of {piece:?}");
    assert_eq!(spans.last().map(|s| s.0 as usize), Some(end));
    if vocab.rank(&piece).is_none() {
        let mut cache = streamtok::Filtered(&vocab);
        let mut cached: Vec<Rank> = Vec::new();
        bpe::encode_merged(&mut cache, help, &text, start, end, &mut cached);
        assert_eq!(cached, expected, "encode_merged through the rank cache of {piece:?}");
        let mut n = bpe::Count(0);
        bpe::encode_merged(&mut cache, help, &text, start, end, &mut n);
        assert_eq!(n.0, expected.len());
    }
    let decoded: Vec<u8> = got.iter().flat_map(|&r| vocab.bytes_of(r).expect("a token").to_vec()).collect();
    assert_eq!(decoded, piece);

    // Pair-priority merges: each token's splits into two tokens, the tokens taken from the last
    // one made back to the first when the piece's first byte is odd (a merges list whose order
    // is not the ranks'), with the whole-piece lookup when its last byte is odd.
    let mut list: Vec<(Rank, Rank)> = Vec::new();
    let mut tokens: Vec<Rank> = (256..vocab.rank_end()).collect();
    if piece[0] & 1 == 1 {
        tokens.reverse();
    }
    for t in tokens {
        let bytes = vocab.bytes_of(t).expect("a token");
        for mid in 1..bytes.len() {
            if let (Some(a), Some(b)) = (vocab.rank(&bytes[..mid]), vocab.rank(&bytes[mid..])) {
                list.push((a, b));
            }
        }
    }
    let whole_first = piece[piece.len() - 1] & 1 == 1;
    let indexed: Vec<(Rank, Rank, Rank)> = (0..).zip(&list).map(|(i, &(a, b))| (i, a, b)).collect();
    let merges = Merges::new(&vocab, &indexed, whole_first).expect("every merge makes a token");
    let expected = reference_by_list(&vocab, &list, whole_first, &piece);
    // A memo of pair checks holds one rule's answers: this rule gets its own.
    let pairs = std::sync::OnceLock::from(PairMemo::new(true));
    let help = Help { merges: Some(&merges), pairs: Some(&pairs), ..help };
    let mut by_list: Vec<Rank> = Vec::new();
    bpe::encode(&vocab, help, &text, start, end, &mut by_list);
    assert_eq!(by_list, expected, "pair-priority merges of {piece:?}");
    assert_eq!(bpe::count(streamtok::Filtered(&vocab), help, &text, start, end), expected.len());
});
