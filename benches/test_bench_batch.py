"""Batches on one and two threads: streamtok ``count_batch`` / ``encode_ordinary_batch`` /
``encode_batch`` against tiktoken ``encode_ordinary_batch`` and the competitors' batch counts.

The batch is the whole corpus cut into ~1 KB texts at line ends: ~1,000 texts, 1.6 MB. "corpus"
keeps the files' order (languages in runs, as real batches often are); "shuffled" mixes them, so
the two show whether splitting the batch into equal runs of texts leaves one thread idle.

Wall-clock scaling needs two idle cores, which a shared machine may not have, so streamtok's
two-thread benchmarks also record what CPU time shows (other processes do not skew it):
``paired_ratio``, the median over alternating rounds of the one-thread call's wall time divided by
the two-thread call's in the same round (a slow stretch of the machine then slows both calls of a
round, where the separate benchmarks' ratio would take it as the one call's), ``calling_share``,
the calling thread's part of the call's CPU time on two threads (it takes the
texts and builds the result, holding the GIL, and takes chunks of texts like the other thread),
and ``cpu_bound``, the speedup the call could reach with two idle cores: the one-thread call's CPU
time over the larger of the two threads' CPU times in the two-thread call.
"""

from __future__ import annotations

import functools
import random
import statistics
import time

import competitors
import pytest
from conftest import BENCH_ENCODINGS, CORPUS, corpus_text

import streamtok
import support

THREADS = [1, 2]
TEXT_CHARS = 1_000


@functools.cache
def batch(order: str) -> list[str]:
    texts: list[str] = []
    for path in CORPUS:
        current = ""
        for line in corpus_text(path).splitlines(keepends=True):
            current += line
            if len(current) >= TEXT_CHARS:
                texts.append(current)
                current = ""
        if current:
            texts.append(current)
    if order == "shuffled":
        random.Random(4).shuffle(texts)
    return texts


@functools.cache
def expected(enc: str, order: str) -> list[int]:
    return [len(ids) for ids in support.tk(enc).encode_ordinary_batch(batch(order), num_threads=2)]


def _cpu_times(call, rounds: int = 3) -> tuple[float, float]:
    """Median CPU times of the calling thread and of the whole process over ``call()``."""
    times = []
    for _ in range(rounds):
        thread, process = time.thread_time(), time.process_time()
        call()
        times.append((time.thread_time() - thread, time.process_time() - process))
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


PAIRED_ROUNDS = 21


def _paired_ratio(call, texts: list[str]) -> float:
    """Median over PAIRED_ROUNDS rounds of ``call`` on one thread ÷ on two, in wall time; the two
    calls take turns going first."""
    ratios = []
    for r in range(PAIRED_ROUNDS):
        times = {}
        for threads in (1, 2) if r % 2 == 0 else (2, 1):
            t0 = time.perf_counter()
            call(texts, num_threads=threads)
            times[threads] = time.perf_counter() - t0
        ratios.append(times[1] / times[2])
    return statistics.median(ratios)


def _cpu_figures(benchmark, call, texts: list[str]) -> None:
    """``paired_ratio``, ``calling_share`` and ``cpu_bound`` of ``call(texts, num_threads=...)``
    (see above)."""
    _, one = _cpu_times(lambda: call(texts, num_threads=1))
    calling, total = _cpu_times(lambda: call(texts, num_threads=2))
    benchmark.extra_info.update(calling_share=calling / total, cpu_bound=one / max(calling, total - calling),
                                paired_ratio=_paired_ratio(call, texts))


def _label(benchmark, enc: str, order: str, impl: str, op: str, threads: int, counts) -> None:
    texts = batch(order)
    benchmark.group = f"batch {enc} {order}"
    benchmark.extra_info.update(impl=impl, op=op, threads=threads, texts=len(texts),
                                bytes=sum(len(t.encode()) for t in texts),
                                exact=[int(c) for c in counts] == expected(enc, order))


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("enc", BENCH_ENCODINGS)
def test_tiktoken_encode_ordinary_batch(benchmark, enc, threads):
    tk = support.tk(enc)
    texts = batch("corpus")
    _label(benchmark, enc, "corpus", "tiktoken", "encode_ordinary_batch", threads, expected(enc, "corpus"))
    benchmark(tk.encode_ordinary_batch, texts, num_threads=threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("order", ["corpus", "shuffled"])
@pytest.mark.parametrize("enc", BENCH_ENCODINGS)
def test_streamtok_count_batch(benchmark, enc, order, threads):
    st = streamtok.get_encoding(enc)
    texts = batch(order)
    _label(benchmark, enc, order, "streamtok", "count_batch", threads, st.count_batch(texts, num_threads=threads))
    if threads == 2:
        _cpu_figures(benchmark, st.count_batch, texts)
    benchmark(st.count_batch, texts, num_threads=threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("call", ["encode_ordinary_batch", "encode_batch"])
@pytest.mark.parametrize("enc", BENCH_ENCODINGS)
def test_streamtok_encode_batches(benchmark, enc, call, threads):
    st = streamtok.get_encoding(enc)
    texts = batch("corpus")
    encode = getattr(st, call)
    _label(benchmark, enc, "corpus", "streamtok", call, threads, map(len, encode(texts, num_threads=threads)))
    if threads == 2:
        _cpu_figures(benchmark, encode, texts)
    benchmark(encode, texts, num_threads=threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("competitor", competitors.NAMES)
@pytest.mark.parametrize("enc", BENCH_ENCODINGS)
def test_competitor_count_batch(benchmark, enc, competitor, threads):
    other = competitors.load(competitor, enc)
    if other.count_batch is None:
        pytest.skip(f"{competitor} has no batch count with a thread count")
    texts = batch("corpus")
    _label(benchmark, enc, "corpus", competitor, "count_batch", threads, other.count_batch(texts, threads))
    benchmark(other.count_batch, texts, threads)
