"""Token usage of a streamed OpenAI response, counted while it streams.

:class:`StreamUsage` reads what a client yields - Chat Completions chunks or Responses API
events, as the ``openai`` package's objects or as parsed JSON dicts (duck-typed) - or the raw
``text/event-stream`` bytes a proxy forwards, and tells the two APIs apart by itself. The chunk
model lives in ``_completions``, the event model in ``_responses``; each text channel has its own
exact stream counter, so each delta costs time proportional to its own length.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, NoReturn, TypeVar

from streamtok import _completions, _responses
from streamtok._chat import PartTokens, count_input, count_messages, count_tools
from streamtok._chat_template import ChatTemplate
from streamtok._completions import ChoiceUsage, ToolCallUsage
from streamtok._encoding import Encoding, _as_encoding, encoding_for_model, get_encoding, list_encoding_names
from streamtok._fields import field
from streamtok._responses import OutputItemUsage
from streamtok._sse import EventStreamDecoder
from streamtok._usage import TokenUsage

__all__ = ["ChoiceUsage", "OutputItemUsage", "StreamUsage", "TokenUsage", "ToolCallUsage"]

T = TypeVar("T")

#: The APIs whose streams :class:`StreamUsage` reads.
Api = Literal["chat.completions", "responses"]

# One checked message of the stream: which API it belongs to, its changes, the usage it reports.
_Parsed = tuple[Api, list[Any], TokenUsage | None]


def _parse(message: Any) -> _Parsed:
    """Read a chunk or an event into checked changes; raise before anything is applied."""
    if message is None or isinstance(message, (str, bytes, bytearray, int, float, Sequence)):
        raise TypeError(
            f"expected a chat completion chunk or a Responses event (a mapping or an object), got {type(message).__name__}"
        )
    # A chunk has choices (all but the final usage chunk), an event a type, never both.
    if field(message, "choices") is not None:
        return ("chat.completions", *_completions.chunk_changes(message))
    if _responses.is_event(message):
        return ("responses", *_responses.event_changes(message))
    if field(message, "usage") is not None:
        return ("chat.completions", *_completions.chunk_changes(message))
    error = field(message, "error")
    if error is not None:
        raise ValueError(f"the stream reported an error: {error!r}")
    kind = field(message, "type")
    raise ValueError(
        "not a chat completion chunk (it has neither 'choices' nor 'usage') nor a Responses event "
        f"(its 'type' is {kind!r}, not 'response.*' or 'error')"
    )


class StreamUsage:
    """Prompt and completion tokens of one streamed response, counted as it streams.

    Give it the request's model and prompt - ``messages`` for Chat Completions, ``input`` and
    ``instructions`` for the Responses API, ``tools`` in either API's shape - then let it see the
    response: wrap the stream with :meth:`track` (or :meth:`atrack`), or pass raw server-sent-event
    bytes to :meth:`feed_sse`. It takes Chat Completions chunks and Responses events alike (any
    client's objects, or parsed JSON dicts) and imports no client; one tracker counts one response.

    ``prompt_tokens`` (also ``input_tokens``) comes from :func:`count_messages` or
    :func:`count_input`, plus :func:`count_tools` (exact text, framing as the docs there say).
    ``completion_tokens`` (also ``output_tokens``) is the exact token count of the text the
    response streamed: each choice's (see :class:`ChoiceUsage`) or each output item's (see
    :class:`OutputItemUsage`). ``reported`` holds the usage the stream ends with (a Chat
    Completions usage chunk with ``stream_options={"include_usage": True}``, or the ``usage`` of
    the Responses API's final ``response.completed`` / ``response.incomplete`` /
    ``response.failed`` event) and ``discrepancy`` the difference; when the stream is cut, the
    local counts of what arrived stay.

    >>> usage = StreamUsage(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    >>> chunks = [{"choices": [{"index": 0, "delta": {"content": "Hello"}}]},
    ...           {"choices": [{"index": 0, "delta": {"content": " there!"}, "finish_reason": "stop"}]}]
    >>> [c["choices"][0]["delta"]["content"] for c in usage.track(chunks)]
    ['Hello', ' there!']
    >>> usage.prompt_tokens, usage.completion_tokens, usage.choices[0].finish_reason
    (8, 3, 'stop')

    The same for a Responses API stream:

    >>> usage = StreamUsage(model="gpt-4o", input="Hi")
    >>> events = [{"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "Hello"},
    ...           {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": " there!"}]
    >>> for event in usage.track(events):
    ...     pass
    >>> usage.input_tokens, usage.output_tokens, usage.output[0].text_tokens
    (8, 3, 3)
    """

    def __init__(
        self,
        *,
        model: str | None = None,
        encoding: Encoding | str | os.PathLike[str] | dict[str, Any] | None = None,
        chat_template: ChatTemplate | None = None,
        messages: Iterable[Any] | None = None,
        input: str | Iterable[Any] | None = None,  # noqa: A002 - the Responses API's name
        instructions: str | None = None,
        tools: Iterable[Any] | None = None,
        part_tokens: PartTokens | None = None,
        max_open_bytes: int | None = None,
    ) -> None:
        """Count the prompt now; the completion is counted as the stream arrives.

        The encoding is ``encoding`` when given, else ``chat_template``'s, else the one
        :func:`encoding_for_model` gives for ``model``. ``encoding`` wins over ``model``: the
        model name is then kept as a label (``self.model``) and may be any name, such as an open
        model's that a vLLM, SGLang or Ollama server streams. ``encoding`` is an
        :class:`Encoding`, a built-in encoding's name, or what :meth:`Encoding.from_tokenizer_json`
        takes (a path, the file's text, its dict).

        The prompt: with ``chat_template`` (a :class:`ChatTemplate`), ``prompt_tokens`` is its
        exact count of the messages and tools with the generation prompt, as the server renders
        them (the Responses API's ``instructions`` become a system message ahead of the
        ``input``, a str a user message); without it, OpenAI's framing (see
        :func:`count_messages`), which only a built-in encoding has: an encoding of another
        model's tokenizer counts ``messages``, ``input`` or ``tools`` only with its chat template.

        ``max_open_bytes`` bounds the text each streamed channel holds while no piece boundary
        comes (default 8 MiB, as :meth:`Encoding.stream`): a delta past it raises ``ValueError``
        from :meth:`feed` (and the methods built on it), and the counts keep what arrived before.

        Raises:
            KeyError: the model is not known (and no encoding was given).
            TypeError: neither ``model`` nor ``encoding`` nor ``chat_template`` was given.
            ValueError: both ``messages`` and ``input`` / ``instructions`` were given; the
                encoding is neither a built-in name nor a tokenizer.json; ``encoding`` is not
                ``chat_template``'s; a prompt of a tokenizer's encoding without its chat template;
                the encoding cannot stream (as :meth:`Encoding.stream` says).
            TypeError, ValueError: as :func:`count_messages`, :func:`count_input` and
                :func:`count_tools` raise.
        """
        if messages is not None and (input is not None or instructions is not None):
            raise ValueError(
                "messages is the Chat Completions prompt, input and instructions the Responses API's; pass one or the other"
            )
        if max_open_bytes is not None and max_open_bytes <= 0:
            raise ValueError("max_open_bytes must be a positive number of bytes")
        if encoding is not None:
            enc = _as_encoding(encoding)
            if chat_template is not None and chat_template.encoding is not enc:
                raise ValueError("chat_template counts with its own encoding; pass encoding= only when it is that one")
        elif chat_template is not None:
            enc = chat_template.encoding
        elif model is not None:
            enc = encoding_for_model(model)
        else:
            raise TypeError("StreamUsage needs model= (an OpenAI model name), encoding= or chat_template=")
        # A stream it cannot count fails here, not at the first chunk.
        enc.stream(max_open_bytes=max_open_bytes)
        #: The model name given (None when only an encoding was).
        self.model = model
        #: The encoding that counts the stream.
        self.encoding = enc
        self._max_open_bytes = max_open_bytes
        if chat_template is not None:
            prompt = _template_prompt(chat_template, messages, input, instructions, tools, part_tokens)
        else:
            has_prompt = messages is not None or input is not None or instructions is not None or tools is not None
            if has_prompt and not _is_builtin(enc):
                raise ValueError(
                    f"OpenAI's prompt framing is known for the built-in encodings only, not {enc.name!r}: "
                    "pass chat_template=ChatTemplate.from_tokenizer_config(...) to count an open model's "
                    "prompt exactly, or leave the prompt out to count the completion only"
                )
            prompt = 0
            if messages is not None:
                prompt += count_messages(messages, model=model, encoding=enc, part_tokens=part_tokens)
            if input is not None or instructions is not None:
                prompt += count_input(input, model=model, encoding=enc, instructions=instructions, part_tokens=part_tokens)
            if tools is not None:
                prompt += count_tools(tools, model=model, encoding=enc)
        #: Prompt tokens of the messages (or input and instructions) and tools given (0 when none were).
        self.prompt_tokens = prompt
        #: The API of the stream, once a chunk or an event arrived.
        self.api: Api | None = None
        #: Each choice's usage, by choice index (Chat Completions).
        self.choices: dict[int, ChoiceUsage] = {}
        #: Each output item's usage, by ``output_index`` (Responses API).
        self.output: dict[int, OutputItemUsage] = {}
        #: The usage the stream reported, if it carried one.
        self.reported: TokenUsage | None = None
        #: Whether the stream's end arrived: ``data: [DONE]`` through :meth:`feed_sse` (Chat
        #: Completions), or a ``response.completed`` / ``.incomplete`` / ``.failed`` event.
        self.done = False
        #: The response's ``status`` (Responses API): ``"in_progress"``, ``"completed"``,
        #: ``"incomplete"``, ``"failed"``, ...; None before a lifecycle event arrived.
        self.status: str | None = None
        #: The message of an ``error`` event or of a failed response's ``error`` (Responses API).
        self.error: str | None = None
        self._sse = EventStreamDecoder()

    @property
    def input_tokens(self) -> int:
        """``prompt_tokens`` under the Responses API's name."""
        return self.prompt_tokens

    @property
    def completion_tokens(self) -> int:
        """Completion tokens of all choices or output items, counted locally."""
        if self.api == "responses":
            return sum(item.completion_tokens for item in self.output.values())
        return sum(choice.completion_tokens for choice in self.choices.values())

    @property
    def output_tokens(self) -> int:
        """``completion_tokens`` under the Responses API's name."""
        return self.completion_tokens

    @property
    def reasoning_tokens(self) -> int:
        """Tokens of the reasoning text the stream carried (part of ``completion_tokens``): Chat
        Completions' ``delta.reasoning_content`` / ``delta.reasoning``, the Responses API's
        ``response.reasoning_text.delta``. A provider that hides its reasoning streams none."""
        if self.api == "responses":
            return sum(item.reasoning_tokens for item in self.output.values())
        return sum(choice.reasoning_tokens for choice in self.choices.values())

    @property
    def summary_tokens(self) -> int:
        """Tokens of the reasoning summaries the response streamed (Responses API); not part of
        ``completion_tokens`` (see :class:`OutputItemUsage`)."""
        return sum(item.summary_tokens for item in self.output.values())

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

    def cost(
        self,
        *,
        input_per_million: float,
        output_per_million: float,
        cached_input_per_million: float | None = None,
    ) -> float:
        """The price of the request from the caller's prices per million tokens.

        Uses the reported usage when the stream carried one (it is what the provider bills),
        else the local counts. With ``cached_input_per_million``, the reported ``cached_tokens``
        of the prompt are priced at it and the rest of the prompt at ``input_per_million``
        (local counts know of no cache).

        Raises:
            ValueError: a price is negative or not a number.
        """
        prices = [("input_per_million", input_per_million), ("output_per_million", output_per_million)]
        if cached_input_per_million is not None:
            prices.append(("cached_input_per_million", cached_input_per_million))
        for name, price in prices:
            if isinstance(price, bool) or not isinstance(price, (int, float)) or not price >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {price!r}")
        figures = self.reported or self.local
        cached = (figures.cached_tokens or 0) if cached_input_per_million is not None else 0
        uncached = figures.prompt_tokens - cached
        cached_cost = cached * cached_input_per_million if cached_input_per_million is not None else 0.0
        return (uncached * input_per_million + cached_cost + figures.completion_tokens * output_per_million) / 1e6

    def feed(self, chunk: Any) -> None:
        """Count one chunk or event (an object with ``choices`` / ``usage`` or with a
        ``response.*`` ``type``, or a parsed JSON dict).

        Raises:
            TypeError, ValueError: the chunk or event is malformed, is neither, or belongs to the
                other API than the stream so far; nothing of it was counted.
        """
        api, changes, reported = _parse(chunk)
        if api != self.api and self.api is not None:
            _refuse(self.api, api)
        self._apply(api, changes, reported)

    def track(self, stream: Iterable[T]) -> Iterator[T]:
        """Yield the chunks or events of ``stream`` unchanged, counting each before it is yielded.

        Raises:
            TypeError, ValueError: a chunk or event is malformed (as :meth:`feed`); it is not yielded.
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
        fields, ``event:`` lines (a Responses event's type is read from its data), ``data: [DONE]``
        (sets :attr:`done`), and bytes split inside a line or a UTF-8 character. Each call costs
        time proportional to ``len(data)`` (plus the events it ends).

        Raises:
            TypeError: ``data`` is not bytes.
            ValueError: an event that ended in ``data`` is not a chunk or a Responses event; the
                tracker is left as it was before the call.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"feed_sse expects bytes, got {type(data).__name__}")
        payloads = self._sse.feed(bytes(data))
        parsed: list[_Parsed] = []
        done = self.done
        try:
            api = self.api
            for payload in payloads:
                if payload.strip() == b"[DONE]":
                    done = True
                    continue
                if not payload.strip():
                    continue
                parsed.append(_parse(_json_object(payload)))
                if parsed[-1][0] != api and api is not None:
                    _refuse(api, parsed[-1][0])
                api = parsed[-1][0]
        except BaseException:
            self._sse.undo()
            raise
        self.done = done
        for api, changes, reported in parsed:
            self._apply(api, changes, reported)

    def _apply(self, api: Api, changes: list[Any], reported: TokenUsage | None) -> None:
        """Apply checked changes; nothing here can fail but a text past the limit of open text."""
        self.api = api
        if api == "chat.completions":
            _completions.apply_changes(self.choices, self.encoding, changes, self._max_open_bytes)
        else:
            for name, value in _responses.apply_changes(self.output, self.encoding, changes, self._max_open_bytes):
                setattr(self, name, value)
        if reported is not None:
            self.reported = reported

    def __repr__(self) -> str:
        parts = f"choices={len(self.choices)}" if self.api != "responses" else f"output={len(self.output)}"
        return (
            f"StreamUsage(model={self.model!r}, encoding={self.encoding.name!r}, prompt_tokens={self.prompt_tokens}, "
            f"completion_tokens={self.completion_tokens}, {parts})"
        )


def _is_builtin(enc: Encoding) -> bool:
    """Whether ``enc`` is one of the shared built-in encodings, whose models OpenAI's framing fits."""
    return enc.name in list_encoding_names() and enc is get_encoding(enc.name)


def _template_prompt(
    template: ChatTemplate,
    messages: Iterable[Any] | None,
    input: str | Iterable[Any] | None,  # noqa: A002 - the Responses API's name
    instructions: str | None,
    tools: Iterable[Any] | None,
    part_tokens: PartTokens | None,
) -> int:
    """The prompt tokens of a request as the model's chat template renders it, generation prompt
    included; 0 when the request has no messages."""
    if part_tokens is not None:
        raise ValueError("part_tokens estimates parts in OpenAI's framing; a chat template renders the parts itself")
    chat: list[Any] = []
    if messages is not None:
        chat = list(messages)
    else:
        if instructions is not None:
            chat.append({"role": "system", "content": instructions})
        if isinstance(input, str):
            chat.append({"role": "user", "content": input})
        elif input is not None:
            for i, item in enumerate(input):
                kind = field(item, "type")
                if kind not in (None, "message"):
                    raise ValueError(
                        f"input item {i}: a {kind!r} item has no chat-template rendering here; pass messages instead"
                    )
                chat.append({"role": field(item, "role"), "content": field(item, "content")})
    if not chat:
        return 0
    tool_list = None if tools is None else [_chat_tool(t) for t in tools]
    return template.count(chat, tools=tool_list, add_generation_prompt=True)


def _chat_tool(tool: Any) -> Any:
    """A tool in Chat Completions' shape, which chat templates read; the Responses API's flat
    ``{"type": "function", "name": ...}`` is nested as a server does."""
    if isinstance(tool, Mapping) and "function" not in tool and "name" in tool:
        flat = {k: v for k, v in dict(tool).items() if k != "type"}
        return {"type": "function", "function": flat}
    return tool


def _refuse(current: Api, api: Api) -> NoReturn:
    names = {"chat.completions": "a chat completion chunk", "responses": "a Responses event"}
    raise ValueError(f"this is a {current} stream; got {names[api]}")


def _json_object(payload: bytes) -> Any:
    try:
        message = json.loads(payload.decode("utf-8", "replace"))
    except json.JSONDecodeError as e:
        raise ValueError(f"an event's data is not JSON: {e}: {payload[:80]!r}") from None
    if not isinstance(message, dict):
        raise ValueError(f"an event's data is not a JSON object: {payload[:80]!r}")
    return message
