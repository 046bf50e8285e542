"""``push_bytes``: bytes split anywhere, inside a character too, count as the text an incremental
UTF-8 decoder has produced so far; invalid bytes count as U+FFFD (``errors="replace"``) or raise
``UnicodeDecodeError`` without changing the stream (``errors="strict"``). ARCHITECTURE.md, "Invariants".
"""

from __future__ import annotations

import codecs

import pytest
import strategies
from hypothesis import example, given
from hypothesis import strategies as hs
from support import ENCODINGS, st, tk
from test_stream import check_stream, decode_chunk, splits, token_byte_deltas

#: Byte sequences that are not UTF-8: bytes that never occur, overlong forms, lone continuation
#: bytes, sequences cut short, encoded surrogates, code points above U+10FFFF.
INVALID = [
    b"\xff", b"\xfe", b"\xc0", b"\xc1", b"\xc0\xaf", b"\xc1\xbf", b"\x80", b"\xbf", b"\x80\x80\x80",
    b"\xc2", b"\xdf", b"\xe4\xb8", b"\xe2\x82", b"\xf0\x9f\x98", b"\xf0\x9f", b"\xf4",
    b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xf0\x80\x80\x80", b"\xf0\x8f\xbf\xbf",
    b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\xa0\xbd\xed\xb8\x80", b"\xf4\x90\x80\x80",
    b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfc\x84\x80\x80\x80\x80",
]  # fmt: skip

#: Valid text, invalid sequences and random bytes, concatenated.
byte_text = hs.lists(
    hs.one_of(
        strategies.text.map(lambda s: s[:40].encode("utf-8")),
        strategies.atom.map(lambda s: s.encode("utf-8")),
        hs.sampled_from(INVALID),
        hs.sampled_from(INVALID),
        hs.binary(max_size=6),
    ),
    max_size=14,
).map(b"".join)


@hs.composite
def split_bytes(  # noqa: ANN201
    draw: hs.DrawFn, data: hs.SearchStrategy[bytes], max_len: int = 400
):
    raw = draw(data)
    cut = min(max_len, len(raw))
    # Cut on a character boundary, so that valid UTF-8 stays valid.
    while 0 < cut < len(raw) and raw[cut] & 0xC0 == 0x80:
        cut -= 1
    return draw(splits(raw[:cut]))


# --- counts after every chunk --------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
@given(chunks=split_bytes(strategies.text.map(lambda s: s.encode("utf-8"))))
@example(chunks=[b"\xe4", b"\xb8", b"\xad", b"\xe6\x96", b"\x87"])
@example(chunks=[b"I'", b"ll \xf0\x9f", b"\x91\x8d\xf0\x9f\x8f", b"\xbd"])
def test_valid_text_split_at_any_byte(name: str, chunks: list[bytes | None]) -> None:
    full = check_stream(name, chunks)
    text = b"".join(c for c in chunks if c).decode("utf-8")
    assert full == tk(name).encode_ordinary(text)
    counter = st(name).stream()
    assert counter.push(text) == len(full)


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=strategies.hard_text.map(lambda s: s[:80]))
@example(text="\u4e2d\U0001f44d\U0001f3fd\u0301'\u017f\u3000\u3000x\u01c5")
def test_one_byte_at_a_time(name: str, text: str) -> None:
    data = text.encode("utf-8")
    check_stream(name, [data[i : i + 1] for i in range(len(data))])


@pytest.mark.parametrize("name", ENCODINGS)
@given(chunks=split_bytes(byte_text))
@example(chunks=[b"\xed\xa0\x80"])
@example(chunks=[b"a\xed", b"\xa0", b"\x80b"])
@example(chunks=[b"\xf0\x9f\x98", b"x"])
@example(chunks=[b"\xe4\xb8", b"\xe4\xb8\xad"])
@example(chunks=[b"\xc0\xaf\x80\xff\xfe", b"'", b"s \xe0\x80\x80  ", b"\xf4\x90\x80\x80x"])
@example(chunks=[b"x \n ", b"\xff", b" \nx"])
@example(chunks=[b"don'", b"\xf0", b"t"])
def test_invalid_bytes_count_as_replacement_character(
    name: str, chunks: list[bytes | None]
) -> None:
    full = check_stream(name, chunks)
    data = b"".join(c for c in chunks if c)
    assert full == tk(name).encode_ordinary(data.decode("utf-8", "replace"))


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=strategies.text.map(lambda s: s[:300]), tokenizer=hs.sampled_from(ENCODINGS))
@example(text="\u65e5\u672c\U0001f468\u200d\U0001f469 \u0e20\u0e32\u0e29", tokenizer="r50k_base")
def test_token_aligned_byte_chunks(name: str, text: str, tokenizer: str) -> None:
    """An API streams token by token; a token can hold part of a character."""
    check_stream(name, token_byte_deltas(tokenizer, text))


@pytest.mark.parametrize("name", ENCODINGS)
@given(
    deltas=hs.lists(
        hs.one_of(
            strategies.atom,
            hs.sampled_from(INVALID),
            strategies.atom.map(lambda s: s.encode("utf-8")),
            strategies.atom.map(lambda s: s.encode("utf-8")[:-1]),
            strategies.atom.map(lambda s: s.encode("utf-8")[1:]),
        ),
        max_size=20,
    )
)
@example(deltas=[b"\xe4\xb8", "x"])
@example(deltas=[b"\xe4", "", b"\xb8\xad"])
@example(deltas=[b"\xf0\x9f\x91", None, "\U0001f44d"])
def test_str_and_bytes_deltas_mixed(name: str, deltas: list[str | bytes | None]) -> None:
    """A str delta after bytes that end inside a character: those bytes can no longer complete,
    so they are U+FFFD, as an incremental decoder fed the str's UTF-8 would say."""
    check_stream(name, deltas)


@pytest.mark.parametrize("name", ENCODINGS)
def test_partial_character_counts_as_not_arrived(name: str) -> None:
    ref = tk(name)
    counter = st(name).stream()
    assert counter.push("ab") == len(ref.encode_ordinary("ab"))
    for part in (b"\xf0", b"\x9f", b"\x98"):
        assert counter.push_bytes(part) == len(ref.encode_ordinary("ab"))
    assert counter.push_bytes(b"\x80") == len(ref.encode_ordinary("ab\U0001f600"))
    counter.push_bytes(b"\xe4\xb8")
    assert counter.count == len(ref.encode_ordinary("ab\U0001f600"))
    # The stream ends inside a character: those bytes are invalid, one U+FFFD.
    assert counter.finish() == len(ref.encode_ordinary("ab\U0001f600\ufffd"))


@pytest.mark.parametrize("name", ENCODINGS)
def test_bytes_like_objects(name: str) -> None:
    ref = tk(name)
    data = "caf\u00e9 \u4e2d\u6587 don't".encode()
    for wrap in (bytes, bytearray, memoryview):
        counter = st(name).stream()
        for i in range(0, len(data), 3):
            expected = len(ref.encode_ordinary(data[: i + 3].decode("utf-8", "ignore")))
            assert counter.push_bytes(wrap(data[i : i + 3])) == expected
        assert counter.finish() == len(ref.encode_ordinary(data.decode()))
        encoder = st(name).stream_encoder()
        ids = [t for i in range(0, len(data), 5) for t in encoder.push_bytes(wrap(data[i : i + 5]))]
        assert ids + encoder.finish() == ref.encode_ordinary(data.decode())


# --- errors="strict" -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("bad", INVALID, ids=repr)
def test_strict_raises_on_invalid_bytes_and_changes_nothing(name: str, bad: bytes) -> None:
    ref = tk(name)
    for carry in (b"", b"\xe4"):
        text = "x \n I'"
        counter = st(name).stream()
        counter.push(text)
        counter.push_bytes(carry, errors="strict")
        before = (counter.count, counter.stable_count)
        chunk = bad if carry else b"ok" + bad + b"ok"
        try:
            decode_chunk(codecs.getincrementaldecoder("utf-8")("strict"), carry + chunk)
        except UnicodeDecodeError:
            pass
        else:
            continue  # \xe4 + a continuation byte is no error yet
        with pytest.raises(UnicodeDecodeError) as info:
            counter.push_bytes(chunk, errors="strict")
        assert info.value.encoding == "utf-8"
        assert "can't decode" in str(info.value)
        assert (counter.count, counter.stable_count) == before
        # Still usable, and the rejected chunk never arrived.
        rest = b"\xb8\xad" if carry else b"ll go"
        full = text + (carry + rest).decode("utf-8")
        assert counter.push_bytes(rest, errors="strict") == len(ref.encode_ordinary(full))
        assert counter.finish() == len(ref.encode_ordinary(full))

        encoder = st(name).stream_encoder()
        ids = encoder.push(text) + encoder.push_bytes(carry, errors="strict")
        with pytest.raises(UnicodeDecodeError):
            encoder.push_bytes(chunk, errors="strict")
        ids += encoder.push_bytes(rest, errors="strict")
        assert ids + encoder.finish() == ref.encode_ordinary(full)


@pytest.mark.parametrize("name", ENCODINGS)
@given(
    chunks=hs.lists(
        hs.tuples(
            hs.one_of(byte_text.map(lambda b: b[:30]), hs.sampled_from(INVALID)),
            hs.sampled_from(["replace", "strict"]),
        ),
        max_size=12,
    )
)
@example(chunks=[(b"\xe4", "strict"), (b"a", "strict"), (b"\xb8\xad", "strict")])
@example(chunks=[(b"\xe4", "replace"), (b"a", "strict"), (b"a", "replace")])
def test_strict_and_replace_chunks_mixed(name: str, chunks: list[tuple[bytes, str]]) -> None:
    """Each chunk behaves as an incremental decoder with that chunk's ``errors`` says: a strict
    chunk that does not decode (with the bytes carried from before) raises and is dropped."""
    ref = tk(name)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    counter, encoder = st(name).stream(), st(name).stream_encoder()
    text, ids = "", []
    for chunk, errors in chunks:
        decoder.errors = errors
        try:
            text += decode_chunk(decoder, chunk)
        except UnicodeDecodeError:
            before = (counter.count, counter.stable_count)
            with pytest.raises(UnicodeDecodeError):
                counter.push_bytes(chunk, errors=errors)
            with pytest.raises(UnicodeDecodeError):
                encoder.push_bytes(chunk, errors=errors)
            assert (counter.count, counter.stable_count) == before, f"{name}: {chunks!r}"
            continue
        expected = ref.encode_ordinary(text)
        got = counter.push_bytes(chunk, errors=errors)
        assert got == len(expected), f"{name}: after {chunk!r} of {chunks!r}: {got} != {expected}"
        ids += encoder.push_bytes(chunk, errors=errors)
        assert ids + encoder.pending() == expected, (
            f"{name}: after {chunk!r} of {chunks!r}: handed out {ids} + pending "
            f"{encoder.pending()}, tiktoken gives {expected}"
        )
    decoder.errors = "replace"
    text += decoder.decode(b"", final=True)
    expected = ref.encode_ordinary(text)
    assert counter.finish() == len(expected), f"{name}: {chunks!r}"
    assert ids + encoder.finish() == expected, f"{name}: {chunks!r}"


@pytest.mark.parametrize("name", ENCODINGS)
def test_unknown_errors_mode_raises_value_error(name: str) -> None:
    counter = st(name).stream()
    counter.push("abc")
    before = (counter.count, counter.stable_count)
    for errors in ("ignore", "surrogateescape", ""):
        with pytest.raises(ValueError, match="errors") as info:
            counter.push_bytes(b"de", errors=errors)
        assert repr(errors)[1:-1] in str(info.value)
        assert (counter.count, counter.stable_count) == before
    assert counter.push_bytes(b"de") == len(tk(name).encode_ordinary("abcde"))
