"""Counters and encoders pickle mid-stream: a stream can be checkpointed or moved and go on."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as hs
from support import ENCODINGS, tk

import streamtok

DELTAS = ["Hello, wor", "ld! It's ", "\ud83d", "\ude00 don'", "t   stop", " 12", "345 <|endo", "ftext|> 日本"]


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("allowed", [frozenset(), "all"])
def test_pickled_counter_continues_like_the_original(name: str, allowed: object) -> None:
    enc = streamtok.get_encoding(name)
    original = enc.stream(allowed_special=allowed)
    encoder = enc.stream_encoder(allowed_special=allowed)
    ids: list[int] = []
    for i, delta in enumerate(DELTAS):
        original.push(delta)
        ids += encoder.push(delta)
        restored = pickle.loads(pickle.dumps(original))
        restored_encoder = pickle.loads(pickle.dumps(encoder))
        assert (restored.count, restored.stable_count) == (original.count, original.stable_count)
        assert restored_encoder.pending() == encoder.pending()
        rest = DELTAS[i + 1 :]
        for delta in rest:
            restored.push(delta)
        tail = sum((restored_encoder.push(d) for d in rest), []) + restored_encoder.finish()
        text = "".join(DELTAS).encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        expected = tk(name).encode(text, allowed_special=allowed) if allowed else tk(name).encode_ordinary(text)
        assert restored.finish() == len(expected)
        assert ids + tail == expected


@given(data=hs.binary(max_size=40), cut=hs.integers(0, 40))
def test_pickle_keeps_a_partial_character(data: bytes, cut: int) -> None:
    counter = streamtok.get_encoding("o200k_base").stream()
    counter.push_bytes(data[:cut])
    restored = pickle.loads(pickle.dumps(counter))
    assert restored.push_bytes(data[cut:]) == counter.push_bytes(data[cut:])
    assert restored.finish() == counter.finish() == len(tk("o200k_base").encode_ordinary(data.decode("utf-8", "replace")))


def test_finished_stream_pickles_finished_and_copies_are_independent() -> None:
    counter = streamtok.StreamCounter("gpt-4o")
    counter.push("hello")
    counter.finish()
    restored = pickle.loads(pickle.dumps(counter))
    with pytest.raises(ValueError, match="finished"):
        restored.push("x")
    twin = copy.copy(restored)
    twin.reset()
    assert twin.push("hello world") == 2 and restored.count == 1


def test_a_forged_state_is_rejected_clearly() -> None:
    enc = streamtok.get_encoding("o200k_base")
    with pytest.raises(ValueError, match="cannot restore"):
        streamtok.StreamCounter._restore(enc, None, b"\xff", None, "", 0, False)
    with pytest.raises(ValueError, match="cannot restore"):
        streamtok.StreamCounter._restore(enc, None, b"", 0x41, "", 0, False)
