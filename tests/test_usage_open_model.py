"""StreamUsage of an open model's stream: the real ``openai`` client (sync and async) against a
local OpenAI-compatible server that streams as vLLM or Ollama would for
"meta-llama/Llama-3.2-1B-Instruct", counted with Llama 3.2's tokenizer.json.

Every choice's count must equal ``tokenizers``' encode of the text that choice assembled, and the
prompt count ``transformers``' ``apply_chat_template(..., add_generation_prompt=True)`` of the
request's messages and tools on the same files (the chat template is ours, see
tests/test_chat_template.py).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from pathlib import Path
from typing import Any

import openai
import pytest
import strategies
from chat_server import ChatServer, ChoiceScript, Completion, chunks_of, split_randomly, sse_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from responses_stream import Response, events_of, expected
from test_chat_template import model_folder, pair, reference_ids
from test_tokenizer_json import DEEPSEEK, LLAMA, needs_llama, real
from test_usage_responses_openai import response, seeded

import streamtok
from streamtok import ChatTemplate, StreamUsage

pytestmark = needs_llama

MODEL = "meta-llama/Llama-3.2-1B-Instruct"
MESSAGES = [
    {"role": "system", "content": "You answer in three ways at once."},
    {"role": "user", "content": "What's the weather in Zürich? 天気は？ <|eot_id|>"},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}}},
        },
    }
]


@pytest.fixture(scope="module")
def server() -> Any:
    srv = ChatServer().start()
    yield srv
    srv.stop()


def tokens(text: str) -> int:
    """The reference: tokenizers' count of a text (added tokens split out as it always does)."""
    return len(real("llama")[1].encode(text, add_special_tokens=False).ids)


def prompt_tokens(messages: list[Any] = MESSAGES, tools: list[Any] | None = TOOLS) -> int:
    return len(reference_ids(pair("llama")[1], messages, tools=tools, add_generation_prompt=True))


tool_name = hs.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True)
arguments = hs.builds(lambda d: json.dumps(d, ensure_ascii=False), hs.dictionaries(tool_name, strategies.text, max_size=3))
llama_text = hs.one_of(strategies.text, strategies.text_with_specials(["<|eot_id|>", "<|start_header_id|>"]))
choice = hs.builds(
    ChoiceScript,
    content=llama_text,
    reasoning=hs.one_of(hs.just(""), strategies.text),
    tool_calls=hs.lists(hs.tuples(tool_name, arguments), max_size=2),
)
completion = hs.builds(
    Completion,
    choices=hs.lists(choice, min_size=3, max_size=3),
    reported=hs.one_of(hs.none(), hs.just({"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49})),
)
roomy = settings(
    max_examples=max(20, settings().max_examples // 3),
    suppress_health_check=[HealthCheck.large_base_example, HealthCheck.data_too_large, HealthCheck.too_slow],
    deadline=None,
)


def check(usage: StreamUsage, script: Completion) -> None:
    assert sorted(usage.choices) == [0, 1, 2]
    total = 0
    for i, expected in enumerate(script.choices):
        got = usage.choices[i]
        assert got.content_tokens == tokens(expected.content)
        assert got.reasoning_tokens == tokens(expected.reasoning)
        calls = sum(tokens(name) + tokens(args) for name, args in expected.tool_calls)
        assert got.completion_tokens == tokens(expected.content) + tokens(expected.reasoning) + calls
        total += got.completion_tokens
    prompt = prompt_tokens()
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (prompt, total, prompt + total)
    if script.reported is not None:
        assert usage.discrepancy == streamtok.TokenUsage(40 - prompt, 9 - total, 49 - prompt - total)


def request(script: Completion) -> dict[str, Any]:
    args: dict[str, Any] = {"model": MODEL, "messages": MESSAGES, "tools": TOOLS, "n": 3, "stream": True}
    if script.reported is not None:
        args["stream_options"] = {"include_usage": True}
    return args


def usage_for(template: ChatTemplate) -> StreamUsage:
    return StreamUsage(model=MODEL, chat_template=template, messages=MESSAGES, tools=TOOLS)


@roomy
@given(script=completion, rng=hs.integers(0, 2**32).map(random.Random))
def test_an_open_models_stream_through_the_real_client(server: ChatServer, script: Completion, rng: random.Random) -> None:
    server.queue(split_randomly(sse_bytes(chunks_of(script, rng, model=MODEL), rng), rng))
    usage = usage_for(pair("llama")[0])
    with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        with client.chat.completions.create(**request(script)) as stream:
            received = list(usage.track(stream))
    assert server.requests[-1][1]["model"] == MODEL
    assert received and all(c.model == MODEL for c in received)
    check(usage, script)


@roomy
@given(script=completion, rng=hs.integers(0, 2**32).map(random.Random))
def test_an_open_models_stream_through_the_real_async_client(
    server: ChatServer, script: Completion, rng: random.Random
) -> None:
    server.queue(split_randomly(sse_bytes(chunks_of(script, rng, model=MODEL), rng), rng))
    usage = usage_for(pair("llama")[0])

    async def run() -> None:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
            stream = await client.chat.completions.create(**request(script))
            async with stream:
                async for _ in usage.atrack(stream):
                    pass

    asyncio.run(run())
    check(usage, script)


@roomy
@given(script=completion, rng=hs.integers(0, 2**32).map(random.Random))
def test_an_open_models_raw_bytes(server: ChatServer, script: Completion, rng: random.Random) -> None:
    server.queue(split_randomly(sse_bytes(chunks_of(script, rng, model=MODEL), rng), rng))
    usage = usage_for(pair("llama")[0])
    with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        with client.chat.completions.with_streaming_response.create(**request(script)) as response:
            for data in response.iter_bytes():
                usage.feed_sse(data)
    assert usage.done
    check(usage, script)


RESPONSES_INPUT = [{"role": "user", "content": "Wetter in Zürich? <|eot_id|>"}]


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@roomy
@given(script=response, rng=seeded)
def test_an_open_models_responses_stream_through_the_real_client(
    server: ChatServer, asynchronous: bool, script: Response, rng: random.Random
) -> None:
    server.queue(split_randomly(sse_bytes(events_of(script, rng, model=MODEL), rng, done=False), rng))
    usage = StreamUsage(model=MODEL, chat_template=pair("llama")[0], instructions="Be brief.", input=RESPONSES_INPUT)
    args = {"model": MODEL, "input": RESPONSES_INPUT, "instructions": "Be brief.", "stream": True}
    if asynchronous:

        async def run() -> None:
            async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
                async with await client.responses.create(**args) as stream:
                    async for _ in usage.atrack(stream):
                        pass

        asyncio.run(run())
    else:
        with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
            with client.responses.create(**args) as stream:
                for _ in usage.track(stream):
                    pass
    want = [expected(item, tokens) for item in script.output]
    assert sorted(usage.output) == list(range(len(script.output)))
    for k, counts in enumerate(want):
        got = usage.output[k]
        names = ["text", "refusal", "name", "arguments", "reasoning", "summary"]
        assert [getattr(got, f"{n}_tokens") for n in names] == [counts[n] for n in names]
        assert got.completion_tokens == counts["completion"]
    assert usage.output_tokens == sum(c["completion"] for c in want)
    messages = [{"role": "system", "content": "Be brief."}, *RESPONSES_INPUT]
    assert usage.input_tokens == prompt_tokens(messages, tools=None)


def test_encoding_takes_what_from_tokenizer_json_takes(tmp_path: Path) -> None:
    assert LLAMA is not None
    text = LLAMA.read_text(encoding="utf-8")
    script = Completion([ChoiceScript(content="Grüezi! 123456 <|eot_id|> done."), ChoiceScript(content="Zweite.")])
    for encoding in [real("llama")[0], LLAMA, str(LLAMA), text, json.loads(text)]:
        usage = StreamUsage(model=MODEL, encoding=encoding)
        for chunk in chunks_of(script, random.Random(3), model=MODEL):
            usage.feed(chunk)
        assert usage.prompt_tokens == 0
        assert [usage.choices[i].content_tokens for i in (0, 1)] == [tokens(c.content) for c in script.choices]
        assert usage.model == MODEL and "encoding=" in repr(usage)


def test_encoding_wins_over_the_model() -> None:
    # An OpenAI model name and another encoding: the encoding counts, the name is a label.
    usage = StreamUsage(model="gpt-4o", encoding=LLAMA)
    usage.feed({"choices": [{"index": 0, "delta": {"content": "<|eot_id|>Hello"}}]})
    assert usage.completion_tokens == tokens("<|eot_id|>Hello") == 2
    assert usage.model == "gpt-4o" and usage.encoding.name == "tokenizer"
    # A built-in encoding by name, a model name no table knows, and OpenAI's framing.
    named = StreamUsage(model="my-azure-deployment", encoding="o200k_base", messages=[{"role": "user", "content": "Hi"}])
    assert named.prompt_tokens == StreamUsage(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]).prompt_tokens
    assert StreamUsage(encoding="cl100k_base").encoding is streamtok.get_encoding("cl100k_base")


def test_the_responses_api_prompt_through_the_template() -> None:
    template = pair("llama")[0]
    usage = StreamUsage(model=MODEL, chat_template=template, instructions="Be brief.", input="Hi <|eot_id|>")
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi <|eot_id|>"}]
    assert usage.input_tokens == prompt_tokens(messages, tools=None)
    flat = [{"type": "function", "name": "get_weather", "description": "Current weather for a city.",
             "parameters": TOOLS[0]["function"]["parameters"]}]  # fmt: skip
    usage = StreamUsage(chat_template=template, input=[{"role": "user", "content": "Hi"}], tools=flat)
    assert usage.input_tokens == prompt_tokens([{"role": "user", "content": "Hi"}], tools=TOOLS)
    usage.feed({"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "Grüezi"})
    assert usage.output_tokens == tokens("Grüezi")


def test_refusals(tmp_path: Path) -> None:
    template = pair("llama")[0]
    with pytest.raises(TypeError, match="model=.*encoding=.*chat_template="):
        StreamUsage()
    with pytest.raises(ValueError, match="neither a built-in encoding .* nor a tokenizer.json"):
        StreamUsage(encoding="llama-3.2")
    with pytest.raises(ValueError, match="neither a built-in encoding"):
        StreamUsage(encoding=tmp_path / "missing.json")
    with pytest.raises(TypeError, match="encoding must be"):
        StreamUsage(encoding=3)  # type: ignore[arg-type]
    # An open model's prompt needs its chat template: OpenAI's framing would be a guess.
    with pytest.raises(ValueError, match="chat_template="):
        StreamUsage(model=MODEL, encoding=LLAMA, messages=MESSAGES)
    with pytest.raises(ValueError, match="its own encoding"):
        StreamUsage(encoding=LLAMA, chat_template=template)
    with pytest.raises(ValueError, match="part_tokens"):
        StreamUsage(chat_template=template, messages=MESSAGES, part_tokens={"image_url": 85})
    with pytest.raises(ValueError, match="'function_call' item"):
        StreamUsage(chat_template=template, input=[{"type": "function_call", "name": "f", "arguments": "{}"}])
    # The same object may be passed twice.
    assert StreamUsage(encoding=template.encoding, chat_template=template).encoding is template.encoding


def test_an_encoding_that_cannot_stream_fails_at_once() -> None:
    # DeepSeek's Sequence of Splits streams only in a later version: refused before any chunk.
    assert DEEPSEEK is not None
    enc = streamtok.Encoding.from_tokenizer_json(DEEPSEEK)
    try:
        enc.stream()
    except ValueError as e:
        with pytest.raises(ValueError, match=re.escape(str(e))):
            StreamUsage(model="deepseek-ai/DeepSeek-V3", encoding=enc)
    else:
        assert StreamUsage(encoding=enc).encoding is enc


def test_a_template_from_a_folder_counts_the_prompt(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, "llama")
    usage = StreamUsage(model=MODEL, chat_template=ChatTemplate.from_tokenizer_config(folder), messages=MESSAGES)
    assert usage.prompt_tokens == prompt_tokens(tools=None)
