"""``allowed_special``: special-token text that a stream allows counts as one token even when the
deltas split it; a prefix that ends inside it counts that partial text as ordinary text, which is
what tiktoken gives for the prefix. Without ``allowed_special`` a stream treats special-token text
as ordinary text and never raises.

The oracle is ``tiktoken.encode(prefix, allowed_special=allowed, disallowed_special=())``: special
tokens that are not allowed are ordinary text in a stream, as ``disallowed_special=()`` makes them.
"""

from __future__ import annotations

import pytest
import strategies
import streamtok
from hypothesis import example, given
from hypothesis import strategies as hs
from support import ENCODINGS, st, tk
from test_stream import check_stream, splits

EOT = "<|endoftext|>"


def specials(name: str) -> list[str]:
    return sorted(tk(name).special_tokens_set)


#: Special tokens worth splitting in every way: all of them except o200k_harmony's ~1000
#: ``<|reserved_*|>`` (three of which stand in for the rest).
def named_specials(name: str) -> list[str]:
    reserved = [s for s in specials(name) if s.startswith("<|reserved_")]
    named = [s for s in specials(name) if not s.startswith("<|reserved_")]
    return named + reserved[:2] + reserved[-1:]


def allowed_options(name: str) -> hs.SearchStrategy:
    """``"all"``, nothing, ``{"<|endoftext|>"}``, or any set of the encoding's specials."""
    return hs.one_of(
        hs.just("all"),
        hs.just(frozenset()),
        hs.just(frozenset({EOT})),
        hs.sets(hs.sampled_from(specials(name)), max_size=4).map(frozenset),
    )


# --- one special token split across deltas -------------------------------------------------------


@pytest.mark.parametrize("allowed", ["all", frozenset({EOT})], ids=["all", "eot"])
@pytest.mark.parametrize("name", ENCODINGS)
def test_endoftext_split_in_two_counts_as_one_token(name: str, allowed: str | frozenset) -> None:
    ref = tk(name)
    counter = st(name).stream(allowed_special=allowed)
    assert counter.push("<|endo") == len(ref.encode("<|endo", allowed_special=allowed))
    assert counter.push("ftext|>") == len(ref.encode(EOT, allowed_special=allowed)) == 1
    assert counter.finish() == 1
    check_stream(name, ["<|endo", "ftext|>"], allowed=allowed)
    check_stream(name, ["Hello<|endo", "ftext|> wor", "ld"], allowed=allowed)


@pytest.mark.parametrize("name", ENCODINGS)
def test_every_special_split_anywhere(name: str) -> None:
    """Each special token, alone and between texts that its neighbours would otherwise merge
    with, split into two deltas at every point and into single characters."""
    for special in named_specials(name):
        for allowed in ("all", frozenset({special})):
            for before, after in [("", ""), ("x", "y"), ("don'", "t"), (" ", "  "), ("<|", "|>")]:
                text = before + special + after
                for cut in range(1, len(text)):
                    check_stream(name, [text[:cut], text[cut:]], allowed=allowed)
                check_stream(name, list(text), allowed=allowed)


@pytest.mark.parametrize("name", ENCODINGS)
def test_special_split_across_byte_chunks(name: str) -> None:
    text = f"\u4e2d{EOT}\U0001f44d{EOT}{EOT}"
    data = text.encode("utf-8")
    for allowed in ("all", frozenset({EOT})):
        check_stream(name, [data[i : i + 1] for i in range(len(data))], allowed=allowed)
        check_stream(name, [data[i : i + 5] for i in range(0, len(data), 5)], allowed=allowed)


@pytest.mark.parametrize("name", ENCODINGS)
def test_special_not_allowed_is_ordinary_text(name: str) -> None:
    others = [s for s in named_specials(name) if s != EOT]
    text = EOT + "".join(others) + EOT
    for allowed in (frozenset(), frozenset({EOT})):
        check_stream(name, list(text), allowed=allowed)


@pytest.mark.parametrize("name", ENCODINGS)
def test_allowed_special_spellings(name: str) -> None:
    """``allowed_special`` as "all", a set, a frozenset, a list; through ``Encoding.stream``
    and ``StreamCounter``."""
    ref = tk(name)
    text = ["a<|endof", "text|><|endoftext|", ">b"]
    prefixes = ["".join(text[: i + 1]) for i in range(len(text))]
    for allowed, as_tiktoken in [
        ("all", "all"), ({EOT}, {EOT}), (frozenset({EOT}), {EOT}), ([EOT], {EOT}),
    ]:  # fmt: skip
        expected = [len(ref.encode(p, allowed_special=as_tiktoken)) for p in prefixes]
        for counter in (
            st(name).stream(allowed_special=allowed),
            streamtok.StreamCounter(name, allowed_special=allowed),
            streamtok.StreamCounter(st(name), allowed_special=allowed),
        ):
            assert [counter.push(d) for d in text] == expected, (name, allowed)
            assert counter.finish() == expected[-1]
        for encoder in (
            st(name).stream_encoder(allowed_special=allowed),
            streamtok.StreamEncoder(name, allowed_special=allowed),
        ):
            ids = [t for d in text for t in encoder.push(d)] + encoder.finish()
            assert ids == ref.encode(prefixes[-1], allowed_special=as_tiktoken), (name, allowed)


# --- properties ----------------------------------------------------------------------------------


@hs.composite
def special_stream(draw: hs.DrawFn, name: str, max_len: int = 250):  # noqa: ANN201
    text = draw(strategies.text_with_specials(specials(name)))[:max_len]
    as_bytes = draw(hs.booleans())
    deltas = draw(splits(text.encode("utf-8") if as_bytes else text))
    return deltas, draw(allowed_options(name))


@pytest.mark.parametrize("name", ENCODINGS)
@given(data=hs.data())
def test_specials_mixed_into_hard_text(name: str, data: hs.DataObject) -> None:
    """After each push, count == len(tiktoken.encode(prefix, allowed_special=allowed)); the
    encoder's ids are tiktoken.encode(text, allowed_special=allowed)."""
    deltas, allowed = data.draw(special_stream(name))
    check_stream(name, deltas, allowed=allowed)


@pytest.mark.parametrize(
    "name,deltas,allowed",
    [
        ("o200k_base", ["<|endo", "ftext|>"], "all"),
        ("cl100k_base", ["<|<|endoftext|>", "|>"], "all"),
        ("cl100k_base", ["<|endoftext|", ">>"], frozenset({EOT})),
        ("cl100k_base", ["x<|fim_pre", "fix|><|endofpro", "mpt|>"], "all"),
        ("cl100k_base", ["x<|fim_pre", "fix|><|endofpro", "mpt|>"], frozenset({"<|endofprompt|>"})),
        ("p50k_edit", ["<|fim_middle|", "><|fim_suffix", "|>"], "all"),
        ("o200k_harmony", ["<|start|>user<|mess", "age|>hi<|e", "nd|>"], "all"),
        ("o200k_harmony", ["<|reserved_2010", "87|><|reserved_201088|>"], "all"),
        ("o200k_base", ["don'", "<|endoftext|>", "t"], "all"),
        ("o200k_base", ["x \n ", "<|endoftext|>", " \nx"], "all"),
        ("cl100k_base", ["hello  ", "<|endoftext|>world"], "all"),
        ("cl100k_base", ["12", "<|endoftext|>", "345"], frozenset({EOT})),
    ],
)
def test_special_regressions(name: str, deltas: list[str], allowed: str | frozenset) -> None:
    check_stream(name, deltas, allowed=allowed)
    check_stream(name, list("".join(deltas)), allowed=allowed)


@pytest.mark.parametrize("name", ENCODINGS)
@given(deltas=hs.data())
def test_default_stream_treats_specials_as_ordinary_text(name: str, deltas: hs.DataObject) -> None:
    """No allowed_special: special-token text is ordinary text (never an error), for counters
    made in every way."""
    text = deltas.draw(strategies.text_with_specials(specials(name)))[:250]
    split = deltas.draw(splits(text))
    check_stream(name, split)
    ref = tk(name)
    for counter in (streamtok.StreamCounter(name), st(name).stream(allowed_special=frozenset())):
        prefix = ""
        for delta in split:
            prefix += delta or ""
            assert counter.push(delta) == len(ref.encode_ordinary(prefix)), (name, split)
        assert counter.finish() == len(ref.encode_ordinary(text))
