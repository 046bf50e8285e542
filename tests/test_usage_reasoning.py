"""Reasoning streamed in Chat Completions deltas (``reasoning_content``: DeepSeek, vLLM, SGLang;
``reasoning``: OpenRouter, newer vLLM), counted as a channel of each choice and inside the
completion count, through the real ``openai`` client against the local chat server."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from typing import Any

import openai
import pytest
import strategies
from chat_server import ChatServer, ChoiceScript, Completion, chunks_of, split_randomly, sse_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import tk

from streamtok import StreamUsage

MODEL = "gpt-4o"
MESSAGES = [{"role": "user", "content": "Think, then answer: 2 + 2? 考えて。"}]


def tokens(text: str) -> int:
    return len(tk("o200k_base").encode_ordinary(text))


@pytest.fixture(scope="module")
def server() -> Iterator[ChatServer]:
    srv = ChatServer().start()
    yield srv
    srv.stop()


choice = st.builds(
    ChoiceScript,
    content=strategies.text,
    reasoning=strategies.text,
    reasoning_field=st.sampled_from(["reasoning_content", "reasoning"]),
)
completion = st.builds(Completion, choices=st.lists(choice, min_size=1, max_size=3))
roomy = settings(max_examples=max(20, settings().max_examples // 2), suppress_health_check=[HealthCheck.large_base_example, HealthCheck.data_too_large, HealthCheck.too_slow])


def check(usage: StreamUsage, completion: Completion) -> None:
    assert sorted(usage.choices) == list(range(len(completion.choices)))
    for i, script in enumerate(completion.choices):
        got = usage.choices[i]
        assert (got.reasoning_tokens, got.content_tokens) == (tokens(script.reasoning), tokens(script.content))
        assert got.completion_tokens == tokens(script.reasoning) + tokens(script.content)
    assert usage.reasoning_tokens == sum(tokens(s.reasoning) for s in completion.choices)
    assert usage.completion_tokens == sum(tokens(s.reasoning) + tokens(s.content) for s in completion.choices)
    assert usage.summary_tokens == 0


def reasoning_of(chunks: list[Any]) -> dict[int, str]:
    """Each choice's reasoning, put together from the client's chunk objects (extra fields)."""
    texts: dict[int, str] = {}
    for chunk in chunks:
        for c in chunk.choices:
            extra = getattr(c.delta, "reasoning_content", None) or getattr(c.delta, "reasoning", None) or ""
            texts[c.index] = texts.get(c.index, "") + extra
    return texts


@roomy
@given(completion=completion, rng=st.integers(0, 2**32).map(random.Random))
def test_track_counts_streamed_reasoning(server: ChatServer, completion: Completion, rng: random.Random) -> None:
    server.queue(split_randomly(sse_bytes(chunks_of(completion, rng), rng), rng))
    usage = StreamUsage(model=MODEL, messages=MESSAGES)
    with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        with client.chat.completions.create(model=MODEL, messages=MESSAGES, n=len(completion.choices), stream=True) as stream:
            received = list(usage.track(stream))
    check(usage, completion)
    assert reasoning_of(received) == {i: s.reasoning for i, s in enumerate(completion.choices)}


@roomy
@given(completion=completion, rng=st.integers(0, 2**32).map(random.Random))
def test_atrack_counts_streamed_reasoning(server: ChatServer, completion: Completion, rng: random.Random) -> None:
    server.queue(split_randomly(sse_bytes(chunks_of(completion, rng), rng), rng))
    usage = StreamUsage(model=MODEL, messages=MESSAGES)

    async def run() -> None:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
            stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, n=len(completion.choices), stream=True)
            async with stream:
                async for _ in usage.atrack(stream):
                    pass

    asyncio.run(run())
    check(usage, completion)


@roomy
@given(completion=completion, rng=st.integers(0, 2**32).map(random.Random))
def test_feed_sse_counts_streamed_reasoning(completion: Completion, rng: random.Random) -> None:
    usage = StreamUsage(model=MODEL, messages=MESSAGES)
    for piece in split_randomly(sse_bytes(chunks_of(completion, rng), rng), rng, max_piece=rng.choice([1, 7, 50])):
        usage.feed_sse(piece)
    check(usage, completion)


def test_a_delta_with_both_fields_counts_its_reasoning_once() -> None:
    # A server in transition sends the same text under both names.
    usage = StreamUsage(model=MODEL)
    for piece in ["Let me", " think… 🤔"]:
        usage.feed({"choices": [{"index": 0, "delta": {"reasoning_content": piece, "reasoning": piece}}]})
    usage.feed({"choices": [{"index": 0, "delta": {"reasoning_content": None, "reasoning": " More.", "content": "4"}}]})
    assert usage.choices[0].reasoning_tokens == tokens("Let me think… 🤔 More.")
    assert usage.completion_tokens == tokens("Let me think… 🤔 More.") + tokens("4")


def test_bad_reasoning_raises_and_changes_nothing() -> None:
    usage = StreamUsage(model=MODEL)
    usage.feed({"choices": [{"index": 0, "delta": {"reasoning": "Hm"}}]})
    with pytest.raises(TypeError, match=r"choices\[0\].delta.reasoning_content must be a str or None, got list"):
        usage.feed({"choices": [{"index": 0, "delta": {"content": "x", "reasoning_content": ["Hm"]}}]})
    assert (usage.choices[0].reasoning_tokens, usage.choices[0].content_tokens) == (tokens("Hm"), 0)
