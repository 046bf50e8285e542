"""The stream objects as state machines: any sequence of push, push_bytes, copy, reset and finish
keeps every live counter and encoder equal to tiktoken on the text it has received; errors leave
the state as it was; copies are independent; many counters live side by side.
"""

from __future__ import annotations

import codecs
import random

import pytest
import strategies
import streamtok
from hypothesis import settings
from hypothesis import strategies as hs
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from support import ENCODINGS, st, tk
from test_stream import decode_chunk, reference
from test_stream_bytes import INVALID, byte_text

MAX_STREAMS = 4


# Wrapped so that hypothesis prints a short name, not the repr of the hard-character strategies.
@hs.composite
def text_delta(draw: hs.DrawFn) -> str:
    return draw(hs.one_of(strategies.atom, strategies.text.map(lambda s: s[:30])))


@hs.composite
def byte_chunk(draw: hs.DrawFn) -> bytes:
    return draw(
        hs.one_of(byte_text.map(lambda b: b[:30]), hs.sampled_from(INVALID), hs.binary(max_size=4))
    )


class Model:
    """What one stream has received: the decoded text, the decoder carrying a partial character,
    whether it is finished, and what its encoder handed out."""

    def __init__(self) -> None:
        self.text = ""
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.finished = False
        self.emitted: list[int] = []
        self.stable: list[int] = []  # the counter's stable tokens so far

    def fork(self) -> Model:
        twin = Model()
        twin.text, twin.finished = self.text, self.finished
        twin.decoder.setstate(self.decoder.getstate())
        twin.emitted, twin.stable = list(self.emitted), list(self.stable)
        return twin


class Stream:
    """A StreamCounter and a StreamEncoder fed the same deltas, and their model."""

    def __init__(self, counter: streamtok.StreamCounter, encoder: streamtok.StreamEncoder,
                 model: Model) -> None:  # fmt: skip
        self.counter, self.encoder, self.model = counter, encoder, model

    def state(self) -> tuple:
        return (
            self.counter.count, self.counter.stable_count, self.encoder.count,
            self.encoder.stable_count, self.encoder.pending(),
        )  # fmt: skip


class StreamMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.streams: list[Stream] = []
        self.name = ENCODINGS[0]
        self.allowed: str | frozenset | None = None
        self.encode = tk(self.name).encode_ordinary

    @initialize(
        name=hs.sampled_from(ENCODINGS),
        allowed=hs.sampled_from([None, None, "all", frozenset({"<|endoftext|>"})]),
    )
    def start(self, name: str, allowed: str | frozenset | None) -> None:
        """A stream of ``name``; with ``allowed`` specials (special-token text is in the atoms
        that deltas are made of), checked against ``tiktoken.encode(allowed_special=allowed)``."""
        self.name, self.allowed = name, allowed
        self.encode = reference(name, allowed)
        enc = st(name)
        if allowed is None:
            self.streams = [Stream(enc.stream(), enc.stream_encoder(), Model())]
        else:
            self.streams = [
                Stream(enc.stream(allowed_special=allowed),
                       enc.stream_encoder(allowed_special=allowed), Model())
            ]  # fmt: skip

    def pick(self, data: hs.DataObject) -> Stream:
        return self.streams[data.draw(hs.integers(0, len(self.streams) - 1), label="stream")]

    # --- rules -----------------------------------------------------------------------------------

    @rule(data=hs.data(), delta=text_delta())
    def push(self, data: hs.DataObject, delta: str) -> None:
        s = self.pick(data)
        if s.model.finished and delta:
            before = s.state()
            with pytest.raises(ValueError, match="finished"):
                s.counter.push(delta)
            with pytest.raises(ValueError, match="finished"):
                s.encoder.push(delta)
            assert s.state() == before
            return
        got = s.counter.push(delta)
        s.model.emitted += s.encoder.push(delta)
        if delta:
            s.model.text += s.model.decoder.decode(b"", final=True) + delta
        assert got == s.counter.count

    @rule(
        data=hs.data(),
        chunk=byte_chunk(),
        errors=hs.sampled_from(["replace", "replace", "strict"]),
    )
    def push_bytes(self, data: hs.DataObject, chunk: bytes, errors: str) -> None:
        s = self.pick(data)
        before = s.state()
        if s.model.finished and chunk:
            with pytest.raises(ValueError, match="finished"):
                s.counter.push_bytes(chunk, errors=errors)
            with pytest.raises(ValueError, match="finished"):
                s.encoder.push_bytes(chunk, errors=errors)
            assert s.state() == before
            return
        s.model.decoder.errors = errors
        try:
            decoded = decode_chunk(s.model.decoder, chunk)
        except UnicodeDecodeError:
            with pytest.raises(UnicodeDecodeError):
                s.counter.push_bytes(chunk, errors=errors)
            with pytest.raises(UnicodeDecodeError):
                s.encoder.push_bytes(chunk, errors=errors)
            assert s.state() == before
            return
        finally:
            s.model.decoder.errors = "replace"
        got = s.counter.push_bytes(chunk, errors=errors)
        s.model.emitted += s.encoder.push_bytes(chunk, errors=errors)
        s.model.text += decoded
        assert got == s.counter.count

    @rule(data=hs.data(), delta=hs.sampled_from([None, ""]))
    def push_nothing(self, data: hs.DataObject, delta: str | None) -> None:
        s = self.pick(data)
        before = s.state()  # a no-op, after finish too
        assert s.counter.push(delta) == before[0]
        assert s.encoder.push(delta) == []
        assert s.state() == before

    @precondition(lambda self: len(self.streams) < MAX_STREAMS)
    @rule(data=hs.data())
    def copy(self, data: hs.DataObject) -> None:
        s = self.pick(data)
        twin = Stream(s.counter.copy(), s.encoder.copy(), s.model.fork())
        assert twin.state() == s.state()
        self.streams.append(twin)

    @precondition(lambda self: len(self.streams) > 1)
    @rule(data=hs.data())
    def drop(self, data: hs.DataObject) -> None:
        self.streams.remove(self.pick(data))

    @rule(data=hs.data())
    def reset(self, data: hs.DataObject) -> None:
        s = self.pick(data)
        s.counter.reset()
        s.encoder.reset()
        s.model = Model()
        assert s.state() == (0, 0, 0, 0, [])

    @rule(data=hs.data())
    def finish(self, data: hs.DataObject) -> None:
        s = self.pick(data)
        m = s.model
        if m.finished:
            before = s.state()
            assert s.counter.finish() == before[0]
            assert s.encoder.finish() == []
            assert s.state() == before
            return
        m.text += m.decoder.decode(b"", final=True)
        m.finished = True
        final = s.counter.finish()
        m.emitted += s.encoder.finish()
        expected = self.encode(m.text)
        where = f"{self.name}, allowed={self.allowed!r}"
        assert final == len(expected), f"{where}: finish() {final} for {m.text!r}: {expected}"
        assert m.emitted == expected, f"{where}: encoder gave {m.emitted} for {m.text!r}"

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def streams_agree_with_tiktoken(self) -> None:
        for k, s in enumerate(self.streams):
            m, c, e = s.model, s.counter, s.encoder
            expected = self.encode(m.text)
            where = (
                f"{self.name}, allowed={self.allowed!r}: stream {k} "
                f"({'finished' if m.finished else 'open'}) on {m.text!r}"
            )
            assert c.count == len(expected), f"{where}: count {c.count}, tiktoken {len(expected)}"
            assert len(m.stable) <= c.stable_count <= c.count, (
                f"{where}: stable_count {c.stable_count} (was {len(m.stable)}), count {c.count}"
            )
            # Every earlier state's text is a prefix of this one: its stable tokens must stay.
            assert expected[: len(m.stable)] == m.stable, (
                f"{where}: tokens {expected} no longer start with the stable {m.stable}"
            )
            m.stable = expected[: c.stable_count]
            assert m.emitted == expected[: len(m.emitted)], (
                f"{where}: encoder handed out {m.emitted}, tiktoken gives {expected}"
            )
            assert e.stable_count == len(m.emitted), where
            assert m.emitted + e.pending() == expected, (
                f"{where}: handed out {m.emitted} + pending {e.pending()}, tiktoken {expected}"
            )
            assert e.count == len(expected), where
            if m.finished:
                assert c.stable_count == c.count and e.pending() == [], where


StreamMachine.TestCase.settings = settings(stateful_step_count=25)
TestStreamMachine = StreamMachine.TestCase


# --- errors leave the state as it was ------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
def test_wrong_types_raise_type_error_and_change_nothing(name: str) -> None:
    ref = tk(name)
    counter, encoder = st(name).stream(), st(name).stream_encoder()
    counter.push("x \n ")
    counter.push_bytes(b"\xe4\xb8")  # a partial character in the carry
    ids = encoder.push("x \n ") + encoder.push_bytes(b"\xe4\xb8")
    def state() -> tuple:
        return (counter.count, counter.stable_count, encoder.count, encoder.stable_count,
                encoder.pending())  # fmt: skip

    before = state()
    for stream in (counter, encoder):
        for bad in (123, b"x", bytearray(b"x"), ["x"], 1.5):
            with pytest.raises(TypeError) as info:
                stream.push(bad)
            assert type(bad).__name__ in str(info.value)
        for bad in ("str", 123, ["x"]):
            with pytest.raises(TypeError) as info:
                stream.push_bytes(bad)
            assert type(bad).__name__ in str(info.value)
    assert state() == before
    # The carried bytes are still there: \xad completes the character.
    full = "x \n \u4e2d \nx"
    assert counter.push_bytes(b"\xad \nx") == len(ref.encode_ordinary(full))
    assert counter.finish() == len(ref.encode_ordinary(full))
    ids += encoder.push_bytes(b"\xad \nx") + encoder.finish()
    assert ids == ref.encode_ordinary(full)


@pytest.mark.parametrize("name", ENCODINGS)
def test_reset_after_finish_makes_the_stream_usable(name: str) -> None:
    ref = tk(name)
    counter, encoder = st(name).stream(), st(name).stream_encoder()
    counter.push("abc")
    encoder.push("abc")
    counter.finish()
    encoder.finish()
    with pytest.raises(ValueError, match="finished"):
        counter.push("x")
    counter.reset()
    encoder.reset()
    assert counter.push("I'") == len(ref.encode_ordinary("I'"))
    assert counter.push("ll go") == len(ref.encode_ordinary("I'll go"))
    ids = encoder.push("I'") + encoder.push("ll go") + encoder.finish()
    assert ids == ref.encode_ordinary("I'll go")


# --- copies --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
def test_copy_is_independent(name: str) -> None:
    ref = tk(name)
    for opening in ["hello  ", "don'", "x \n ", "12", "a\r", "\u4e2d"]:
        original = st(name).stream()
        original.push(opening)
        original.push_bytes(b"\xf0\x9f")  # carry half an emoji into the copy
        twin = original.copy()
        assert (twin.count, twin.stable_count) == (original.count, original.stable_count)
        assert twin.encoding.name == name
        state = (original.count, original.stable_count)
        twin.push_bytes(b"\x91\x8dworld")
        assert (original.count, original.stable_count) == state
        twin.finish()
        assert (original.count, original.stable_count) == state
        assert twin.count == len(ref.encode_ordinary(opening + "\U0001f44dworld"))
        # The original carries its own half emoji; the rest completes it differently.
        expected = len(ref.encode_ordinary(opening + "\U0001f600t"))
        assert original.push_bytes(b"\x98\x80t") == expected
        assert twin.count == len(ref.encode_ordinary(opening + "\U0001f44dworld"))
        original.reset()
        assert twin.count == len(ref.encode_ordinary(opening + "\U0001f44dworld"))

        encoder = st(name).stream_encoder()
        ids = encoder.push(opening)
        fork = encoder.copy()
        ids_a = ids + encoder.push("s  x") + encoder.finish()
        ids_b = ids + fork.push("t") + fork.finish()
        assert ids_a == ref.encode_ordinary(opening + "s  x")
        assert ids_b == ref.encode_ordinary(opening + "t")


@pytest.mark.parametrize("name", ENCODINGS)
def test_copy_of_finished_stream_is_finished(name: str) -> None:
    counter = st(name).stream()
    counter.push("abc")
    counter.finish()
    twin = counter.copy()
    assert (twin.count, twin.stable_count) == (counter.count, counter.stable_count)
    with pytest.raises(ValueError, match="finished"):
        twin.push("x")
    twin.reset()
    assert twin.push("x") == 1
    assert counter.count == len(tk(name).encode_ordinary("abc"))


# --- many live counters --------------------------------------------------------------------------

N_COUNTERS = 10_000


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_ten_thousand_live_counters(name: str) -> None:
    """Each of 10 000 counters, fed its own short text in interleaved deltas, counts it right."""
    ref = tk(name)
    rng = random.Random(N_COUNTERS)
    words = ["hello", " world", "I'", "ll", " \u4e2d\u6587", "12", "345", "  ", "\n", "don'", "t",
             "DEF"]  # fmt: skip
    texts = ["".join(rng.choices(words, k=rng.randint(1, 6))) + str(i) for i in range(N_COUNTERS)]
    counters = [st(name).stream() for _ in range(N_COUNTERS)]
    cuts = [sorted(rng.sample(range(len(t) + 1), 2)) for t in texts]
    for step in range(3):
        for counter, text, (a, b) in zip(counters, texts, cuts):
            lo, hi = [(0, a), (a, b), (b, len(text))][step]
            counter.push(text[lo:hi])
        if step == 1:
            for counter, text, (_, b) in zip(counters, texts, cuts):
                assert counter.count == len(ref.encode_ordinary(text[:b])), text[:b]
    counts = [counter.finish() for counter in counters]
    assert counts == [len(x) for x in ref.encode_ordinary_batch(texts)]
