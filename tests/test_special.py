"""``encode`` with special tokens behaves as tiktoken's: same ids, and where tiktoken raises
``ValueError`` for a disallowed special token, streamtok raises ``ValueError`` with the same message.
"""

from __future__ import annotations

from typing import Any

import pytest
import strategies
from hypothesis import given
from hypothesis import strategies as hs
from support import ENCODINGS, st, tk

EOT = "<|endoftext|>"

TEXTS = [
    "",
    "hello world",
    EOT,
    f"a{EOT}b",
    f"{EOT}{EOT}",
    f"{EOT}hello",
    f"hello{EOT}",
    f"hello {EOT} world",
    f" {EOT} ",
    f"\n{EOT}\n",
    f"  {EOT}  x",
    f"'{EOT}'s",
    f"I'{EOT}ll",
    f"12{EOT}345",
    f"abc{EOT}DEF",
    f"\r{EOT}\n",
    f"😀{EOT}👍🏽",
    f"中文{EOT}日本語",
    "<|endoftext|",
    "<|endoftext|>>",
    "<<|endoftext|>",
    "<<|endoftext|>>",
    "<|endo<|endoftext|>ftext|>",
    "<|<|endoftext|>|>",
    "<|endoftext|><|endoftext",
    "<|ENDOFTEXT|>",
    "< |endoftext|>",
    "<|endoftext |>",
    "x" * 1000 + EOT + " y" * 500,
    "<|fim_prefix|>def f():<|fim_suffix|>\n    return 1<|fim_middle|>",
    f"<|fim_prefix|>{EOT}<|fim_suffix|>",
    "<|endofprompt|>",
    f"<|endofprompt|>{EOT}",
    "<|startoftext|>",
    "<|start|>user<|message|>What is 2+2?<|end|><|start|>assistant<|channel|>final<|message|>4<|return|>",
    "<|call|><|constrain|>json",
    "<|reserved_200000|>",
    "<|reserved_200013|><|reserved_200014|>",
    "<|reserved_201087|>",
    "<|reserved_201088|>",
    "<|reserved_199999|>",
    "<|reserved_2000|>",
    "<|reserved_200000|",
    "<|im_start|>system<|im_end|>",
    "<|end|>",
    "<|end|>oftext|>",
    "<|endoftext|>\x00<|endoftext|>",
]

OPTIONS: dict[str, dict[str, Any]] = {
    "default": {},
    "allowed=all": {"allowed_special": "all"},
    "allowed={eot}": {"allowed_special": {EOT}},
    "allowed=frozenset{eot}": {"allowed_special": frozenset({EOT})},
    "allowed={fim_prefix}": {"allowed_special": {"<|fim_prefix|>"}},
    "allowed={start,message,end}": {"allowed_special": {"<|start|>", "<|message|>", "<|end|>"}},
    "allowed={reserved_201087}": {"allowed_special": {"<|reserved_201087|>"}},
    "allowed=set()": {"allowed_special": set()},
    "disallowed=()": {"disallowed_special": ()},
    "disallowed=set()": {"disallowed_special": set()},
    "disallowed=frozenset()": {"disallowed_special": frozenset()},
    "disallowed={eot}": {"disallowed_special": {EOT}},
    "disallowed=[eot]": {"disallowed_special": [EOT]},
    "disallowed={fim_suffix}": {"disallowed_special": {"<|fim_suffix|>"}},
    "disallowed={endofprompt,fim_middle}": {
        "disallowed_special": frozenset({"<|endofprompt|>", "<|fim_middle|>"})
    },
    "allowed=all,disallowed=()": {"allowed_special": "all", "disallowed_special": ()},
    "allowed=all,disallowed=all": {"allowed_special": "all", "disallowed_special": "all"},
    "allowed={eot},disallowed=()": {"allowed_special": {EOT}, "disallowed_special": ()},
    "allowed={eot},disallowed={eot}": {"allowed_special": {EOT}, "disallowed_special": {EOT}},
    "allowed=all,disallowed={eot}": {"allowed_special": "all", "disallowed_special": {EOT}},
    "allowed={fim_prefix},disallowed=()": {
        "allowed_special": {"<|fim_prefix|>"},
        "disallowed_special": (),
    },
}


def _compare_encode(name: str, text: str, **kwargs: Any) -> str | None:
    """None if streamtok's ``encode(text, **kwargs)`` behaves as tiktoken's, else a description."""
    try:
        expected: Any = tk(name).encode(text, **kwargs)
    except ValueError as exc:
        expected = exc
    try:
        got: Any = st(name).encode(text, **kwargs)
    except ValueError as exc:
        got = exc
    if isinstance(expected, ValueError):
        if not isinstance(got, ValueError):
            return f"{text!r} {kwargs}: tiktoken raises ValueError({str(expected)!r}), streamtok returns {got}"
        if str(got) != str(expected):
            return f"{text!r} {kwargs}: ValueError messages differ:\n  tiktoken:  {str(expected)!r}\n  streamtok: {str(got)!r}"
        return None
    if isinstance(got, ValueError):
        return f"{text!r} {kwargs}: tiktoken returns {expected}, streamtok raises ValueError({str(got)!r})"
    if got != expected:
        return f"{text!r} {kwargs}: tiktoken {expected}, streamtok {got}"
    return None


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("name", ENCODINGS)
def test_encode_with_special_options(name: str, option: str) -> None:
    kwargs = OPTIONS[option]
    problems = [p for text in TEXTS if (p := _compare_encode(name, text, **kwargs)) is not None]
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("name", ENCODINGS)
def test_encode_batch_with_special_options(name: str, option: str) -> None:
    kwargs = OPTIONS[option]
    try:
        expected: Any = tk(name).encode_batch(TEXTS, **kwargs)
    except ValueError as exc:
        with pytest.raises(ValueError) as info:
            st(name).encode_batch(TEXTS, **kwargs)
        assert str(info.value) == str(exc)
    else:
        assert st(name).encode_batch(TEXTS, **kwargs) == expected
        assert st(name).encode_batch(TEXTS, num_threads=1, **kwargs) == expected


@pytest.mark.parametrize("name", ENCODINGS)
def test_disallowed_special_message_is_tiktokens(name: str) -> None:
    for special in sorted(tk(name).special_tokens_set)[:50]:
        text = f"before {special} after"
        with pytest.raises(ValueError) as expected:
            tk(name).encode(text)
        with pytest.raises(ValueError) as got:
            st(name).encode(text)
        assert str(got.value) == str(expected.value)
        assert repr(special) in str(got.value)


@pytest.mark.parametrize("name", ENCODINGS)
def test_first_disallowed_special_is_reported(name: str) -> None:
    specials = sorted(tk(name).special_tokens_set)
    text = "x".join(reversed(specials[:5])) + "x" + EOT
    assert _compare_encode(name, text) is None
    if len(specials) > 1:
        assert _compare_encode(name, text, allowed_special={specials[-1]}) is None


@pytest.mark.parametrize("name", ENCODINGS)
def test_disallowed_non_special_string_raises_as_tiktoken(name: str) -> None:
    # tiktoken searches the text for every string in disallowed_special, special or not.
    assert _compare_encode(name, "hello world", disallowed_special={"hello"}) is None
    assert _compare_encode(name, "say hello", disallowed_special=["hello", EOT]) is None


@pytest.mark.parametrize("name", ENCODINGS)
def test_every_special_token_encodes_to_its_id(name: str) -> None:
    ref, enc = tk(name), st(name)
    specials = sorted(ref.special_tokens_set)
    for special in specials:
        assert enc.encode(special, allowed_special="all") == ref.encode(special, allowed_special="all")
        assert enc.encode(special, disallowed_special=()) == ref.encode_ordinary(special)
        assert enc.encode_ordinary(special) == ref.encode_ordinary(special)
    # tiktoken compiles a regex of all the other specials per call here: keep to a sample.
    for special in specials[:: max(1, len(specials) // 8)]:
        assert enc.encode(special, allowed_special={special}) == [ref.encode_single_token(special)]
    joined = "".join(specials)
    assert enc.encode(joined, allowed_special="all") == ref.encode(joined, allowed_special="all")
    spaced = " a ".join(specials)
    assert enc.encode(spaced, allowed_special="all") == ref.encode(spaced, allowed_special="all")


@pytest.mark.parametrize("name", ["o200k_harmony"])
def test_harmony_reserved_tokens(name: str) -> None:
    ref, enc = tk(name), st(name)
    for i in [199998, 199999, *range(200000, 200020), 200500, 201000, 201086, 201087]:
        token = ref.decode_single_token_bytes(i).decode()
        assert enc.encode(token, allowed_special="all") == [i]
        assert enc.encode_single_token(token) == i
        assert enc.decode_single_token_bytes(i) == token.encode()
        assert enc.is_special_token(i)
    for near_miss in ["<|reserved_201088|>", "<|reserved_199998|>", "<|reserved_20000|>"]:
        assert _compare_encode(name, near_miss, allowed_special="all") is None
        assert _compare_encode(name, near_miss) is None


@pytest.mark.parametrize("name", ENCODINGS)
def test_specials_with_lone_surrogates(name: str) -> None:
    for text in [f"\ud800{EOT}", f"{EOT}\udfff", f"a\ud83d{EOT}\ude00b", "\ud83d\ude00" + EOT]:
        options: list[dict[str, Any]] = [{}, {"allowed_special": "all"}, {"disallowed_special": ()}]
        for kwargs in options:
            assert _compare_encode(name, text, **kwargs) is None


def _options(specials: list[str]) -> hs.SearchStrategy[dict[str, Any]]:
    subset = hs.sets(hs.sampled_from(specials), max_size=4)
    allowed: hs.SearchStrategy[Any] = hs.one_of(hs.just("all"), subset, hs.just(frozenset()))
    disallowed: hs.SearchStrategy[Any] = hs.one_of(hs.just("all"), hs.just(()), subset.map(frozenset))
    return hs.fixed_dictionaries({}, optional={"allowed_special": allowed, "disallowed_special": disallowed})


@pytest.mark.parametrize("name", ENCODINGS)
@given(data=hs.data())
def test_encode_with_specials_matches_tiktoken(name: str, data: hs.DataObject) -> None:
    specials = sorted(tk(name).special_tokens_set)
    if len(specials) > 40:  # o200k_harmony: the named ones and a few reserved
        specials = [s for s in specials if "reserved" not in s] + specials[:: len(specials) // 20]
    text = data.draw(strategies.text_with_specials(specials), label="text")
    kwargs = data.draw(_options(specials), label="kwargs")
    problem = _compare_encode(name, text, **kwargs)
    assert problem is None, problem
