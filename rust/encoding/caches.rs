//! The caches one encoding keeps (ARCHITECTURE.md has their table): made with the encoding,
//! emptied by `clear_caches`, shared by every call and stream of it.

use crate::bpe::PairMemo;
use crate::cache::delta_memo::DeltaMemo;
use crate::cache::follow_memo::FollowMemo;
use crate::cache::scratch::ScratchPool;
use std::sync::OnceLock;

/// Every cache of one encoding.
#[derive(Default)]
pub struct EncodingCaches {
    /// The working memory one-shot calls keep warm for the next: piece tiers, long pieces, rank
    /// slots (one per call at a time).
    pub(crate) scratch: ScratchPool,
    /// What adjacent token pairs merge into, for streams and the merge of very long pieces.
    pairs: OnceLock<PairMemo>,
    /// What short deltas add after a token, for streams.
    follows: OnceLock<FollowMemo>,
    /// What short deltas are on their own, for streams.
    deltas: OnceLock<DeltaMemo>,
}

impl EncodingCaches {
    /// The memo of pair checks.
    pub fn pairs(&self) -> &PairMemo {
        self.pairs.get_or_init(PairMemo::default)
    }

    /// The memo of pair checks, made when first asked for (one-shot calls ask only for very long
    /// pieces).
    pub fn pairs_cell(&self) -> &OnceLock<PairMemo> {
        &self.pairs
    }

    /// The memo of what short deltas add after a token.
    pub fn follows(&self) -> &FollowMemo {
        self.follows.get_or_init(FollowMemo::default)
    }

    /// The memo of short deltas on their own.
    pub fn deltas(&self) -> &DeltaMemo {
        self.deltas.get_or_init(DeltaMemo::default)
    }

    /// Empties every cache, to measure a cold call.
    pub fn clear(&self) {
        self.scratch.clear();
        if let Some(pairs) = self.pairs.get() {
            pairs.clear();
        }
        if let Some(follows) = self.follows.get() {
            follows.clear();
        }
        if let Some(deltas) = self.deltas.get() {
            deltas.clear();
        }
    }
}
