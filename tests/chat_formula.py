"""The prompt-token formulas streamtok documents, written out again on real tiktoken.

Kept apart from streamtok's code on purpose: the tests compare the two. Inputs here are plain
dicts with text content only (no estimate parts).
"""

from __future__ import annotations

from typing import Any

from support import tk

ENCODING_OF = {"gpt-4o": "o200k_base", "gpt-4o-mini": "o200k_base", "gpt-4": "cl100k_base",
               "gpt-3.5-turbo": "cl100k_base", "gpt-3.5-turbo-0301": "cl100k_base"}  # fmt: skip


def n(model: str, text: str) -> int:
    return len(tk(ENCODING_OF[model]).encode_ordinary(text))


def messages_tokens(messages: list[dict[str, Any]], model: str) -> int:
    """3 per message (4 on gpt-3.5-turbo-0301), the role, every text, name + 1 (- 1), reply 3."""
    old = model == "gpt-3.5-turbo-0301"
    total = 3
    for m in messages:
        total += (4 if old else 3) + n(model, m["role"])
        content = m.get("content") or ""
        if isinstance(content, str):
            total += n(model, content)
        else:
            total += sum(n(model, p[p["type"]]) for p in content)
        total += n(model, m.get("refusal") or "")
        if "name" in m:
            total += n(model, m["name"]) + (-1 if old else 1)
        for call in m.get("tool_calls") or []:
            total += n(model, call["function"]["name"]) + n(model, call["function"]["arguments"])
    return total


def tools_tokens(tools: list[dict[str, Any]], model: str) -> int:
    """The cookbook's per-function / per-property / per-enum overheads around the text."""
    if not tools:
        return 0
    func_init = 7 if ENCODING_OF[model] == "o200k_base" else 10
    total = 12
    for tool in tools:
        f = tool["function"]
        total += func_init + n(model, f["name"] + ":" + f.get("description", "").removesuffix("."))
        props = f.get("parameters", {}).get("properties", {})
        if props:
            total += 3
        for key, p in props.items():
            total += 3
            if "enum" in p:
                total += -3 + sum(3 + n(model, item) for item in p["enum"])
            total += n(model, f"{key}:{p['type']}:{p.get('description', '').removesuffix('.')}")
    return total


def input_tokens(input: str | list[dict[str, Any]], instructions: str | None, model: str) -> int:
    """The Responses input estimate: the chat framing around each item's texts (instructions a
    developer message, a str input a user message, a function call an assistant message holding
    it, a call's output a tool message), reply 3."""
    total = 3
    if instructions is not None:
        total += 3 + n(model, "developer") + n(model, instructions)
    if isinstance(input, str):
        return total + 3 + n(model, "user") + n(model, input)
    for item in input:
        kind = item.get("type", "message")
        if kind == "message":
            content = item["content"]
            texts = [content] if isinstance(content, str) else [p.get("text", p.get("refusal")) for p in content]
            total += 3 + n(model, item["role"]) + sum(n(model, t) for t in texts)
        elif kind == "function_call":
            total += 3 + n(model, "assistant") + n(model, item["name"]) + n(model, item["arguments"])
        elif kind == "function_call_output":
            total += 3 + n(model, "tool") + n(model, item["output"])
    return total
