"""One-shot counting: streamtok ``count`` / ``encode_ordinary`` against tiktoken, per corpus file."""

from __future__ import annotations

import pytest
from conftest import BENCH_ENCODINGS, CORPUS, corpus_text

import streamtok
import support

CASES = [(enc, path) for enc in BENCH_ENCODINGS for path in CORPUS]


def _ids(case):
    enc, path = case
    return f"{enc}-{path.name}"


@pytest.fixture(params=CASES, ids=[_ids(c) for c in CASES])
def case(request):
    enc, path = request.param
    text = corpus_text(path)
    request.node.user_properties.append(("bytes", len(text.encode())))
    return enc, path, text


def test_tiktoken_encode_ordinary(benchmark, case):
    enc, path, text = case
    benchmark.group = f"count {enc} {path.name}"
    tk = support.tk(enc)
    benchmark.extra_info["bytes"] = len(text.encode())
    n = benchmark(tk.encode_ordinary, text)
    assert len(n) == streamtok.get_encoding(enc).count(text)


def test_streamtok_count(benchmark, case):
    enc, path, text = case
    benchmark.group = f"count {enc} {path.name}"
    st = streamtok.get_encoding(enc)
    benchmark.extra_info["bytes"] = len(text.encode())
    benchmark(st.count, text)


def test_streamtok_encode_ordinary(benchmark, case):
    enc, path, text = case
    benchmark.group = f"count {enc} {path.name}"
    st = streamtok.get_encoding(enc)
    benchmark.extra_info["bytes"] = len(text.encode())
    benchmark(st.encode_ordinary, text)
