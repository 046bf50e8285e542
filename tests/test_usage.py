"""StreamUsage on plain dicts and raw bytes: pass-through, per-choice state, reported usage, cost,
and bad input that raises clearly and leaves the tracker as it was."""

from __future__ import annotations

import doctest
import json
from typing import Any

import chat_formula
import pytest
from support import tk

import streamtok._openai
from streamtok import StreamUsage, TokenUsage


def tokens(text: str) -> int:
    return len(tk("o200k_base").encode_ordinary(text))


def chunk(index: int = 0, **delta: Any) -> dict[str, Any]:
    finish = delta.pop("finish_reason", None)
    return {"choices": [{"index": index, "delta": delta, "finish_reason": finish}]}


def event(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"


def snapshot(usage: StreamUsage) -> Any:
    """Everything a caller can observe."""
    return (
        usage.local,
        usage.reported,
        usage.done,
        {
            i: (c.content_tokens, c.refusal_tokens, c.finish_reason,
                {t: (k.id, k.name_tokens, k.arguments_tokens) for t, k in c.tool_calls.items()})
            for i, c in usage.choices.items()
        },
    )  # fmt: skip


def test_track_yields_the_same_objects_and_counts_them() -> None:
    chunks = [chunk(content="Hel"), chunk(content="lo, wör"), chunk(content="ld!", finish_reason="stop")]
    usage = StreamUsage(model="gpt-4o")
    out = list(usage.track(iter(chunks)))
    assert all(a is b for a, b in zip(out, chunks, strict=True))
    assert usage.choices[0].content_tokens == tokens("Hello, wörld!")
    assert usage.choices[0].finish_reason == "stop"
    assert usage.prompt_tokens == 0


def test_count_is_exact_after_every_chunk() -> None:
    deltas = ["I", "'", "ll go", " 12", "345", " don", "'t"]
    usage = StreamUsage(model="gpt-4o")
    for i, _ in enumerate(usage.track(chunk(content=d) for d in deltas)):
        assert usage.completion_tokens == tokens("".join(deltas[: i + 1]))


def test_tool_calls_interleave_by_index() -> None:
    usage = StreamUsage(model="gpt-4o")
    calls = [
        {"index": 0, "id": "a", "type": "function", "function": {"name": "search", "arguments": ""}},
        {"index": 1, "id": "b", "type": "function", "function": {"name": "fetch", "arguments": '{"u'}},
        {"index": 0, "function": {"arguments": '{"q": "naï'}},
        {"index": 1, "function": {"arguments": 'rl": "x"}'}},
        {"index": 0, "function": {"arguments": 've"}'}},
    ]
    for call in calls:
        usage.feed(chunk(tool_calls=[call]))
    usage.feed(chunk(finish_reason="tool_calls"))
    got = usage.choices[0].tool_calls
    assert (got[0].id, got[1].id) == ("a", "b")
    assert got[0].tokens == tokens("search") + tokens('{"q": "naïve"}')
    assert got[1].tokens == tokens("fetch") + tokens('{"url": "x"}')
    assert usage.choices[0].completion_tokens == got[0].tokens + got[1].tokens


def test_reported_usage_and_discrepancy() -> None:
    messages = [{"role": "user", "content": "Say hi."}]
    usage = StreamUsage(model="gpt-4o", messages=messages)
    prompt = chat_formula.messages_tokens(messages, "gpt-4o")
    usage.feed(chunk(content="Hi there!"))
    assert usage.reported is None and usage.discrepancy is None
    usage.feed({"choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": 9, "total_tokens": prompt + 9}})
    assert usage.reported == TokenUsage(prompt, 9, prompt + 9)
    assert usage.local == TokenUsage(prompt, tokens("Hi there!"), prompt + tokens("Hi there!"))
    assert usage.discrepancy == TokenUsage(0, 9 - tokens("Hi there!"), 9 - tokens("Hi there!"))


def test_cost_from_the_callers_prices() -> None:
    messages = [{"role": "user", "content": "Say hi."}]
    usage = StreamUsage(model="gpt-4o", messages=messages)
    usage.feed(chunk(content="Hi there!"))
    prompt, completion = chat_formula.messages_tokens(messages, "gpt-4o"), tokens("Hi there!")
    assert usage.cost(input_per_million=2.5, output_per_million=10) == pytest.approx((prompt * 2.5 + completion * 10) / 1e6)
    # Once the provider reported its usage, that is what it bills.
    usage.feed({"choices": [], "usage": {"prompt_tokens": 1000, "completion_tokens": 2000, "total_tokens": 3000}})
    assert usage.cost(input_per_million=2.5, output_per_million=10) == pytest.approx(0.0225)
    for bad in (-1, float("nan"), "2.5", True):
        with pytest.raises(ValueError, match="input_per_million must be a number >= 0"):
            usage.cost(input_per_million=bad, output_per_million=1)  # type: ignore[arg-type]


def test_feed_sse_handles_what_servers_send() -> None:
    usage = StreamUsage(model="gpt-4o")
    body = (
        b": keep-alive\r\n\r\n"
        b"event: ignored-by-chat\r\nid: 7\r\nretry: 100\r\n"
        b'data: {"choices": [{"index": 0,\r\ndata:  "delta": {"content": "caf\xc3\xa9 \xe2\x98\x95"}}]}\r\n\r\n'
        b"\n\n"
        b'data:{"choices": [{"index": 1, "delta": {"refusal": "No."}, "finish_reason": "stop"}]}\r\r'
        b'data: {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}}\n\n'
        b"data: [DONE]\n\n"
    )
    for i in range(len(body)):
        usage.feed_sse(body[i : i + 1])
    assert usage.done
    assert usage.choices[0].content_tokens == tokens("café ☕")
    assert (usage.choices[1].refusal_tokens, usage.choices[1].finish_reason) == (tokens("No."), "stop")
    assert usage.reported == TokenUsage(5, 6, 11)


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ("data", TypeError, "expected a chat completion chunk"),
        ([], TypeError, "expected a chat completion chunk"),
        ({"id": "x"}, ValueError, "neither 'choices' nor 'usage'"),
        ({"error": {"message": "overloaded"}}, ValueError, "the stream reported an error: .*overloaded"),
        ({"choices": {"index": 0}}, TypeError, "choices must be a list, got dict"),
        ({"choices": [{"delta": {"content": "x"}}]}, ValueError, r"choices\[1\]: index must be an int >= 0, got None"),
        ({"choices": [{"index": -1, "delta": {}}]}, ValueError, "index must be an int >= 0, got -1"),
        ({"choices": [{"index": 0, "delta": {"content": 5}}]}, TypeError, r"choices\[1\].delta.content must be a str or None, got int"),
        ({"choices": [{"index": 0, "delta": {"tool_calls": [{"function": {"name": "f"}}]}}]}, ValueError,
         r"choices\[1\].delta.tool_calls\[0\]: index must be an int >= 0, got None"),
        ({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": {}}}]}}]},
         TypeError, r"tool_calls\[0\].function.arguments must be a str or None, got dict"),
        ({"choices": [], "usage": {"prompt_tokens": 1}}, ValueError, "usage.completion_tokens must be an int, got None"),
    ],
)  # fmt: skip
def test_bad_chunks_raise_and_change_nothing(bad: Any, error: type[Exception], match: str) -> None:
    usage = StreamUsage(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    usage.feed(chunk(content="Hello"))
    before = snapshot(usage)
    # A good delta in front of the bad part (so the bad one is choices[1]) must not be counted either.
    if isinstance(bad, dict) and isinstance(bad.get("choices"), list):
        bad = {**bad, "choices": [{"index": 0, "delta": {"content": " world"}}, *bad["choices"]]}
    with pytest.raises(error, match=match):
        usage.feed(bad)
    assert snapshot(usage) == before
    with pytest.raises(error, match=match):
        list(usage.track([bad]))
    assert snapshot(usage) == before
    usage.feed(chunk(content=" world"))
    assert usage.choices[0].content_tokens == tokens("Hello world")


def test_bad_sse_raises_and_leaves_the_stream_where_it_was() -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed_sse(b'data: {"choices": [{"index": 0, "delta": {"content": "Hel')
    before = snapshot(usage)
    with pytest.raises(TypeError, match="feed_sse expects bytes, got str"):
        usage.feed_sse('lo"}}]}\n\n')  # type: ignore[arg-type]
    # A good event, then one that is not JSON: neither is counted, and the open line is kept.
    with pytest.raises(ValueError, match="an event's data is not JSON"):
        usage.feed_sse(b'lo"}}]}\n\n' + event(chunk(content=" there")) + b"data: {oops\n\n")
    with pytest.raises(ValueError, match="an event's data is not a JSON object"):
        usage.feed_sse(b'lo"}}]}\n\ndata: [1, 2]\n\n')
    with pytest.raises(ValueError, match="the stream reported an error"):
        usage.feed_sse(b'lo"}}]}\n\n' + event({"error": {"message": "server overloaded"}}))
    assert snapshot(usage) == before
    usage.feed_sse(b'lo"}}]}\n\n' + event(chunk(content=" there")))
    assert usage.choices[0].content_tokens == tokens("Hello there")


def test_bad_sse_in_a_multi_line_event_is_rolled_back() -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed_sse(b'data: {"choices": [{"index": 0,\ndata: "delta": {"content": "ab')
    with pytest.raises(ValueError, match="not JSON"):
        usage.feed_sse(b'c"}}]}\ndata: ]\n\n')
    usage.feed_sse(b'c"}}]}\n\n')
    assert usage.choices[0].content_tokens == tokens("abc")


def test_unknown_model_and_bad_messages_fail_at_construction() -> None:
    with pytest.raises(KeyError, match="no-such-model"):
        StreamUsage(model="no-such-model")
    with pytest.raises(ValueError, match="'image_url' cannot be counted from text"):
        StreamUsage(model="gpt-4o", messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}])
    usage = StreamUsage(model="gpt-4o", messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}],
                        part_tokens={"image_url": 85})  # fmt: skip
    assert usage.prompt_tokens == chat_formula.messages_tokens([{"role": "user", "content": ""}], "gpt-4o") + 85


def test_docstring_examples() -> None:
    result = doctest.testmod(streamtok._openai, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
