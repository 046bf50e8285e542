"""Other tiktoken-compatible tokenizers from PyPI, timed beside streamtok when installed.

Each adapter gives a competitor's fastest exact way to count one text, its ids for one text, and
(where it has one with a thread count) its batch count. The `bench` extra installs them all; a
missing one is skipped with a message, so the suite runs with any subset.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest


@dataclass(frozen=True)
class Adapter:
    """One competitor's encoding, reduced to the calls the benchmarks time."""

    count: Callable[[str], int]
    encode: Callable[[str], list[int]]
    # (texts, threads) -> counts; None when it has no batch call with a thread count.
    count_batch: Callable[[list[str], int], Any] | None = None


def _quicktok(module: Any, name: str) -> Adapter:
    tok = module.get_encoding(name)
    return Adapter(tok.count, tok.encode_ordinary, lambda texts, n: module.count_batch(tok, texts, threads=n))


def _toktok(module: Any, name: str) -> Adapter:
    # The public API is toktok.batch_count(texts, encoding); a one-text list per call would time
    # list building, so use the Tokenizer its docstring offers for the full encode/count surface.
    tok = module._encoding(name)
    return Adapter(tok.count, tok.encode_ordinary, lambda texts, n: tok.count_batch(texts, n, False))


def _bpe_openai(module: Any, name: str) -> Adapter:
    enc = module.get_encoding(name)
    # The wrapper has no count; its Rust backend does (the wrapper's encode_ordinary calls it too).
    return Adapter(enc._backend.count, enc.encode_ordinary)


def _riptoken(module: Any, name: str) -> Adapter:
    # riptoken takes tiktoken's vocabulary and pattern (offline, through support's cache).
    enc = module.get_encoding(name)
    return Adapter(lambda text: len(enc.encode_ordinary(text)), enc.encode_ordinary)


def _fastokens(module: Any, name: str) -> Adapter:
    # fastokens reads a .tiktoken file by path: the one tiktoken reads offline (see support.py).
    import support  # the tests' helpers, on the path benches/conftest.py sets

    path = Path(support.TIKTOKEN_CACHE_DIR) / support.VOCAB_CACHE_NAME[name]
    tok = module.Tokenizer.from_tiktoken(str(path), encoding=name)
    # len() of its Encoding is the number of tokens, without a list of ids.
    return Adapter(lambda text: len(tok.encode_ordinary(text)), lambda text: tok.encode_ordinary(text).ids)


@dataclass(frozen=True)
class Competitor:
    """A PyPI package, the module it installs, and how to load one of its encodings."""

    package: str
    module: str
    load: Callable[[Any, str], Adapter]
    encodings: frozenset[str] = frozenset({"cl100k_base", "o200k_base"})
    # Python code that loads `enc` and counts "hi", for the load-time benchmark in a fresh process.
    first_use: str = ""
    # Which call the count benchmarks time.
    count_call: str = ""


# The file tiktoken's cache holds for ENC (named by the sha1 of its URL), which the load benchmark
# points TIKTOKEN_CACHE_DIR at.
FASTOKENS_FIRST_USE = (
    "import hashlib, os, fastokens; "
    "url = f'https://openaipublic.blob.core.windows.net/encodings/{ENC}.tiktoken'; "
    "path = os.path.join(os.environ['TIKTOKEN_CACHE_DIR'], hashlib.sha1(url.encode()).hexdigest()); "
    "fastokens.Tokenizer.from_tiktoken(path, encoding=ENC).encode_ordinary('hi')"
)

COMPETITORS = {
    c.package: c
    for c in [
        Competitor("quicktok-v1", "quicktok", _quicktok,
                   first_use="import quicktok; quicktok.get_encoding(ENC).count('hi')",
                   count_call="`Tokenizer.count`"),
        Competitor("toktok-rs", "toktok", _toktok,
                   first_use="import toktok; toktok.batch_count(['hi'], ENC)",
                   count_call="`toktok._encoding(name).count`"),
        Competitor("bpe-openai", "bpe_openai", _bpe_openai,
                   first_use="import bpe_openai; bpe_openai.get_encoding(ENC).encode_ordinary('hi')",
                   count_call="its Rust backend's `count`"),
        Competitor("fastokens", "fastokens", _fastokens,
                   first_use=FASTOKENS_FIRST_USE,
                   count_call="`len(Tokenizer.encode_ordinary(text))` (it has no count)"),
        Competitor("riptoken", "riptoken", _riptoken,
                   first_use="import riptoken; riptoken.get_encoding(ENC).encode_ordinary('hi')",
                   count_call="`len(encode_ordinary(text))` (it has no count)"),
    ]
}
NAMES = list(COMPETITORS)


def version(package: str) -> str | None:
    """The installed version of ``package``, or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


_loaded: dict[tuple[str, str], Adapter] = {}


def installed(encoding: str) -> dict[str, Adapter]:
    """The adapters for ``encoding`` of every installed competitor that has it."""
    found = {}
    for package in NAMES:
        try:
            found[package] = load(package, encoding)
        except pytest.skip.Exception:
            continue
    return found


def load(package: str, encoding: str) -> Adapter:
    """``package``'s adapter for ``encoding``; skips the calling test when it is not installed."""
    comp = COMPETITORS[package]
    if encoding not in comp.encodings:
        pytest.skip(f"{package} has no {encoding}")
    key = (package, encoding)
    if key not in _loaded:
        if version(package) is None:
            pytest.skip(f"{package} is not installed (pip install {package}, or the bench extra)")
        with warnings.catch_warnings():
            # bpe-openai 0.1.4 reads its vocabulary with importlib.resources.open_binary, which
            # warns DeprecationWarning on Python >= 3.11; the suite runs with warnings as errors.
            warnings.filterwarnings("ignore", "open_binary is deprecated", DeprecationWarning)
            _loaded[key] = comp.load(importlib.import_module(comp.module), encoding)
    return _loaded[key]
