"""Counting scales out to other processes: an Encoding pickles as its name and a StreamCounter
pickles mid-stream, so a process pool or a Dask cluster counts a corpus exactly as tiktoken does
here, and a stream moved to a worker goes on there with tiktoken's counts."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

import pytest
from support import DATA_DIR, tk

import streamtok

ENCODING = "o200k_base"
# A stream cut after a partial UTF-8 character, a split surrogate pair and an open contraction,
# so the counter that moves carries every kind of pending state.
LOCAL_DELTAS: list[str | bytes] = ["Hello, wor", "ld! It's ", "\ud83d", "\ude00 don'", "t stop ", "日本".encode()[:4]]
REMOTE_DELTAS: list[str | bytes] = ["本".encode()[1:] + "語の".encode(), "テキスト 12", "345 ", "x" * 300, "  \n  done."]


def _text(deltas: list[str | bytes]) -> str:
    """The text these deltas make so far, as tiktoken should see it: bytes decoded, surrogate
    pairs joined, and a character cut at the end not arrived yet."""
    raw = b"".join(d if isinstance(d, bytes) else d.encode("utf-8", "surrogatepass") for d in deltas)
    try:
        text = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as cut:
        assert cut.end == len(raw), "only the last character may be cut"
        text = raw[: cut.start].decode("utf-8", "surrogatepass")
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _push(counter: streamtok.StreamCounter, delta: str | bytes) -> int:
    return counter.push_bytes(delta) if isinstance(delta, bytes) else counter.push(delta)


def continue_stream(counter: streamtok.StreamCounter, deltas: list[str | bytes]) -> tuple[list[int], int, bytes]:
    """Runs in a worker: push the rest of the stream, and hand back the counts and a checkpoint."""
    counts = [_push(counter, d) for d in deltas]
    checkpoint = pickle.dumps(counter)
    return counts, counter.finish(), checkpoint


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    files = sorted(p for p in DATA_DIR.iterdir() if p.suffix in {".txt", ".json"})
    return [p.read_text(encoding="utf-8", errors="replace") for p in files]


@pytest.fixture(scope="module")
def expected(corpus: list[str]) -> list[int]:
    return [len(ids) for ids in tk(ENCODING).encode_ordinary_batch(corpus)]


def _expected_stream() -> tuple[list[int], int]:
    """tiktoken's count after each remote delta, and at the end."""
    counts = [len(tk(ENCODING).encode_ordinary(_text(LOCAL_DELTAS + REMOTE_DELTAS[: i + 1])))
              for i in range(len(REMOTE_DELTAS))]
    return counts, counts[-1]


def _check_moved_stream(submit: Callable[..., Any]) -> None:
    counter = streamtok.get_encoding(ENCODING).stream()
    for delta in LOCAL_DELTAS:
        _push(counter, delta)
    assert counter.count == len(tk(ENCODING).encode_ordinary(_text(LOCAL_DELTAS)))
    counts, final, checkpoint = submit(continue_stream, counter, REMOTE_DELTAS).result()
    assert (counts, final) == _expected_stream()
    # The worker's checkpoint comes back and finishes here with the same count.
    assert pickle.loads(checkpoint).finish() == final
    # The local counter was copied, not moved: it is still where the stream left here.
    assert counter.count == len(tk(ENCODING).encode_ordinary(_text(LOCAL_DELTAS)))


def test_a_builtin_encoding_ships_as_its_name() -> None:
    enc = streamtok.get_encoding(ENCODING)
    data = pickle.dumps(enc)
    assert len(data) < 200 and pickle.loads(data) is enc


def test_process_pool_counts_a_corpus_like_tiktoken(corpus: list[str], expected: list[int]) -> None:
    enc = streamtok.get_encoding(ENCODING)
    # spawn: a fresh interpreter per worker, as on macOS and Windows, and no fork of a process
    # that may run threads (Python 3.12+ warns about that).
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        counts = list(pool.map(enc.count, corpus))
        _check_moved_stream(pool.submit)
    assert counts == enc.count_batch(corpus) == expected


def test_dask_cluster_counts_a_corpus_like_tiktoken(corpus: list[str], expected: list[int]) -> None:
    from distributed import Client, LocalCluster

    enc = streamtok.get_encoding(ENCODING)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        counts = client.gather(client.map(enc.count, corpus))
        _check_moved_stream(client.submit)
    assert counts == enc.count_batch(corpus) == expected
