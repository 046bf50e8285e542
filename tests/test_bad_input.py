"""Hostile and wrong input: each case raises the documented exception (tiktoken's type where
tiktoken has the case) with a message that names the bad value, and the object that refused it
is unchanged and keeps counting exactly as tiktoken afterwards. Huge deltas and huge numbers of
deltas count exactly, in seconds.
"""

from __future__ import annotations

import base64
import codecs
import re
import time
from pathlib import Path
from typing import Any

import pytest
from support import ENCODINGS, FAMILY_ENCODINGS, st, tk

import streamtok

Stream = Any  # a StreamCounter or a StreamEncoder


def streams(name: str, **kwargs: Any) -> list[Stream]:
    enc = st(name)
    return [enc.stream(**kwargs), enc.stream_encoder(**kwargs)]


def state(s: Stream) -> tuple:
    """Everything observable about a stream, to check that a refused call changed nothing."""
    pending = s.pending() if isinstance(s, streamtok.StreamEncoder) else None
    return (s.count, s.stable_count, pending, s.__reduce__()[1][2:])


def still_exact(name: str, s: Stream, text_so_far: str, more: str = " and then it goes on.") -> None:
    """The stream, fed ``text_so_far`` before, counts ``text_so_far + more`` as tiktoken does."""
    s.push(more)
    expected = tk(name).encode_ordinary(text_so_far + more)
    assert s.count == len(expected)
    if isinstance(s, streamtok.StreamEncoder):
        stable = s.stable_count
        assert s.finish() == expected[stable:]
    else:
        assert s.finish() == len(expected)


# --- deltas of the wrong type --------------------------------------------------------------------

NOT_STR = [123, 1.5, b"bytes", bytearray(b"ba"), memoryview(b"mv"), ["a"], ("a",), {"a": 1}, object()]


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
@pytest.mark.parametrize("bad", NOT_STR, ids=lambda b: type(b).__name__)
def test_push_of_a_non_str_raises_type_error_and_changes_nothing(name: str, bad: object) -> None:
    for s in streams(name):
        s.push("Hello, wor")
        before = state(s)
        with pytest.raises(TypeError) as info:
            s.push(bad)  # type: ignore[arg-type]
        assert str(info.value) == f"'{type(bad).__name__}' object is not an instance of 'str'"
        assert state(s) == before
        still_exact(name, s, "Hello, wor")


BAD_CALLS = [((), {}), (("a", "b"), {}), ((), {"delta": "a"}), (("a",), {"delta": "a"})]


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
@pytest.mark.parametrize("args, kwargs", BAD_CALLS, ids=["none", "two", "keyword", "both"])
def test_push_with_a_wrong_number_of_arguments_raises_type_error_and_changes_nothing(
    name: str, args: tuple, kwargs: dict
) -> None:
    """``push`` takes one positional argument (StreamCounter's is a plain CPython method)."""
    for s in streams(name):
        s.push("Hello, wor")
        before = state(s)
        with pytest.raises(TypeError, match="push"):
            s.push(*args, **kwargs)
        assert state(s) == before
        still_exact(name, s, "Hello, wor")


NOT_BYTES = ["text", 123, 1.5, None, ["a"], [1, 2], object()]


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
@pytest.mark.parametrize("bad", NOT_BYTES, ids=lambda b: type(b).__name__)
def test_push_bytes_of_a_non_bytes_raises_type_error_and_changes_nothing(name: str, bad: object) -> None:
    for s in streams(name):
        s.push_bytes("Hello, wö".encode()[:-1])  # ends inside "ö"
        before = state(s)
        with pytest.raises(TypeError) as info:
            s.push_bytes(bad)  # type: ignore[arg-type]
        assert str(info.value) == f"'{type(bad).__name__}' object is not an instance of 'bytes'"
        assert state(s) == before
        s.push_bytes(b"\xb6")  # the rest of "ö"
        still_exact(name, s, "Hello, wö")


@pytest.mark.parametrize("errors", ["ignore", "surrogateescape", "", "REPLACE"])
def test_unknown_errors_mode_raises_value_error_and_changes_nothing(errors: str) -> None:
    for s in streams("o200k_base"):
        s.push_bytes(b"abc \xe4")
        before = state(s)
        with pytest.raises(ValueError, match=re.escape(f'errors must be "replace" or "strict", got "{errors}"')):
            s.push_bytes(b"\xb8\xad", errors=errors)
        assert state(s) == before
        s.push_bytes(b"\xb8\xad")
        still_exact("o200k_base", s, "abc 中")


# --- lone surrogates -----------------------------------------------------------------------------

SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\ude00\ud83d", "\ud83d\ud83d"]


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
@pytest.mark.parametrize("bad", SURROGATES, ids=ascii)
def test_lone_surrogates_in_every_position_count_as_tiktoken(name: str, bad: str) -> None:
    """tiktoken encodes a ``str`` with lone surrogates after replacing each with U+FFFD; so does a
    stream, wherever the surrogate sits and however the text is cut around it."""
    base = "It's 12 ok\n"
    for at in range(len(base) + 1):
        text = base[:at] + bad + base[at:]
        expected = tk(name).encode_ordinary(text)
        whole = st(name).stream_encoder()
        assert whole.push(text) + whole.finish() == expected, (at, text)
        one_by_one = st(name).stream()
        for i, ch in enumerate(text):
            assert one_by_one.push(ch) == len(tk(name).encode_ordinary(text[: i + 1])), (at, i)
        assert one_by_one.finish() == len(expected)


# --- invalid UTF-8 -------------------------------------------------------------------------------

INVALID = [b"\xff", b"\xc0\xaf", b"\x80", b"\xe4\xb8", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]
BASE = "aé 中😀\n".encode()


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
@pytest.mark.parametrize("bad", INVALID, ids=lambda b: b.hex())
def test_invalid_utf8_in_every_position_counts_as_replacement(name: str, bad: bytes) -> None:
    """Every insertion point (inside characters too), pushed whole and cut at every byte."""
    for at in range(len(BASE) + 1):
        data = BASE[:at] + bad + BASE[at:]
        expected = len(tk(name).encode_ordinary(data.decode("utf-8", "replace")))
        whole = st(name).stream()
        whole.push_bytes(data)
        assert whole.finish() == expected, data
        for cut in range(len(data) + 1):
            s = st(name).stream()
            s.push_bytes(data[:cut])
            s.push_bytes(data[cut:])
            assert s.finish() == expected, (data, cut)


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
@pytest.mark.parametrize("bad", INVALID, ids=lambda b: b.hex())
def test_strict_invalid_utf8_in_every_position_raises_and_changes_nothing(name: str, bad: bytes) -> None:
    """Strict bytes raise where Python's incremental UTF-8 decoder raises, at the same position; a
    character cut short at the end of a delta is no error (its rest may come next)."""
    for at in range(len(BASE) + 1):
        data = BASE[:at] + bad + BASE[at:]
        try:
            codecs.getincrementaldecoder("utf-8")("strict").decode(data)
            reference = None
        except UnicodeDecodeError as e:
            reference = e
        for s in streams(name):
            s.push("x ")
            if reference is None:
                s.push_bytes(data, errors="strict")
                expected = tk(name).encode_ordinary("x " + data.decode("utf-8", "replace").rstrip("\ufffd"))
                assert s.count == len(expected), data
                continue
            before = state(s)
            with pytest.raises(UnicodeDecodeError) as info:
                s.push_bytes(data, errors="strict")
            err = info.value
            assert (err.encoding, err.object, err.start) == ("utf-8", data, reference.start), data
            assert f"position {err.start}" in str(err)
            assert state(s) == before
            s.push_bytes(BASE, errors="strict")
            still_exact(name, s, "x " + BASE.decode())


# --- names and ids that do not exist -------------------------------------------------------------


@pytest.mark.parametrize("bad", ["nope", "", "O200K_BASE", "o200k_base ", "cl100k"])
def test_unknown_encoding_name_raises_value_error_as_tiktoken(bad: str) -> None:
    with pytest.raises(ValueError) as expected:
        __import__("tiktoken").get_encoding(bad)
    with pytest.raises(ValueError) as got:
        streamtok.get_encoding(bad)
    assert str(got.value).startswith(f"Unknown encoding {bad}.")
    assert str(expected.value).startswith(f"Unknown encoding {bad}.")
    assert streamtok.get_encoding("o200k_base").count("still works") == 2


@pytest.mark.parametrize("bad", ["gpt-nope", "", "o200k"])
def test_unknown_model_name_raises_key_error_as_tiktoken(bad: str) -> None:
    with pytest.raises(KeyError) as expected:
        __import__("tiktoken").encoding_for_model(bad)
    for make in (streamtok.encoding_for_model, streamtok.StreamCounter, streamtok.StreamEncoder):
        with pytest.raises(KeyError) as got:
            make(bad)
        assert str(got.value) == str(expected.value).replace("tiktoken.", "streamtok.")
    assert streamtok.StreamCounter("gpt-4o").push("still works") == 2


@pytest.mark.parametrize("bad", [5, None, b"o200k_base", 1.5])
def test_stream_of_a_non_name_raises_type_error(bad: object) -> None:
    for make in (streamtok.StreamCounter, streamtok.StreamEncoder):
        with pytest.raises(TypeError, match="expected an Encoding, an encoding name or a model name"):
            make(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ENCODINGS)
def test_token_ids_out_of_range_raise_as_tiktoken(name: str) -> None:
    ours, theirs = st(name), tk(name)
    past = theirs.max_token_value + 1
    taken = set(theirs._mergeable_ranks.values()) | set(theirs._special_tokens.values())
    holes = sorted(set(range(theirs.n_vocab)) - taken)  # ids below n_vocab with no token
    for bad in [past, past + 1, 2**31, 2**32 - 1, *holes[:3]]:
        for decode in ("decode", "decode_bytes", "decode_tokens_bytes"):
            with pytest.raises(KeyError):
                getattr(theirs, decode)([7, bad])
            with pytest.raises(KeyError) as got:
                getattr(ours, decode)([7, bad])
            assert str(bad) in str(got.value)
        with pytest.raises(KeyError):
            theirs.decode_single_token_bytes(bad)
        with pytest.raises(KeyError, match=str(bad)):
            ours.decode_single_token_bytes(bad)
    for bad in [-1, 2**32, 2**64]:
        for enc in (theirs, ours):
            with pytest.raises(OverflowError):
                enc.decode([bad])
            with pytest.raises(OverflowError):
                enc.decode_single_token_bytes(bad)
    assert ours.decode(ours.encode("still works")) == "still works"


# --- malformed .tiktoken files -------------------------------------------------------------------


def _line(token: bytes, rank: int) -> bytes:
    return base64.b64encode(token) + b" " + str(rank).encode() + b"\n"


BYTES = b"".join(_line(bytes([b]), b) for b in range(256))
MALFORMED = {
    "bad base64": (BYTES + b"@@notbase64@@ 256\n", 'line 257: bad base64 "@@notbase64@@"'),
    "duplicate rank": (BYTES + _line(b"ab", 256) + _line(b"cd", 256), "line 258: duplicate rank 256"),
    "duplicate token": (BYTES + _line(b"ab", 256) + _line(b"ab", 257), "line 258: duplicate token \"ab\""),
    "empty": (b"", "line 0: no tokens"),
    "blank lines only": (b"\n \n", "line 0: no tokens"),
    "a byte missing": (BYTES.replace(_line(b"A", 65), b""), "line 0: byte 0x41 has no token"),
}


@pytest.mark.parametrize("what", MALFORMED)
def test_malformed_tiktoken_file_raises_value_error_and_loading_goes_on(tmp_path: Path, what: str) -> None:
    data, message = MALFORMED[what]
    path = tmp_path / "bad.tiktoken"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=re.escape("malformed .tiktoken data at " + message)):
        streamtok.Encoding.from_tiktoken_file(path, family="gpt2")
    good = tmp_path / "good.tiktoken"
    good.write_bytes(BYTES + _line(b"ab", 256))
    enc = streamtok.Encoding.from_tiktoken_file(good, family="gpt2")
    assert enc.encode_ordinary("abc") == [256, ord("c")]


def test_tiktoken_rejects_bad_base64_as_a_value_error_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where tiktoken's own loader has the case, its exception is a ValueError as ours is."""
    import tiktoken.load

    monkeypatch.setattr(tiktoken.load, "read_file_cached", lambda *_, **__: BYTES + b"@@notbase64@@ 256\n")
    with pytest.raises(ValueError):
        tiktoken.load.load_tiktoken_bpe("bad.tiktoken")


# --- special-token text in every position --------------------------------------------------------

ALLOWED = [frozenset(), "all", frozenset({"<|endoftext|>"}), frozenset({"<|fim_prefix|>", "<|endofprompt|>"})]


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("allowed", ALLOWED, ids=["none", "all", "eot", "others"])
def test_special_token_text_in_every_position(name: str, allowed: Any) -> None:
    """The text of a special token (and a cut-off one) anywhere in the stream, the stream cut
    anywhere: after every delta the count is tiktoken's ``encode`` of the text so far, with the
    same ``allowed_special`` and no disallowed check (a stream never raises on text)."""
    ref = tk(name)
    specials = sorted(ref.special_tokens_set)[:3]
    base = "a <b> 12"
    for special in [*specials, "<|endoftext", "<|endoftext|"]:
        for at in range(len(base) + 1):
            text = base[:at] + special + base[at:]
            for cut in range(0, len(text) + 1, 3):
                s = st(name).stream(allowed_special=allowed)
                e = st(name).stream_encoder(allowed_special=allowed)
                ids: list[int] = []
                so_far = ""
                for part in (text[:cut], text[cut:]):
                    so_far += part
                    expected = ref.encode(so_far, allowed_special=allowed, disallowed_special=())
                    assert s.push(part) == len(expected), (so_far, cut)
                    ids += e.push(part)
                expected = ref.encode(text, allowed_special=allowed, disallowed_special=())
                assert s.finish() == len(expected), (text, cut)
                assert ids + e.finish() == expected, (text, cut)


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_disallowed_special_raises_tiktokens_value_error(name: str) -> None:
    text = "x <|endoftext|> y"
    with pytest.raises(ValueError) as expected:
        tk(name).encode(text)
    with pytest.raises(ValueError) as got:
        st(name).encode(text)
    assert str(got.value) == str(expected.value)
    assert st(name).encode(text, allowed_special="all") == tk(name).encode(text, allowed_special="all")


@pytest.mark.parametrize("bad", ["al", "ALL", "<|endoftext|>"])
def test_allowed_special_as_a_bad_string_raises_value_error(bad: str) -> None:
    for make in (streamtok.StreamCounter, streamtok.StreamEncoder):
        with pytest.raises(ValueError, match='allowed_special must be "all" or a set of special tokens'):
            make("o200k_base", allowed_special=bad)


def test_allowed_special_of_non_strings_raises_type_error() -> None:
    with pytest.raises(TypeError, match="'int' object is not iterable"):
        streamtok.StreamCounter("o200k_base", allowed_special=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        streamtok.StreamCounter("o200k_base", allowed_special=[1, 2])  # type: ignore[list-item]


# --- huge deltas and many deltas -----------------------------------------------------------------

# Sentences whose pieces never reach across the unit's end (checked below with tiktoken), so the
# tokens of UNIT * k are tiktoken's tokens of UNIT, k times.
UNIT = "The quick brown fox, 42 times: jumps over the lazy dog's back.\n"
MB = 1 << 20


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_a_200_mb_delta_counts_exactly(name: str) -> None:
    ref = tk(name)
    unit = ref.encode_ordinary(UNIT)
    assert ref.encode_ordinary(UNIT * 3) == unit * 3  # the periodicity the expectation rests on
    mid = UNIT * (MB // len(UNIT))  # and tiktoken itself on a megabyte of it
    assert len(ref.encode_ordinary(mid)) == len(unit) * (MB // len(UNIT))
    k = 200 * MB // len(UNIT)
    big = UNIT * k
    assert len(big) > 199 * MB
    start = time.perf_counter()
    counter = st(name).stream()
    assert counter.push(big) == len(unit) * k
    assert counter.__sizeof__() < 1024
    if name == "o200k_base":  # the same as bytes, once: the work is the same in every family
        assert counter.push_bytes(big.encode()) == 2 * len(unit) * k
        k *= 2
    assert counter.finish() == len(unit) * k
    assert time.perf_counter() - start < 60


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_a_million_tiny_deltas_count_exactly(name: str) -> None:
    text = (UNIT + "Ünïcödé 中文字 😀👍🏽\n") * 12_700  # a million characters
    counter, encoder = st(name).stream(), st(name).stream_encoder()
    ids: list[int] = []
    for ch in text:
        counter.push(ch)
        ids += encoder.push(ch)
    expected = tk(name).encode_ordinary(text)
    assert len(text) > 1_000_000
    assert counter.finish() == len(expected)
    assert ids + encoder.finish() == expected
    data = text.encode()[:1_000_000]
    counter = st(name).stream()
    for i in range(len(data)):
        counter.push_bytes(data[i : i + 1])
    assert counter.finish() == len(tk(name).encode_ordinary(data.decode("utf-8", "replace")))
