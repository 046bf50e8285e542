"""Adversarial shapes (one giant piece of each pattern alternative, alternating classes, long
special-token look-alikes) encode, count and stream exactly as tiktoken, at sizes that keep the
tests quick; benches/test_bench_adversarial.py times the same shapes at 0.1 / 0.3 / 1 MB."""

from __future__ import annotations

import pytest
from adversarial import SHAPES
from hypothesis import given
from hypothesis import strategies as hs
from support import ENCODINGS, FAMILY_ENCODINGS, st, tk


def delta_sizes(n: int, seed: int) -> list[int]:
    """Delta lengths from 1 to 300 that add up to ``n``."""
    out, k = [], seed
    while n > 0:
        k = (k * 1103515245 + 12345) & 0x7FFFFFFF
        size = min(n, 1 + k % 300)
        out.append(size)
        n -= size
    return out


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("name", ENCODINGS)
def test_one_giant_piece_encodes_as_tiktoken(name: str, shape: str) -> None:
    for n in (1_000, 20_000):
        text = SHAPES[shape](n)
        expected = tk(name).encode_ordinary(text)
        assert st(name).encode_ordinary(text) == expected, (shape, n)
        assert st(name).count(text) == len(expected), (shape, n)
        with_specials = tk(name).encode(text, allowed_special="all")
        assert st(name).encode(text, allowed_special="all") == with_specials, (shape, n)


# Characters of one class each, so that most runs of them are one long piece (runs of digits, and
# of mixed case in o200k_base, split into short pieces: the same check on the ordinary path).
RUN_ALPHABETS = ["abcdefghijklmnopqrstuvwxyz", "aBcDeFxYz", "!?#$%&*+-.,;:=<>|", "中文字数据", "  \n\r\t", "0123456789"]


@given(data=hs.data())
@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_runs_of_a_pattern_with_breaks_encode_as_tiktoken(name: str, data: hs.DataObject) -> None:
    """A long run of one drawn unit (the long-piece merge takes windows from its memo once the
    pattern comes back), with drawn stretches of other characters of the class inserted."""
    alphabet = data.draw(hs.sampled_from(RUN_ALPHABETS))
    unit = data.draw(hs.text(alphabet, min_size=1, max_size=40))
    size = data.draw(hs.integers(4_500, 9_000))
    text = (unit * (size // len(unit) + 1))[:size]
    for at, other in data.draw(hs.lists(hs.tuples(hs.integers(0, size), hs.text(alphabet, min_size=1, max_size=300)), max_size=4)):
        text = text[:at] + other + text[at:]
    expected = tk(name).encode_ordinary(text)
    assert st(name).encode_ordinary(text) == expected
    assert st(name).count(text) == len(expected)


@pytest.mark.parametrize("allowed", [frozenset(), "all"], ids=["ordinary", "specials"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_one_giant_piece_streams_as_tiktoken(name: str, shape: str, allowed: object) -> None:
    text = SHAPES[shape](5_000)
    ref = tk(name)
    counter = st(name).stream(allowed_special=allowed)
    encoder = st(name).stream_encoder(allowed_special=allowed)
    ids: list[int] = []
    at = 0
    for size in delta_sizes(len(text), seed=len(shape)):
        delta = text[at : at + size]
        at += size
        expected = ref.encode(text[:at], allowed_special=allowed, disallowed_special=())
        assert counter.push(delta) == len(expected), (shape, at)
        ids += encoder.push(delta)
    expected = ref.encode(text, allowed_special=allowed, disallowed_special=())
    assert counter.finish() == len(expected)
    assert ids + encoder.finish() == expected


@pytest.mark.parametrize("shape", ["han", "letters", "spaces-newlines"])
@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_one_giant_piece_streams_as_bytes_split_anywhere(name: str, shape: str) -> None:
    data = SHAPES[shape](5_000).encode()
    counter = st(name).stream()
    at = 0
    for size in delta_sizes(len(data), seed=7):
        counter.push_bytes(data[at : at + size])
        at += size
    assert counter.finish() == len(tk(name).encode_ordinary(data.decode()))
