//! Parser of the `.tiktoken` text format: one `base64(token) rank` pair a line.
//!
//! Shared with `build.rs`, which uses it to turn the embedded vocabularies into rank-ordered blobs.

use crate::error::{Error, Result};
use base64::Engine as _;

/// Rank (token id) of a mergeable token.
pub type Rank = u32;

/// Parses `.tiktoken` data into `(token bytes, rank)` pairs, in file order.
///
/// Blank lines are skipped as tiktoken skips them; every other defect is an error that names its
/// line: a missing or extra field, bad base64, a rank that is not a number, a duplicated token or
/// rank. A file with no token at all is an error too.
pub fn parse(data: &[u8]) -> Result<Vec<(Vec<u8>, Rank)>> {
    let bad = |line: usize, reason: String| Error::MalformedVocab { line, reason };
    let text = std::str::from_utf8(data).map_err(|e| {
        let line = 1 + data[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        bad(line, "not utf-8 text".to_string())
    })?;
    let mut pairs = Vec::with_capacity(text.len() / 12);
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(token), Some(rank), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(bad(number, format!("expected `<base64 token> <rank>`, got {line:?}")));
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(token)
            .map_err(|e| bad(number, format!("bad base64 {token:?}: {e}")))?;
        let rank: Rank = rank
            .parse()
            .ok()
            .filter(|&r| r != Rank::MAX)
            .ok_or_else(|| bad(number, format!("rank {rank:?} is not an integer below 2^32-1")))?;
        pairs.push((bytes, rank));
    }
    if pairs.is_empty() {
        return Err(bad(0, "no tokens".to_string()));
    }
    check_unique(text, &pairs)?;
    Ok(pairs)
}

/// Rejects a token or a rank that appears twice, naming the line of its second appearance.
fn check_unique(text: &str, pairs: &[(Vec<u8>, Rank)]) -> Result<()> {
    let lines: Vec<usize> =
        text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, _)| i + 1).collect();
    let mut by_rank: Vec<usize> = (0..pairs.len()).collect();
    by_rank.sort_unstable_by_key(|&i| (pairs[i].1, i));
    for w in by_rank.windows(2) {
        if pairs[w[0]].1 == pairs[w[1]].1 {
            let reason = format!("duplicate rank {}", pairs[w[1]].1);
            return Err(Error::MalformedVocab { line: lines[w[1]], reason });
        }
    }
    let mut by_token: Vec<usize> = (0..pairs.len()).collect();
    by_token.sort_unstable_by(|&a, &b| pairs[a].0.cmp(&pairs[b].0).then(a.cmp(&b)));
    for w in by_token.windows(2) {
        if pairs[w[0]].0 == pairs[w[1]].0 {
            let reason = format!("duplicate token {:?}", String::from_utf8_lossy(&pairs[w[1]].0));
            return Err(Error::MalformedVocab { line: lines[w[1]], reason });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(data: &str) -> usize {
        match parse(data.as_bytes()) {
            Err(Error::MalformedVocab { line, .. }) => line,
            other => panic!("expected a malformed-vocab error, got {other:?}"),
        }
    }

    #[test]
    fn parses_pairs_and_skips_blank_lines() {
        let pairs = parse(b"YQ== 0\n\nYg== 1\n").unwrap();
        assert_eq!(pairs, vec![(b"a".to_vec(), 0), (b"b".to_vec(), 1)]);
    }

    #[test]
    fn each_defect_names_its_line() {
        assert_eq!(line_of("YQ== 0\n!!! 1\n"), 2);
        assert_eq!(line_of("YQ== 0\nYg==\n"), 2);
        assert_eq!(line_of("YQ== zero\n"), 1);
        assert_eq!(line_of("YQ== 0\nYg== 0\n"), 2);
        assert_eq!(line_of("YQ== 0\n\nYQ== 1\n"), 3);
        assert_eq!(line_of(""), 0);
    }
}
