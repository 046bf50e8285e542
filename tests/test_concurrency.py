"""Threads: counters of their own count exactly in parallel (a large delta is counted with the
GIL released); one counter shared by threads either takes a push whole or refuses it with a
clear ``RuntimeError``, and its count is always tiktoken's count of the text it took.

Free-threaded CPython (3.13t) is not tested, because no free-threaded interpreter can be had here:
the machine's interpreters (CPython 3.11 from Debian 12, pyenv builds up to 3.13.0) are all GIL
builds (``Py_GIL_DISABLED`` is 0); Debian 12, the only release in its apt sources, has no
free-threaded package (Debian 13's python3.13-nogil would mean mixing releases on a machine that
CI shares); PyPI does not distribute CPython; and CPython's source, to build one, is not reachable.
The extension declares ``gil_used = false``; the per-object borrow checks exercised here are what
guard a shared counter under free threading too.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from support import DATA_DIR, FAMILY_ENCODINGS, st, tk

import streamtok

DETACH = 8 * 1024  # deltas at least this long are counted with the GIL released


def texts() -> list[str]:
    files = sorted(DATA_DIR.glob("*.txt"))[:8]
    assert len(files) >= 4
    return [f.read_text(encoding="utf-8")[:200_000] for f in files]


def deltas_of(text: str, seed: int) -> list[str]:
    """Large deltas (GIL released) and small ones (GIL held), mixed."""
    out, i, k = [], 0, seed
    while i < len(text):
        k = (k * 1103515245 + 12345) & 0x7FFFFFFF
        size = DETACH + k % DETACH if k % 3 else 1 + k % 40
        out.append(text[i : i + size])
        i += size
    return out


def stream_all(name: str, deltas: list[str], barrier: threading.Barrier | None) -> tuple[int, list[int]]:
    if barrier is not None:
        barrier.wait()
    counter, encoder = st(name).stream(), st(name).stream_encoder()
    ids: list[int] = []
    for d in deltas:
        counter.push(d)
        ids += encoder.push(d)
    return counter.finish(), ids + encoder.finish()


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_threads_with_their_own_counters_count_as_sequential_runs(name: str) -> None:
    jobs = [deltas_of(t, seed) for seed, t in enumerate(texts())]
    sequential = [stream_all(name, d, None) for d in jobs]
    barrier = threading.Barrier(len(jobs))
    with ThreadPoolExecutor(len(jobs)) as pool:
        parallel = list(pool.map(lambda d: stream_all(name, d, barrier), jobs))
    assert parallel == sequential
    for (count, ids), d in zip(parallel, jobs):
        expected = tk(name).encode_ordinary("".join(d))
        assert (count, ids) == (len(expected), expected)


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_one_encoding_shared_by_threads_counts_as_alone(name: str) -> None:
    enc = st(name)
    all_texts = texts()
    expected = [len(tk(name).encode_ordinary(t)) for t in all_texts]
    barrier = threading.Barrier(4)

    def work(_: int) -> list[int]:
        barrier.wait()
        return [enc.count(t) for t in all_texts] + enc.count_batch(all_texts, num_threads=2)

    with ThreadPoolExecutor(4) as pool:
        for got in pool.map(work, range(4)):
            assert got == expected + expected


# Deltas whose tokens never reach across their ends (checked with tiktoken below), so that any
# order of the accepted deltas has the same count.
SHARED_DELTAS = [
    "Alpha beta gamma, delta.\n" * 400,
    "Zwei Wörter, drei Sätze; 1234 5678.\n" * 300,
    "数据 流 计数器。\n" * 900,
    "x = f(y) + 42;\n" * 700,
]


@pytest.mark.parametrize("kind", ["StreamCounter", "StreamEncoder"])
@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_a_counter_shared_by_threads_never_corrupts_its_count(name: str, kind: str) -> None:
    ref = tk(name)
    for a in SHARED_DELTAS:
        assert len(a) >= DETACH
        for b in SHARED_DELTAS:
            assert ref.encode_ordinary(a + b) == ref.encode_ordinary(a) + ref.encode_ordinary(b)
    shared = getattr(streamtok, kind)(name)
    accepted: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(SHARED_DELTAS) + 1)
    stop = threading.Event()

    def pusher(delta: str) -> None:
        barrier.wait()
        for _ in range(25):
            try:
                shared.push(delta)
            except RuntimeError as e:
                with lock:
                    refused.append(str(e))
            else:
                with lock:
                    accepted.append(delta)

    def reader() -> None:
        barrier.wait()
        while not stop.is_set():
            try:
                assert shared.count >= 0
            except RuntimeError as e:
                with lock:
                    refused.append(str(e))

    threads = [threading.Thread(target=pusher, args=(d,)) for d in SHARED_DELTAS]
    watcher = threading.Thread(target=reader)
    for t in [*threads, watcher]:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    for message in refused:
        assert re.fullmatch(r"Already (mutably )?borrowed", message), message
    assert accepted, "no push went through"
    expected = len(ref.encode_ordinary("".join(accepted)))
    assert shared.count == expected
    assert shared.stable_count <= expected
    # Still usable, and still exact.
    shared.push("The end.")
    assert shared.count == len(ref.encode_ordinary("".join(accepted) + "The end."))
