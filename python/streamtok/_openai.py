"""Token usage of a streamed chat completion, counted while it streams.

:class:`StreamUsage` reads the chunks a client yields (the ``openai`` package's
``ChatCompletionChunk`` objects or parsed JSON dicts, duck-typed) or the raw ``text/event-stream``
bytes a proxy forwards, and keeps one exact stream counter per text channel of each choice:
the content, the refusal, and each tool call's name and arguments. Each delta costs time
proportional to its own length.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from streamtok._chat import PartTokens, count_messages, count_tools, field
from streamtok._encoding import Encoding, encoding_for_model
from streamtok._native import StreamCounter

T = TypeVar("T")

_EOL = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class TokenUsage:
    """Token figures shaped like the API's ``usage`` object."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ToolCallUsage:
    """Tokens of one tool call of a choice: its function name and its arguments."""

    def __init__(self, encoding: Encoding, index: int) -> None:
        self.index = index
        #: The tool call's id, once a delta carried it.
        self.id: str | None = None
        self._name = StreamCounter(encoding)
        self._arguments = StreamCounter(encoding)

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
    its refusal, and for each tool call the function name and the arguments (the deprecated
    ``delta.function_call`` is not counted). The provider's own figure may differ: it adds
    framing around tool calls that it does not publish, and reasoning models bill hidden
    reasoning tokens that are never streamed.
    """

    def __init__(self, encoding: Encoding, index: int) -> None:
        self.index = index
        #: Why the choice ended (``"stop"``, ``"length"``, ``"tool_calls"``, ...); None while open.
        self.finish_reason: str | None = None
        #: The choice's tool calls by their ``index``.
        self.tool_calls: dict[int, ToolCallUsage] = {}
        self._encoding = encoding
        self._content = StreamCounter(encoding)
        self._refusal = StreamCounter(encoding)

    @property
    def content_tokens(self) -> int:
        """Exact tokens of ``delta.content`` received so far."""
        return self._content.count

    @property
    def refusal_tokens(self) -> int:
        """Exact tokens of ``delta.refusal`` received so far."""
        return self._refusal.count

    @property
    def tool_call_tokens(self) -> int:
        """Tokens of all tool calls' names and arguments received so far."""
        return sum(call.tokens for call in self.tool_calls.values())

    @property
    def completion_tokens(self) -> int:
        """Content, refusal and tool-call tokens of this choice."""
        return self._content.count + self._refusal.count + self.tool_call_tokens

    def _tool_call(self, index: int) -> ToolCallUsage:
        call = self.tool_calls.get(index)
        if call is None:
            call = self.tool_calls[index] = ToolCallUsage(self._encoding, index)
        return call

    def __repr__(self) -> str:
        return (
            f"ChoiceUsage(index={self.index}, completion_tokens={self.completion_tokens}, "
            f"finish_reason={self.finish_reason!r})"
        )


# One validated change of a chunk: (choice index, channel, tool call index, value).
# Channels: "content", "refusal", "name", "arguments", "id", "finish_reason".
_Op = tuple[int, str, int, str]


def _index(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}: index must be an int >= 0, got {value!r}")
    return value


def _text_or_none(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{where} must be a str or None, got {type(value).__name__}")


def _list(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise TypeError(f"{where} must be a list, got {type(value).__name__}")
    return value


def _chunk_ops(chunk: Any) -> tuple[list[_Op], TokenUsage | None]:
    """The changes ``chunk`` makes, checked before any is applied."""
    if chunk is None or isinstance(chunk, (str, bytes, bytearray, int, float, Sequence)):
        raise TypeError(f"expected a chat completion chunk (a mapping or an object), got {type(chunk).__name__}")
    choices = field(chunk, "choices")
    reported = field(chunk, "usage")
    if choices is None and reported is None:
        error = field(chunk, "error")
        if error is not None:
            raise ValueError(f"the stream reported an error: {error!r}")
        raise ValueError("not a chat completion chunk: it has neither 'choices' nor 'usage'")
    ops: list[_Op] = []
    for k, choice in enumerate(_list(choices, "choices")):
        where = f"choices[{k}]"
        i = _index(field(choice, "index"), where)
        delta = field(choice, "delta")
        if delta is not None:
            for channel in ("content", "refusal"):
                text = _text_or_none(field(delta, channel), f"{where}.delta.{channel}")
                if text:
                    ops.append((i, channel, 0, text))
            for c, call in enumerate(_list(field(delta, "tool_calls"), f"{where}.delta.tool_calls")):
                cwhere = f"{where}.delta.tool_calls[{c}]"
                t = _index(field(call, "index"), cwhere)
                call_id = _text_or_none(field(call, "id"), f"{cwhere}.id")
                ops.append((i, "call", t, ""))
                if call_id:
                    ops.append((i, "id", t, call_id))
                function = field(call, "function")
                if function is not None:
                    for channel in ("name", "arguments"):
                        text = _text_or_none(field(function, channel), f"{cwhere}.function.{channel}")
                        if text:
                            ops.append((i, channel, t, text))
        reason = _text_or_none(field(choice, "finish_reason"), f"{where}.finish_reason")
        ops.append((i, "finish_reason", 0, reason or ""))
    return ops, (None if reported is None else _usage_of(reported))


def _usage_of(reported: Any) -> TokenUsage:
    values = []
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = field(reported, key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"usage.{key} must be an int, got {value!r}")
        values.append(value)
    return TokenUsage(*values)


class StreamUsage:
    """Prompt and completion tokens of one streamed chat completion, counted as it streams.

    Give it the request's model, messages and tools, then let it see the response: wrap the
    chunk iterator with :meth:`track` (or :meth:`atrack`), or pass raw server-sent-event bytes
    to :meth:`feed_sse`. Works with any client's chunk objects and with parsed JSON dicts; it
    imports no client.

    ``prompt_tokens`` comes from :func:`count_messages` and :func:`count_tools` (exact text,
    published framing, estimates where the docs there say so). ``completion_tokens`` is the
    exact token count of the text every choice streamed (see :class:`ChoiceUsage`). When the
    stream ends with a usage chunk (``stream_options={"include_usage": True}``), ``reported``
    holds it and ``discrepancy`` the difference; when the stream is cut, the local figures stay.

    >>> usage = StreamUsage(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    >>> chunks = [{"choices": [{"index": 0, "delta": {"content": "Hello"}}]},
    ...           {"choices": [{"index": 0, "delta": {"content": " there!"}, "finish_reason": "stop"}]}]
    >>> [c["choices"][0]["delta"]["content"] for c in usage.track(chunks)]
    ['Hello', ' there!']
    >>> usage.prompt_tokens, usage.completion_tokens, usage.choices[0].finish_reason
    (8, 3, 'stop')
    """

    def __init__(
        self,
        *,
        model: str,
        messages: Iterable[Any] | None = None,
        tools: Iterable[Any] | None = None,
        part_tokens: PartTokens | None = None,
    ) -> None:
        """Count the prompt now; the completion is counted as chunks arrive.

        Raises:
            KeyError: the model is not known.
            TypeError, ValueError: as :func:`count_messages` and :func:`count_tools` raise.
        """
        self.model = model
        self.encoding = encoding_for_model(model)
        prompt = 0
        if messages is not None:
            prompt += count_messages(messages, model=model, part_tokens=part_tokens)
        if tools is not None:
            prompt += count_tools(tools, model=model)
        #: Prompt tokens of the messages and tools given (0 when neither was).
        self.prompt_tokens = prompt
        #: Each choice's usage, by choice index.
        self.choices: dict[int, ChoiceUsage] = {}
        #: The usage the stream reported, if a chunk carried one.
        self.reported: TokenUsage | None = None
        #: Whether a ``data: [DONE]`` event arrived through :meth:`feed_sse`.
        self.done = False
        self._line = bytearray()
        self._event = bytearray()
        self._has_data = False
        self._after_cr = False

    @property
    def completion_tokens(self) -> int:
        """Completion tokens of all choices, counted locally."""
        return sum(choice.completion_tokens for choice in self.choices.values())

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens, counted locally."""
        return self.prompt_tokens + self.completion_tokens

    @property
    def local(self) -> TokenUsage:
        """The local counts as a :class:`TokenUsage`."""
        completion = self.completion_tokens
        return TokenUsage(self.prompt_tokens, completion, self.prompt_tokens + completion)

    @property
    def discrepancy(self) -> TokenUsage | None:
        """``reported`` minus ``local``, field by field; None when nothing was reported."""
        if self.reported is None:
            return None
        local = self.local
        return TokenUsage(
            self.reported.prompt_tokens - local.prompt_tokens,
            self.reported.completion_tokens - local.completion_tokens,
            self.reported.total_tokens - local.total_tokens,
        )

    def cost(self, *, input_per_million: float, output_per_million: float) -> float:
        """The price of the request from the caller's prices per million tokens.

        Uses the reported usage when the stream carried one (it is what the provider bills),
        else the local counts.

        Raises:
            ValueError: a price is negative or not a number.
        """
        for name, price in (("input_per_million", input_per_million), ("output_per_million", output_per_million)):
            if isinstance(price, bool) or not isinstance(price, (int, float)) or not price >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {price!r}")
        figures = self.reported or self.local
        return (figures.prompt_tokens * input_per_million + figures.completion_tokens * output_per_million) / 1e6

    def feed(self, chunk: Any) -> None:
        """Count one chunk (an object with ``choices`` / ``usage``, or a parsed JSON dict).

        Raises:
            TypeError, ValueError: the chunk is malformed; nothing of it was counted.
        """
        ops, reported = _chunk_ops(chunk)
        self._apply(ops, reported)

    def track(self, stream: Iterable[T]) -> Iterator[T]:
        """Yield the chunks of ``stream`` unchanged, counting each before it is yielded.

        Raises:
            TypeError, ValueError: a chunk is malformed (as :meth:`feed`); it is not yielded.
        """
        for chunk in stream:
            self.feed(chunk)
            yield chunk

    async def atrack(self, stream: AsyncIterable[T]) -> AsyncIterator[T]:
        """Async twin of :meth:`track`."""
        async for chunk in stream:
            self.feed(chunk)
            yield chunk

    def feed_sse(self, data: bytes | bytearray | memoryview) -> None:
        """Count raw ``text/event-stream`` bytes, split anywhere.

        Handles LF, CR and CRLF line ends, ``:`` comments and keep-alives, multi-line ``data``
        fields, ``data: [DONE]`` (sets :attr:`done`), and bytes split inside a line or a UTF-8
        character. Each call costs time proportional to ``len(data)`` (plus the events it ends).

        Raises:
            TypeError: ``data`` is not bytes.
            ValueError: an event that ended in ``data`` is not a chunk; the tracker is left
                as it was before the call.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"feed_sse expects bytes, got {type(data).__name__}")
        data = bytes(data)
        # Work on local state; self's buffers are only appended to, so a failure can truncate
        # them back to where they were.
        line, event, has_data = self._line, self._event, self._has_data
        event_start = len(event)
        pos = 1 if self._after_cr and data[:1] == b"\n" else 0
        after_cr = self._after_cr if not data else False
        ops: list[_Op] = []
        usages: list[TokenUsage] = []
        done = self.done
        try:
            for eol in _EOL.finditer(data, pos):
                text = bytes(line) + data[pos : eol.start()] if line else data[pos : eol.start()]
                line = bytearray()
                pos = eol.end()
                after_cr = eol.group() == b"\r" and pos == len(data)
                if not text:
                    if has_data:
                        done = self._event_ops(bytes(event), ops, usages) or done
                        event, has_data = bytearray(), False
                    continue
                if text[:1] == b":":
                    continue
                name, _, value = text.partition(b":")
                if name == b"data":
                    if has_data:
                        event += b"\n"
                    event += value[1:] if value[:1] == b" " else value
                    has_data = True
        except BaseException:
            del self._event[event_start:]
            raise
        if pos < len(data):
            line += data[pos:]
        self._line, self._event, self._has_data, self._after_cr = line, event, has_data, after_cr
        self.done = done
        for reported in usages:
            self._apply([], reported)
        self._apply(ops, None)

    def _event_ops(self, payload: bytes, ops: list[_Op], usages: list[TokenUsage]) -> bool:
        """Add the ops of one event to ``ops``; True for ``[DONE]``."""
        if payload.strip() == b"[DONE]":
            return True
        if not payload.strip():
            return False
        try:
            chunk = json.loads(payload.decode("utf-8", "replace"))
        except json.JSONDecodeError as e:
            raise ValueError(f"an event's data is not JSON: {e}: {payload[:80]!r}") from None
        if not isinstance(chunk, dict):
            raise ValueError(f"an event's data is not a JSON object: {payload[:80]!r}")
        more, reported = _chunk_ops(chunk)
        ops.extend(more)
        if reported is not None:
            usages.append(reported)
        return False

    def _apply(self, ops: list[_Op], reported: TokenUsage | None) -> None:
        """Apply checked changes; nothing here can fail."""
        for i, channel, t, value in ops:
            choice = self.choices.get(i)
            if choice is None:
                choice = self.choices[i] = ChoiceUsage(self.encoding, i)
            if channel == "content":
                choice._content.push(value)
            elif channel == "refusal":
                choice._refusal.push(value)
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
        if reported is not None:
            self.reported = reported

    def __repr__(self) -> str:
        return (
            f"StreamUsage(model={self.model!r}, prompt_tokens={self.prompt_tokens}, "
            f"completion_tokens={self.completion_tokens}, choices={len(self.choices)})"
        )
