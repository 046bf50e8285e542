"""Batches on one and two threads: streamtok ``count_batch`` / ``encode_ordinary_batch`` /
``encode_batch`` against tiktoken ``encode_ordinary_batch`` and the competitors' batch counts.

The batch is the whole corpus cut into ~1 KB texts at line ends: ~1,600 texts, 1.6 MB. "corpus"
keeps the files' order (languages in runs, as real batches often are); "shuffled" mixes them, so
the two show whether splitting the batch into equal runs of texts leaves one thread idle.
"""

from __future__ import annotations

import functools
import random

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
    benchmark(st.count_batch, texts, num_threads=threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("enc", BENCH_ENCODINGS)
def test_streamtok_encode_ordinary_batch(benchmark, enc, threads):
    st = streamtok.get_encoding(enc)
    texts = batch("corpus")
    ids = st.encode_ordinary_batch(texts, num_threads=threads)
    _label(benchmark, enc, "corpus", "streamtok", "encode_ordinary_batch", threads, map(len, ids))
    benchmark(st.encode_ordinary_batch, texts, num_threads=threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("enc", BENCH_ENCODINGS)
def test_streamtok_encode_batch(benchmark, enc, threads):
    st = streamtok.get_encoding(enc)
    texts = batch("corpus")
    ids = st.encode_batch(texts, num_threads=threads)
    _label(benchmark, enc, "corpus", "streamtok", "encode_batch", threads, map(len, ids))
    benchmark(st.encode_batch, texts, num_threads=threads)


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
