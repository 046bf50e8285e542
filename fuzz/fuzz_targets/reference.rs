//! tiktoken's byte-pair encoding, transcribed plainly, as the fuzz targets' reference.

use streamtok::{Rank, Vocab};

/// tiktoken's encoding of one piece (src/lib.rs), as plainly as it reads: a piece that is a token
/// is that token; otherwise `byte_pair_merge` merges the adjacent pair of parts whose
/// concatenation has the lowest rank, the leftmost on a tie, until no pair is a token.
pub fn reference(vocab: &Vocab, piece: &[u8]) -> Vec<Rank> {
    if let Some(r) = vocab.rank(piece) {
        return vec![r];
    }
    let mut starts: Vec<usize> = (0..=piece.len()).collect();
    loop {
        let mut best: Option<(Rank, usize)> = None;
        for i in 0..starts.len().saturating_sub(2) {
            if let Some(r) = vocab.rank(&piece[starts[i]..starts[i + 2]]) {
                if best.is_none_or(|(b, _)| r < b) {
                    best = Some((r, i));
                }
            }
        }
        let Some((_, i)) = best else { break };
        starts.remove(i + 1);
    }
    starts.windows(2).map(|w| vocab.rank(&piece[w[0]..w[1]]).expect("every single byte is a token")).collect()
}

/// Hugging Face's byte-pair encoding of one piece (`tokenizers`' `Word::merge_all`), as plainly
/// as it reads: again and again the adjacent pair of parts that comes first in `merges` (pairs
/// of ids; a pair listed twice counts at its last place), the leftmost on a tie, becomes the
/// token of their bytes; with `whole_first` (`ignore_merges`), a piece that is a token is that
/// token.
// Only the bpe target uses it; the others include this file too.
#[allow(dead_code)]
pub fn reference_by_list(vocab: &Vocab, merges: &[(Rank, Rank)], whole_first: bool, piece: &[u8]) -> Vec<Rank> {
    if whole_first {
        if let Some(r) = vocab.rank(piece) {
            return vec![r];
        }
    }
    let mut parts: Vec<Rank> = piece.iter().map(|&b| vocab.rank(&[b]).expect("every single byte is a token")).collect();
    loop {
        let best = (0..parts.len().saturating_sub(1))
            .filter_map(|i| merges.iter().rposition(|&m| m == (parts[i], parts[i + 1])).map(|p| (p, i)))
            .min();
        let Some((_, i)) = best else { return parts };
        let joined =
            [vocab.bytes_of(parts[i]).expect("a token"), vocab.bytes_of(parts[i + 1]).expect("a token")].concat();
        parts[i] = vocab.rank(&joined).expect("a merge makes a token");
        parts.remove(i + 1);
    }
}
