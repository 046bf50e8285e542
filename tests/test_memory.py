"""Memory: creating and dropping a million stream objects leaves resident memory flat, and a
stream keeps only its open tail, never the text it has counted (ARCHITECTURE.md, "Invariants").

Resident memory is read from /proc/self/statm, so these tests run on Linux only.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest
from support import FAMILY_ENCODINGS, st, tk

import streamtok

MB = 1 << 20

pytestmark = pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc (Linux)")


def rss() -> int:
    """Resident memory of this process, in bytes."""
    gc.collect()
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def churn(n: int) -> None:
    enc = st("o200k_base")
    for i in range(n):
        counter = enc.stream()
        counter.push("Hello, wor")
        encoder = streamtok.StreamEncoder("cl100k_base", allowed_special="all")
        encoder.push("<|endo")
        encoder.push_bytes(b"\xe4\xb8")  # a partial character held in the carry
        copy = counter.copy()
        copy.push("ld")
        handle = streamtok.Encoding("r50k_base")
        assert handle.count("hi") == 1
        if i % 3 == 0:
            counter.finish()
            encoder.finish()


def test_a_million_streams_made_and_dropped_leave_memory_flat() -> None:
    churn(20_000)  # warm up: caches, allocator pools, the encodings themselves
    before = rss()
    churn(1_000_000)
    grown = rss() - before
    # Each round makes four objects that own heap memory: leaking even 8 bytes of each would
    # grow 32 MB. Allocator noise stays far below the bound.
    assert grown < 8 * MB, f"resident memory grew by {grown / MB:.1f} MB"


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_streams_keep_no_committed_text(name: str) -> None:
    """24 MB pushed into each in 1 MB deltas: resident memory and each object's size stay small."""
    unit = "Ünïcödé text, 42 times: the lazy dog's back.\n"
    assert tk(name).encode_ordinary(unit * 3) == tk(name).encode_ordinary(unit) * 3  # periodic
    delta = unit * (MB // len(unit))
    streams = [
        st(name).stream(),
        st(name).stream_encoder(),
        st(name).stream(allowed_special="all"),
    ]
    for s in streams:
        s.push(delta)  # warm up
    before = rss()
    data = delta.encode()
    for i in range(24):
        for s in streams:
            if i % 2:
                s.push(delta)
            else:
                s.push_bytes(data)
    grown = rss() - before
    assert grown < 8 * MB, f"resident memory grew by {grown / MB:.1f} MB over 3 x 24 MB pushed"
    for s in streams:
        assert sys.getsizeof(s) < 1024, s
    # The encoder's open tail is all it can hand out later: a few tokens.
    assert len(streams[1].pending()) < 16
    assert streams[0].count == len(tk(name).encode_ordinary(unit)) * (MB // len(unit)) * 25
