"""Prompt tokens of chat messages, of Responses API input, and of tool definitions.

The text of every message is counted exactly, by the model's encoding. The framing around it —
the tokens a provider adds per message, per name, per tool definition — is not in the text; the
figures used here are the ones OpenAI's cookbook ("How to count tokens with tiktoken") publishes
and checks against the API's own ``usage.prompt_tokens``. Where it publishes none (tool calls
inside messages, nested parameter schemas, images), the count is an estimate, and the docstrings
say so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Union

from streamtok._encoding import Encoding, _as_encoding, encoding_for_model
from streamtok._fields import field

#: A caller's estimate for content parts that have no text: tokens per part type, or a function
#: of the part.
PartTokens = Union[Mapping[str, int], Callable[[Any], int]]

#: Tokens of ``<|start|>assistant<|message|>`` that prime every reply.
REPLY_PRIMER = 3

# Per-tool-definition overheads, by encoding (the cookbook's figures for gpt-4o / gpt-4o-mini and
# for gpt-3.5-turbo / gpt-4; they differ only in the per-function start).
_TOOL_OVERHEADS: dict[str, dict[str, int]] = {
    "o200k_base": {"func_init": 7, "prop_init": 3, "prop_key": 3, "enum_init": -3, "enum_item": 3, "func_end": 12},
    "cl100k_base": {"func_init": 10, "prop_init": 3, "prop_key": 3, "enum_init": -3, "enum_item": 3, "func_end": 12},
}


def _encoding_of(model: str | None, encoding: Encoding | str | None) -> Encoding:
    """The encoding that counts: ``encoding`` when given (it wins over the model's), else the
    model's."""
    if encoding is not None:
        return _as_encoding(encoding)
    if model is None:
        raise TypeError("pass model= (an OpenAI model name) or encoding=")
    return encoding_for_model(model)


def message_framing(model: str) -> tuple[int, int]:
    """Tokens added per message and per ``name`` field for ``model``.

    gpt-3.5-turbo-0301 framed a message as ``<|start|>{role or name}\\n{content}<|end|>\\n``
    (4 tokens, and a name replaced the role); later models use 3 tokens per message and 1 per name.

    >>> message_framing("gpt-4o")
    (3, 1)
    >>> message_framing("gpt-3.5-turbo-0301")
    (4, -1)
    """
    if model.startswith(("gpt-3.5-turbo-0301", "gpt-35-turbo-0301")):
        return 4, -1
    return 3, 1


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__}")
    return value


def _optional_text(value: Any, what: str) -> str:
    return "" if value is None else _text(value, what)


def _part_estimate(part: Any, kind: str, where: str, part_tokens: PartTokens | None, *, item: bool = False) -> int:
    """The caller's estimate for a content part (or, with ``item``, an input item) without text."""
    what, noun = ("input item", "item") if item else ("content part", "part")
    if part_tokens is None:
        n: Any = None
    elif isinstance(part_tokens, Mapping):
        n = part_tokens.get(kind)
    else:
        n = part_tokens(part)
    if n is None:
        raise ValueError(
            f"{where}: {what} of type {kind!r} cannot be counted from text; "
            f"pass an estimate, e.g. part_tokens={{{kind!r}: 85}}"
        )
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{where}: the estimate for a {kind!r} {noun} must be an int >= 0, got {n!r}")
    return n


# Content part types that hold text, and the field that holds it (Chat Completions' parts, then
# the Responses API's).
_TEXT_PARTS = {"text": "text", "refusal": "refusal", "input_text": "text", "output_text": "text"}


def _content_tokens(enc: Encoding, content: Any, where: str, part_tokens: PartTokens | None) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return enc.count(content)
    if isinstance(content, (bytes, Mapping)) or not isinstance(content, Iterable):
        raise TypeError(f"{where}: content must be a str, a list of parts or None, got {type(content).__name__}")
    total = 0
    for j, part in enumerate(content):
        kind = field(part, "type")
        if not isinstance(kind, str):
            raise ValueError(f"{where}, part {j}: a content part needs a str 'type', got {kind!r}")
        name = _TEXT_PARTS.get(kind)
        if name is not None:
            total += enc.count(_text(field(part, name), f"{where}, part {j}: {name!r}"))
        else:
            total += _part_estimate(part, kind, f"{where}, part {j}", part_tokens)
    return total


def _tool_calls_tokens(enc: Encoding, calls: Any, where: str) -> int:
    if calls is None:
        return 0
    if isinstance(calls, (str, bytes, Mapping)) or not isinstance(calls, Iterable):
        raise TypeError(f"{where}: tool_calls must be a list, got {type(calls).__name__}")
    total = 0
    for j, call in enumerate(calls):
        function = field(call, "function")
        if function is None:
            raise ValueError(f"{where}, tool call {j}: no 'function'")
        total += enc.count(_optional_text(field(function, "name"), f"{where}, tool call {j}: name"))
        total += enc.count(_optional_text(field(function, "arguments"), f"{where}, tool call {j}: arguments"))
    return total


def count_messages(
    messages: Iterable[Any],
    *,
    model: str | None = None,
    encoding: Encoding | str | None = None,
    part_tokens: PartTokens | None = None,
) -> int:
    """Count the prompt tokens of a chat message list, reply primer included.

    Messages are dicts or client objects (keys or attributes: ``role``, ``content``, ``name``,
    ``refusal``, ``tool_calls``; other fields are not counted). Each message costs its framing
    (3 tokens; 4 for gpt-3.5-turbo-0301, see :func:`message_framing`) plus the tokens of its role
    and of each text it holds; a ``name`` costs its tokens plus 1 (-1 for gpt-3.5-turbo-0301);
    the reply primer adds 3. Content may be a str or a list of parts: ``text`` and ``refusal`` parts count
    exactly; other parts (``image_url``, ``input_audio``, ``file``, ...) have no text and are
    counted only from the caller's ``part_tokens`` estimate. An assistant message's tool calls
    count the tokens of each function name and arguments string; a ``tool`` message counts its
    role and content (not its ``tool_call_id``).

    Exact: the text tokens, and the framing for text-only messages on the models the cookbook
    checked against the API (gpt-3.5-turbo, gpt-4, gpt-4o, gpt-4o-mini). Estimates: the framing
    on other models, tool calls inside messages, and every non-text part.

    Args:
        messages: the chat messages, in order.
        model: the model name, which picks the encoding and the framing.
        encoding: the encoding that counts the text instead of the model's (an :class:`Encoding`
            or a built-in encoding's name); ``model`` then picks only the framing, and may be
            left out (any name, or none: the framing of current models). An open model's prompt
            is framed by its own chat template: count it with :class:`ChatTemplate` instead.
        part_tokens: tokens per non-text part type (``{"image_url": 85}``), or a function of the
            part that returns them.

    Raises:
        KeyError: the model is not known (and no encoding was given).
        TypeError: a message or a field has the wrong type, or neither ``model`` nor
            ``encoding`` was given.
        ValueError: a part cannot be counted from text and has no estimate (the message names
            the part type and the message index), or a message has no role.

    >>> count_messages([{"role": "user", "content": "hello world"}], model="gpt-4o")
    9
    """
    enc = _encoding_of(model, encoding)
    per_message, per_name = message_framing(model or "")
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Iterable):
        raise TypeError(f"messages must be a list of messages, got {type(messages).__name__}")
    total = REPLY_PRIMER
    for i, message in enumerate(messages):
        total += _message_tokens(enc, message, f"message {i}", (per_message, per_name), part_tokens)
    return total


def _message_tokens(
    enc: Encoding, message: Any, where: str, framing: tuple[int, int], part_tokens: PartTokens | None
) -> int:
    """One message's framing, role and texts (see :func:`count_messages`)."""
    per_message, per_name = framing
    if isinstance(message, (str, bytes)) or message is None:
        raise TypeError(f"{where}: expected a dict or a message object, got {type(message).__name__}")
    role = field(message, "role")
    if not isinstance(role, str):
        raise ValueError(f"{where}: a message needs a str 'role', got {role!r}")
    total = per_message + enc.count(role)
    total += _content_tokens(enc, field(message, "content"), where, part_tokens)
    total += enc.count(_optional_text(field(message, "refusal"), f"{where}: refusal"))
    name = field(message, "name")
    if name is not None:
        total += enc.count(_text(name, f"{where}: name")) + per_name
    return total + _tool_calls_tokens(enc, field(message, "tool_calls"), where)


def count_input(
    input: str | Iterable[Any] | None,  # noqa: A002 - the Responses API's name
    *,
    model: str | None = None,
    encoding: Encoding | str | None = None,
    instructions: str | None = None,
    part_tokens: PartTokens | None = None,
) -> int:
    """Count the input tokens of a Responses API request, reply primer included.

    ``input`` is a str (one user message) or a list of input items, as dicts or client objects:
    messages (``role`` and ``content``, a str or a list of ``input_text``, ``output_text`` and
    ``refusal`` parts), ``function_call`` items (``name``, ``arguments``), ``function_call_output``
    items (``output``), and their ``custom_tool_call`` twins (``name``, ``input``, ``output``).
    ``instructions`` count as a ``developer`` message ahead of the input.

    The Responses API renders this input into the same chat format as Chat Completions, so each
    message costs what it costs in :func:`count_messages` (3 tokens of framing plus its role and
    its texts; the reply primer adds 3 once). A function call counts as an assistant message
    holding that one call (framing, role, name and arguments); a call's output as a ``tool``
    message. The text tokens are exact; the framing is an estimate, as OpenAI publishes no
    figures for the Responses API. Parts and items without text (``input_image``, ``input_file``,
    ``reasoning``, ``item_reference``, built-in tool calls, ...) are counted only from the caller's
    ``part_tokens`` estimate, keyed by their type.

    Args:
        input: the request's ``input``.
        model: the model name, which picks the encoding and the framing.
        encoding: the encoding that counts the text instead of the model's, as in
            :func:`count_messages`.
        instructions: the request's ``instructions``.
        part_tokens: tokens per part or item type without text (``{"input_image": 85}``), or a
            function of the part or item that returns them.

    Raises:
        KeyError: the model is not known (and no encoding was given).
        TypeError: an item or a field has the wrong type, or neither ``model`` nor ``encoding``
            was given.
        ValueError: a part or item cannot be counted from text and has no estimate (the message
            names its type and the item's index), or a message has no role.

    >>> count_input("hello world", model="gpt-4o")
    9
    >>> count_input("hello world", model="gpt-4o", instructions="Be brief.")
    16
    """
    enc = _encoding_of(model, encoding)
    framing = message_framing(model or "")
    total = REPLY_PRIMER
    if instructions is not None:
        total += framing[0] + enc.count("developer") + enc.count(_text(instructions, "instructions"))
    if input is None:
        return total
    if isinstance(input, str):
        return total + framing[0] + enc.count("user") + enc.count(input)
    if isinstance(input, (bytes, Mapping)) or not isinstance(input, Iterable):
        raise TypeError(f"input must be a str or a list of input items, got {type(input).__name__}")
    for i, item in enumerate(input):
        total += _input_item_tokens(enc, item, f"input item {i}", framing, part_tokens)
    return total


def _input_item_tokens(
    enc: Encoding, item: Any, where: str, framing: tuple[int, int], part_tokens: PartTokens | None
) -> int:
    """One input item, as :func:`count_input` counts it."""
    if isinstance(item, (str, bytes)) or item is None:
        raise TypeError(f"{where}: expected a dict or an input item object, got {type(item).__name__}")
    kind = field(item, "type")
    if kind is None or kind == "message":
        return _message_tokens(enc, item, where, framing, part_tokens)
    if kind in ("function_call", "custom_tool_call"):
        arguments = "arguments" if kind == "function_call" else "input"
        name = _text(field(item, "name"), f"{where}: name")
        text = _optional_text(field(item, arguments), f"{where}: {arguments}")
        return framing[0] + enc.count("assistant") + enc.count(name) + enc.count(text)
    if kind in ("function_call_output", "custom_tool_call_output"):
        return framing[0] + enc.count("tool") + _content_tokens(enc, field(item, "output"), where, part_tokens)
    if not isinstance(kind, str):
        raise ValueError(f"{where}: an input item's 'type' must be a str, got {kind!r}")
    return _part_estimate(item, kind, where, part_tokens, item=True)


def _strip_period(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def count_tools(tools: Iterable[Any], *, model: str | None = None, encoding: Encoding | str | None = None) -> int:
    """Estimate the prompt tokens that tool (function) definitions add to a request.

    Tools are Chat Completions' ``{"type": "function", "function": {...}}`` dicts, the Responses
    API's flat ``{"type": "function", "name": ..., "description": ..., "parameters": ...}``, or
    bare function definitions; the three shapes of one function count the same. Each function
    costs a start overhead plus the tokens of ``name:description``; each top-level property the
    tokens of ``name:type:description`` plus an overhead, and each enum value its tokens plus an
    overhead; the whole list ends with a fixed overhead (one trailing period of each description
    is dropped, as in the cookbook's fit). No tools cost 0.

    The overheads are the cookbook's, fitted to the API's counts for gpt-4o / gpt-4o-mini
    (o200k_base models) and gpt-3.5-turbo / gpt-4 (cl100k_base models); the provider does not
    publish the format, so this is an estimate, and nested schemas (``items``, properties of
    properties) are not counted. ``encoding`` (an :class:`Encoding` or a built-in encoding's
    name) counts instead of the model's, and its name picks the overheads.

    Raises:
        KeyError: the model is not known (and no encoding was given).
        ValueError: no overheads are published for the model's encoding, or a tool is not a
            function tool (built-in tools such as ``web_search`` have no published estimate).
        TypeError: a field has the wrong type, or neither ``model`` nor ``encoding`` was given.

    >>> count_tools([{"type": "function", "function": {"name": "now", "description": "The time."}}], model="gpt-4o")
    22
    """
    enc = _encoding_of(model, encoding)
    overheads = _TOOL_OVERHEADS.get(enc.name)
    if overheads is None:
        whose = f"{model!r} (encoding {enc.name})" if model is not None else f"encoding {enc.name}"
        raise ValueError(f"no published tool-definition overheads for {whose}")
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Iterable):
        raise TypeError(f"tools must be a list of tool definitions, got {type(tools).__name__}")
    total = 0
    n_tools = 0
    for i, tool in enumerate(tools):
        where = f"tool {i}"
        kind = field(tool, "type")
        if kind is not None and kind != "function":
            raise ValueError(f"{where}: a {kind!r} tool has no published token estimate; only function tools do")
        function = field(tool, "function") or tool
        name = _text(field(function, "name"), f"{where}: name")
        description = _optional_text(field(function, "description"), f"{where}: description")
        total += overheads["func_init"] + enc.count(f"{name}:{_strip_period(description)}")
        properties = field(field(function, "parameters") or {}, "properties") or {}
        if not isinstance(properties, Mapping):
            raise TypeError(f"{where}: parameters.properties must be a mapping, got {type(properties).__name__}")
        if properties:
            total += overheads["prop_init"]
        for key, prop in properties.items():
            total += overheads["prop_key"]
            ptype = field(prop, "type")
            ptype = ptype if isinstance(ptype, str) else json.dumps(ptype)
            pdesc = _optional_text(field(prop, "description"), f"{where}, property {key!r}: description")
            enum = field(prop, "enum")
            if enum is not None:
                total += overheads["enum_init"]
                for item in enum:
                    text = item if isinstance(item, str) else json.dumps(item)
                    total += overheads["enum_item"] + enc.count(text)
            total += enc.count(f"{key}:{ptype}:{_strip_period(pdesc)}")
        n_tools += 1
    return total + overheads["func_end"] if n_tools else 0
