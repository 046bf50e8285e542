"""A counter keeps only its open tail: its memory does not grow with the text it has counted."""

from __future__ import annotations

import sys

import pytest
from support import DATA_DIR, ENCODINGS, tk

import streamtok


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_counter_memory_stays_small_over_many_megabytes(name: str) -> None:
    text = (DATA_DIR / "en_GPL-3.txt").read_text(encoding="utf-8")
    counter = streamtok.get_encoding(name).stream()
    for _ in range(100):  # ~3.5 MB in 4 KB deltas
        for i in range(0, len(text), 4096):
            counter.push(text[i : i + 4096])
    assert sys.getsizeof(counter) < 1024
    assert counter.finish() == len(tk(name).encode_ordinary(text * 100))


@pytest.mark.parametrize("name", ENCODINGS)
def test_a_large_delta_leaves_no_large_buffer(name: str) -> None:
    counter = streamtok.get_encoding(name).stream()
    delta = "word " * 200_000 + "end"
    assert counter.push(delta) == len(tk(name).encode_ordinary(delta))
    assert sys.getsizeof(counter) < 1024
