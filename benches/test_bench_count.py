"""One-shot counting and encoding, per corpus file: streamtok ``count`` / ``encode_ordinary``
against tiktoken ``encode_ordinary`` and every installed competitor, in one group per file.

Each benchmark records ``impl`` (who and which call), ``op`` (count or encode) and ``exact``
(its result equals tiktoken's on that file) in ``extra_info``; report.py builds the ratios and
the exactness table from them.
"""

from __future__ import annotations

import hashlib
import math
import os
import statistics
import time

import competitors
import pytest
from conftest import BENCH_ENCODINGS, CORPUS, corpus_text

import streamtok
import support

CASES = [(enc, path) for enc in BENCH_ENCODINGS for path in CORPUS]


@pytest.fixture(params=CASES, ids=[f"{e}-{p.name}" for e, p in CASES])
def case(request):
    enc, path = request.param
    return enc, path, corpus_text(path)


def _label(benchmark, case, impl: str, op: str, exact: bool) -> None:
    enc, path, text = case
    benchmark.group = f"count {enc} {path.name}"
    benchmark.extra_info.update(impl=impl, op=op, exact=exact, bytes=len(text.encode()))


def test_tiktoken_encode_ordinary(benchmark, case):
    enc, _, text = case
    _label(benchmark, case, "tiktoken", "baseline", True)
    benchmark(support.tk(enc).encode_ordinary, text)


def test_streamtok_count(benchmark, case):
    enc, _, text = case
    st = streamtok.get_encoding(enc)
    _label(benchmark, case, "streamtok", "count", st.count(text) == len(support.tk(enc).encode_ordinary(text)))
    benchmark(st.count, text)


def test_streamtok_count_cold(benchmark, case):
    """``count`` with its piece caches emptied before every call: the first count of a text
    that shares no piece with anything counted before."""
    enc, _, text = case
    st = streamtok.get_encoding(enc)
    _label(benchmark, case, "streamtok", "count_cold", st.count(text) == len(support.tk(enc).encode_ordinary(text)))
    benchmark.pedantic(st.count, args=(text,), setup=st._clear_caches, rounds=30, warmup_rounds=2)


def test_streamtok_encode_ordinary(benchmark, case):
    enc, _, text = case
    st = streamtok.get_encoding(enc)
    _label(benchmark, case, "streamtok", "encode", st.encode_ordinary(text) == support.tk(enc).encode_ordinary(text))
    benchmark(st.encode_ordinary, text)


@pytest.mark.parametrize("competitor", competitors.NAMES)
def test_competitor_count(benchmark, case, competitor):
    enc, _, text = case
    other = competitors.load(competitor, enc)
    _label(benchmark, case, competitor, "count", other.count(text) == len(support.tk(enc).encode_ordinary(text)))
    benchmark(other.count, text)


@pytest.mark.parametrize("competitor", competitors.NAMES)
def test_competitor_encode_ordinary(benchmark, case, competitor):
    enc, _, text = case
    other = competitors.load(competitor, enc)
    _label(benchmark, case, competitor, "encode", list(other.encode(text)) == support.tk(enc).encode_ordinary(text))
    benchmark(other.encode, text)


# Every call above, timed again in alternating rounds: each round times every call on the same
# file, so that a change in the machine's speed (another tenant, a frequency step) between one
# benchmark and the next hits all of them alike. report.py divides these medians for its
# summary. As in the benchmarks above, a call is timed warm: each sample follows one untimed
# call (the others' calls in between evict its tables from the CPU caches), and repeats the call
# on a small file until it lasts about SAMPLE_SECONDS.
ROUNDS = 15
SAMPLE_SECONDS = 2e-3


def _alternating_rounds(calls: dict[str, object], text: str) -> dict[str, list[float]]:
    """CPU seconds of one warm call of each of ``calls`` on ``text`` in each of ROUNDS rounds,
    in which the calls take turns (in a rotating order)."""
    reps = {}
    for name, call in calls.items():
        call(text)
        t0 = time.process_time()
        call(text)
        reps[name] = max(1, math.ceil(SAMPLE_SECONDS / max(time.process_time() - t0, 1e-6)))
    samples: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls)
    for r in range(ROUNDS):
        for name in order[r % len(order):] + order[:r % len(order)]:
            call, n = calls[name], reps[name]
            call(text)
            t0 = time.process_time()
            for _ in range(n):
                call(text)
            samples[name].append(max(time.process_time() - t0, 1e-9) / n)
    return samples


BASELINE = "tiktoken encode_ordinary"


def test_alternating_rounds(benchmark, case):
    enc, path, text = case
    benchmark.group = f"paired {enc} {path.name}"
    st = streamtok.get_encoding(enc)
    calls = {BASELINE: support.tk(enc).encode_ordinary, "streamtok count": st.count, "streamtok encode": st.encode_ordinary}
    for name, other in competitors.installed(enc).items():
        calls[f"{name} count"] = other.count
        calls[f"{name} encode"] = other.encode
    samples = benchmark.pedantic(_alternating_rounds, (calls, text), rounds=1, iterations=1)
    # The median time of each call, and the median over rounds of tiktoken's time in a round
    # divided by the call's in the same round.
    medians = {name: statistics.median(s) for name, s in samples.items()}
    ratios = {name: statistics.median(b / a for a, b in zip(s, samples[BASELINE])) for name, s in samples.items()}
    benchmark.extra_info.update(bytes=len(text.encode()), rounds=ROUNDS, medians=medians, round_ratios=ratios)


# One long piece of each adversarial shape (as in benches/core.rs), counted in one call; the
# report divides its speed by streamtok's speed on the ordinary corpus, and by its speed on as
# many bytes of ordinary text counted the same way (the corpus files one after another, many
# pieces: "ordinary_text"). Only streamtok runs it: tiktoken's merge is quadratic in the length
# of a piece.
PIECE_BYTES = int(os.environ.get("STREAMTOK_BENCH_PIECE_BYTES", "1000000"))


def _random_bytes(size: int) -> bytes:
    """``size`` bytes of a fixed hash stream (the same text in every run)."""
    return b"".join(hashlib.sha256(i.to_bytes(4, "little")).digest() for i in range(size // 32 + 1))[:size]


def _pieces(size: int) -> dict[str, str]:
    def cycle(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    return {
        "letters": "".join(chr(ord("a") + (i * 7 + i // 13) % 26) for i in range(size)),
        # Short tokens that hardly repeat a pair: the hardest shape for the long-piece merge.
        "random_letters": "".join(chr(97 + b % 26) for b in _random_bytes(size)),
        "spaces": cycle(" "),
        "spaces_newlines": cycle("  \n "),
        "digits": cycle("8675309"),
        "punctuation": cycle("!?.,;:-"),
        # Not one piece: the same number of bytes of ordinary text, the call's like for like.
        "ordinary_text": "".join(map(corpus_text, CORPUS)).encode()[:size].decode("utf-8", "ignore"),
    }


PIECES = _pieces(PIECE_BYTES)


@pytest.mark.parametrize("shape", list(PIECES))
@pytest.mark.parametrize("enc", BENCH_ENCODINGS)
def test_streamtok_count_long_piece(benchmark, enc, shape):
    text = PIECES[shape]
    benchmark.group = f"piece {enc} {shape}"
    benchmark.extra_info.update(impl="streamtok", op="count", bytes=len(text.encode()))
    st = streamtok.get_encoding(enc)
    benchmark.pedantic(st.count, (text,), rounds=3, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("shape", list(PIECES))
@pytest.mark.parametrize("enc", BENCH_ENCODINGS)
def test_streamtok_count_long_piece_first(benchmark, enc, shape):
    """The same, every call a first count: caches emptied before it, as for text never seen.
    Ordinary text then pays for the pieces it merges; a piece of random letters pays the same."""
    text = PIECES[shape]
    benchmark.group = f"piece-first {enc} {shape}"
    benchmark.extra_info.update(impl="streamtok", op="count_first", bytes=len(text.encode()))
    st = streamtok.get_encoding(enc)
    benchmark.pedantic(st.count, (text,), setup=st._clear_caches, rounds=3, iterations=1, warmup_rounds=1)
