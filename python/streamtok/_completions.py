"""Completion tokens of a streamed Chat Completions response, choice by choice.

A chunk (the ``openai`` package's ``ChatCompletionChunk`` or its parsed JSON dict) is first read
into a list of checked changes (:func:`chunk_changes`); applying them (:func:`apply_changes`)
cannot fail, so a malformed chunk changes nothing. Each text channel of a choice has its own
stream counter: the content, the refusal, the reasoning, and each tool call's name and arguments.
"""

from __future__ import annotations

from typing import Any

from streamtok._encoding import Encoding
from streamtok._fields import field, index, list_of, text_or_none
from streamtok._usage import TokenUsage, reported_usage, text_counter

# The delta fields that servers stream reasoning in: DeepSeek's API, vLLM's and SGLang's reasoning
# parsers send ``reasoning_content``; OpenRouter and newer vLLM send ``reasoning``. A server in
# transition may send the same text under both, so a delta's reasoning is read from the first.
REASONING_FIELDS = ("reasoning_content", "reasoning")


class ToolCallUsage:
    """Tokens of one tool call of a choice: its function name and its arguments."""

    def __init__(self, encoding: Encoding, index: int, max_open_bytes: int | None = None) -> None:
        self.index = index
        #: The tool call's id, once a delta carried it.
        self.id: str | None = None
        self._name = text_counter(encoding, max_open_bytes)
        self._arguments = text_counter(encoding, max_open_bytes)

    @property
    def name_tokens(self) -> int:
        """Exact tokens of the function name received so far."""
        return self._name.count

    @property
    def arguments_tokens(self) -> int:
        """Exact tokens of the arguments text received so far."""
        return self._arguments.count

    @property
    def tokens(self) -> int:
        """Name tokens plus arguments tokens."""
        return self._name.count + self._arguments.count


class ChoiceUsage:
    """Completion tokens of one choice (one ``index`` of a request with ``n`` choices).

    ``completion_tokens`` is the exact token count of the text the choice streamed: its content,
    its refusal, its reasoning (``delta.reasoning_content`` or ``delta.reasoning``, which the
    servers that stream it bill as completion tokens), and for each tool call the function name
    and the arguments (the deprecated ``delta.function_call`` is not counted). The provider's own
    figure may differ: it adds framing around tool calls that it does not publish, and reasoning
    models that do not stream their reasoning bill it all the same.
    """

    def __init__(self, encoding: Encoding, index: int, max_open_bytes: int | None = None) -> None:
        self.index = index
        #: Why the choice ended (``"stop"``, ``"length"``, ``"tool_calls"``, ...); None while open.
        self.finish_reason: str | None = None
        #: The choice's tool calls by their ``index``.
        self.tool_calls: dict[int, ToolCallUsage] = {}
        self._encoding = encoding
        self._max_open_bytes = max_open_bytes
        self._content = text_counter(encoding, max_open_bytes)
        self._refusal = text_counter(encoding, max_open_bytes)
        self._reasoning = text_counter(encoding, max_open_bytes)

    @property
    def content_tokens(self) -> int:
        """Exact tokens of ``delta.content`` received so far."""
        return self._content.count

    @property
    def refusal_tokens(self) -> int:
        """Exact tokens of ``delta.refusal`` received so far."""
        return self._refusal.count

    @property
    def reasoning_tokens(self) -> int:
        """Exact tokens of the streamed reasoning (``delta.reasoning_content`` or ``delta.reasoning``)."""
        return self._reasoning.count

    @property
    def tool_call_tokens(self) -> int:
        """Tokens of all tool calls' names and arguments received so far."""
        return sum(call.tokens for call in self.tool_calls.values())

    @property
    def completion_tokens(self) -> int:
        """Content, refusal, reasoning and tool-call tokens of this choice."""
        return self._content.count + self._refusal.count + self._reasoning.count + self.tool_call_tokens

    def _tool_call(self, index: int) -> ToolCallUsage:
        call = self.tool_calls.get(index)
        if call is None:
            call = self.tool_calls[index] = ToolCallUsage(self._encoding, index, self._max_open_bytes)
        return call

    def __repr__(self) -> str:
        return (
            f"ChoiceUsage(index={self.index}, completion_tokens={self.completion_tokens}, "
            f"finish_reason={self.finish_reason!r})"
        )


# One checked change of a chunk: (choice index, channel, tool call index, value).
# Channels: "content", "refusal", "reasoning", "call", "name", "arguments", "id", "finish_reason".
Change = tuple[int, str, int, str]




def chunk_changes(chunk: Any) -> tuple[list[Change], TokenUsage | None]:
    """The changes ``chunk`` makes and the usage it reports, checked before any is applied.

    Raises:
        TypeError, ValueError: the chunk is malformed (the message says where).
    """
    choices = field(chunk, "choices")
    reported = field(chunk, "usage")
    changes: list[Change] = []
    for k, choice in enumerate(list_of(choices, "choices")):
        where = f"choices[{k}]"
        i = index(field(choice, "index"), where)
        delta = field(choice, "delta")
        if delta is not None:
            for channel in ("content", "refusal"):
                text = text_or_none(field(delta, channel), f"{where}.delta.{channel}")
                if text:
                    changes.append((i, channel, 0, text))
            reasoning = None
            for name in REASONING_FIELDS:
                value = field(delta, name)
                if value is not None:  # the message is formatted only for a present field
                    reasoning = reasoning or text_or_none(value, f"{where}.delta.{name}")
            if reasoning:
                changes.append((i, "reasoning", 0, reasoning))
            for c, call in enumerate(list_of(field(delta, "tool_calls"), f"{where}.delta.tool_calls")):
                cwhere = f"{where}.delta.tool_calls[{c}]"
                t = index(field(call, "index"), cwhere)
                call_id = text_or_none(field(call, "id"), f"{cwhere}.id")
                changes.append((i, "call", t, ""))
                if call_id:
                    changes.append((i, "id", t, call_id))
                function = field(call, "function")
                if function is not None:
                    for channel in ("name", "arguments"):
                        text = text_or_none(field(function, channel), f"{cwhere}.function.{channel}")
                        if text:
                            changes.append((i, channel, t, text))
        reason = text_or_none(field(choice, "finish_reason"), f"{where}.finish_reason")
        changes.append((i, "finish_reason", 0, reason or ""))
    return changes, (None if reported is None else reported_usage(reported, "usage"))


def apply_changes(
    choices: dict[int, ChoiceUsage], encoding: Encoding, changes: list[Change], max_open_bytes: int | None = None
) -> None:
    """Apply checked changes to ``choices``; nothing here can fail but a text past
    ``max_open_bytes`` (``ValueError``; the changes before it stay applied)."""
    for i, channel, t, value in changes:
        choice = choices.get(i)
        if choice is None:
            choice = choices[i] = ChoiceUsage(encoding, i, max_open_bytes)
        if channel == "content":
            choice._content.push(value)
        elif channel == "refusal":
            choice._refusal.push(value)
        elif channel == "reasoning":
            choice._reasoning.push(value)
        elif channel == "finish_reason":
            if value:
                choice.finish_reason = value
        else:
            call = choice._tool_call(t)
            if channel == "name":
                call._name.push(value)
            elif channel == "arguments":
                call._arguments.push(value)
            elif channel == "id":
                call.id = value
