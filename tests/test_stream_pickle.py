"""Counters and encoders pickle mid-stream: a stream can be checkpointed or moved and go on."""

from __future__ import annotations

import copy
import pickle

import pytest
import strategies
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


# --- what a stream keeps of allowed_special --------------------------------------------------


def _resumed(stream: object, how: str) -> object:
    return {"pickle": lambda s: pickle.loads(pickle.dumps(s)), "copy": copy.copy, "keep": lambda s: s}[how](stream)


@pytest.mark.parametrize("kind", [streamtok.StreamCounter, streamtok.StreamEncoder])
def test_pickle_keeps_the_resolved_allowed_set_not_the_callers_object(kind: type) -> None:
    """An iterator is used up by the constructor, and a set the caller empties later must not
    change what a pickled stream allows."""
    eot = "<|endoftext|>"
    for allowed in (iter([eot]), {eot}, (t for t in [eot]), [eot]):
        stream = kind("cl100k_base", allowed_special=allowed)
        before = stream.push("x<|endoftext|>y<|endo")
        if isinstance(allowed, (set, list)):
            allowed.clear()
        expected = tk("cl100k_base").encode("x<|endoftext|>y<|endoftext|>", allowed_special={eot})
        assert len(expected) == 4
        for how in ("pickle", "copy"):
            again = _resumed(stream, how)
            if kind is streamtok.StreamCounter:
                assert again.push("ftext|>") == len(expected)
                assert again.finish() == len(expected)
            else:
                assert before + again.push("ftext|>") + again.finish() == expected
        assert stream.push("ftext|>") == (len(expected) if kind is streamtok.StreamCounter else expected[len(before) :])


def specials_of(name: str) -> list[str]:
    named = [s for s in sorted(tk(name).special_tokens_set) if not s.startswith("<|reserved_")]
    return named + ["<|reserved_200000|>"] if name == "o200k_harmony" else named


@hs.composite
def pickled_streams(draw: hs.DrawFn) -> tuple[str, object, list[str], list[str]]:
    """An encoding, an allowed set (given as a set, a list, an iterator or "all"), deltas that
    split special tokens anywhere, and for each delta whether to go on with the stream, a pickled
    copy or a ``copy()`` of it."""
    name = draw(hs.sampled_from(ENCODINGS))
    specials = specials_of(name)
    allowed = draw(hs.one_of(hs.just("all"), hs.sets(hs.sampled_from(specials), max_size=3)))
    text = draw(strategies.text_with_specials(specials))
    cuts = sorted(draw(hs.sets(hs.integers(1, max(1, len(text) - 1)), max_size=8)))
    deltas = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)]) if a < b]
    hows = draw(hs.lists(hs.sampled_from(["keep", "keep", "pickle", "copy"]), min_size=len(deltas), max_size=len(deltas)))
    return name, allowed, deltas, hows


@given(case=pickled_streams(), wrap=hs.sampled_from(["set", "list", "iter"]))
def test_pickled_and_copied_streams_count_and_encode_as_tiktoken(case: tuple, wrap: str) -> None:
    name, allowed, deltas, hows = case
    given_allowed = allowed if allowed == "all" else {"set": set, "list": list, "iter": iter}[wrap](allowed)
    reference_allowed = allowed if allowed == "all" else set(allowed)
    counter = streamtok.StreamCounter(name, allowed_special=given_allowed)
    given_allowed = allowed if allowed == "all" else {"set": set, "list": list, "iter": iter}[wrap](allowed)
    encoder = streamtok.StreamEncoder(name, allowed_special=given_allowed)

    def expected(text: str) -> list[int]:
        return tk(name).encode(text, allowed_special=reference_allowed, disallowed_special=())

    ids: list[int] = []
    text = ""
    for delta, how in zip(deltas, hows):
        counter, encoder = _resumed(counter, how), _resumed(encoder, how)
        text += delta
        assert counter.push(delta) == len(expected(text))
        ids += encoder.push(delta)
        assert ids + encoder.pending() == expected(text)
    counter, encoder = _resumed(counter, "pickle"), _resumed(encoder, "copy")
    assert counter.finish() == len(expected(text))
    assert ids + encoder.finish() == expected(text)
