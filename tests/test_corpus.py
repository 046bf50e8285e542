"""Real multilingual text, source code and JSON encode exactly as tiktoken encodes them.

The files live in ``tests/data/`` (origins and licenses in ``tests/data/SOURCES.md``).
"""

from __future__ import annotations

import functools

import pytest
from support import DATA_DIR, ENCODINGS, assert_encode_ordinary_equal, st, tk

CORPUS = sorted(p.name for p in DATA_DIR.iterdir() if p.is_file() and p.name != "SOURCES.md")


@functools.cache
def read(name: str) -> str:
    # newline="" keeps line endings exactly as committed.
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return f.read()


def test_corpus_is_present_and_sized() -> None:
    assert len(CORPUS) >= 15
    total = 0
    for name in CORPUS:
        size = (DATA_DIR / name).stat().st_size
        assert 0 < size <= 200_000, name
        total += size
    assert total < 2_000_000
    sources = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for name in CORPUS:
        assert f"`{name}`" in sources, f"{name} is not described in SOURCES.md"


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("filename", CORPUS)
def test_corpus_file_encodes_as_tiktoken(name: str, filename: str) -> None:
    text = read(filename)
    expected = assert_encode_ordinary_equal(name, text)
    assert st(name).count(text) == len(expected)
    assert st(name).decode(expected) == text


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("filename", CORPUS)
def test_corpus_file_with_crlf_line_endings(name: str, filename: str) -> None:
    text = read(filename).replace("\n", "\r\n")
    expected = assert_encode_ordinary_equal(name, text)
    assert st(name).count(text) == len(expected)


@pytest.mark.parametrize("name", ENCODINGS)
def test_corpus_as_batch(name: str) -> None:
    texts = [read(f) for f in CORPUS]
    expected = [tk(name).encode_ordinary(t) for t in texts]
    assert st(name).encode_ordinary_batch(texts) == expected
    assert st(name).count_batch(texts) == [len(x) for x in expected]


@pytest.mark.parametrize("name", ENCODINGS)
def test_corpus_lines_one_by_one(name: str) -> None:
    """Each line on its own: many short texts that start and end at unusual places."""
    lines = [line for f in CORPUS for line in read(f).splitlines(keepends=True)]
    expected = [tk(name).encode_ordinary(line) for line in lines]
    got = st(name).encode_ordinary_batch(lines)
    bad = [(line, e, g) for line, e, g in zip(lines, expected, got) if e != g]
    assert not bad, f"{name}: {len(bad)} lines differ, e.g. {bad[:3]!r}"
    assert st(name).count_batch(lines) == [len(x) for x in expected]
