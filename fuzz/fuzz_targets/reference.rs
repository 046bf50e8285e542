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
