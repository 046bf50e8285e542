"""Adversarial inputs: one giant piece of each pattern alternative, alternating classes and long
special-token look-alikes, at 0.1 / 0.3 / 1 MB, counted in one shot and streamed in 1 KB deltas
(also with every special token allowed). Linear cost shows as the same time per
MB at every size; ``extra_info["MB"]`` gives the size. One-shot counts start with empty piece
caches (see test_streamtok_count).

    pytest benches/test_bench_adversarial.py --benchmark-only --benchmark-group-by=group

tiktoken is not in these groups: its merge loop is quadratic in the length of a piece, so a
megabyte-long piece takes it minutes. tests/test_adversarial.py checks exactness on the same shapes.
"""

from __future__ import annotations

import pytest
from adversarial import SHAPES

import streamtok

ENCODING = "o200k_base"
SIZES = [100_000, 300_000, 1_000_000]
DELTA = 1024


@pytest.fixture(params=[(s, n) for s in SHAPES for n in SIZES], ids=lambda p: f"{p[0]}-{p[1] // 1000}k")
def case(request):
    shape, size = request.param
    return shape, size, SHAPES[shape](size)


def _stream(enc: streamtok.Encoding, text: str, allowed: object) -> int:
    counter = enc.stream(allowed_special=allowed)
    push = counter.push
    for i in range(0, len(text), DELTA):
        push(text[i : i + DELTA])
    return counter.finish()


def test_streamtok_count(benchmark, case):
    shape, size, text = case
    benchmark.group = f"adversarial {ENCODING} {shape} count"
    benchmark.extra_info["MB"] = len(text.encode()) / 1e6
    enc = streamtok.get_encoding(ENCODING)
    # Caches emptied before every call: warm caches would serve a small text that fits them
    # from memory and hide the cost of the merges, whose linearity is the point here.
    benchmark.pedantic(enc.count, args=(text,), setup=enc._clear_caches, rounds=5, warmup_rounds=1)


def test_streamtok_stream_1k_deltas(benchmark, case):
    shape, size, text = case
    benchmark.group = f"adversarial {ENCODING} {shape} stream"
    benchmark.extra_info["MB"] = len(text.encode()) / 1e6
    enc = streamtok.get_encoding(ENCODING)
    # One round: a superlinear stream at 1 MB would otherwise take many minutes per shape.
    n = benchmark.pedantic(_stream, args=(enc, text, frozenset()), rounds=1, iterations=1)
    assert n == enc.count(text)


def test_streamtok_stream_1k_deltas_specials_allowed(benchmark, case):
    # With special tokens allowed the stream searches for them near each delta and keeps the
    # open piece's encoding as without them, so every shape streams in linear time here too.
    shape, size, text = case
    benchmark.group = f"adversarial {ENCODING} {shape} stream-specials"
    benchmark.extra_info["MB"] = len(text.encode()) / 1e6
    enc = streamtok.get_encoding(ENCODING)
    n = benchmark.pedantic(_stream, args=(enc, text, "all"), rounds=1, iterations=1)
    assert n == len(enc.encode(text, allowed_special="all"))
