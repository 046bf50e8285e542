"""Input tokens of a Responses API request: the input items' text counted by real tiktoken inside
the documented framing, the Responses tool shape counted as the Chat Completions one, clear errors
for what has no text."""

from __future__ import annotations

import json
from typing import Any

import chat_formula
import openai.types.responses as oa
import pytest
import strategies
from hypothesis import given
from hypothesis import strategies as st

from streamtok import StreamUsage, count_input, count_messages, count_tools

MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-3.5-turbo"]
name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,20}", fullmatch=True)


@st.composite
def input_item(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["easy", "message", "function_call", "function_call_output"]))
    if kind == "function_call":
        args = json.dumps(draw(st.dictionaries(name, strategies.text, max_size=3)), ensure_ascii=False)
        return {"type": "function_call", "call_id": "call_1", "name": draw(name), "arguments": args}
    if kind == "function_call_output":
        return {"type": "function_call_output", "call_id": "call_1", "output": draw(strategies.text)}
    role = draw(st.sampled_from(["user", "system", "developer", "assistant"]))
    part_type = "output_text" if role == "assistant" else "input_text"
    parts = st.lists(st.builds(lambda t: {"type": part_type, "text": t}, strategies.text), max_size=3)
    if role == "assistant":
        parts = st.lists(st.one_of(parts.map(lambda p: p[0] if p else {"type": "refusal", "refusal": ""}),
                                   st.builds(lambda t: {"type": "refusal", "refusal": t}, strategies.text)), max_size=3)  # fmt: skip
    item: dict[str, Any] = {"role": role, "content": draw(st.one_of(strategies.text, parts) if kind == "easy" else parts)}
    if kind == "message":
        item["type"] = "message"
    return item


@given(items=st.lists(input_item(), max_size=6), instructions=st.one_of(st.none(), strategies.text), model=st.sampled_from(MODELS))
def test_input_items_follow_the_documented_formula(items: list[dict[str, Any]], instructions: str | None, model: str) -> None:
    assert count_input(items, model=model, instructions=instructions) == chat_formula.input_tokens(items, instructions, model)


@given(text=strategies.text, instructions=st.one_of(st.none(), strategies.text), model=st.sampled_from(MODELS))
def test_a_str_input_is_one_user_message(text: str, instructions: str | None, model: str) -> None:
    assert count_input(text, model=model, instructions=instructions) == chat_formula.input_tokens(text, instructions, model)
    # The same as the Chat Completions message list it stands for.
    messages = ([{"role": "developer", "content": instructions}] if instructions is not None else []) + [{"role": "user", "content": text}]
    assert count_input(text, model=model, instructions=instructions) == count_messages(messages, model=model)


def test_no_input_costs_the_reply_primer() -> None:
    assert count_input(None, model="gpt-4o") == 3
    assert count_input([], model="gpt-4o") == 3


def test_client_objects_count_like_dicts() -> None:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
               "content": [{"type": "output_text", "text": "Let me look that up: 日本語", "annotations": []}]}  # fmt: skip
    call = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "search", "arguments": '{"q": "日本語"}', "status": "completed"}
    items = [message, call]
    objects = [oa.ResponseOutputMessage.model_validate(message), oa.ResponseFunctionToolCall.model_validate(call)]
    assert count_input(objects, model="gpt-4o") == count_input(items, model="gpt-4o") == chat_formula.input_tokens(items, None, "gpt-4o")


IMAGE = {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "auto"}
REASONING = {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Thought about it."}]}


def test_parts_and_items_without_text_need_an_estimate() -> None:
    items = [{"role": "user", "content": [{"type": "input_text", "text": "What is it?"}, IMAGE]}, REASONING]
    with pytest.raises(ValueError, match=r"input item 0, part 1: content part of type 'input_image' cannot be counted from text; pass an estimate"):
        count_input(items, model="gpt-4o")
    with pytest.raises(ValueError, match=r"input item 1: input item of type 'reasoning' cannot be counted from text; pass an estimate, e\.g\. part_tokens=\{'reasoning': 85\}"):
        count_input(items, model="gpt-4o", part_tokens={"input_image": 85})
    text_only = [{"role": "user", "content": [{"type": "input_text", "text": "What is it?"}]}]
    base = chat_formula.input_tokens(text_only, None, "gpt-4o")
    assert count_input(items, model="gpt-4o", part_tokens={"input_image": 85, "reasoning": 0}) == base + 85
    assert count_input(items, model="gpt-4o", part_tokens=lambda x: 7) == base + 14
    with pytest.raises(ValueError, match="the estimate for a 'reasoning' item must be an int >= 0, got -1"):
        count_input(items, model="gpt-4o", part_tokens={"input_image": 85, "reasoning": -1})


@pytest.mark.parametrize(
    ("items", "error", "match"),
    [
        ({"role": "user", "content": "x"}, TypeError, "input must be a str or a list of input items, got dict"),
        (b"hi", TypeError, "input must be a str or a list of input items, got bytes"),
        (["hi"], TypeError, "input item 0: expected a dict or an input item object, got str"),
        ([{"content": "hi"}], ValueError, "input item 0: a message needs a str 'role', got None"),
        ([{"role": "user", "content": [{"type": "input_text", "text": None}]}], TypeError, "input item 0, part 0: 'text' must be a str, got NoneType"),
        ([{"type": "function_call", "arguments": "{}"}], TypeError, "input item 0: name must be a str, got NoneType"),
        ([{"type": "function_call_output", "output": 3}], TypeError, "input item 0: content must be a str, a list of parts or None, got int"),
        ([{"type": 3}], ValueError, "input item 0: an input item's 'type' must be a str, got 3"),
    ],
)  # fmt: skip
def test_bad_input_raises_clearly(items: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        count_input(items, model="gpt-4o")
    with pytest.raises(error, match=match):
        StreamUsage(model="gpt-4o", input=items)


def test_instructions_must_be_text() -> None:
    with pytest.raises(TypeError, match="instructions must be a str, got list"):
        count_input("x", model="gpt-4o", instructions=["Be brief."])  # type: ignore[arg-type]


prop = st.fixed_dictionaries(
    {"type": st.sampled_from(["string", "integer", "number", "boolean"]), "description": strategies.text},
    optional={"enum": st.lists(strategies.text, min_size=1, max_size=4)},
)
flat_tool = st.builds(
    lambda nm, desc, props, strict: {"type": "function", "name": nm, "description": desc, "strict": strict,
                                     "parameters": {"type": "object", "properties": props}},
    name, strategies.text, st.dictionaries(name, prop, max_size=4), st.booleans(),
)  # fmt: skip


@given(tools=st.lists(flat_tool, max_size=4), model=st.sampled_from(MODELS))
def test_responses_tools_count_like_chat_tools(tools: list[dict[str, Any]], model: str) -> None:
    nested = [{"type": "function", "function": {k: v for k, v in t.items() if k not in ("type", "strict")}} for t in tools]
    assert count_tools(tools, model=model) == chat_formula.tools_tokens(nested, model)


def test_built_in_tools_have_no_estimate() -> None:
    weather = {"type": "function", "name": "get_weather", "parameters": {}}
    with pytest.raises(ValueError, match="tool 1: a 'web_search' tool has no published token estimate; only function tools do"):
        count_tools([weather, {"type": "web_search"}], model="gpt-4o")
    with pytest.raises(ValueError, match="tool 0: a 'custom' tool has no published token estimate"):
        StreamUsage(model="gpt-4o", input="x", tools=[{"type": "custom", "name": "grammar"}])


def test_stream_usage_counts_input_instructions_and_tools() -> None:
    tools = [{"type": "function", "name": "now", "description": "The time.", "parameters": {"type": "object", "properties": {}}}]
    usage = StreamUsage(model="gpt-4o", input="What time is it?", instructions="Be brief.", tools=tools)
    nested = [{"type": "function", "function": {"name": "now", "description": "The time."}}]
    want = chat_formula.input_tokens("What time is it?", "Be brief.", "gpt-4o") + chat_formula.tools_tokens(nested, "gpt-4o")
    assert usage.input_tokens == usage.prompt_tokens == want
    assert StreamUsage(model="gpt-4o", instructions="Be brief.").input_tokens == chat_formula.input_tokens([], "Be brief.", "gpt-4o")


def test_exported() -> None:
    import streamtok

    for symbol in ("count_input", "OutputItemUsage"):
        assert symbol in streamtok.__all__ and symbol in dir(streamtok)
        assert getattr(streamtok, symbol).__module__.startswith("streamtok.")
