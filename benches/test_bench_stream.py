"""Streaming: the exact count read after every token-sized delta, against counting once at the
end with tiktoken and against re-encoding the accumulated text after every delta."""

from __future__ import annotations

import pytest
from conftest import BENCH_ENCODINGS, STREAM_FILES, corpus_text, token_deltas

import streamtok
import support

# Re-encoding after every delta is quadratic: it gets a prefix of this many characters.
REENCODE_CHARS = 8_000
CASES = [(enc, path) for enc in BENCH_ENCODINGS for path in STREAM_FILES]


@pytest.fixture(params=CASES, ids=[f"{e}-{p.name}" for e, p in CASES])
def case(request):
    enc, path = request.param
    text = corpus_text(path)
    return enc, path, text, token_deltas(support.tk(enc), text)


def _reencode_prefix(deltas: list[str]) -> list[str]:
    """The first deltas, up to REENCODE_CHARS characters."""
    prefix: list[str] = []
    size = 0
    for d in deltas:
        if size + len(d) > REENCODE_CHARS:
            break
        prefix.append(d)
        size += len(d)
    return prefix


def _stream(enc: streamtok.Encoding, deltas: list[str]) -> int:
    counter = enc.stream()
    push = counter.push
    for delta in deltas:
        push(delta)
    return counter.finish()


def test_streamtok_stream(benchmark, case):
    enc, path, text, deltas = case
    benchmark.group = f"stream {enc} {path.name}"
    benchmark.extra_info.update(bytes=len(text.encode()), deltas=len(deltas))
    st = streamtok.get_encoding(enc)
    assert benchmark(_stream, st, deltas) == len(support.tk(enc).encode_ordinary(text))


def test_tiktoken_encode_once(benchmark, case):
    enc, path, text, deltas = case
    benchmark.group = f"stream {enc} {path.name}"
    benchmark.extra_info.update(bytes=len(text.encode()), deltas=len(deltas))
    benchmark(support.tk(enc).encode_ordinary, text)


def test_tiktoken_reencode_every_delta(benchmark, case):
    enc, path, text, deltas = case
    benchmark.group = f"reencode {enc} {path.name}"
    prefix = _reencode_prefix(deltas)
    benchmark.extra_info.update(chars=sum(map(len, prefix)), deltas=len(prefix))
    tk = support.tk(enc)

    def reencode() -> int:
        text = ""
        n = 0
        for d in prefix:
            text += d
            n = len(tk.encode_ordinary(text))
        return n

    benchmark.pedantic(reencode, rounds=2, iterations=1)


def test_streamtok_stream_reencode_prefix(benchmark, case):
    enc, path, text, deltas = case
    benchmark.group = f"reencode {enc} {path.name}"
    prefix = _reencode_prefix(deltas)
    benchmark.extra_info.update(chars=sum(map(len, prefix)), deltas=len(prefix))
    benchmark(_stream, streamtok.get_encoding(enc), prefix)
