"""Prompt tokens of chat messages and tool definitions: the published framing around text that
real tiktoken counts, the API's own published figures, and clear errors for what has no text."""

from __future__ import annotations

import doctest
import json
from typing import Any

import chat_formula
import openai.types.chat as oa
import pytest
import strategies
from hypothesis import given
from hypothesis import strategies as st

import streamtok
import streamtok._chat
from streamtok import count_input, count_messages, count_tools

# The messages and tools of OpenAI's cookbook "How to count tokens with tiktoken", with the
# prompt_tokens the API reported for them there (129 on gpt-3.5-turbo / gpt-4, 124 on gpt-4o and
# gpt-4o-mini; with the tools, 105 and 101). These are the provider's figures, not ours.
COOKBOOK_MESSAGES = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
    {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."},
]  # fmt: skip
COOKBOOK_TOOL_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "description": "The unit of temperature to return", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}  # fmt: skip

MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-3.5-turbo", "gpt-3.5-turbo-0301"]


@pytest.mark.parametrize(("model", "api"), [("gpt-3.5-turbo", 129), ("gpt-4-0613", 129), ("gpt-4", 129), ("gpt-4o", 124), ("gpt-4o-mini", 124)])  # fmt: skip
def test_messages_match_the_prompt_tokens_the_api_reported(model: str, api: int) -> None:
    assert count_messages(COOKBOOK_MESSAGES, model=model) == api


@pytest.mark.parametrize(("model", "api"), [("gpt-3.5-turbo", 105), ("gpt-4", 105), ("gpt-4o", 101), ("gpt-4o-mini", 101)])
def test_tools_match_the_prompt_tokens_the_api_reported(model: str, api: int) -> None:
    assert count_messages(COOKBOOK_TOOL_MESSAGES, model=model) + count_tools([WEATHER_TOOL], model=model) == api


name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,20}", fullmatch=True)
text_part = st.builds(lambda t: {"type": "text", "text": t}, strategies.text)
tool_call = st.builds(
    lambda i, nm, args: {"id": f"call_{i}", "type": "function", "function": {"name": nm, "arguments": json.dumps(args, ensure_ascii=False)}},
    st.integers(0, 99), name, st.dictionaries(name, strategies.text, max_size=3),
)  # fmt: skip


@st.composite
def message(draw: st.DrawFn) -> dict[str, Any]:
    role = draw(st.sampled_from(["system", "developer", "user", "assistant", "tool"]))
    m: dict[str, Any] = {"role": role, "content": draw(st.one_of(strategies.text, st.lists(text_part, max_size=3)))}
    if role in ("system", "user", "assistant") and draw(st.booleans()):
        m["name"] = draw(name)
    if role == "assistant" and draw(st.booleans()):
        m["tool_calls"] = draw(st.lists(tool_call, min_size=1, max_size=3))
        m["content"] = draw(st.one_of(st.none(), strategies.text))
    if role == "assistant" and draw(st.booleans()):
        m["refusal"] = draw(strategies.text)
    if role == "tool":
        m["tool_call_id"] = "call_1"
    return m


@given(messages=st.lists(message(), max_size=6), model=st.sampled_from(MODELS))
def test_messages_follow_the_documented_formula(messages: list[dict[str, Any]], model: str) -> None:
    assert count_messages(messages, model=model) == chat_formula.messages_tokens(messages, model)


prop = st.fixed_dictionaries(
    {"type": st.sampled_from(["string", "integer", "number", "boolean"]), "description": strategies.text},
    optional={"enum": st.lists(strategies.text, min_size=1, max_size=4)},
)
tool = st.builds(
    lambda nm, desc, props: {"type": "function", "function": {"name": nm, "description": desc, "parameters": {"type": "object", "properties": props}}},
    name, strategies.text, st.dictionaries(name, prop, max_size=4),
)  # fmt: skip


@given(tools=st.lists(tool, max_size=4), model=st.sampled_from(["gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-3.5-turbo"]))
def test_tools_follow_the_cookbook_formula(tools: list[dict[str, Any]], model: str) -> None:
    assert count_tools(tools, model=model) == chat_formula.tools_tokens(tools, model)


def test_client_objects_count_like_dicts() -> None:
    as_dict = {
        "role": "assistant",
        "content": "Let me look that up.",
        "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "search", "arguments": '{"q": "日本語"}'}}],
    }
    as_object = oa.ChatCompletionMessage.model_validate(as_dict)
    user = {"role": "user", "content": "Find it."}
    assert count_messages([user, as_object], model="gpt-4o") == chat_formula.messages_tokens([user, as_dict], "gpt-4o")


def test_old_framing_applies_to_gpt_35_turbo_0301_only() -> None:
    named = [{"role": "user", "name": "ann", "content": "hi"}]
    old = count_messages(named, model="gpt-3.5-turbo-0301")
    new = count_messages(named, model="gpt-3.5-turbo")
    assert old == chat_formula.messages_tokens(named, "gpt-3.5-turbo-0301")
    assert old - new == (4 - 3) + (-1 - 1)


IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
AUDIO = {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}


def test_parts_without_text_need_an_estimate() -> None:
    messages = [{"role": "system", "content": "Describe."}, {"role": "user", "content": [{"type": "text", "text": "What is it?"}, IMAGE]}]
    with pytest.raises(ValueError, match=r"message 1, part 1: content part of type 'image_url' cannot be counted from text"):
        count_messages(messages, model="gpt-4o")
    text_only = [messages[0], {"role": "user", "content": [{"type": "text", "text": "What is it?"}]}]
    base = chat_formula.messages_tokens(text_only, "gpt-4o")
    assert count_messages(messages, model="gpt-4o", part_tokens={"image_url": 85}) == base + 85
    assert count_messages(messages, model="gpt-4o", part_tokens=lambda part: 100) == base + 100


def test_estimates_are_checked() -> None:
    messages = [{"role": "user", "content": [AUDIO]}]
    with pytest.raises(ValueError, match="'input_audio' cannot be counted"):
        count_messages(messages, model="gpt-4o", part_tokens={"image_url": 85})
    with pytest.raises(ValueError, match=r"estimate for a 'input_audio' part must be an int >= 0, got -1"):
        count_messages(messages, model="gpt-4o", part_tokens={"input_audio": -1})
    with pytest.raises(ValueError, match="got 'many'"):
        count_messages(messages, model="gpt-4o", part_tokens=lambda part: "many")  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    ("messages", "error", "match"),
    [
        ("hello", TypeError, "messages must be a list of messages, got str"),
        ({"role": "user"}, TypeError, "messages must be a list of messages, got dict"),
        (["hello"], TypeError, "message 0: expected a dict or a message object, got str"),
        ([{"content": "hi"}], ValueError, "message 0: a message needs a str 'role', got None"),
        ([{"role": "user", "content": 3}], TypeError, "message 0: content must be a str, a list of parts or None, got int"),
        ([{"role": "user", "content": [{"text": "x"}]}], ValueError, "message 0, part 0: a content part needs a str 'type'"),
        ([{"role": "user", "content": [{"type": "text", "text": None}]}], TypeError, "message 0, part 0: 'text' must be a str, got NoneType"),
        ([{"role": "user", "name": 7, "content": ""}], TypeError, "message 0: name must be a str, got int"),
        ([{"role": "assistant", "tool_calls": [{"id": "x"}]}], ValueError, "message 0, tool call 0: no 'function'"),
    ],
)  # fmt: skip
def test_bad_messages_raise_clearly(messages: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        count_messages(messages, model="gpt-4o")


def test_tool_errors_and_unknown_models() -> None:
    with pytest.raises(KeyError, match="no-such-model"):
        count_messages([], model="no-such-model")
    with pytest.raises(ValueError, match=r"no published tool-definition overheads for 'davinci' \(encoding r50k_base\)"):
        count_tools([WEATHER_TOOL], model="davinci")
    with pytest.raises(TypeError, match="tool 0: name must be a str, got NoneType"):
        count_tools([{"type": "function", "function": {"description": "x"}}], model="gpt-4o")
    with pytest.raises(TypeError, match="tools must be a list of tool definitions, got dict"):
        count_tools(WEATHER_TOOL, model="gpt-4o")  # type: ignore[arg-type]
    assert count_tools([], model="gpt-4o") == 0


def test_bare_function_definitions_count_like_tools() -> None:
    assert count_tools([WEATHER_TOOL["function"]], model="gpt-4o") == count_tools([WEATHER_TOOL], model="gpt-4o")


@given(messages=st.lists(message(), max_size=6), tools=st.lists(tool, max_size=3), model=st.sampled_from(MODELS))
def test_an_encoding_counts_instead_of_the_models(messages: list[dict[str, Any]], tools: list[Any], model: str) -> None:
    # The encoding wins; the model picks only the framing, and any name (or none) will do.
    other = "gpt-4" if chat_formula.ENCODING_OF[model] == "o200k_base" else "gpt-4o"
    encoding = chat_formula.ENCODING_OF[other]
    if model == "gpt-3.5-turbo-0301":  # its own framing, with its own encoding named
        assert count_messages(messages, model=model, encoding="cl100k_base") == chat_formula.messages_tokens(messages, model)
    else:
        assert count_messages(messages, model=model, encoding=encoding) == chat_formula.messages_tokens(messages, other)
    assert count_messages(messages, encoding=streamtok.get_encoding(encoding)) == chat_formula.messages_tokens(messages, other)
    assert count_messages(messages, model="my-deployment", encoding=encoding) == chat_formula.messages_tokens(messages, other)
    assert count_tools(tools, encoding=encoding) == chat_formula.tools_tokens(tools, other)
    text = "hello world"
    assert count_input(text, encoding=encoding) == chat_formula.input_tokens(text, None, other)


def test_neither_model_nor_encoding_is_a_type_error() -> None:
    for count in (count_messages, count_tools):
        with pytest.raises(TypeError, match="model= .*or encoding="):
            count([])
    with pytest.raises(TypeError, match="model= .*or encoding="):
        count_input("x")
    with pytest.raises(ValueError, match="no published tool-definition overheads for encoding r50k_base"):
        count_tools([{"type": "function", "function": {"name": "f"}}], encoding="r50k_base")


def test_docstring_examples() -> None:
    result = doctest.testmod(streamtok._chat, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


def test_exported() -> None:
    for symbol in ("count_messages", "count_tools", "StreamUsage", "ChoiceUsage", "TokenUsage", "ToolCallUsage"):
        assert symbol in streamtok.__all__
