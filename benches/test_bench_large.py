"""One text of 32 MB counted once, in wall time, in a fresh process per round: streamtok cuts it
into parts and uses every CPU; tiktoken encodes it on one thread; competitors do what they do.

The text is the corpus repeated, each copy behind a different number. Every round starts a new
interpreter that builds the text, loads the encoding, counts "hi", then times one call on the
text: a first count, with every library's caches as cold as after loading.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import competitors
import pytest
from conftest import BENCH_ENCODINGS, CORPUS, corpus_text

import support

MB = 32
ROUNDS = 5
BENCHES = Path(__file__).resolve().parent


def large_text() -> str:
    corpus = "".join(corpus_text(p) for p in CORPUS)
    copies = MB * 1_000_000 // len(corpus.encode()) + 1
    return "".join(f"{i}\n{corpus}" for i in range(copies))


def _call(impl: str, enc: str, op: str):
    """The call that the child process times."""
    if impl == "streamtok":
        import streamtok

        st = streamtok.get_encoding(enc)
        return st.count if op == "count" else (lambda text: len(st.encode_ordinary(text)))
    if impl == "tiktoken":
        tk = support.tk(enc)
        return lambda text: len(tk.encode_ordinary(text))
    return competitors.load(impl, enc).count


PROBE = """
import json, sys, time
sys.path[:0] = [{benches!r}, {tests!r}]
import test_bench_large as large
text = large.large_text()
call = large._call({impl!r}, {enc!r}, {op!r})
call("hi")
t0 = time.perf_counter()
n = call(text)
print(json.dumps({{"seconds": time.perf_counter() - t0, "tokens": n, "bytes": len(text.encode())}}))
"""


def _first_count(impl: str, enc: str, op: str) -> dict:
    code = PROBE.format(benches=str(BENCHES), tests=str(BENCHES.parent / "tests"), impl=impl, enc=enc, op=op)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@functools.cache
def expected(enc: str) -> int:
    return len(support.tk(enc).encode_ordinary(large_text()))


IMPLS = [("tiktoken", "encode_ordinary"), ("streamtok", "count"), ("streamtok", "encode_ordinary"),
         *[(name, "count") for name in competitors.NAMES]]


@pytest.mark.parametrize("impl,op", IMPLS, ids=[f"{i}-{o}" for i, o in IMPLS])
@pytest.mark.parametrize("enc", BENCH_ENCODINGS)
def test_large_first_count(benchmark, enc, impl, op):
    if impl in competitors.COMPETITORS:
        competitors.load(impl, enc)  # skips when it is not installed or lacks the encoding
    runs: list[dict] = []
    benchmark.group = f"large {enc}"
    benchmark.pedantic(lambda: runs.append(_first_count(impl, enc, op)), rounds=ROUNDS if impl != "tiktoken" else 3,
                       iterations=1)
    seconds = sorted(r["seconds"] for r in runs)
    benchmark.extra_info.update(impl=impl, op=op, exact=runs[0]["tokens"] == expected(enc), bytes=runs[0]["bytes"],
                                call_seconds=seconds[len(seconds) // 2])
