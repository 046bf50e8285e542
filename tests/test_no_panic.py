"""No Rust panic reaches Python: the worst inputs the panic audit found (saved states no stream
could be in, odd vocabularies and special tokens, extreme arguments) raise ordinary exceptions
with clear messages, or work. A panic would surface as ``pyo3_runtime.PanicException``, a
``BaseException`` that none of the ``pytest.raises`` below would catch, so it fails the test.
"""

from __future__ import annotations

import base64
import pickle

import pytest
from support import st, tk

import streamtok


def _restore(kind: type, carry: bytes = b"", held: int | None = None, tail: str = "ab",
             committed: int = 3, finished: bool = False):  # fmt: skip
    return kind._restore("o200k_base", None, carry, held, tail, committed, finished)


KINDS = [streamtok.StreamCounter, streamtok.StreamEncoder]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"committed": 2**64 - 1}, "token count out of range"),
        ({"committed": 2**63}, "token count out of range"),
        ({"finished": True}, "a finished stream has no open text"),
        ({"carry": b"\xe4", "held": 0xD83D}, "a partial character and a held surrogate at once"),
        ({"carry": b"\xff"}, "invalid utf-8"),
        ({"carry": b"a"}, "saved partial character is not one"),
        ({"carry": b"\xe4\xb8\xad"}, "saved partial character is not one"),
        ({"held": 0xDC00}, "saved surrogate is not a high surrogate"),
    ],
)
def test_a_saved_state_no_stream_could_be_in_is_a_value_error(kind: type, state: dict, message: str) -> None:
    with pytest.raises(ValueError, match=f"cannot restore the stream: .*{message}"):
        _restore(kind, **state)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("state", "error"), [({"committed": -1}, OverflowError), ({"committed": 2**64}, OverflowError),
                                              ({"held": 2**16}, OverflowError), ({"held": -1}, OverflowError)])  # fmt: skip
def test_saved_numbers_out_of_range_are_overflow_errors(kind: type, state: dict, error: type) -> None:
    with pytest.raises(error):
        _restore(kind, **state)


def test_a_big_but_possible_saved_count_goes_on_counting() -> None:
    counter = _restore(streamtok.StreamCounter, committed=2**62)
    assert counter.push("c") == 2**62 + len(tk("o200k_base").encode_ordinary("abc"))
    assert pickle.loads(pickle.dumps(counter)).finish() == counter.finish()


def _vocab(extra: dict[bytes, int]) -> bytes:
    ranks = {bytes([b]): b for b in range(256)} | extra
    return b"".join(base64.b64encode(t) + b" " + str(r).encode() + b"\n" for t, r in ranks.items())


@pytest.mark.parametrize(
    ("specials", "message"),
    [
        ({"": 300}, "invalid special token \"\": empty text"),
        ({"<|x|>": 65}, "id 65 is a mergeable token"),
        ({"<|x|>": 2**32 - 1}, "id 4294967295 is out of range"),
    ],
)
def test_bad_special_tokens_are_value_errors(specials: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        streamtok.Encoding("bad", data=_vocab({}), family="gpt2", special_tokens=specials)


def test_rank_beyond_the_table_limit_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="rank 16777215 is above 16777214"):
        streamtok.Encoding("bad", data=_vocab({b"ab": 2**24 - 1}), family="gpt2")


def test_sparse_vocabulary_with_far_special_ids_works() -> None:
    """Ranks with holes, the highest allowed rank, special ids far above and between ranks, a
    special token that is not ASCII-delimited: all encode, stream and decode."""
    data = _vocab({b"ab": 1000, b"abab": 2**24 - 2, "é".encode(): 300})
    specials = {"<|eot|>": 2**31, "ä": 500, "中文": 2**24 - 1}
    enc = streamtok.Encoding("odd", data=data, family="o200k", special_tokens=specials)
    text = "abab ab é ä 中文<|eot|>abab"
    ids = enc.encode(text, allowed_special="all")
    assert 2**31 in ids and 500 in ids and 2**24 - 2 in ids
    assert enc.decode(ids) == text
    assert enc.max_token_value == 2**31 and enc.n_vocab == 2**31 + 1
    with pytest.raises(KeyError):
        enc.decode([999])  # a hole between ranks
    for s in (enc.stream(allowed_special="all"), enc.stream_encoder(allowed_special="all")):
        for ch in text.encode():
            s.push_bytes(bytes([ch]))
        s.finish()
        assert s.count == len(ids)


@pytest.mark.parametrize("threads", [1, 2**20, 2**63])
def test_batch_thread_counts_at_the_extremes(threads: int) -> None:
    texts = ["hello world", "", "x" * 10_000]
    assert st("o200k_base").count_batch(texts, num_threads=threads) == [
        len(tk("o200k_base").encode_ordinary(t)) for t in texts
    ]
    assert st("o200k_base").count_batch([], num_threads=threads) == []


@pytest.mark.parametrize("threads", [0, -1, -(2**63)])
def test_thread_counts_below_one_raise_value_error_as_tiktoken(threads: int) -> None:
    # tiktoken's ThreadPoolExecutor raises this; tests/test_tiktoken_api.py compares the two.
    with pytest.raises(ValueError, match="max_workers must be greater than 0"):
        st("o200k_base").count_batch(["x"], num_threads=threads)


@pytest.mark.parametrize("token", [-1, 2**32, 2**64, 2**100])
def test_is_special_token_of_any_int_is_a_bool_or_overflow(token: int) -> None:
    try:
        got = st("o200k_base").is_special_token(token)
    except OverflowError:
        with pytest.raises(OverflowError):
            tk("o200k_base").is_special_token(token)
        return
    assert got is False


def test_unknown_allowed_special_texts_are_ignored_as_tiktoken() -> None:
    text = "<|nope|> <|endoftext|>"
    for name in ("cl100k_base", "o200k_base"):
        allowed = {"<|nope|>", "<|endoftext|>"}
        expected = tk(name).encode(text, allowed_special=allowed)
        assert st(name).encode(text, allowed_special=allowed) == expected
        counter = st(name).stream(allowed_special=allowed)
        assert counter.push(text) == len(expected)
