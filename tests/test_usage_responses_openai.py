"""StreamUsage against the real ``openai`` client streaming Responses API events from a local server.

The server plays a response of several output items (messages with output text and refusals,
function calls whose arguments stream in deltas, reasoning items with summaries and raw reasoning
text), the items' events interleaved, every text cut into deltas that are not token-aligned, the
event-stream bytes written in random pieces (split inside lines and UTF-8 characters). Every
local count must equal real tiktoken's count of the text each item assembled; the input count
must equal the documented formula computed on tiktoken; a cut connection keeps what arrived.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import chat_formula
import openai
import pytest
import strategies
from chat_server import ChatServer, split_randomly, sse_bytes, sse_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from responses_stream import FunctionCall, Message, Reasoning, Response, events_of, expected, tokens

from streamtok import StreamUsage, TokenUsage

MODEL = "gpt-4o"
INSTRUCTIONS = "Answer in three ways at once. Réponds aussi en français."
INPUT: list[dict[str, Any]] = [
    {"role": "user", "content": [{"type": "input_text", "text": "What's the weather in Zürich? 天気は？"}]},
    {"type": "function_call", "call_id": "call_0", "name": "get_weather", "arguments": '{"city": "Zürich"}'},
    {"type": "function_call_output", "call_id": "call_0", "output": '{"temp": 21, "sky": "☀"}'},
    {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "21° and sunny.", "annotations": []}]},
    {"role": "user", "content": "And tomorrow?"},
]  # fmt: skip
TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "description": "Unit.", "enum": ["celsius", "fahrenheit"]},
            },
        },
    }
]
# The same tool in Chat Completions' shape, for the formula.
NESTED_TOOLS = [{"type": "function", "function": {k: v for k, v in t.items() if k != "type"}} for t in TOOLS]


@pytest.fixture(scope="module")
def server() -> Iterator[ChatServer]:
    srv = ChatServer().start()
    yield srv
    srv.stop()


tool_name = st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True)
arguments = st.builds(lambda d: json.dumps(d, ensure_ascii=False), st.dictionaries(tool_name, strategies.text, max_size=3))
part = st.tuples(st.sampled_from(["output_text", "output_text", "refusal"]), strategies.text)
item = st.one_of(
    st.builds(Message, st.lists(part, min_size=1, max_size=2)),
    st.builds(FunctionCall, tool_name, arguments),
    st.builds(Reasoning, st.lists(strategies.text, max_size=3), st.lists(strategies.text, max_size=1)),
)
reported = st.builds(
    lambda i, o, c, r: {"input_tokens": i, "output_tokens": o, "total_tokens": i + o,
                        "input_tokens_details": {"cached_tokens": c}, "output_tokens_details": {"reasoning_tokens": r}},
    st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000),
)  # fmt: skip
response = st.builds(
    Response,
    output=st.lists(item, min_size=1, max_size=4),
    status=st.sampled_from(["completed", "completed", "incomplete", "failed"]),
    usage=st.one_of(st.none(), reported),
)
# Several items of hard text make large examples; that is the point of the test. The deltas and
# the byte splits come from a seeded generator, so they cost hypothesis no entropy.
roomy = settings(
    max_examples=max(20, settings().max_examples // 2),
    suppress_health_check=[HealthCheck.large_base_example, HealthCheck.data_too_large, HealthCheck.too_slow],
)
seeded = st.integers(0, 2**32).map(random.Random)


def prompt() -> int:
    return chat_formula.input_tokens(INPUT, INSTRUCTIONS, MODEL) + chat_formula.tools_tokens(NESTED_TOOLS, MODEL)


def check(usage: StreamUsage, script: Response) -> None:
    """Every local count equals tiktoken's count of the text each item assembled."""
    assert usage.api == "responses"
    assert sorted(usage.output) == list(range(len(script.output)))
    completion = summary = reasoning = 0
    for k, item in enumerate(script.output):
        got, want = usage.output[k], expected(item)
        assert (got.text_tokens, got.refusal_tokens, got.name_tokens, got.arguments_tokens) == (
            want["text"], want["refusal"], want["name"], want["arguments"])  # fmt: skip
        assert (got.reasoning_tokens, got.summary_tokens) == (want["reasoning"], want["summary"])
        assert got.completion_tokens == got.output_tokens == want["completion"]
        assert (got.type, got.status) == ({Message: "message", FunctionCall: "function_call", Reasoning: "reasoning"}[type(item)], "completed")
        assert got.call_id == (f"call_{k}" if isinstance(item, FunctionCall) else None)
        completion, summary, reasoning = completion + want["completion"], summary + want["summary"], reasoning + want["reasoning"]
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (prompt(), completion, prompt() + completion)
    assert usage.prompt_tokens == usage.input_tokens and usage.completion_tokens == usage.output_tokens
    assert (usage.summary_tokens, usage.reasoning_tokens) == (summary, reasoning)
    assert (usage.status, usage.done) == (script.status, True)
    assert usage.error == ("The model failed." if script.status == "failed" else None)
    if script.usage is None:
        assert usage.reported is None and usage.discrepancy is None
    else:
        r = script.usage
        assert usage.reported == TokenUsage(
            r["input_tokens"], r["output_tokens"], r["total_tokens"],
            r["input_tokens_details"]["cached_tokens"], r["output_tokens_details"]["reasoning_tokens"],
        )  # fmt: skip
        assert (usage.reported.input_tokens, usage.reported.output_tokens) == (r["input_tokens"], r["output_tokens"])
        assert usage.discrepancy == TokenUsage(
            r["input_tokens"] - prompt(), r["output_tokens"] - completion, r["total_tokens"] - prompt() - completion
        )


def assembled(events: list[Any]) -> dict[tuple[int, str, int], str]:
    """Each text the received events' deltas assembled, by (output index, event kind, part)."""
    texts: dict[tuple[int, str, int], str] = {}
    for event in events:
        if event.type.endswith(".delta"):
            part = getattr(event, "content_index", None) or getattr(event, "summary_index", None) or 0
            key = (event.output_index, event.type, part)
            texts[key] = texts.get(key, "") + event.delta
    return texts


def script_texts(script: Response) -> dict[tuple[int, str, int], str]:
    """The texts of ``script`` keyed as :func:`assembled` keys them (empty texts left out)."""
    texts = {}
    for k, item in enumerate(script.output):
        if isinstance(item, Message):
            texts.update({(k, f"response.{kind}.delta", j): t for j, (kind, t) in enumerate(item.parts)})
        elif isinstance(item, FunctionCall):
            texts[k, "response.function_call_arguments.delta", 0] = item.arguments
        else:
            texts.update({(k, "response.reasoning_summary_text.delta", j): t for j, t in enumerate(item.summary)})
            texts.update({(k, "response.reasoning_text.delta", j): t for j, t in enumerate(item.text)})
    return {key: t for key, t in texts.items() if t}


def request_args() -> dict[str, Any]:
    return {"model": MODEL, "input": INPUT, "instructions": INSTRUCTIONS, "tools": TOOLS}


def new_usage() -> StreamUsage:
    return StreamUsage(model=MODEL, input=INPUT, instructions=INSTRUCTIONS, tools=TOOLS)


def queue(server: ChatServer, script: Response, rng: random.Random) -> bytes:
    body = sse_bytes(events_of(script, rng), rng, done=False)
    server.queue(split_randomly(body, rng))
    return body


# ``helper``: the SDK's ``responses.stream(...)`` helper rather than ``create(..., stream=True)``.
# The helper checks the events (an item is added before its deltas, the final output matches the
# items) and yields its own event classes, with snapshots.
@pytest.mark.parametrize("helper", [False, True], ids=["create", "stream_helper"])
@roomy
@given(script=response, rng=seeded)
def test_track_counts_a_real_client_stream(server: ChatServer, helper: bool, script: Response, rng: random.Random) -> None:
    queue(server, script, rng)
    usage = new_usage()
    with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        opened = client.responses.stream(**request_args()) if helper else client.responses.create(**request_args(), stream=True)
        with opened as stream:
            received = list(usage.track(stream))
    path, request = server.requests[-1]
    assert path == "/v1/responses" and request["stream"] is True and request["input"] == INPUT
    check(usage, script)
    # The events passed through are the client's, unchanged.
    assert type(received[1]).__name__ == "ResponseInProgressEvent"
    assert assembled(received) == script_texts(script)


@pytest.mark.parametrize("helper", [False, True], ids=["create", "stream_helper"])
@roomy
@given(script=response, rng=seeded)
def test_atrack_counts_a_real_async_client_stream(server: ChatServer, helper: bool, script: Response, rng: random.Random) -> None:
    queue(server, script, rng)
    usage = new_usage()

    async def run() -> list[Any]:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
            opened: Any = client.responses.stream(**request_args()) if helper else await client.responses.create(**request_args(), stream=True)
            async with opened as stream:
                return [event async for event in usage.atrack(stream)]

    received = asyncio.run(run())
    check(usage, script)
    assert assembled(received) == script_texts(script)


@roomy
@given(script=response, rng=seeded)
def test_feed_sse_counts_the_raw_bytes_a_proxy_sees(server: ChatServer, script: Response, rng: random.Random) -> None:
    body = queue(server, script, rng)
    usage = new_usage()
    relayed = bytearray()
    with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        with client.responses.with_streaming_response.create(**request_args(), stream=True) as http:
            for data in http.iter_bytes():
                usage.feed_sse(data)
                relayed += data
    assert bytes(relayed) == body
    check(usage, script)


@roomy
@given(script=response, data=st.data())
def test_feed_sse_in_any_split(script: Response, data: st.DataObject) -> None:
    rng = random.Random(data.draw(st.integers(0, 2**32), label="seed"))
    body = sse_bytes(events_of(script, rng), rng, done=False)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=40), label="split points"))
    usage = new_usage()
    for start, end in zip([0, *cuts], [*cuts, len(body)]):
        usage.feed_sse(body[start:end])
    check(usage, script)


def test_feed_sse_one_byte_at_a_time() -> None:
    # Every split point at once: inside each line, each CRLF, each UTF-8 character.
    script = Response([Reasoning(["Weighing 雨 vs ☀… ", "Done."], ["raw ü"]), FunctionCall("get_weather", '{"city": "Zürich 😀"}'),
                       Message([("output_text", "Tomorrow: ☀, 23°C."), ("refusal", "Nö.")])],
                      usage={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3,
                             "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 1}})  # fmt: skip
    rng = random.Random(7)
    usage = new_usage()
    for byte in sse_bytes(events_of(script, rng), rng, done=False):
        usage.feed_sse(bytes([byte]))
    check(usage, script)


CUT_SCRIPT = Response(
    [Reasoning(["Streaming a summary until the connection drops"]), FunctionCall("get_weather", '{"city": "Zürich", "unit": "celsius"}'),
     Message([("output_text", "Zweite Antwort, mid-sentence and mid-ch"), ("refusal", "I can't help with that.")])],
    usage={"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
)  # fmt: skip


def received_counts(usage: StreamUsage, events: list[Any]) -> None:
    """The counts are tiktoken's of the deltas that arrived; nothing reported, not done."""
    texts = assembled(events)
    assert texts  # something arrived before the cut
    channel = {"response.output_text.delta": "text_tokens", "response.refusal.delta": "refusal_tokens",
               "response.function_call_arguments.delta": "arguments_tokens",
               "response.reasoning_summary_text.delta": "summary_tokens"}  # fmt: skip
    want: dict[tuple[int, str], int] = {}
    for (k, kind, _), text in texts.items():
        want[k, channel[kind]] = want.get((k, channel[kind]), 0) + tokens(text)
    assert {key: getattr(usage.output[key[0]], key[1]) for key in want} == want
    names = sum(tokens(e.item.name) for e in events if e.type == "response.output_item.added" and e.item.type == "function_call")
    assert usage.output_tokens == names + sum(n for (_, name), n in want.items() if name != "summary_tokens")
    assert (usage.reported, usage.done, usage.status) == (None, False, "in_progress")


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_cut_connection_keeps_what_arrived(server: ChatServer, asynchronous: bool) -> None:
    rng = random.Random(5)
    body = sse_bytes(events_of(CUT_SCRIPT, rng, max_piece=4), rng, done=False)
    # The server dies halfway through: no .done for some texts, no final response, and the
    # body's chunked encoding never ends.
    server.queue(split_randomly(body[: len(body) // 2], rng), cut=True)
    usage = new_usage()
    received: list[Any] = []

    async def arun() -> None:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
            async with await client.responses.create(**request_args(), stream=True) as stream:
                async for event in usage.atrack(stream):
                    received.append(event)

    with pytest.raises(openai.APIConnectionError):
        if asynchronous:
            asyncio.run(arun())
        else:
            with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
                with client.responses.create(**request_args(), stream=True) as stream:
                    received.extend(usage.track(stream))
    received_counts(usage, received)


def test_feed_sse_of_a_cut_body_keeps_the_events_that_ended() -> None:
    rng = random.Random(3)
    events = events_of(CUT_SCRIPT, rng, max_piece=4)
    blocks = sse_events(events, rng)
    cut = len(blocks) // 2
    usage = new_usage()
    # The bytes stop in the middle of an event: the events before it count, it does not.
    for piece in split_randomly(b"".join(blocks[:cut]) + blocks[cut][: len(blocks[cut]) // 2], rng):
        usage.feed_sse(piece)
    received_counts(usage, [_event(e) for e in events[:cut]])


def _event(event: dict[str, Any]) -> Any:
    """An event dict with attribute access, as the client's event objects have."""
    return json.loads(json.dumps(event), object_hook=lambda d: SimpleNamespace(**d))
