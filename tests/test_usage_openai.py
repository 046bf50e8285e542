"""StreamUsage against the real ``openai`` client streaming from a local chat-completions server.

The server plays a completion with n = 3 choices (content, refusals, several tool calls whose
argument fragments interleave), its text cut into deltas that are not token-aligned, its SSE
bytes written in random pieces (split inside lines and UTF-8 characters), with and without the
final usage chunk. Every local count must equal real tiktoken's count of the text the choice
assembled; the prompt count must equal the documented formula computed on tiktoken.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from typing import Any

import chat_formula
import openai
import pytest
import strategies
from chat_server import ChatServer, ChoiceScript, Completion, chunks_of, split_randomly, sse_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import tk

from streamtok import StreamUsage, TokenUsage

MODEL = "gpt-4o"
MESSAGES = [
    {"role": "system", "content": "You answer in three ways at once."},
    {"role": "user", "name": "ann", "content": "What's the weather in Zürich? 天気は？"},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name"},
                    "unit": {"type": "string", "description": "Unit.", "enum": ["celsius", "fahrenheit"]},
                },
            },
        },
    }
]


@pytest.fixture(scope="module")
def server() -> Iterator[ChatServer]:
    srv = ChatServer().start()
    yield srv
    srv.stop()


tool_name = st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True)
arguments = st.builds(lambda d: json.dumps(d, ensure_ascii=False), st.dictionaries(tool_name, strategies.text, max_size=3))
choice = st.builds(
    ChoiceScript,
    content=strategies.text,
    refusal=st.one_of(st.just(""), strategies.text),
    tool_calls=st.lists(st.tuples(tool_name, arguments), max_size=3),
)
reported = st.builds(
    lambda p, c: {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
    st.integers(0, 10_000),
    st.integers(0, 10_000),
)
# Three choices of hard text make large examples; that is the point of the test. The re-chunking
# and the byte splits come from a seeded generator, so they cost hypothesis no entropy.
roomy = settings(max_examples=max(20, settings().max_examples // 2), suppress_health_check=[HealthCheck.large_base_example, HealthCheck.data_too_large, HealthCheck.too_slow])
completion = st.builds(Completion, choices=st.lists(choice, min_size=3, max_size=3), reported=st.one_of(st.none(), reported))


def tokens(text: str) -> int:
    return len(tk("o200k_base").encode_ordinary(text))


def finish_reason(script: ChoiceScript) -> str:
    return "tool_calls" if script.tool_calls else ("content_filter" if script.refusal else "stop")


def check(usage: StreamUsage, completion: Completion) -> None:
    """Every local count equals tiktoken's count of the assembled text."""
    assert sorted(usage.choices) == [0, 1, 2]
    total = 0
    for i, script in enumerate(completion.choices):
        got = usage.choices[i]
        assert got.content_tokens == tokens(script.content)
        assert got.refusal_tokens == tokens(script.refusal)
        assert sorted(got.tool_calls) == list(range(len(script.tool_calls)))
        for t, (name, args) in enumerate(script.tool_calls):
            assert (got.tool_calls[t].name_tokens, got.tool_calls[t].arguments_tokens) == (tokens(name), tokens(args))
            assert got.tool_calls[t].id == f"call_{i}_{t}"
        calls = sum(tokens(name) + tokens(args) for name, args in script.tool_calls)
        assert got.completion_tokens == tokens(script.content) + tokens(script.refusal) + calls
        assert got.finish_reason == finish_reason(script)
        total += got.completion_tokens
    prompt = chat_formula.messages_tokens(MESSAGES, MODEL) + chat_formula.tools_tokens(TOOLS, MODEL)
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (prompt, total, prompt + total)
    if completion.reported is None:
        assert usage.reported is None and usage.discrepancy is None
    else:
        r = completion.reported
        assert usage.reported == TokenUsage(**r)
        assert usage.discrepancy == TokenUsage(
            r["prompt_tokens"] - prompt, r["completion_tokens"] - total, r["total_tokens"] - prompt - total
        )


def assembled(chunks: list[Any]) -> dict[int, str]:
    """Each choice's content, put together from the chunks the caller received."""
    texts: dict[int, str] = {}
    for chunk in chunks:
        for c in chunk.choices:
            texts[c.index] = texts.get(c.index, "") + (c.delta.content or "")
    return texts


def request_args(completion: Completion) -> dict[str, Any]:
    args: dict[str, Any] = {"model": MODEL, "messages": MESSAGES, "tools": TOOLS, "n": 3, "stream": True}
    if completion.reported is not None:
        args["stream_options"] = {"include_usage": True}
    return args


@roomy
@given(completion=completion, rng=st.integers(0, 2**32).map(random.Random))
def test_track_counts_a_real_client_stream(server: ChatServer, completion: Completion, rng: random.Random) -> None:
    server.queue(split_randomly(sse_bytes(chunks_of(completion, rng), rng), rng))
    usage = StreamUsage(model=MODEL, messages=MESSAGES, tools=TOOLS)
    with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        with client.chat.completions.create(**request_args(completion)) as stream:
            received = list(usage.track(stream))
    assert server.requests[-1][1]["n"] == 3
    check(usage, completion)
    # The chunks passed through are the client's, unchanged.
    assert all(type(c).__name__ == "ChatCompletionChunk" for c in received)
    assert assembled(received) == {i: s.content for i, s in enumerate(completion.choices)}


@roomy
@given(completion=completion, rng=st.integers(0, 2**32).map(random.Random))
def test_atrack_counts_a_real_async_client_stream(server: ChatServer, completion: Completion, rng: random.Random) -> None:
    server.queue(split_randomly(sse_bytes(chunks_of(completion, rng), rng), rng))
    usage = StreamUsage(model=MODEL, messages=MESSAGES, tools=TOOLS)

    async def run() -> list[Any]:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
            stream = await client.chat.completions.create(**request_args(completion))
            async with stream:
                return [chunk async for chunk in usage.atrack(stream)]

    received = asyncio.run(run())
    check(usage, completion)
    assert assembled(received) == {i: s.content for i, s in enumerate(completion.choices)}


@roomy
@given(completion=completion, rng=st.integers(0, 2**32).map(random.Random))
def test_feed_sse_counts_the_raw_bytes_a_proxy_sees(server: ChatServer, completion: Completion, rng: random.Random) -> None:
    body = sse_bytes(chunks_of(completion, rng), rng)
    server.queue(split_randomly(body, rng))
    usage = StreamUsage(model=MODEL, messages=MESSAGES, tools=TOOLS)
    relayed = bytearray()
    with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        with client.chat.completions.with_streaming_response.create(**request_args(completion)) as response:
            for data in response.iter_bytes():
                usage.feed_sse(data)
                relayed += data
    assert bytes(relayed) == body
    assert usage.done
    check(usage, completion)


@roomy
@given(completion=completion, rng=st.integers(0, 2**32).map(random.Random))
def test_feed_sse_in_any_split(completion: Completion, rng: random.Random) -> None:
    usage = StreamUsage(model=MODEL, messages=MESSAGES, tools=TOOLS)
    for piece in split_randomly(sse_bytes(chunks_of(completion, rng), rng), rng, max_piece=rng.choice([1, 3, 50])):
        usage.feed_sse(piece)
    assert usage.done
    check(usage, completion)


def test_a_cut_stream_keeps_its_local_counts(server: ChatServer) -> None:
    script = Completion([ChoiceScript(content="Streaming until the connection drops, mid-sentence and mid-ch"),
                         ChoiceScript(content="Zweite Antwort."), ChoiceScript(refusal="I can't help with that.")],
                        reported={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2})  # fmt: skip
    body = sse_bytes(chunks_of(script, random.Random(5)), random.Random(5))
    # The connection ends halfway through: no finish reasons for some, no usage chunk, no [DONE].
    cut = body[: len(body) // 2]
    server.queue([cut])
    usage = StreamUsage(model=MODEL, messages=MESSAGES)
    texts: dict[int, str] = {}
    with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        with client.chat.completions.create(model=MODEL, messages=MESSAGES, n=3, stream=True) as stream:
            for chunk in usage.track(stream):
                for c in chunk.choices:
                    texts[c.index] = texts.get(c.index, "") + (c.delta.content or "") + (c.delta.refusal or "")
    assert usage.reported is None
    assert texts  # something arrived before the cut
    assert {i: usage.choices[i].completion_tokens for i in texts} == {i: tokens(t) for i, t in texts.items()}
    assert usage.completion_tokens == sum(tokens(t) for t in texts.values())
