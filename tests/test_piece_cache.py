"""The piece caches that `count` and `encode_ordinary` keep between calls never change a result.

A cached piece answers from an entry keyed by its bytes; these tests fill the caches past their
size (so entries are dropped and replaced), repeat pieces that differ only in length or in one
byte, cover every cache tier (up to 15, 47 and 111 bytes, and longer pieces, kept whole up to a size),
pieces of more tokens than an entry keeps ids for (whose ids go to a wider tier), and emptied
caches, always against tiktoken.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import streamtok
import support
from strategies import HARD_CHARS

ENCODINGS = ["cl100k_base", "o200k_base"]
# Scripts whose words make long pieces (Thai and Han runs are one piece in o200k_base).
ALPHABETS = ["abcdefghij", "абвгдежзик", "αβγδεζηθ", "กขคงจฉชซ", "中文字日本語漢", "한국어글", "\U0001f600\U0001f680"]


def words(rng: random.Random, n: int, max_len: int) -> list[str]:
    out = []
    for _ in range(n):
        alphabet = rng.choice(ALPHABETS)
        out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, max_len))))
    return out


@pytest.mark.parametrize("name", ENCODINGS)
def test_more_distinct_pieces_than_the_caches_hold(name):
    rng = random.Random(20261126)
    enc, ref = streamtok.get_encoding(name), support.tk(name)
    # 150k distinct words, spaces between: more than the caches' 64k + 16k + 4k entries.
    text = " ".join(words(rng, 150_000, 40))
    assert enc.count(text) == len(ref.encode_ordinary(text))
    # Counted again, now with the caches full of this text's pieces and of their replacements.
    assert enc.count(text) == len(ref.encode_ordinary(text))
    sample = rng.sample(text.split(" "), 3000)
    for w in sample:
        for t in (w, " " + w):
            assert enc.count(t) == len(ref.encode_ordinary(t)), t
            assert enc.encode_ordinary(t) == ref.encode_ordinary(t), t


@pytest.mark.parametrize("name", ENCODINGS)
def test_pieces_that_differ_in_length_or_one_byte(name):
    enc, ref = streamtok.get_encoding(name), support.tk(name)
    for alphabet in ALPHABETS:
        base = (alphabet * 200)[:150]
        for n in range(1, 150):
            w = base[:n]
            # Every prefix, warm after the first call, then with one character changed.
            for t in (w, w + w[-1], w[:-1] + alphabet[0], " " + w, w.upper()):
                assert enc.encode_ordinary(t) == ref.encode_ordinary(t), t
                assert enc.count(t) == len(ref.encode_ordinary(t)), t


@pytest.mark.parametrize("name", ENCODINGS)
def test_short_pieces_of_many_tokens(name):
    """Words that a vocabulary splits into bytes keep their ids in a wider tier than their count."""
    rng = random.Random(7)
    enc, ref = streamtok.get_encoding(name), support.tk(name)
    # Hebrew, Arabic, Greek with accents, Georgian: up to 15 bytes, often more than five tokens.
    alphabets = ["אבגדהוזחטיכלמנסעפצקרשת", "ابتثجحخدذرزسشصضطظعغفقكلمنهوي", "άέήίόύώϊϋΐΰ", "აბგდევზთიკლმნოპ"]
    pieces = ["".join(rng.choice(rng.choice(alphabets)) for _ in range(rng.randint(2, 7))) for _ in range(40_000)]
    text = " ".join(pieces)
    expected = ref.encode_ordinary(text)
    assert max(len(ref.encode_ordinary(" " + p)) for p in pieces[:2000]) > 5
    # Counted first (the count goes in one tier, the ids in the wider one), then encoded twice:
    # the second time from the caches, after more pieces than the wider tier holds.
    assert enc.count(text) == len(expected)
    assert enc.encode_ordinary(text) == expected
    assert enc.encode_ordinary(text) == expected
    for p in rng.sample(pieces, 2000):
        assert enc.encode_ordinary(" " + p) == ref.encode_ordinary(" " + p), p


@pytest.mark.parametrize("name", ENCODINGS)
def test_long_pieces_kept_between_calls(name):
    """Pieces over 111 bytes are kept whole from call to call, up to 16 KiB and a budget of 2 MiB."""
    rng = random.Random(11)
    enc, ref = streamtok.get_encoding(name), support.tk(name)
    thai = "กขคงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหอฮะาำิีึืุู"
    # Long runs of Thai (one piece in o200k_base) and of punctuation, 112 bytes to past 16 KiB.
    shapes = [thai, "!?.,;:-=+*", " "]
    lengths = [38, 40, 112, 113, 1000, 5461, 5462, 16384, 16385, 20000]
    pieces = []
    for n in lengths:
        for alphabet in shapes:
            pieces.append("".join(rng.choice(alphabet) for _ in range(n)))
    # More distinct long pieces than the budget holds, then the first ones again.
    pieces += ["".join(rng.choice(thai) for _ in range(300)) for _ in range(3000)]
    pieces += pieces[:40]
    for p in pieces:
        text = "x" + p + "y"
        expected = ref.encode_ordinary(text)
        # Counted, encoded, then counted and encoded again from what the first calls kept.
        assert enc.count(text) == len(expected)
        assert enc.encode_ordinary(text) == expected
        assert enc.encode_ordinary(text) == expected
        assert enc.count(text) == len(expected)


@pytest.mark.parametrize("name", ENCODINGS)
def test_emptied_caches_give_the_same_results(name):
    enc, ref = streamtok.get_encoding(name), support.tk(name)
    text = (support.DATA_DIR / "th_dpkg.txt").read_text(encoding="utf-8")[:20000]
    expected = ref.encode_ordinary(text)
    for _ in range(2):
        assert enc.encode_ordinary(text) == expected
        assert enc.count(text) == len(expected)
        enc._clear_caches()
        assert enc.count(text) == len(expected)
        assert enc.encode_ordinary(text) == expected


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.text(alphabet=HARD_CHARS, min_size=1, max_size=60), min_size=1, max_size=12))
def test_the_same_pieces_in_new_texts(pieces):
    """Pieces seen in one text come back from the cache in the next, in other company."""
    for name in ENCODINGS:
        enc, ref = streamtok.get_encoding(name), support.tk(name)
        for text in ("".join(pieces), " ".join(pieces), "\n".join(reversed(pieces))):
            assert enc.encode_ordinary(text) == ref.encode_ordinary(text)
            assert enc.count(text) == len(ref.encode_ordinary(text))
