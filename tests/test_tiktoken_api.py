"""The rest of tiktoken's API, against tiktoken itself: its constructor and private attributes,
``load_tiktoken_bpe``, ``decode_with_offsets``, ``encode_with_unstable``, ``_encode_bytes``,
``encode_to_numpy``, ``decode_bytes_batch``, its error types and messages, and its keyword names.
"""

from __future__ import annotations

import base64
import hashlib
import os
import pickle
from pathlib import Path

import pytest
import strategies
import tiktoken
import tiktoken.load
from hypothesis import example, given
from hypothesis import strategies as hs
from support import ENCODINGS, FAMILY_ENCODINGS, st, tk

import streamtok
import streamtok.load

CHATML = {"<|im_start|>": 100264, "<|im_end|>": 100265, "<|im_sep|>": 100266}


def _chatml(module: object) -> object:
    base = module.get_encoding("cl100k_base")  # type: ignore[attr-defined]
    return module.Encoding(  # type: ignore[attr-defined]
        name="cl100k_im",
        pat_str=base._pat_str,
        mergeable_ranks=base._mergeable_ranks,
        special_tokens={**base._special_tokens, **CHATML},
    )


# --- the constructor and its attributes -------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
def test_builtin_encodings_have_tiktokens_private_attributes(name: str) -> None:
    ours, theirs = st(name), tk(name)
    assert ours._pat_str == theirs._pat_str
    assert ours._special_tokens == theirs._special_tokens
    assert ours._mergeable_ranks == theirs._mergeable_ranks
    assert ours.token_byte_values() == theirs.token_byte_values()
    assert ours.special_tokens_set == theirs.special_tokens_set


def test_chat_tokens_added_to_a_base_encoding_encode_as_in_tiktoken() -> None:
    ours, theirs = _chatml(streamtok), _chatml(tiktoken)
    text = "<|im_start|>user\nHi there<|im_end|><|im_start|>assistant<|im_sep|>Hello<|endoftext|>"
    assert ours.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")
    assert ours.encode(text, allowed_special={"<|im_start|>"}, disallowed_special=()) == theirs.encode(
        text, allowed_special={"<|im_start|>"}, disallowed_special=()
    )
    assert (ours.n_vocab, ours.max_token_value, ours.eot_token) == (theirs.n_vocab, theirs.max_token_value, theirs.eot_token)
    counter = ours.stream(allowed_special="all")
    for cut in range(0, len(text), 5):
        counter.push(text[cut : cut + 5])
    assert counter.finish() == len(theirs.encode(text, allowed_special="all"))


@given(text=strategies.text_with_specials(list(CHATML) + ["<|endoftext|>"]))
def test_chat_encoding_is_tiktokens_on_any_text(text: str) -> None:
    ours, theirs = _made("chatml")
    for allowed in ("all", {"<|im_end|>"}):
        assert ours.encode(text, allowed_special=allowed, disallowed_special=()) == theirs.encode(
            text, allowed_special=allowed, disallowed_special=()
        )
    assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)


_MADE: dict[str, tuple[object, object]] = {}


def _made(key: str) -> tuple:
    """Encodings made once per test run with tiktoken's constructor, ours and tiktoken's."""
    if key not in _MADE:
        if key == "chatml":
            _MADE[key] = (_chatml(streamtok), _chatml(tiktoken))
        else:  # a built-in encoding rebuilt from its parts
            _MADE[key] = tuple(
                module.Encoding(
                    name=f"{key}_copy",
                    pat_str=tk(key)._pat_str,
                    mergeable_ranks=tk(key)._mergeable_ranks,
                    special_tokens=tk(key)._special_tokens,
                )
                for module in (streamtok, tiktoken)
            )
    return _MADE[key]


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
@given(text=strategies.text)
def test_an_encoding_made_from_a_builtins_parts_encodes_as_it(name: str, text: str) -> None:
    ours, theirs = _made(name)
    assert ours.encode_ordinary(text) == theirs.encode_ordinary(text) == tk(name).encode_ordinary(text)
    assert ours.count(text) == len(theirs.encode_ordinary(text))


def test_any_pattern_splits_as_tiktoken_and_one_it_cannot_run_exactly_is_refused() -> None:
    # A pattern of no built-in family is compiled; it splits text exactly as tiktoken's regex.
    base = st("cl100k_base")
    ranks = base._mergeable_ranks
    ours = streamtok.Encoding("words", pat_str=r"\w+|\s+|[^\w\s]+", mergeable_ranks=ranks, special_tokens={})
    theirs = tiktoken.Encoding("words", pat_str=r"\w+|\s+|[^\w\s]+", mergeable_ranks=ranks, special_tokens={})
    text = "Hello, world! It's 2024:   déjà vu\n\t中文 😀"
    assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)
    assert ours._pat_str == r"\w+|\s+|[^\w\s]+" and ours.family is None
    # A look-ahead other than tiktoken's `\s+(?!\S)` cannot run on a DFA: refused, named.
    with pytest.raises(ValueError, match="look-ahead"):
        streamtok.Encoding("x", pat_str=r"a(?=b)|\s+", mergeable_ranks=ranks, special_tokens={})
    with pytest.raises(ValueError):
        streamtok.Encoding("x", pat_str=r"(unclosed", mergeable_ranks=ranks, special_tokens={})


def test_tiktokens_constructor_checks_explicit_n_vocab_as_tiktoken() -> None:
    base = tk("r50k_base")
    parts = {"pat_str": base._pat_str, "mergeable_ranks": base._mergeable_ranks, "special_tokens": base._special_tokens}
    for module in (tiktoken, streamtok):
        assert module.Encoding("r50k", explicit_n_vocab=50257, **parts).n_vocab == 50257
        for wrong in (50256, 50258):
            with pytest.raises(AssertionError):
                module.Encoding("r50k", explicit_n_vocab=wrong, **parts)
    with pytest.raises(AssertionError, match="explicit_n_vocab is 50258, but there are 50257"):
        streamtok.Encoding("r50k", explicit_n_vocab=50258, **parts)
    # The size is right but the ids have a gap.
    gap = {**parts, "special_tokens": {"<|endoftext|>": 50257}}
    with pytest.raises(AssertionError, match="the highest token id is 50257"):
        streamtok.Encoding("r50k", explicit_n_vocab=50257, **gap)


def test_constructor_arguments_missing_or_mixed_raise_type_error() -> None:
    base = st("r50k_base")
    for module in (tiktoken, streamtok):
        with pytest.raises(TypeError, match="pat_str"):
            module.Encoding("x", mergeable_ranks=base._mergeable_ranks, special_tokens={})
        with pytest.raises(TypeError, match="special_tokens"):
            module.Encoding("x", pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks)
    with pytest.raises(TypeError, match="not both"):
        streamtok.Encoding("x", pat_str=base._pat_str, mergeable_ranks={}, special_tokens={}, data=b"")
    # Special tokens or a family without data would be silently ignored: refused.
    for kwargs in ({"special_tokens": {"<|x|>": 300000}}, {"family": "o200k"}):
        with pytest.raises(TypeError, match="need data"):
            streamtok.Encoding("o200k_base", **kwargs)


def test_bad_mergeable_ranks_raise_clear_errors() -> None:
    pat = st("r50k_base")._pat_str
    single = {bytes([b]): b for b in range(256)}
    for ranks, error, message in [
        ({}, ValueError, "empty"),
        ({**single, b"ab": 5}, ValueError, "two tokens have rank 5"),
        ({**single, b"ab": -1}, ValueError, "rank -1 is outside"),
        ({**single, b"ab": 2.0}, TypeError, "must be an int, got float"),
        ({b"a": 0}, ValueError, "byte 0x00 has no token"),
    ]:
        with pytest.raises(error, match=message):
            streamtok.Encoding("x", pat_str=pat, mergeable_ranks=ranks, special_tokens={})


def test_an_encoding_made_by_the_constructor_pickles_by_content() -> None:
    ours = _chatml(streamtok)
    data = pickle.dumps(ours)
    again = pickle.loads(data)
    assert again is not ours and again.name == "cl100k_im" and type(again) is streamtok.Encoding
    assert again._special_tokens == ours._special_tokens
    text = "<|im_start|>hello<|im_end|>"
    assert again.encode(text, allowed_special="all") == _chatml(tiktoken).encode(text, allowed_special="all")
    # Named like a built-in but with other tokens: still by content, not by name.
    base = st("o200k_base")
    other = streamtok.Encoding(
        "o200k_base", pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks, special_tokens={"<|x|>": 200100}
    )
    assert pickle.loads(pickle.dumps(other)).encode("<|x|>", allowed_special="all") == [200100]
    # Built-in encodings still pickle by name, to the shared instance.
    assert pickle.loads(pickle.dumps(base)) is base


# --- load_tiktoken_bpe ----------------------------------------------------------------------------


def _read_local(path: str) -> bytes:
    assert "://" not in path, path
    return Path(path).read_bytes()


@pytest.fixture
def tiktoken_reads_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let real tiktoken read local files (tests/support.py stops every read), with its cache off."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    monkeypatch.setattr(tiktoken.load, "read_file", _read_local)


@pytest.mark.usefixtures("tiktoken_reads_local")
def test_load_tiktoken_bpe_reads_a_local_file_as_tiktoken(tmp_path: Path) -> None:
    path = tmp_path / "cl100k_base.tiktoken"
    data = b"".join(base64.b64encode(t) + b" %d\n" % r for t, r in tk("cl100k_base")._mergeable_ranks.items())
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    ours = streamtok.load_tiktoken_bpe(str(path), expected_hash=digest)
    assert ours == tiktoken.load.load_tiktoken_bpe(str(path)) == tk("cl100k_base")._mergeable_ranks
    assert streamtok.load.load_tiktoken_bpe(path) == ours
    base = st("cl100k_base")
    made = streamtok.Encoding("mine", pat_str=base._pat_str, mergeable_ranks=ours, special_tokens={})
    assert made.encode("hello world") == [15339, 1917]


@pytest.mark.usefixtures("tiktoken_reads_local")
def test_load_tiktoken_bpe_errors_are_tiktokens(tmp_path: Path) -> None:
    path = tmp_path / "bad.tiktoken"
    for content in [b"aGk= 0\nnot-a-line\n", b"aGk= 0\naGk= x\n", b"aGk= 0 1\n"]:
        path.write_bytes(content)
        with pytest.raises(ValueError) as theirs:
            tiktoken.load.load_tiktoken_bpe(str(path))
        with pytest.raises(ValueError) as ours:
            streamtok.load_tiktoken_bpe(str(path))
        assert str(ours.value) == str(theirs.value)
    path.write_bytes(b"aGk= 0\n")
    with pytest.raises(ValueError, match="Hash mismatch"):
        streamtok.load_tiktoken_bpe(str(path), expected_hash="0" * 64)
    with pytest.raises(ValueError, match="does not download"):
        streamtok.load_tiktoken_bpe("https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken")
    with pytest.raises(FileNotFoundError):
        streamtok.load_tiktoken_bpe(str(tmp_path / "missing.tiktoken"))


def test_from_tiktoken_file_has_tiktokens_attributes_too(tmp_path: Path) -> None:
    path = tmp_path / "r50k.tiktoken"
    path.write_bytes(b"".join(base64.b64encode(t) + b" %d\n" % r for t, r in tk("r50k_base")._mergeable_ranks.items()))
    enc = streamtok.Encoding.from_tiktoken_file(path, family="gpt2", special_tokens={"<|endoftext|>": 50256})
    assert enc._mergeable_ranks == tk("r50k_base")._mergeable_ranks
    assert enc._pat_str == tk("r50k_base")._pat_str
    assert enc._special_tokens == {"<|endoftext|>": 50256}
    assert pickle.loads(pickle.dumps(enc)).encode("hello world") == [31373, 995]
    # Made from the same data without a file: the same attributes, pickled by content too.
    direct = streamtok.Encoding("r50k_base", data=path.read_bytes(), family="gpt2", special_tokens={"<|x|>": 50300})
    assert direct._mergeable_ranks == enc._mergeable_ranks
    again = pickle.loads(pickle.dumps(direct))
    assert again is not st("r50k_base") and again.encode("<|x|>", allowed_special="all") == [50300]


# --- decoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
@given(text=strategies.text)
@example(text="நடிகர் சூர்யா Ġ除 我非常渴望与人工智能一起工作")
def test_decode_with_offsets_is_tiktokens(name: str, text: str) -> None:
    ids = tk(name).encode(text, allowed_special="all")
    assert st(name).decode_with_offsets(ids) == tk(name).decode_with_offsets(ids)


def test_decode_with_offsets_of_bytes_that_are_not_utf8_raises_as_tiktoken() -> None:
    ids = [tk("cl100k_base").encode_single_token(b"\xc3")]
    with pytest.raises(UnicodeDecodeError):
        tk("cl100k_base").decode_with_offsets(ids)
    with pytest.raises(UnicodeDecodeError):
        st("cl100k_base").decode_with_offsets(ids)


@pytest.mark.parametrize("name", ENCODINGS)
def test_decode_bytes_batch_and_decode_batch_are_tiktokens(name: str) -> None:
    batch = [tk(name).encode(t) for t in ["hello world", "", "日本語 \U0001f600", "x" * 100]] + [[tk(name).encode_single_token(b"\xe6")]]
    assert st(name).decode_bytes_batch(batch) == tk(name).decode_bytes_batch(batch)
    assert st(name).decode_bytes_batch(batch, num_threads=1) == tk(name).decode_bytes_batch(batch, num_threads=1)
    assert st(name).decode_batch(batch, errors="ignore") == tk(name).decode_batch(batch, errors="ignore")


@pytest.mark.parametrize("name", ENCODINGS)
def test_unknown_ids_raise_tiktokens_key_errors(name: str) -> None:
    bad = tk(name).max_token_value + 1
    for call, arg in [
        ("decode", [7, bad]),
        ("decode_bytes", [bad]),
        ("decode_single_token_bytes", bad),
        ("decode_tokens_bytes", [7, bad]),
        ("decode_with_offsets", [bad]),
        ("decode_bytes_batch", [[bad]]),
        ("encode_single_token", "no such token"),
        ("encode_single_token", b"\xff\xfe"),
    ]:
        with pytest.raises(KeyError) as theirs:
            getattr(tk(name), call)(arg)
        with pytest.raises(KeyError) as ours:
            getattr(st(name), call)(arg)
        assert ours.value.args == theirs.value.args, call


@pytest.mark.parametrize("text", ["\ud83d", "\ude00", "a\ud83d\ude00", "\ud83d\ude00", "<|endoftext|>\ud800"])
def test_encode_single_token_of_surrogates_raises_unicode_encode_error(text: str) -> None:
    with pytest.raises(UnicodeEncodeError) as theirs:
        tk("o200k_base").encode_single_token(text)
    with pytest.raises(UnicodeEncodeError) as ours:
        st("o200k_base").encode_single_token(text)
    assert str(ours.value) == str(theirs.value)
    assert st("o200k_base").encode_single_token("hello") == 24912


def test_is_special_token_keeps_a_type_error_for_a_non_int() -> None:
    # tiktoken trips an `assert` here; streamtok says what is wrong.
    with pytest.raises(AssertionError):
        tk("o200k_base").is_special_token("a")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        st("o200k_base").is_special_token("a")  # type: ignore[arg-type]


# --- encoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["r50k_base", "cl100k_base", "o200k_base"])
@given(text=hs.one_of(strategies.hard_text, hs.text(alphabet=" \n\tab!0é", max_size=12)))
@example(text="hello fanta")
@example(text="hello\n ")
@example(text="x  ")
@example(text="<|endoftext|>")
def test_encode_with_unstable_is_tiktokens(name: str, text: str) -> None:
    text = text[:40]
    stable, completions = st(name).encode_with_unstable(text, allowed_special="all")
    their_stable, their_completions = tk(name).encode_with_unstable(text, allowed_special="all")
    assert stable == their_stable
    # tiktoken's order comes from a hash set: compare them as sets.
    assert sorted(map(tuple, completions)) == sorted(map(tuple, their_completions))


def test_encode_with_unstable_checks_disallowed_specials() -> None:
    with pytest.raises(ValueError, match="disallowed special token"):
        st("cl100k_base").encode_with_unstable("a<|endoftext|>")


@pytest.mark.parametrize("name", ["r50k_base", "cl100k_base", "o200k_base"])
@given(data=hs.one_of(hs.binary(max_size=30), strategies.text.map(lambda t: t.encode("utf-8", "replace")), hs.data()))
@example(data=b" \xec\x8b\xa4\xed")
@example(data=b"hello \xe6\x97")
@example(data=b"\n\n \x80")
def test_encode_bytes_is_tiktokens(name: str, data: bytes | hs.DataObject) -> None:
    if not isinstance(data, bytes):  # a text cut inside a character
        text = data.draw(strategies.text).encode("utf-8")
        data = text[: data.draw(hs.integers(0, len(text)))]
    assert st(name)._encode_bytes(data) == tk(name)._encode_bytes(data)


@given(piece=hs.one_of(strategies.text, hs.binary(max_size=40)))
@example(piece="helloqqqq")
def test_encode_single_piece_is_tiktokens(piece: str | bytes) -> None:
    for name in ("cl100k_base", "o200k_base"):
        if not piece:
            # tiktoken panics on an empty piece (PanicException, a BaseException); streamtok: [].
            assert st(name)._encode_single_piece(piece) == []
            continue
        assert st(name)._encode_single_piece(piece) == tk(name)._encode_single_piece(piece)


def test_encode_to_numpy_is_tiktokens() -> None:
    np = pytest.importorskip("numpy")
    for name in ENCODINGS:
        text = "hello <|endoftext|> 日本語"
        ours = st(name).encode_to_numpy(text, allowed_special="all")
        theirs = tk(name).encode_to_numpy(text, allowed_special="all")
        assert ours.dtype == theirs.dtype == np.uint32
        assert ours.tolist() == theirs.tolist()
    with pytest.raises(ValueError, match="disallowed special token"):
        st("o200k_base").encode_to_numpy("<|endoftext|>")


def test_batch_calls_take_tiktokens_keyword_text() -> None:
    texts = ["hello world", "<|endoftext|> x"]
    for enc in (tk("cl100k_base"), st("cl100k_base")):
        assert enc.encode_ordinary_batch(text=texts) == [enc.encode_ordinary(t) for t in texts]
        assert enc.encode_batch(text=texts, allowed_special="all") == [enc.encode(t, allowed_special="all") for t in texts]


# --- num_threads --------------------------------------------------------------------------------


def _outcome(call: object, *args: object) -> tuple[str, str]:
    try:
        call(*args)  # type: ignore[operator]
    except Exception as e:  # noqa: BLE001 - the outcome is what is compared
        return type(e).__name__, str(e)
    return "ok", ""


@pytest.mark.parametrize("num_threads", [0, -1, -(2**70), "2", 1.5, True, None, 2**70, 3])
def test_num_threads_is_checked_as_tiktoken_checks_it(num_threads: object) -> None:
    texts = ["hello world"] * 5
    ours, theirs = st("cl100k_base"), tk("cl100k_base")
    ids = [theirs.encode(t) for t in texts]
    calls = {
        "encode_batch": lambda e: e.encode_batch(texts, num_threads=num_threads),
        "encode_ordinary_batch": lambda e: e.encode_ordinary_batch(texts, num_threads=num_threads),
        "decode_batch": lambda e: e.decode_batch(ids, num_threads=num_threads),
        "decode_bytes_batch": lambda e: e.decode_bytes_batch(ids, num_threads=num_threads),
        # tiktoken has no count_batch: it fails as encode_ordinary_batch does.
        "count_batch": lambda e: e.count_batch(texts, num_threads=num_threads) if e is ours else e.encode_ordinary_batch(texts, num_threads=num_threads),
    }
    for call in calls.values():
        assert _outcome(call, ours) == _outcome(call, theirs)
    # An empty batch is checked too.
    assert _outcome(lambda: ours.encode_batch([], num_threads=num_threads)) == _outcome(
        lambda: theirs.encode_batch([], num_threads=num_threads)
    )


def test_num_threads_nan_raises_instead_of_hanging() -> None:
    with pytest.raises(ValueError, match="max_workers must be greater than 0"):
        st("o200k_base").count_batch(["a"], num_threads=float("nan"))


def test_many_threads_asked_start_no_more_than_the_work_uses() -> None:
    import threading
    import time

    texts = ["hello world"] * 30_000
    started = time.perf_counter()
    counts = st("o200k_base").count_batch(texts, num_threads=10**9)
    assert counts == [2] * len(texts)
    assert st("o200k_base").encode_ordinary_batch(texts[:3], num_threads=10**9) == [[24912, 2375]] * 3
    # One thread per text would take seconds and hundreds of MB (issue: 1.8 s for these texts).
    assert time.perf_counter() - started < 1.0
    assert threading.active_count() < 50


def test_a_thread_the_os_refuses_is_a_runtime_error(tmp_path: Path) -> None:
    """With the address space capped, a new thread's stack cannot be mapped: the batch raises
    RuntimeError (as Python's own threads do), the encoding stays usable."""
    import subprocess
    import sys

    program = """
import resource, streamtok
enc = streamtok.get_encoding("o200k_base")
texts = ["hello world"] * 1000
assert enc.count(" ".join(texts)) == 2000  # loads what the batches use; no thread yet, as the
# C library would keep a finished thread's stack for the next
with open("/proc/self/status") as f:
    vm = next(int(l.split()[1]) for l in f if l.startswith("VmSize:")) * 1024
resource.setrlimit(resource.RLIMIT_AS, (vm + (1 << 20), vm + (1 << 20)))
for call in (enc.count_batch, enc.encode_ordinary_batch, enc.encode_batch):
    try:
        call(texts, num_threads=2)
    except RuntimeError as e:
        print("RuntimeError", e)
    else:
        print("no error")
print(enc.count("still works"))
"""
    if not sys.platform.startswith("linux") or os.cpu_count() == 1:
        pytest.skip("needs Linux's /proc and two CPUs (one thread is never spawned)")
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stderr
    assert len(lines) == 4 and all(line.startswith("RuntimeError can't start new thread") for line in lines[:3]), out
    assert lines[3] == "2"
