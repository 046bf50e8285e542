"""Made-up vocabularies, not closed under merges, against tiktoken built with the same ranks and
pattern: one-shot and streamed, str and byte deltas.

A rank file may hold tokens that the merges of their own bytes never make (files converted from
other tokenizers, hand-added tokens); tiktoken makes such a token only of a piece that is exactly
its bytes. The streams extend encodings by merges, so they must find those tokens too.
"""

from __future__ import annotations

import base64
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from strategies import hard_text
from support import tk

import streamtok
import tiktoken

FAMILIES = {"gpt2": "r50k_base", "cl100k": "cl100k_base", "o200k": "o200k_base"}


def build(family: str, tokens: list[bytes], seed: int) -> tuple[streamtok.Encoding, tiktoken.Encoding]:
    """Both tokenizers over the 256 bytes and `tokens`, all ranked in a shuffled order."""
    ranked = [bytes([b]) for b in range(256)] + [t for t in dict.fromkeys(tokens) if len(t) > 1]
    ranks = list(range(len(ranked)))
    random.Random(seed).shuffle(ranks)
    mergeable = dict(zip(ranked, ranks))
    data = b"".join(base64.b64encode(t) + b" %d\n" % r for t, r in mergeable.items())
    ours = streamtok.Encoding(f"made-up-{family}", data=data, family=family, special_tokens={})
    theirs = tiktoken.Encoding(
        f"made-up-{family}", pat_str=tk(FAMILIES[family])._pat_str, mergeable_ranks=mergeable, special_tokens={}
    )
    return ours, theirs


@hs.composite
def vocabulary_and_text(draw: hs.DrawFn) -> tuple[str, list[bytes], int, str]:
    source = draw(hard_text.filter(lambda s: len(s.encode()) >= 4), label="source")
    raw = source.encode("utf-8")
    # Substrings of the source (so they occur in the text), of any bytes: often with none of
    # the merges that would build them.
    spans = draw(hs.lists(hs.tuples(hs.integers(0, len(raw) - 2), hs.integers(2, 12)), min_size=1, max_size=40))
    tokens = [raw[a : a + n] for a, n in spans]
    text = draw(hs.one_of(hs.just(source), hard_text.map(lambda t: source + t + source)), label="text")
    family = draw(hs.sampled_from(sorted(FAMILIES)), label="family")
    return family, tokens, draw(hs.integers(0, 2**32), label="seed"), text


@settings(deadline=None)
@given(case=vocabulary_and_text(), data=hs.data())
def test_made_up_vocabularies_encode_and_stream_as_tiktoken(
    case: tuple[str, list[bytes], int, str], data: hs.DataObject
) -> None:
    family, tokens, seed, text = case
    ours, theirs = build(family, tokens, seed)
    expected = theirs.encode_ordinary(text)
    assert ours.encode_ordinary(text) == expected
    assert ours.count(text) == len(expected)
    # Streamed a character (or a few) at a time, as str and as bytes split anywhere.
    step = data.draw(hs.integers(1, 4), label="step")
    counter, encoder = ours.stream(), ours.stream_encoder()
    ids: list[int] = []
    for i in range(0, len(text), step):
        n = counter.push(text[i : i + step])
        ids += encoder.push(text[i : i + step])
        assert n == len(theirs.encode_ordinary(text[: i + step]))
    assert counter.finish() == len(expected)
    assert ids + encoder.finish() == expected
    raw = text.encode("utf-8")
    cuts = sorted(data.draw(hs.lists(hs.integers(0, len(raw)), max_size=8), label="cuts"))
    by_bytes = ours.stream()
    for a, b in zip([0, *cuts], [*cuts, len(raw)]):
        by_bytes.push_bytes(raw[a:b])
    assert by_bytes.finish() == len(expected)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_token_no_merge_builds_counts_once_however_it_arrives(family: str) -> None:
    # The reproducer: the 256 bytes and "hello", which no merge builds.
    ours, theirs = build(family, [b"hello"], seed=0)
    counter = ours.stream()
    assert counter.push("hel") == 3
    assert counter.push("lo") == len(theirs.encode_ordinary("hello")) == 1
    byte_by_byte = ours.stream()
    for b in b"hello world":
        byte_by_byte.push_bytes(bytes([b]))
    assert byte_by_byte.finish() == len(theirs.encode_ordinary("hello world")) == 7
