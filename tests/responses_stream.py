"""Responses API streams for the usage tests: what a response says, and the events that say it.

``Response`` lists the output items (messages with output-text and refusal parts, function calls,
reasoning items with summary parts and raw reasoning text) and how the response ends;
``events_of`` turns it into the event dicts the API streams - every text cut into small deltas
that are not token-aligned, the items' events interleaved at random (each item's own events in
order), with the ``.done`` events, the part and item events and the final response that carry the
texts whole. ``chat_server.sse_events`` / ``sse_bytes(..., done=False)`` turn them into bytes.

``expected`` says, from the script alone and real tiktoken, what each item's counts must be.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any, Union

from chat_server import _cut
from support import tk


@dataclass
class Message:
    """An assistant message: its content parts in order, as ("output_text" | "refusal", text)."""

    parts: list[tuple[str, str]]


@dataclass
class FunctionCall:
    name: str
    arguments: str


@dataclass
class Reasoning:
    """A reasoning item: its summary parts, and raw reasoning-text parts (servers that stream them)."""

    summary: list[str]
    text: list[str] = field(default_factory=list)


Item = Union[Message, FunctionCall, Reasoning]


@dataclass
class Response:
    """A whole streamed response: its items, how it ends, and the usage it reports (or None)."""

    output: list[Item]
    status: str = "completed"  # or "incomplete", "failed"
    usage: dict[str, Any] | None = None


def tokens(text: str, encoding: str | Callable[[str], int] = "o200k_base") -> int:
    return encoding(text) if callable(encoding) else len(tk(encoding).encode_ordinary(text))


def expected(item: Item, encoding: str | Callable[[str], int] = "o200k_base") -> dict[str, int]:
    """The counts an item's usage must show: tiktoken's count of each text the item holds (or
    the reference's, when ``encoding`` is a function that counts)."""
    n = {"text": 0, "refusal": 0, "name": 0, "arguments": 0, "reasoning": 0, "summary": 0}
    if isinstance(item, Message):
        for kind, text in item.parts:
            n["text" if kind == "output_text" else "refusal"] += tokens(text, encoding)
    elif isinstance(item, FunctionCall):
        n["name"], n["arguments"] = tokens(item.name, encoding), tokens(item.arguments, encoding)
    else:
        n["summary"] = sum(tokens(t, encoding) for t in item.summary)
        n["reasoning"] = sum(tokens(t, encoding) for t in item.text)
    n["completion"] = n["text"] + n["refusal"] + n["name"] + n["arguments"] + n["reasoning"]
    return n


def _item_id(k: int, item: Item) -> str:
    return {Message: "msg", FunctionCall: "fc", Reasoning: "rs"}[type(item)] + f"_{k}"


def _part(kind: str, text: str) -> dict[str, Any]:
    if kind == "output_text":
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    return {"type": "refusal", "refusal": text}


def whole_item(k: int, item: Item, status: str = "completed") -> dict[str, Any]:
    """The item as ``response.output_item.done`` and the final response carry it."""
    if isinstance(item, Message):
        content = [_part(kind, text) for kind, text in item.parts]
        return {"id": _item_id(k, item), "type": "message", "status": status, "role": "assistant", "content": content}
    if isinstance(item, FunctionCall):
        return {"id": _item_id(k, item), "type": "function_call", "status": status, "call_id": f"call_{k}",
                "name": item.name, "arguments": item.arguments}  # fmt: skip
    return {"id": _item_id(k, item), "type": "reasoning", "status": status,
            "summary": [{"type": "summary_text", "text": t} for t in item.summary],
            "content": [{"type": "reasoning_text", "text": t} for t in item.text]}  # fmt: skip


def _item_events(k: int, item: Item, rng: random.Random, max_piece: int) -> list[dict[str, Any]]:
    """One item's events, in the order the API sends them."""
    iid = _item_id(k, item)
    at = {"item_id": iid, "output_index": k}
    added = whole_item(k, item, "in_progress")
    events: list[dict[str, Any]] = [{"type": "response.output_item.added", "output_index": k, "item": added}]
    if isinstance(item, Message):
        added["content"] = []
        for j, (kind, text) in enumerate(item.parts):
            name = "output_text" if kind == "output_text" else "refusal"
            events.append({"type": "response.content_part.added", **at, "content_index": j, "part": _part(kind, "")})
            for piece in _cut(text, rng, max_piece):
                events.append({"type": f"response.{name}.delta", **at, "content_index": j, "delta": piece,
                               **({"logprobs": []} if kind == "output_text" else {})})  # fmt: skip
            done = {"text": text, "logprobs": []} if kind == "output_text" else {"refusal": text}
            events.append({"type": f"response.{name}.done", **at, "content_index": j, **done})
            events.append({"type": "response.content_part.done", **at, "content_index": j, "part": _part(kind, text)})
    elif isinstance(item, FunctionCall):
        added["arguments"] = ""
        for piece in _cut(item.arguments, rng, max_piece):
            events.append({"type": "response.function_call_arguments.delta", **at, "delta": piece})
        events.append({"type": "response.function_call_arguments.done", **at, "arguments": item.arguments})
    else:
        added["summary"], added["content"] = [], []
        for j, text in enumerate(item.text):
            events.append({"type": "response.content_part.added", **at, "content_index": j, "part": {"type": "reasoning_text", "text": ""}})
            events += [{"type": "response.reasoning_text.delta", **at, "content_index": j, "delta": p} for p in _cut(text, rng, max_piece)]
            events.append({"type": "response.reasoning_text.done", **at, "content_index": j, "text": text})
            events.append({"type": "response.content_part.done", **at, "content_index": j, "part": {"type": "reasoning_text", "text": text}})
        for j, text in enumerate(item.summary):
            part = {"type": "summary_text", "text": ""}
            events.append({"type": "response.reasoning_summary_part.added", **at, "summary_index": j, "part": part})
            events += [{"type": "response.reasoning_summary_text.delta", **at, "summary_index": j, "delta": p} for p in _cut(text, rng, max_piece)]
            events.append({"type": "response.reasoning_summary_text.done", **at, "summary_index": j, "text": text})
            events.append({"type": "response.reasoning_summary_part.done", **at, "summary_index": j, "part": {**part, "text": text}})
    events.append({"type": "response.output_item.done", "output_index": k, "item": whole_item(k, item)})
    return events


def _response(status: str, model: str, output: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "resp_test", "object": "response", "created_at": 1, "model": model, "status": status,
            "output": output, "usage": None, "error": None, "incomplete_details": None, "tools": [],
            "parallel_tool_calls": True, "tool_choice": "auto"}  # fmt: skip


def events_of(script: Response, rng: random.Random, max_piece: int = 6, model: str = "gpt-4o") -> list[dict[str, Any]]:
    """The event dicts of ``script``: created, in_progress, the items' events interleaved, then
    the final ``response.completed`` / ``.incomplete`` / ``.failed`` with the whole output."""
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": _response("in_progress", model, [])},
        {"type": "response.in_progress", "response": _response("in_progress", model, [])},
    ]
    queues = [_item_events(k, item, rng, max_piece) for k, item in enumerate(script.output)]
    while any(queues):
        events.append(rng.choice([q for q in queues if q]).pop(0))
    final = _response(script.status, model, [whole_item(k, item) for k, item in enumerate(script.output)])
    final["usage"] = script.usage
    if script.status == "incomplete":
        final["incomplete_details"] = {"reason": "max_output_tokens"}
    if script.status == "failed":
        final["error"] = {"code": "server_error", "message": "The model failed."}
    events.append({"type": f"response.{script.status}", "response": final})
    for n, event in enumerate(events):
        event["sequence_number"] = n
    return events
