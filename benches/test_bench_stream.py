"""Streaming: the exact count read after every token-sized delta, against counting once at the
end with tiktoken and against re-encoding the accumulated text after every delta.

Besides the timings of each side, the streamtok test times both sides in alternating rounds
and keeps the median of the per-round ratios (``extra_info["paired_ratio"]``): on a noisy
machine the two separate timings may come from different minutes, alternating rounds do not."""

from __future__ import annotations

import statistics
import time

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


# Alternating rounds of each side for the paired ratio.
PAIRED_ROUNDS = 21


def _paired(a, b) -> tuple[float, float, float]:
    """Median over alternating rounds of (CPU time of a) / (CPU time of b), and the median
    CPU time of each."""
    ratios, times_a, times_b = [], [], []
    for _ in range(PAIRED_ROUNDS):
        t0 = time.process_time()
        a()
        t1 = time.process_time()
        b()
        t2 = time.process_time()
        times_a.append(t1 - t0)
        times_b.append(t2 - t1)
        ratios.append((t1 - t0) / max(t2 - t1, 1e-9))
    return statistics.median(ratios), statistics.median(times_a), statistics.median(times_b)


def _paired_ratio(a, b) -> float:
    """Median over alternating rounds of (CPU time of a) / (CPU time of b)."""
    return _paired(a, b)[0]


def test_streamtok_stream(benchmark, case):
    enc, path, text, deltas = case
    benchmark.group = f"stream {enc} {path.name}"
    benchmark.extra_info.update(bytes=len(text.encode()), deltas=len(deltas))
    st = streamtok.get_encoding(enc)
    tk = support.tk(enc)
    assert benchmark(_stream, st, deltas) == len(tk.encode_ordinary(text))
    benchmark.extra_info["paired_ratio"] = _paired_ratio(lambda: _stream(st, deltas), lambda: tk.encode_ordinary(text))


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
