"""Every state a stream can reach survives pickle and copy exactly: the restored stream goes on as
the original would, count for count and id for id, against tiktoken."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as hs
from strategies import SPECIAL_LOOKALIKES, atom
from support import ENCODINGS, tk

import streamtok

#: Deltas: text of every hard class with special tokens, their near misses and lone surrogates.
piece = hs.one_of(atom, atom, hs.sampled_from(SPECIAL_LOOKALIKES), hs.characters(categories=["Cs"]))


#: Every proper prefix of the UTF-8 of a character: what a stream holds back as not arrived yet.
PARTIAL = {
    c[:k] for c in (chr(cp).encode() for cp in range(0x80, 0x110000) if not 0xD800 <= cp < 0xE000) for k in range(1, len(c))
}


def held_back(data: bytes) -> int:
    """Length of the end of `data` that more bytes could still complete into a character."""
    return next((k for k in (3, 2, 1) if data[-k:] in PARTIAL and len(data) >= k), 0)


def text_of(pushes: list[str | bytes], final: bool) -> str:
    """The text a stream holds after `pushes`: runs of str deltas pair their surrogates (a lone one
    is U+FFFD, as tiktoken makes it), runs of byte deltas decode with replacement; before the end
    the start of a character that more bytes can still complete is not there yet."""
    out, i = [], 0
    while i < len(pushes):
        j = i
        while j < len(pushes) and type(pushes[j]) is type(pushes[i]):
            j += 1
        run = pushes[i:j]
        if isinstance(run[0], str):
            out.append("".join(run).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace"))
        else:
            data = b"".join(run)
            if j == len(pushes) and not final:
                data = data[: len(data) - held_back(data)]
            out.append(data.decode("utf-8", "replace"))
        i = j
    return "".join(out)


@pytest.mark.parametrize("name", ENCODINGS)
@given(data=hs.data())
def test_pickled_and_copied_streams_go_on_exactly(name: str, data: hs.DataObject) -> None:
    allowed = data.draw(hs.sampled_from([frozenset(), "all"]), label="allowed")
    deltas = data.draw(hs.lists(hs.lists(piece, max_size=4).map("".join), min_size=1, max_size=10), label="deltas")
    reference = tk(name)

    def expected(text: str) -> list[int]:
        return reference.encode(text, allowed_special=allowed) if allowed else reference.encode_ordinary(text)

    enc = streamtok.get_encoding(name)
    counter, encoder = enc.stream(allowed_special=allowed), enc.stream_encoder(allowed_special=allowed)
    pushes: list[str | bytes] = []
    ids: list[int] = []
    for delta in deltas:
        as_bytes = data.draw(hs.booleans(), label="bytes")
        if as_bytes:
            raw = delta.encode("utf-8", "surrogatepass")
            cut = data.draw(hs.integers(0, len(raw)), label="cut")
            parts: list[str | bytes] = [raw[:cut], raw[cut:]]
        else:
            parts = [delta]
        for part in parts:
            if not part:
                continue
            pushes.append(part)
            if isinstance(part, bytes):
                n = counter.push_bytes(part)
                ids += encoder.push_bytes(part)
            else:
                n = counter.push(part)
                ids += encoder.push(part)
            whole = expected(text_of(pushes, final=False))
            assert n == counter.count == len(whole)
            assert ids == whole[: len(ids)]
            assert encoder.count == len(whole)
        how = data.draw(hs.sampled_from(["keep", "pickle", "copy", "copy.copy"]), label="checkpoint")
        if how == "pickle":
            counter, encoder = pickle.loads(pickle.dumps(counter)), pickle.loads(pickle.dumps(encoder))
        elif how == "copy":
            counter, encoder = counter.copy(), encoder.copy()
        elif how == "copy.copy":
            counter, encoder = copy.copy(counter), copy.copy(encoder)
        assert counter.count == encoder.count == len(expected(text_of(pushes, final=False)))
    final = expected(text_of(pushes, final=True))
    assert counter.finish() == len(final)
    assert ids + encoder.finish() == final


def test_a_byte_push_that_settles_a_held_surrogate_keeps_every_id() -> None:
    # The reproducer: a byte push settled the held surrogate without advancing, so the saved
    # tail held a final piece that a restore counted but never handed out.
    e = streamtok.StreamEncoder("o200k_base")
    ids = e.push("hello  \ud83d")
    ids += e.push_bytes(b"\xc3")
    e = pickle.loads(pickle.dumps(e))
    ids += e.finish()
    assert ids == tk("o200k_base").encode_ordinary("hello  \ufffd\ufffd") == [24912, 220, 156517]


def test_a_saved_tail_with_final_text_is_refused() -> None:
    with pytest.raises(ValueError, match="final already"):
        streamtok.StreamEncoder._restore("o200k_base", None, b"", None, "hello big world", 0, False)
