"""The tiktoken-shaped public API: registry, models, attributes, decoding, single tokens, errors,
pickling, and loading a .tiktoken file."""

from __future__ import annotations

import base64
import pickle
import random
import re
from pathlib import Path

import pytest
import streamtok
import tiktoken
import tiktoken.model
from hypothesis import given
from hypothesis import strategies as hs
from support import ENCODINGS, VOCAB_OF, st, tk, vocab_bytes

# --- registry ------------------------------------------------------------------------------------


def test_list_encoding_names_has_the_six() -> None:
    names = streamtok.list_encoding_names()
    assert isinstance(names, list)
    assert set(ENCODINGS) <= set(names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", ENCODINGS)
def test_get_encoding_returns_the_named_encoding(name: str) -> None:
    enc = streamtok.get_encoding(name)
    assert isinstance(enc, streamtok.Encoding)
    assert enc.name == name
    assert streamtok.get_encoding(name) is enc


@pytest.mark.parametrize("bad", ["nope", "", "CL100K_BASE", "cl100k_base ", "gpt-4o"])
def test_get_encoding_unknown_name_raises_value_error(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        streamtok.get_encoding(bad)
    assert bad in str(info.value)
    with pytest.raises(ValueError):
        tiktoken.get_encoding(bad)


# --- models --------------------------------------------------------------------------------------


def test_model_tables_equal_tiktokens() -> None:
    assert dict(streamtok.MODEL_TO_ENCODING) == tiktoken.model.MODEL_TO_ENCODING
    assert dict(streamtok.MODEL_PREFIX_TO_ENCODING) == tiktoken.model.MODEL_PREFIX_TO_ENCODING
    # Prefix matching is first-match in insertion order, so the order matters too.
    assert list(streamtok.MODEL_PREFIX_TO_ENCODING) == list(tiktoken.model.MODEL_PREFIX_TO_ENCODING)


def _model_names() -> list[str]:
    names = list(tiktoken.model.MODEL_TO_ENCODING)
    for prefix in tiktoken.model.MODEL_PREFIX_TO_ENCODING:
        names += [prefix + "2099-01-01", prefix + "x", prefix]
    names += ["gpt-4o-mini", "gpt-4-32k", "gpt-4-0314", "gpt-3.5-turbo-16k", "ft:gpt-4o:org:x:1",
              "gpt-5-nano", "gpt-oss-120b", "o1-preview", "o3-mini", "gpt-4.1-mini"]  # fmt: skip
    return sorted(set(names))


@pytest.mark.parametrize("model", _model_names())
def test_encoding_name_for_model_equals_tiktokens(model: str) -> None:
    try:
        expected = tiktoken.model.encoding_name_for_model(model)
    except KeyError:
        with pytest.raises(KeyError):
            streamtok.encoding_name_for_model(model)
        return
    assert streamtok.encoding_name_for_model(model) == expected
    if expected in ENCODINGS:  # tiktoken's "gpt2" encoding needs files that are not here
        enc = streamtok.encoding_for_model(model)
        assert enc.name == expected
        assert enc is streamtok.get_encoding(expected)


@pytest.mark.parametrize("model", ["nope", "", "gpt", "GPT-4O", "4o", "text-davinci", "o2", "ft:"])
def test_unknown_model_raises_key_error(model: str) -> None:
    with pytest.raises(KeyError):
        tiktoken.model.encoding_name_for_model(model)
    with pytest.raises(KeyError) as info:
        streamtok.encoding_name_for_model(model)
    assert model in str(info.value)
    with pytest.raises(KeyError):
        streamtok.encoding_for_model(model)


# --- attributes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
def test_attributes_equal_tiktokens(name: str) -> None:
    ref, enc = tk(name), st(name)
    assert enc.name == ref.name
    assert enc.n_vocab == ref.n_vocab
    assert enc.max_token_value == ref.max_token_value
    assert enc.eot_token == ref.eot_token
    assert set(enc.special_tokens_set) == ref.special_tokens_set
    assert name in repr(enc)


# --- decoding ------------------------------------------------------------------------------------


def _valid_ids(name: str, rng: random.Random, k: int) -> list[int]:
    ref = tk(name)
    ids: list[int] = []
    while len(ids) < k:
        i = rng.randrange(ref.n_vocab)
        try:
            ref.decode_single_token_bytes(i)
        except KeyError:
            continue
        ids.append(i)
    return ids


@pytest.mark.parametrize("name", ENCODINGS)
def test_decode_functions_equal_tiktokens(name: str) -> None:
    ref, enc = tk(name), st(name)
    rng = random.Random(name)
    specials = sorted(ref.encode_single_token(s) for s in ref.special_tokens_set)
    for _ in range(50):
        ids = _valid_ids(name, rng, rng.randrange(0, 40))
        ids += rng.sample(specials, min(2, len(specials)))
        rng.shuffle(ids)
        assert enc.decode_bytes(ids) == ref.decode_bytes(ids)
        assert enc.decode_tokens_bytes(ids) == ref.decode_tokens_bytes(ids)
        for errors in ["replace", "ignore", "backslashreplace", "surrogateescape"]:
            assert enc.decode(ids, errors=errors) == ref.decode(ids, errors=errors)
        assert enc.decode(ids) == ref.decode(ids)
    assert enc.decode([]) == "" and enc.decode_bytes([]) == b"" and enc.decode_tokens_bytes([]) == []


@pytest.mark.parametrize("name", ENCODINGS)
def test_every_token_decodes_as_tiktoken(name: str) -> None:
    ref, enc = tk(name), st(name)
    for i in range(ref.n_vocab):
        try:
            expected = ref.decode_single_token_bytes(i)
        except KeyError:
            with pytest.raises(KeyError):
                enc.decode_single_token_bytes(i)
            continue
        got = enc.decode_single_token_bytes(i)
        assert got == expected, f"{name}: token {i}: tiktoken {expected!r}, streamtok {got!r}"


@pytest.mark.parametrize("name", ENCODINGS)
def test_decode_strict_raises_on_partial_utf8(name: str) -> None:
    ids = tk(name).encode_ordinary("€")[:1]  # the first byte(s) of a three-byte character
    if tk(name).decode_bytes(ids) == "€".encode():
        ids = [tk(name).encode_single_token(b"\xe2")]
    assert st(name).decode(ids) == tk(name).decode(ids)
    with pytest.raises(UnicodeDecodeError):
        tk(name).decode(ids, errors="strict")
    with pytest.raises(UnicodeDecodeError):
        st(name).decode(ids, errors="strict")


@pytest.mark.parametrize("bad_id", [10**7, 2**31 - 1, 2**32 - 1])
@pytest.mark.parametrize("name", ENCODINGS)
def test_unknown_token_id_raises_key_error(name: str, bad_id: int) -> None:
    with pytest.raises(KeyError):
        tk(name).decode([bad_id])
    with pytest.raises(KeyError) as info:
        st(name).decode([bad_id])
    assert str(bad_id) in str(info.value)
    with pytest.raises(KeyError) as info:
        st(name).decode_bytes([1, bad_id])
    assert str(bad_id) in str(info.value)
    with pytest.raises(KeyError) as info:
        st(name).decode_single_token_bytes(bad_id)
    assert str(bad_id) in str(info.value)
    with pytest.raises(KeyError):
        st(name).decode_tokens_bytes([bad_id])


@pytest.mark.parametrize("name", ENCODINGS)
def test_id_just_past_the_vocabulary_is_unknown(name: str) -> None:
    bad_id = tk(name).max_token_value + 1
    with pytest.raises(KeyError):
        tk(name).decode_single_token_bytes(bad_id)
    with pytest.raises(KeyError):
        st(name).decode_single_token_bytes(bad_id)
    with pytest.raises(KeyError):
        st(name).decode([bad_id])


@pytest.mark.parametrize("bad_id", [-1, 2**32, 2**64])
@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_out_of_range_token_id_raises_as_tiktoken(name: str, bad_id: int) -> None:
    with pytest.raises(Exception) as expected:
        tk(name).decode([bad_id])
    with pytest.raises(Exception) as got:
        st(name).decode([bad_id])
    assert type(got.value) is type(expected.value)
    with pytest.raises(Exception) as expected:
        tk(name).decode_single_token_bytes(bad_id)
    with pytest.raises(Exception) as got:
        st(name).decode_single_token_bytes(bad_id)
    assert type(got.value) is type(expected.value)


# --- single tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
def test_encode_single_token_equals_tiktokens(name: str) -> None:
    ref, enc = tk(name), st(name)
    rng = random.Random(name)
    for i in _valid_ids(name, rng, 300):
        token_bytes = ref.decode_single_token_bytes(i)
        assert enc.encode_single_token(token_bytes) == i
        try:
            as_text = token_bytes.decode("utf-8")
        except UnicodeDecodeError:
            continue
        assert enc.encode_single_token(as_text) == ref.encode_single_token(as_text)
    for special in ref.special_tokens_set:
        assert enc.encode_single_token(special) == ref.encode_single_token(special)
        assert enc.encode_single_token(special.encode()) == ref.encode_single_token(special.encode())
    assert enc.encode_single_token("hello") == ref.encode_single_token("hello")
    assert enc.encode_single_token(b" world") == ref.encode_single_token(b" world")


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize("bad", ["not a token xyz", "", b"", b"\xff\xfe\xfd\xfc", "<|endoftext|>x"])
def test_encode_single_token_unknown_raises_key_error(name: str, bad: str | bytes) -> None:
    with pytest.raises(KeyError):
        tk(name).encode_single_token(bad)
    with pytest.raises(KeyError):
        st(name).encode_single_token(bad)


@pytest.mark.parametrize("name", ENCODINGS)
def test_is_special_token_equals_tiktokens(name: str) -> None:
    ref, enc = tk(name), st(name)
    ids = {0, 1, 100, ref.eot_token, ref.max_token_value, ref.max_token_value + 1, 10**7}
    ids |= {ref.encode_single_token(s) for s in ref.special_tokens_set}
    ids |= set(range(ref.eot_token - 3, ref.eot_token + 25))
    for i in sorted(ids):
        assert enc.is_special_token(i) == ref.is_special_token(i), i


# --- surrogates and types ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
@pytest.mark.parametrize(
    "text", ["a\ud800b", "\ud83d\ude00", "\ud83d", "\ude00", "x\udfff\ud800y", "\ud800 \ud800", "'\ud800s"]
)
def test_lone_surrogates_encode_as_tiktoken(name: str, text: str) -> None:
    ref, enc = tk(name), st(name)
    assert enc.encode_ordinary(text) == ref.encode_ordinary(text)
    assert enc.encode(text) == ref.encode(text)
    assert enc.count(text) == len(ref.encode_ordinary(text))
    assert enc.encode_ordinary_batch([text, "ok"]) == [ref.encode_ordinary(text), ref.encode_ordinary("ok")]
    assert enc.count_batch([text]) == [len(ref.encode_ordinary(text))]


@pytest.mark.parametrize("bad", [123, None, 1.5, ["a"], b"abc"])
def test_non_str_text_raises_type_error(bad: object) -> None:
    enc = st("cl100k_base")
    with pytest.raises(TypeError):
        tk("cl100k_base").encode_ordinary(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tk("cl100k_base").encode(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        enc.encode_ordinary(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        enc.encode(bad)  # type: ignore[arg-type]
    if not isinstance(bad, bytes):  # count of UTF-8 bytes is left open
        with pytest.raises(TypeError):
            enc.count(bad)  # type: ignore[arg-type]


def test_non_str_item_in_batch_raises_type_error() -> None:
    enc = st("cl100k_base")
    with pytest.raises(TypeError):
        enc.encode_ordinary_batch(["ok", 123])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        enc.count_batch(["ok", None])  # type: ignore[list-item]


# --- pickling ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
def test_pickle_builtin_returns_same_object(name: str) -> None:
    enc = st(name)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(enc, protocol=protocol)) is enc


# --- from_tiktoken_file --------------------------------------------------------------------------

FAMILY_OF = {
    "r50k_base": "gpt2",
    "p50k_base": "gpt2",
    "p50k_edit": "gpt2",
    "cl100k_base": "cl100k",
    "o200k_base": "o200k",
    "o200k_harmony": "o200k",
}
SAMPLE = (
    "Hello world! I'll go, we'll see; don't.  \n\n  x 12345 abcDEF ǅungla 中文 😀👍🏽 'ſ \r\n"
    "def f(x):\n\treturn x  # 100%\n<|endoftext|> http://a/b//c ١٢٣ ＡＢＣ"
)


@pytest.fixture(scope="module")
def vocab_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("vocab")
    files = {}
    for stem in ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"]:
        path = folder / f"{stem}.tiktoken"
        path.write_bytes(vocab_bytes(stem))
        files[stem] = path
    return files


def _specials(name: str) -> dict[str, int]:
    ref = tk(name)
    return {s: ref.encode_single_token(s) for s in ref.special_tokens_set}


@pytest.mark.parametrize("name", ["r50k_base", "p50k_edit", "cl100k_base", "o200k_base", "o200k_harmony"])
def test_from_tiktoken_file_encodes_as_builtin(name: str, vocab_files: dict[str, Path]) -> None:
    path = vocab_files[VOCAB_OF[name]]
    custom = streamtok.Encoding.from_tiktoken_file(
        str(path), family=FAMILY_OF[name], special_tokens=_specials(name), name="custom"  # type: ignore[arg-type]
    )
    assert isinstance(custom, streamtok.Encoding)
    assert custom.name == "custom"
    builtin = st(name)
    assert custom.n_vocab == builtin.n_vocab
    assert custom.max_token_value == builtin.max_token_value
    assert custom.eot_token == builtin.eot_token
    assert set(custom.special_tokens_set) == set(builtin.special_tokens_set)
    assert custom.encode_ordinary(SAMPLE) == builtin.encode_ordinary(SAMPLE)
    assert custom.count(SAMPLE) == builtin.count(SAMPLE)
    assert custom.encode(SAMPLE, allowed_special="all") == builtin.encode(SAMPLE, allowed_special="all")
    with pytest.raises(ValueError) as got:
        custom.encode(SAMPLE)
    with pytest.raises(ValueError) as expected:
        tk(name).encode(SAMPLE)
    assert str(got.value) == str(expected.value)
    tokens = custom.encode_ordinary(SAMPLE)
    assert custom.decode(tokens) == SAMPLE

    clone = pickle.loads(pickle.dumps(custom))
    assert clone.name == "custom"
    assert clone.encode_ordinary(SAMPLE) == builtin.encode_ordinary(SAMPLE)
    assert clone.encode(SAMPLE, allowed_special="all") == builtin.encode(SAMPLE, allowed_special="all")


def test_from_tiktoken_file_accepts_pathlib_path_and_no_specials(vocab_files: dict[str, Path]) -> None:
    custom = streamtok.Encoding.from_tiktoken_file(vocab_files["cl100k_base"], family="cl100k")
    assert custom.special_tokens_set == set()
    assert custom.encode_ordinary(SAMPLE) == st("cl100k_base").encode_ordinary(SAMPLE)
    # Without special tokens, special-token text is ordinary text.
    assert custom.encode("<|endoftext|>") == st("cl100k_base").encode_ordinary("<|endoftext|>")


@given(text=hs.text(max_size=80))
def test_from_tiktoken_file_property(text: str) -> None:
    custom = _custom_o200k()
    assert custom.encode_ordinary(text) == tk("o200k_base").encode_ordinary(text)


_CUSTOM: list[streamtok.Encoding] = []


def _custom_o200k() -> streamtok.Encoding:
    if not _CUSTOM:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "o200k_base.tiktoken"
            path.write_bytes(vocab_bytes("o200k_base"))
            _CUSTOM.append(streamtok.Encoding.from_tiktoken_file(str(path), family="o200k"))
    return _CUSTOM[0]


def test_from_tiktoken_file_unknown_family_raises_value_error(vocab_files: dict[str, Path]) -> None:
    with pytest.raises(ValueError) as info:
        streamtok.Encoding.from_tiktoken_file(str(vocab_files["r50k_base"]), family="nope")  # type: ignore[arg-type]
    assert "nope" in str(info.value)


def test_from_tiktoken_file_missing_file_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        streamtok.Encoding.from_tiktoken_file(str(tmp_path / "absent.tiktoken"), family="gpt2")


def _line(token: bytes, rank: int | str) -> bytes:
    return base64.b64encode(token) + b" " + str(rank).encode() + b"\n"


def _good_lines() -> list[bytes]:
    return [_line(bytes([b]), b) for b in range(256)]


# (description, lines, 1-based number of the bad line)
MALFORMED = [
    ("bad base64", [b"!!!notbase64!!! 256\n"], 257),
    ("missing rank", [base64.b64encode(b"ab") + b"\n"], 257),
    ("non-integer rank", [base64.b64encode(b"ab") + b" twelve\n"], 257),
    ("negative rank", [base64.b64encode(b"ab") + b" -3\n"], 257),
    ("float rank", [base64.b64encode(b"ab") + b" 256.0\n"], 257),
    ("rank too large", [base64.b64encode(b"ab") + b" 99999999999999999999\n"], 257),
    ("extra field", [base64.b64encode(b"ab") + b" 256 7\n"], 257),
    ("duplicate rank", [_line(b"ab", 256), _line(b"cd", 256)], 258),
    ("duplicate rank of a byte", [_line(b"ab", 7)], 257),
    ("duplicate token", [_line(b"ab", 256), _line(b"ab", 257)], 258),
    ("duplicate byte token", [_line(b"a", 256)], 257),
]


@pytest.mark.parametrize(("what", "extra", "line_no"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_raises_value_error_naming_the_line(
    tmp_path: Path, what: str, extra: list[bytes], line_no: int
) -> None:
    path = tmp_path / "bad.tiktoken"
    # A good line after the bad one, so the error is not confused with the end of the file.
    path.write_bytes(b"".join(_good_lines() + extra + [_line(b"zz", 256 + len(extra))]))
    with pytest.raises(ValueError) as info:
        streamtok.Encoding.from_tiktoken_file(str(path), family="gpt2")
    assert re.search(rf"\bline {line_no}\b", str(info.value)), f"{what}: {info.value}"


def test_malformed_line_number_counts_from_one(tmp_path: Path) -> None:
    path = tmp_path / "bad.tiktoken"
    path.write_bytes(b"@@@ 0\n" + b"".join(_good_lines()[1:]))
    with pytest.raises(ValueError) as info:
        streamtok.Encoding.from_tiktoken_file(str(path), family="gpt2")
    assert re.search(r"\bline 1\b", str(info.value)), str(info.value)


@pytest.mark.parametrize("content", [b"", b"\n", b"\n\n\n"])
def test_empty_file_raises_value_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.tiktoken"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        streamtok.Encoding.from_tiktoken_file(str(path), family="o200k")


def test_small_hand_made_vocabulary(tmp_path: Path) -> None:
    """A tiny vocabulary (all bytes, a few merges) encodes as tiktoken's Encoding built from it."""
    ranks = {bytes([b]): b for b in range(256)}
    for token in [b"he", b"ll", b"hell", b"hello", b" w", b"or", b" wor", b" world"]:
        ranks[token] = len(ranks)
    path = tmp_path / "tiny.tiktoken"
    path.write_bytes(b"".join(_line(t, r) for t, r in ranks.items()))
    specials = {"<|endoftext|>": len(ranks)}
    custom = streamtok.Encoding.from_tiktoken_file(str(path), family="gpt2", special_tokens=specials, name="tiny")
    ref = tiktoken.Encoding(
        "tiny", pat_str=tk("r50k_base")._pat_str, mergeable_ranks=ranks, special_tokens=specials
    )
    for text in ["hello world", "hello  world\n", "hellohello", "wor world's", "<|endoftext|>hello"]:
        assert custom.encode_ordinary(text) == ref.encode_ordinary(text)
        assert custom.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")
    assert custom.n_vocab == ref.n_vocab
    assert custom.eot_token == ref.eot_token
    assert custom.name == "tiny"
