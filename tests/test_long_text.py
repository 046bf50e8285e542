"""Long texts, which streamtok cuts into parts counted on several threads, encode as tiktoken does.

A text of 256 KiB or more is cut about every 64 KiB at the first place where every built-in
pattern ends a piece (after a letter before whitespace, or after a lone line break); these
tests put hard text, special tokens and near misses right where the cuts fall.
"""

from __future__ import annotations

import functools
import os

import pytest
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as hs
from strategies import hard_text, text_with_specials
from support import DATA_DIR, st, tk

import streamtok

SPLIT_BYTES = 256 * 1024
PART_BYTES = 64 * 1024
# One encoding of each pattern family, and one more.
NAMES = ["r50k_base", "cl100k_base", "o200k_base", "p50k_base"]

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the cuts are only made with two CPUs or more")


@functools.cache
def corpus() -> str:
    """Every corpus file, one after another: prose in many scripts, code and JSON."""
    files = sorted(p for p in DATA_DIR.iterdir() if p.suffix in {".txt", ".json"})
    return "".join(p.read_text(encoding="utf-8") for p in files)


def long_text(offset: int, inserts: list[tuple[int, str]], size: int = SPLIT_BYTES + 3 * PART_BYTES) -> str:
    """``size`` characters of the corpus from ``offset``, with the k-th of ``inserts`` put
    ``shift`` bytes after k times :data:`PART_BYTES`, near where the k-th cut is looked for."""
    text = (corpus() * 2)[offset:offset + size]
    for k, (shift, insert) in enumerate(inserts, start=1):
        at = len(text.encode()[: k * PART_BYTES + shift].decode("utf-8", "ignore"))
        text = text[:at] + insert + text[at:]
    return text


inserts = hs.lists(hs.tuples(hs.integers(-40, 40), hard_text), min_size=1, max_size=6)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=12, deadline=None)
@given(offset=hs.integers(0, 1_700_000), inserts=inserts)
def test_long_text_encodes_as_tiktoken(name: str, offset: int, inserts: list[tuple[int, str]]) -> None:
    text = long_text(offset, inserts)
    assert len(text.encode()) >= SPLIT_BYTES
    expected = tk(name).encode_ordinary(text)
    assert st(name).encode_ordinary(text) == expected
    assert st(name).count(text) == len(expected)
    assert st(name).encode(text, disallowed_special=()) == expected


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
@settings(max_examples=12, deadline=None)
@given(offset=hs.integers(0, 1_700_000), data=hs.data())
def test_long_text_with_specials_encodes_as_tiktoken(name: str, offset: int, data: hs.DataObject) -> None:
    specials = sorted(tk(name).special_tokens_set)
    found = data.draw(hs.lists(hs.tuples(hs.integers(-40, 40), text_with_specials(specials)), min_size=1, max_size=6))
    text = long_text(offset, found)
    assert st(name).encode(text, allowed_special="all") == tk(name).encode(text, allowed_special="all")


@pytest.mark.parametrize("script", ["Lorem ipsum dolor sit amet.\n", "日本語の文章です。\n", "x" * 99 + "\n", "中" * 40_000])
def test_long_texts_of_one_kind_encode_as_tiktoken(script: str) -> None:
    # Prose cut after letters, lines cut after their line break, and a text with no place to cut.
    text = script * (SPLIT_BYTES // len(script.encode()) + 3)
    for name in NAMES:
        assert st(name).encode_ordinary(text) == tk(name).encode_ordinary(text)


def test_a_special_token_holding_whitespace_is_never_cut() -> None:
    # "<|a b|>" holds a letter before a space, where ordinary text could be cut: placed at the
    # first such place after a part's worth of text, it must still be found whole.
    base = tk("cl100k_base")
    special = {"<|a b|>": base.n_vocab + 10}
    reference = tiktoken.Encoding(
        "spaced", pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks, special_tokens=special
    )
    ours = streamtok.Encoding(
        "spaced", pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks, special_tokens=special
    )
    prose = corpus()[:SPLIT_BYTES]
    for before in range(PART_BYTES - 4, PART_BYTES + 1):
        text = "x" * before + "<|a b|>" + prose
        assert ours.encode(text, allowed_special="all") == reference.encode(text, allowed_special="all")
        assert ours.count(text) == len(reference.encode_ordinary(text))
