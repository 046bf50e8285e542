"""StreamUsage on Responses API events as plain dicts and raw bytes: per-item counts, whole texts
that fill in what deltas missed without counting twice, reported usage, cost with cached input,
and bad input that raises clearly and leaves the tracker as it was."""

from __future__ import annotations

import json
from typing import Any

import pytest
import strategies
from hypothesis import given
from hypothesis import strategies as st
from support import tk

from streamtok import OutputItemUsage, StreamUsage, TokenUsage


def tokens(text: str) -> int:
    return len(tk("o200k_base").encode_ordinary(text))


def text_delta(delta: str, out: int = 0, part: int = 0) -> dict[str, Any]:
    return {"type": "response.output_text.delta", "output_index": out, "content_index": part, "delta": delta}


def text_done(text: str, out: int = 0, part: int = 0) -> dict[str, Any]:
    return {"type": "response.output_text.done", "output_index": out, "content_index": part, "text": text}


def message(out: int, *texts: str) -> dict[str, Any]:
    content = [{"type": "output_text", "text": t, "annotations": []} for t in texts]
    return {"type": "response.output_item.done", "output_index": out,
            "item": {"id": f"msg_{out}", "type": "message", "status": "completed", "role": "assistant", "content": content}}  # fmt: skip


def completed(output: list[Any], usage: Any = None, kind: str = "completed") -> dict[str, Any]:
    return {"type": f"response.{kind}", "response": {"id": "r", "status": kind, "output": output, "usage": usage}}


def event(obj: Any) -> bytes:
    return b"event: " + obj["type"].encode() + b"\ndata: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"


def snapshot(usage: StreamUsage) -> Any:
    """Everything a caller can observe."""
    items = {k: (i.id, i.type, i.status, i.call_id, i.text_tokens, i.refusal_tokens, i.name_tokens,
                 i.arguments_tokens, i.reasoning_tokens, i.summary_tokens) for k, i in usage.output.items()}  # fmt: skip
    return usage.api, usage.local, usage.reported, usage.done, usage.status, usage.error, items, len(usage.choices)


@given(deltas=st.lists(strategies.text, max_size=8))
def test_each_delta_is_counted_exactly_as_it_arrives(deltas: list[str]) -> None:
    usage = StreamUsage(model="gpt-4o")
    for i, d in enumerate(deltas):
        usage.feed(text_delta(d))
        assert usage.output_tokens == tokens("".join(deltas[: i + 1]))
    usage.feed(text_done("".join(deltas)))
    usage.feed(message(0, "".join(deltas)))
    usage.feed(completed([message(0, "".join(deltas))["item"]]))
    # The whole texts agree with the deltas: nothing is added.
    assert usage.output_tokens == usage.output[0].text_tokens == tokens("".join(deltas))


@given(text=strategies.text, data=st.data())
def test_whole_texts_fill_in_the_deltas_that_went_missing(text: str, data: st.DataObject) -> None:
    # Deltas of a prefix arrived, then the rest went missing; a .done event carries the whole text.
    keep = data.draw(st.integers(0, len(text)), label="chars that arrived as deltas")
    cuts = sorted(data.draw(st.lists(st.integers(0, keep), max_size=5), label="delta cuts"))
    usage = StreamUsage(model="gpt-4o")
    for a, b in zip([0, *cuts], [*cuts, keep]):
        usage.feed(text_delta(text[a:b]))
    assert usage.output_tokens == tokens(text[:keep])
    whole = data.draw(st.sampled_from([text_done(text), message(0, text), completed([message(0, text)["item"]])]))
    usage.feed(whole)
    assert usage.output[0].text_tokens == tokens(text)
    for again in (text_done(text), message(0, text), completed([message(0, text)["item"]])):
        usage.feed(again)
    assert usage.output[0].text_tokens == tokens(text)


def test_a_whole_text_that_disagrees_replaces_the_deltas() -> None:
    usage = StreamUsage(model="gpt-4o")
    # A delta arrived twice (a replayed event): the final text is what the item says.
    for d in ["Hello", " wor", " wor", "ld"]:
        usage.feed(text_delta(d))
    assert usage.output_tokens == tokens("Hello wor world")
    usage.feed(text_done("Hello world"))
    assert usage.output_tokens == tokens("Hello world")
    # A text "so far" (an added part or item) that disagrees is not final: it changes nothing.
    usage.feed({"type": "response.content_part.added", "output_index": 0, "content_index": 0,
                "part": {"type": "output_text", "text": "Goodbye"}})  # fmt: skip
    assert usage.output_tokens == tokens("Hello world")


@given(streamed=strategies.text, whole=strategies.text)
def test_a_final_text_that_does_not_extend_the_deltas_replaces_them(streamed: str, whole: str) -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed(text_delta(streamed))
    usage.feed({"type": "response.content_part.done", "output_index": 0, "content_index": 0,
                "part": {"type": "output_text", "text": whole}})  # fmt: skip
    assert usage.output_tokens == tokens(whole)


def test_a_longer_final_text_with_another_beginning_is_not_taken_as_the_rest() -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed(text_delta("Hello"))
    usage.feed(text_done("Hxllo, wörld and more"))
    assert usage.output_tokens == tokens("Hxllo, wörld and more") != tokens("Hello") + tokens(", wörld and more")


def test_a_shorter_whole_text_does_not_undo_later_deltas_unless_final() -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed(text_delta("Hello there"))
    usage.feed({"type": "response.output_item.added", "output_index": 0,
                "item": {"type": "message", "id": "m", "content": [{"type": "output_text", "text": "Hello"}]}})  # fmt: skip
    assert usage.output_tokens == tokens("Hello there")


def test_items_parts_and_channels_are_kept_apart() -> None:
    usage = StreamUsage(model="gpt-4o")
    events = [
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "rs_0", "summary": []}},
        {"type": "response.output_item.added", "output_index": 1,
         "item": {"type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "lookup", "arguments": ""}},
        {"type": "response.reasoning_summary_text.delta", "output_index": 0, "summary_index": 0, "delta": "First I"},
        {"type": "response.function_call_arguments.delta", "output_index": 1, "delta": '{"q": "na'},
        {"type": "response.reasoning_summary_text.delta", "output_index": 0, "summary_index": 1, "delta": "Then"},
        {"type": "response.reasoning_summary_text.delta", "output_index": 0, "summary_index": 0, "delta": " look."},
        {"type": "response.reasoning_text.delta", "output_index": 0, "content_index": 0, "delta": "raw thought"},
        {"type": "response.function_call_arguments.delta", "output_index": 1, "delta": 'ïve"}'},
        text_delta("It's", out=2, part=0),
        {"type": "response.refusal.delta", "output_index": 2, "content_index": 1, "delta": "No."},
        text_delta(" here.", out=2, part=0),
        {"type": "response.custom_tool_call_input.delta", "output_index": 3, "delta": "print(1)"},
        {"type": "response.output_text.annotation.added", "output_index": 2, "content_index": 0, "annotation": {}},
        {"type": "response.web_search_call.searching", "output_index": 4, "item_id": "ws"},
    ]  # fmt: skip
    for e in events:
        usage.feed(e)
    reasoning, call, msg, custom = (usage.output[k] for k in range(4))
    assert isinstance(reasoning, OutputItemUsage) and sorted(usage.output) == [0, 1, 2, 3]
    assert (reasoning.type, reasoning.id, reasoning.summary_tokens) == ("reasoning", "rs_0", tokens("First I look.") + tokens("Then"))
    assert reasoning.reasoning_tokens == reasoning.completion_tokens == tokens("raw thought")
    assert (call.type, call.call_id, call.name_tokens, call.arguments_tokens) == ("function_call", "call_a", tokens("lookup"), tokens('{"q": "naïve"}'))
    assert (msg.text_tokens, msg.refusal_tokens, msg.type) == (tokens("It's here."), tokens("No."), None)
    assert custom.arguments_tokens == custom.output_tokens == tokens("print(1)")
    assert usage.summary_tokens == reasoning.summary_tokens
    assert usage.reasoning_tokens == tokens("raw thought")
    assert usage.output_tokens == sum(i.completion_tokens for i in (reasoning, call, msg, custom))
    assert usage.choices == {} and usage.api == "responses"
    assert repr(usage).endswith(f"completion_tokens={usage.output_tokens}, output=4)")


def test_final_output_fills_in_items_that_never_streamed_but_not_other_items() -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed({"type": "response.output_item.added", "output_index": 0,
                "item": {"type": "message", "id": "msg_a", "content": []}})  # fmt: skip
    usage.feed(text_delta("Hi"))
    # The final output has another item at index 0 (not the one streamed) and one never streamed.
    other = {"type": "message", "id": "msg_other", "content": [{"type": "output_text", "text": "Something else entirely"}]}
    unseen = {"type": "function_call", "id": "fc", "call_id": "c", "name": "f", "arguments": "{}"}
    usage.feed(completed([other, unseen], kind="incomplete"))
    assert usage.output[0].text_tokens == tokens("Hi") and usage.output[0].id == "msg_a"
    assert usage.output[1].completion_tokens == tokens("f") + tokens("{}")
    assert (usage.status, usage.done) == ("incomplete", True)


def test_reported_usage_discrepancy_and_cost_with_cached_input() -> None:
    usage = StreamUsage(model="gpt-4o", input="Say hi.")
    usage.feed(text_delta("Hi there!"))
    local = usage.local
    assert local == TokenUsage(usage.input_tokens, tokens("Hi there!"), usage.input_tokens + tokens("Hi there!"))
    assert usage.cost(input_per_million=2.5, output_per_million=10, cached_input_per_million=1.25) == pytest.approx(
        (local.input_tokens * 2.5 + local.output_tokens * 10) / 1e6)  # fmt: skip
    reported = {"input_tokens": 2000, "output_tokens": 300, "total_tokens": 2300,
                "input_tokens_details": {"cached_tokens": 1500}, "output_tokens_details": {"reasoning_tokens": 200}}  # fmt: skip
    usage.feed(completed([], reported))
    assert usage.reported == TokenUsage(2000, 300, 2300, cached_tokens=1500, reasoning_tokens=200)
    assert usage.discrepancy == TokenUsage(2000 - local.input_tokens, 300 - local.output_tokens, 2300 - local.total_tokens)
    assert usage.cost(input_per_million=2.5, output_per_million=10) == pytest.approx((2000 * 2.5 + 300 * 10) / 1e6)
    assert usage.cost(input_per_million=2.5, output_per_million=10, cached_input_per_million=1.25) == pytest.approx(
        (500 * 2.5 + 1500 * 1.25 + 300 * 10) / 1e6)  # fmt: skip
    for bad in (-1, float("nan"), "1", True):
        with pytest.raises(ValueError, match="cached_input_per_million must be a number >= 0"):
            usage.cost(input_per_million=1, output_per_million=1, cached_input_per_million=bad)  # type: ignore[arg-type]


def test_chat_usage_details_are_read_too() -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed({"choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150,
                                         "prompt_tokens_details": {"cached_tokens": 64},
                                         "completion_tokens_details": {"reasoning_tokens": 20}}})  # fmt: skip
    assert usage.reported == TokenUsage(100, 50, 150, cached_tokens=64, reasoning_tokens=20)
    assert usage.cost(input_per_million=1, output_per_million=2, cached_input_per_million=0.5) == pytest.approx((36 + 32 + 100) / 1e6)


def test_error_and_failed_events_are_recorded_not_raised() -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed(text_delta("Partial"))
    usage.feed({"type": "error", "code": "server_error", "message": "Something broke.", "param": None, "sequence_number": 3})
    assert usage.error == "Something broke." and not usage.done
    usage.feed({"type": "response.failed", "response": {"id": "r", "status": "failed", "usage": None, "output": None,
                                                        "error": {"code": "server_error", "message": "Failed hard."}}})  # fmt: skip
    assert (usage.error, usage.status, usage.done, usage.reported) == ("Failed hard.", "failed", True, None)
    assert usage.output_tokens == tokens("Partial")


def test_feed_sse_reads_event_lines_and_needs_no_done_marker() -> None:
    usage = StreamUsage(model="gpt-4o", input="Hi")
    body = (
        event({"type": "response.created", "response": {"id": "r", "status": "in_progress", "output": [], "usage": None}})
        + b": keep-alive\r\n\r\n"
        + event(text_delta("caf\u00e9 \u2615")).replace(b"\n", b"\r\n")
        + event(completed([], {"input_tokens": 5, "output_tokens": 6, "total_tokens": 11}))
    )
    for i in range(len(body)):
        usage.feed_sse(body[i : i + 1])
    assert usage.output[0].text_tokens == tokens("café ☕")
    assert (usage.reported, usage.done, usage.status) == (TokenUsage(5, 6, 11), True, "completed")


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ("response.output_text.delta", TypeError, "expected a chat completion chunk or a Responses event"),
        ({"type": "message", "delta": "x"}, ValueError,
         r"not a chat completion chunk \(it has neither 'choices' nor 'usage'\) nor a Responses event \(its 'type' is 'message'"),
        ({"object": "response"}, ValueError, "nor a Responses event \\(its 'type' is None"),
        ({"type": "response.output_text.delta", "delta": "x"}, ValueError,
         r"response.output_text.delta.output_index: index must be an int >= 0, got None"),
        ({"type": "response.output_text.delta", "output_index": 0, "content_index": -1, "delta": "x"}, ValueError,
         r"content_index: index must be an int >= 0, got -1"),
        ({"type": "response.refusal.delta", "output_index": 0, "delta": None}, TypeError,
         r"response.refusal.delta.delta must be a str, got NoneType"),
        ({"type": "response.output_text.done", "output_index": 0, "text": 3}, TypeError, r"\.text must be a str or None, got int"),
        ({"type": "response.output_item.done", "output_index": 0, "item": {"type": "message", "content": "hi"}}, TypeError,
         r"response.output_item.done.item.content must be a list, got str"),
        ({"type": "response.output_item.added", "output_index": 1, "item": {"type": "function_call", "name": 5}}, TypeError,
         r"item.name must be a str or None, got int"),
        (completed([], {"input_tokens": 1, "output_tokens": 2}), ValueError,
         r"response.completed.response.usage.total_tokens must be an int, got None"),
        (completed([], {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3, "input_tokens_details": {"cached_tokens": "4"}}),
         ValueError, r"usage.input_tokens_details.cached_tokens must be an int, got '4'"),
        ({"choices": [{"index": 0, "delta": {"content": "x"}}]}, ValueError, "this is a responses stream; got a chat completion chunk"),
    ],
)  # fmt: skip
def test_bad_events_raise_and_change_nothing(bad: Any, error: type[Exception], match: str) -> None:
    usage = StreamUsage(model="gpt-4o", input="x")
    usage.feed(text_delta("Hello"))
    before = snapshot(usage)
    with pytest.raises(error, match=match):
        usage.feed(bad)
    assert snapshot(usage) == before
    with pytest.raises(error, match=match):
        list(usage.track([text_delta(" world"), bad]))
    # The good event ahead of the bad one was yielded and counted; the bad one changed nothing.
    assert usage.output[0].text_tokens == tokens("Hello world")
    if isinstance(bad, dict):
        with pytest.raises(error, match=match):
            usage.feed_sse(event(text_delta("!")) + (event(bad) if "type" in bad else b"data: " + json.dumps(bad).encode() + b"\n\n"))
        usage.feed_sse(b"")
        assert usage.output[0].text_tokens == tokens("Hello world")


def test_a_chat_stream_refuses_responses_events() -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed({"choices": [{"index": 0, "delta": {"content": "Hi"}}]})
    before = usage.local
    with pytest.raises(ValueError, match="this is a chat.completions stream; got a Responses event"):
        usage.feed(text_delta("x"))
    # Within one feed_sse call too: the chunk before the event is not counted either.
    with pytest.raises(ValueError, match="this is a chat.completions stream"):
        usage.feed_sse(b'data: {"choices": [{"index": 0, "delta": {"content": " there"}}]}\n\n' + event(text_delta("x")))
    assert usage.local == before and usage.output == {}


def test_a_bad_event_in_the_middle_of_the_bytes_rolls_the_call_back() -> None:
    usage = StreamUsage(model="gpt-4o")
    usage.feed_sse(event(text_delta("Hel"))[:-10])
    with pytest.raises(ValueError, match="output_index: index must be an int >= 0"):
        usage.feed_sse(event(text_delta("Hel"))[-10:] + event(text_delta("lo")) + event({"type": "response.output_text.delta", "delta": "x"}))
    assert usage.output == {}
    usage.feed_sse(event(text_delta("Hel"))[-10:] + event(text_delta("lo")))
    assert usage.output_tokens == tokens("Hello")


def test_messages_and_input_are_for_different_apis() -> None:
    with pytest.raises(ValueError, match="messages is the Chat Completions prompt, input and instructions the Responses API's"):
        StreamUsage(model="gpt-4o", messages=[{"role": "user", "content": "x"}], instructions="y")
