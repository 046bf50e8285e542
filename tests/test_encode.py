"""One-shot encoding and counting equal tiktoken's, on hard generated text and adversarial runs."""

from __future__ import annotations

import base64
import functools
import random

import pytest
import strategies
from hypothesis import example, given
from hypothesis import strategies as hs
from support import ENCODINGS, VOCAB_OF, assert_encode_ordinary_equal, mismatch_report, st, tk

# --- properties on generated text ----------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=strategies.text)
@example(text="")
@example(text="I'll go")
@example(text="we'll don't x \n  \nx hello  world 12345 abcDEF a\r\n")
@example(text="'\u017f '\u017fa 'S 'LL 'Re")
@example(text="\u01c5ungla \u01c8ubav A\u01c5b a\u02b0b \u3000\u3000x")
def test_encode_ordinary_matches_tiktoken(name: str, text: str) -> None:
    assert_encode_ordinary_equal(name, text)


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=strategies.text)
@example(text="")
@example(text="  \n\n  x")
def test_count_is_length_of_tiktoken_encoding(name: str, text: str) -> None:
    expected = len(tk(name).encode_ordinary(text))
    got = st(name).count(text)
    assert got == expected, f"{name}: count({text!r}) = {got}, tiktoken gives {expected}"


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=strategies.text)
def test_decode_of_encode_roundtrips(name: str, text: str) -> None:
    enc = st(name)
    tokens = enc.encode_ordinary(text)
    assert enc.decode(tokens) == text
    assert enc.decode_bytes(tokens) == text.encode("utf-8")


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=strategies.text_with_surrogates)
def test_lone_surrogates_encode_as_tiktoken(name: str, text: str) -> None:
    expected = tk(name).encode_ordinary(text)
    assert st(name).encode_ordinary(text) == expected
    assert st(name).count(text) == len(expected)


@pytest.mark.parametrize("name", ENCODINGS)
@given(texts=hs.lists(strategies.text, max_size=12), num_threads=hs.sampled_from([1, 2, 8]))
def test_batches_equal_per_item_results(name: str, texts: list[str], num_threads: int) -> None:
    enc, ref = st(name), tk(name)
    expected = [ref.encode_ordinary(t) for t in texts]
    assert enc.encode_ordinary_batch(texts) == expected
    assert enc.encode_ordinary_batch(texts, num_threads=num_threads) == expected
    assert enc.count_batch(texts) == [len(x) for x in expected]
    assert enc.count_batch(texts, num_threads=num_threads) == [len(x) for x in expected]
    # encode_batch applies the special-token check of encode to each item.
    try:
        expected_special = ref.encode_batch(texts, num_threads=num_threads)
    except ValueError as exc:
        with pytest.raises(ValueError) as info:
            enc.encode_batch(texts, num_threads=num_threads)
        assert str(info.value) == str(exc)
    else:
        assert enc.encode_batch(texts, num_threads=num_threads) == expected_special
    assert enc.encode_batch(texts, disallowed_special=()) == expected
    assert enc.encode_batch(texts, allowed_special="all") == ref.encode_batch(
        texts, allowed_special="all"
    )


@pytest.mark.parametrize("name", ENCODINGS)
def test_batches_of_nothing(name: str) -> None:
    enc = st(name)
    assert enc.encode_ordinary_batch([]) == []
    assert enc.encode_batch([]) == []
    assert enc.count_batch([]) == []
    assert enc.count_batch([""]) == [0]
    assert enc.encode_ordinary_batch(["", ""]) == [[], []]


@pytest.mark.parametrize("name", ENCODINGS)
def test_big_batch_keeps_order(name: str) -> None:
    rng = random.Random(1234)
    alphabet = strategies.HARD_CHARS
    texts = ["".join(rng.choices(alphabet, k=rng.randrange(0, 300))) for _ in range(400)]
    expected = [tk(name).encode_ordinary(t) for t in texts]
    assert st(name).encode_ordinary_batch(texts, num_threads=4) == expected
    assert st(name).count_batch(texts, num_threads=4) == [len(x) for x in expected]


# --- adversarial runs ----------------------------------------------------------------------------


def _b64(n_chars: int, seed: int) -> str:
    raw = random.Random(seed).randbytes(n_chars * 3 // 4 + 3)
    return base64.b64encode(raw).decode()[:n_chars]


def _mixed_marks(n: int) -> str:
    rng = random.Random(n)
    out: list[str] = []
    while len(out) < n:
        out.append(rng.choice("aAǅ中ʰ1 '\n"))
        out.extend(rng.choices(strategies.MARKS, k=rng.randrange(0, 4)))
    return "".join(out[:n])


ADVERSARIAL = {
    "a": lambda n: "a" * n,
    "space": lambda n: " " * n,
    "newline": lambda n: "\n" * n,
    "space-newline": lambda n: " \n" * (n // 2),
    "newline-space": lambda n: "\n " * (n // 2),
    "spaces-then-word": lambda n: " " * n + "word",
    "spaces-then-newline": lambda n: " " * n + "\n",
    "tab": lambda n: "\t" * n,
    "crlf": lambda n: "\r\n" * (n // 2),
    "ideographic-space": lambda n: "\u3000" * n,
    "nbsp": lambda n: "\xa0" * n,
    "digit": lambda n: "1" * n,
    "arabic-digit": lambda n: "\u0661" * n,
    "bang": lambda n: "!" * n,
    "slash": lambda n: "/" * n,
    "bang-newline": lambda n: "!\n" * (n // 2),
    "apostrophe": lambda n: "'" * n,
    "apostrophe-s": lambda n: "'s" * (n // 2),
    "apostrophe-S-space": lambda n: "'S " * (n // 3),
    "A": lambda n: "A" * n,
    "aA": lambda n: "aA" * (n // 2),
    "Aa": lambda n: "Aa" * (n // 2),
    "dz-titlecase": lambda n: "\u01c5" * n,
    "modifier-letter": lambda n: "\u02b0" * n,
    "cjk": lambda n: "中" * n,
    "combining-acute": lambda n: "\u0301" * n,
    "a-acute": lambda n: "a\u0301" * (n // 2),
    "mixed-marks": _mixed_marks,
    "emoji-zwj": lambda n: "👨‍👩‍👧‍👦" * (n // 7),
    "flags": lambda n: "🇺🇸" * (n // 2),
    "base64": lambda n: _b64(n, seed=n),
    "hex": lambda n: random.Random(n).randbytes(n // 2).hex(),
}
SIZES = [1000, 4099, 20000]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
@pytest.mark.parametrize("name", ENCODINGS)
def test_adversarial_run(name: str, kind: str, size: int) -> None:
    text = ADVERSARIAL[kind](size)
    expected = assert_encode_ordinary_equal(name, text)
    assert st(name).count(text) == len(expected)


# --- large input ---------------------------------------------------------------------------------

MB = 1_000_000


@functools.cache
def _large_single_piece_expected(vocab: str, char: str, n: int) -> list[int]:
    """tiktoken's tokens for ``text``, a run of one character that every pattern family keeps as
    one piece (``\\p{L}++`` / ``\\s++$`` / ``\\s+(?!\\S)``).

    tiktoken's regex gives up on such runs from 1 MB on (o200k, " " * 1_000_000 panics with a
    fancy-regex StackOverflow), so the pre-tokenizer step is done by reasoning and tiktoken's BPE
    is applied to the single piece directly. Encodings that share a vocabulary share a pattern
    family, so the result is cached per vocabulary.
    """
    return tk(vocab)._encode_single_piece(char * n)


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("char", ["a", " "])
def test_large_single_piece_input(name: str, char: str) -> None:
    # The reasoning above, checked where tiktoken's regex still copes.
    small = char * 100_000
    assert tk(name).encode_ordinary(small) == _large_single_piece_expected(VOCAB_OF[name], char, len(small))
    assert_encode_ordinary_equal(name, small)

    text = char * MB
    expected = _large_single_piece_expected(VOCAB_OF[name], char, MB)
    assert st(name).count(text) == len(expected)
    got = st(name).encode_ordinary(text)
    if got != expected:
        raise AssertionError(mismatch_report(name, text, expected, got))


@pytest.mark.parametrize("name", ENCODINGS)
def test_large_base64_input(name: str) -> None:
    text = _b64(MB, seed=7)
    expected = tk(name).encode_ordinary(text)
    assert st(name).count(text) == len(expected)
    got = st(name).encode_ordinary(text)
    if got != expected:
        raise AssertionError(mismatch_report(name, text, expected, got))
