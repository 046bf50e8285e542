"""Output tokens of a streamed Responses API response, output item by output item.

The Responses API streams typed events (``response.output_text.delta``, ...). An event (the
``openai`` package's event object, such as ``ResponseTextDeltaEvent``, or its parsed JSON dict)
is first read into a list of checked changes (:func:`event_changes`); applying them
(:func:`apply_changes`) cannot fail, so a malformed event changes nothing.

Each text of an output item has its own stream counter, fed by the deltas: a message's
``output_text`` and ``refusal`` parts, a function call's ``arguments`` (a custom tool call's
``input``), a reasoning item's summary parts and its raw reasoning text. A function call's name
arrives whole, in its item.

The ``.done`` events, the ``content_part`` / ``reasoning_summary_part`` events, the
``output_item`` events and the final response's ``output`` carry texts whole. They never add to
a count that the deltas already made: each text keeps a digest of what its deltas brought, and a
whole text that extends it adds only the rest (deltas that never arrived); a final text that
disagrees with the deltas replaces them; one that agrees changes nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from streamtok._encoding import Encoding
from streamtok._fields import field, index, list_of, text_or_none
from streamtok._usage import TokenUsage, reported_usage, text_counter


def _digest() -> Any:
    return hashlib.blake2b(digest_size=16)


def _utf8(text: str) -> bytes:
    # JSON may carry lone surrogates; they must hash, not raise.
    return text.encode("utf-8", "surrogatepass")


class _Text:
    """One streamed text: its exact count, and a digest of what arrived to check whole texts against."""

    __slots__ = ("chars", "counter", "digest")

    def __init__(self, encoding: Encoding, max_open_bytes: int | None = None) -> None:
        self.counter = text_counter(encoding, max_open_bytes)
        self.digest = _digest()
        self.chars = 0

    def push(self, delta: str) -> None:
        self.counter.push(delta)
        self.digest.update(_utf8(delta))
        self.chars += len(delta)

    def settle(self, whole: str, final: bool) -> None:
        """Make this the count of ``whole``, the text so far (``final``: all of it)."""
        if len(whole) >= self.chars:
            seen = _digest()
            seen.update(_utf8(whole[: self.chars]))
            if seen.digest() == self.digest.digest():
                if len(whole) > self.chars:
                    self.push(whole[self.chars :])
                return
        if final:
            self.counter.reset()
            self.digest = _digest()
            self.chars = 0
            self.push(whole)


# Channels of an output item's texts; a channel has one text per part index.
TEXT, REFUSAL, NAME, ARGUMENTS, SUMMARY, REASONING = "text", "refusal", "name", "arguments", "summary", "reasoning"
# The channels that count as output (completion) tokens; a reasoning summary does not.
_OUTPUT_CHANNELS = (TEXT, REFUSAL, NAME, ARGUMENTS, REASONING)


class OutputItemUsage:
    """Tokens of one output item of a response (one ``output_index``): a ``message``, a
    ``function_call``, a ``reasoning`` item, ...

    ``completion_tokens`` (also ``output_tokens``) is the exact token count of the text the item
    streamed: a message's output text and refusal, a function call's name and arguments (a custom
    tool call's name and input), and a reasoning item's raw reasoning text where the server
    streams it (``response.reasoning_text.delta``). Each content part, summary part and reasoning
    part is counted on its own and the counts added.

    A reasoning summary is not in ``completion_tokens``: it is a summary written about the hidden
    reasoning, not the reasoning the provider bills as ``output_tokens_details.reasoning_tokens``.
    Its exact count is ``summary_tokens``.
    """

    def __init__(self, encoding: Encoding, index: int, max_open_bytes: int | None = None) -> None:
        self.index = index
        #: The item's ``id``, once an event carried it.
        self.id: str | None = None
        #: The item's ``type`` (``"message"``, ``"function_call"``, ``"reasoning"``, ...), once known.
        self.type: str | None = None
        #: The item's ``status`` (``"in_progress"``, ``"completed"``, ``"incomplete"``), once known.
        self.status: str | None = None
        #: A function or custom tool call's ``call_id``, once known.
        self.call_id: str | None = None
        self._encoding = encoding
        self._max_open_bytes = max_open_bytes
        self._texts: dict[tuple[str, int], _Text] = {}

    def _text(self, channel: str, part: int) -> _Text:
        text = self._texts.get((channel, part))
        if text is None:
            text = self._texts[channel, part] = _Text(self._encoding, self._max_open_bytes)
        return text

    def _tokens(self, *channels: str) -> int:
        return sum(text.counter.count for (channel, _), text in self._texts.items() if channel in channels)

    @property
    def text_tokens(self) -> int:
        """Exact tokens of the message's output text (all its ``output_text`` parts)."""
        return self._tokens(TEXT)

    @property
    def refusal_tokens(self) -> int:
        """Exact tokens of the message's refusal."""
        return self._tokens(REFUSAL)

    @property
    def name_tokens(self) -> int:
        """Exact tokens of the function (or custom tool) name."""
        return self._tokens(NAME)

    @property
    def arguments_tokens(self) -> int:
        """Exact tokens of the function call's arguments (a custom tool call's input)."""
        return self._tokens(ARGUMENTS)

    @property
    def reasoning_tokens(self) -> int:
        """Exact tokens of the raw reasoning text the server streamed (0 when it streams none)."""
        return self._tokens(REASONING)

    @property
    def summary_tokens(self) -> int:
        """Exact tokens of the reasoning summary (all its parts); not in ``completion_tokens``."""
        return self._tokens(SUMMARY)

    @property
    def completion_tokens(self) -> int:
        """Output text, refusal, name, arguments and reasoning-text tokens of this item."""
        return self._tokens(*_OUTPUT_CHANNELS)

    @property
    def output_tokens(self) -> int:
        """``completion_tokens`` under the Responses API's name."""
        return self.completion_tokens

    def __repr__(self) -> str:
        return (
            f"OutputItemUsage(index={self.index}, type={self.type!r}, completion_tokens={self.completion_tokens}, "
            f"summary_tokens={self.summary_tokens}, status={self.status!r})"
        )


# One checked change: (kind, output index, channel or attribute, part index, value).
# Kinds: "delta" (text to count), "whole" (a text so far), "final" (a whole text), "meta" (an
# item attribute), "check" (the id the final output has at an index: its changes apply only if
# it is the item streamed there), "response" (an attribute of the whole response; index -1).
Change = tuple[str, int, str, int, Any]

# Delta events: channel, the field holding the part index (None: one part).
_DELTAS = {
    "response.output_text.delta": (TEXT, "content_index"),
    "response.refusal.delta": (REFUSAL, "content_index"),
    "response.function_call_arguments.delta": (ARGUMENTS, None),
    "response.custom_tool_call_input.delta": (ARGUMENTS, None),
    "response.reasoning_summary_text.delta": (SUMMARY, "summary_index"),
    "response.reasoning_text.delta": (REASONING, "content_index"),
}
# Events that end a text: channel, part index field, the field holding the whole text.
_DONES = {
    "response.output_text.done": (TEXT, "content_index", "text"),
    "response.refusal.done": (REFUSAL, "content_index", "refusal"),
    "response.function_call_arguments.done": (ARGUMENTS, None, "arguments"),
    "response.custom_tool_call_input.done": (ARGUMENTS, None, "input"),
    "response.reasoning_summary_text.done": (SUMMARY, "summary_index", "text"),
    "response.reasoning_text.done": (REASONING, "content_index", "text"),
}
# Part events: the field holding the part index, and whether the part is whole.
_PARTS = {
    "response.content_part.added": ("content_index", False),
    "response.content_part.done": ("content_index", True),
    "response.reasoning_summary_part.added": ("summary_index", False),
    "response.reasoning_summary_part.done": ("summary_index", True),
}
# A part's type: its channel and the field holding its text.
_PART_TEXT = {
    "output_text": (TEXT, "text"),
    "refusal": (REFUSAL, "refusal"),
    "reasoning_text": (REASONING, "text"),
    "summary_text": (SUMMARY, "text"),
}
_STARTED = ("response.created", "response.queued", "response.in_progress")
_ENDED = {"response.completed": "completed", "response.incomplete": "incomplete", "response.failed": "failed"}


def is_event(obj: Any) -> bool:
    """Whether ``obj`` has the ``type`` of a Responses stream event (``response.*`` or ``error``)."""
    kind = field(obj, "type")
    return isinstance(kind, str) and (kind.startswith("response.") or kind == "error")


def _part_index(event: Any, name: str | None, where: str) -> int:
    if name is None:
        return 0
    value = field(event, name)
    return 0 if value is None else index(value, f"{where}.{name}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{where} must be a str, got {type(value).__name__}")
    return value


def _part_changes(part: Any, out: int, j: int, kind: str, where: str) -> list[Change]:
    """The text of a content or summary part, if it is a part with text."""
    ptype = field(part, "type")
    if not isinstance(ptype, str) or ptype not in _PART_TEXT:
        return []
    channel, name = _PART_TEXT[ptype]
    text = text_or_none(field(part, name), f"{where}.{name}")
    return [] if text is None else [(kind, out, channel, j, text)]


def _item_changes(item: Any, out: int, kind: str, where: str) -> list[Change]:
    """The attributes and the texts so far (``kind`` "whole") or whole (``"final"``) of an item."""
    changes: list[Change] = []
    for attr in ("type", "id", "status", "call_id"):
        value = text_or_none(field(item, attr), f"{where}.{attr}")
        if value is not None:
            changes.append(("meta", out, attr, 0, value))
    itype = field(item, "type")
    if itype == "message":
        for j, part in enumerate(list_of(field(item, "content"), f"{where}.content")):
            changes += _part_changes(part, out, j, kind, f"{where}.content[{j}]")
    elif itype in ("function_call", "custom_tool_call"):
        for channel, name in ((NAME, "name"), (ARGUMENTS, "arguments" if itype == "function_call" else "input")):
            text = text_or_none(field(item, name), f"{where}.{name}")
            if text is not None:
                changes.append((kind, out, channel, 0, text))
    elif itype == "reasoning":
        for name in ("summary", "content"):
            for j, part in enumerate(list_of(field(item, name), f"{where}.{name}")):
                changes += _part_changes(part, out, j, kind, f"{where}.{name}[{j}]")
    return changes


def event_changes(event: Any) -> tuple[list[Change], TokenUsage | None]:
    """The changes a Responses stream event makes and the usage it reports, checked first.

    Events of other types (``response.output_text.annotation.added``, built-in tool progress,
    audio, ...) change nothing.

    Raises:
        TypeError, ValueError: the event is malformed (the message says where).
    """
    kind = field(event, "type")
    where = str(kind)
    if kind in _DELTAS:
        channel, part_field = _DELTAS[kind]
        out = index(field(event, "output_index"), f"{where}.output_index")
        part = _part_index(event, part_field, where)
        return [("delta", out, channel, part, _text(field(event, "delta"), f"{where}.delta"))], None
    if kind in _DONES:
        channel, part_field, name = _DONES[kind]
        out = index(field(event, "output_index"), f"{where}.output_index")
        part = _part_index(event, part_field, where)
        text = text_or_none(field(event, name), f"{where}.{name}")
        return ([] if text is None else [("final", out, channel, part, text)]), None
    if kind in _PARTS:
        part_field, whole = _PARTS[kind]
        out = index(field(event, "output_index"), f"{where}.output_index")
        part = _part_index(event, part_field, where)
        return _part_changes(field(event, "part"), out, part, "final" if whole else "whole", f"{where}.part"), None
    if kind in ("response.output_item.added", "response.output_item.done"):
        out = index(field(event, "output_index"), f"{where}.output_index")
        item = field(event, "item")
        if item is None:  # some servers send an empty "added" event
            return [], None
        return _item_changes(item, out, "final" if kind.endswith(".done") else "whole", f"{where}.item"), None
    if kind in _STARTED or kind in _ENDED:
        return _response_changes(event, kind, where)
    if kind == "error":
        message = field(event, "message")
        return [("response", -1, "error", 0, message if isinstance(message, str) else repr(message))], None
    return [], None


def _response_changes(event: Any, kind: str, where: str) -> tuple[list[Change], TokenUsage | None]:
    response = field(event, "response")
    changes: list[Change] = []
    status = text_or_none(field(response, "status"), f"{where}.response.status")
    if kind in _ENDED:
        changes.append(("response", -1, "status", 0, status or _ENDED[kind]))
        # The final output holds every item whole; it fills in what the events missed.
        for k, item in enumerate(list_of(field(response, "output"), f"{where}.response.output")):
            if item is not None:
                changes.append(("check", k, "id", 0, field(item, "id")))
                changes += _item_changes(item, k, "final", f"{where}.response.output[{k}]")
        error = field(response, "error")
        if error is not None:
            message = field(error, "message")
            changes.append(("response", -1, "error", 0, message if isinstance(message, str) else repr(error)))
        changes.append(("response", -1, "done", 0, True))
        usage = field(response, "usage")
        return changes, (None if usage is None else reported_usage(usage, f"{where}.response.usage", responses=True))
    if status is not None:
        changes.append(("response", -1, "status", 0, status))
    return changes, None


def apply_changes(
    items: dict[int, OutputItemUsage], encoding: Encoding, changes: list[Change], max_open_bytes: int | None = None
) -> list[tuple[str, Any]]:
    """Apply checked changes to ``items``; nothing here can fail but a text past
    ``max_open_bytes`` (``ValueError``; the changes before it stay applied). Returns the
    response-level (attribute, value) changes."""
    response: list[tuple[str, Any]] = []
    skip = -1  # an output index whose final item is not the one streamed at that index
    for kind, out, channel, part, value in changes:
        if kind == "response":
            # The final output's items come right before the response's own changes.
            skip = -1
            response.append((channel, value))
            continue
        if kind == "check":
            known = items.get(out)
            skip = out if known is not None and known.id is not None and value is not None and known.id != value else -1
            continue
        if out == skip:
            continue
        item = items.get(out)
        if item is None:
            item = items[out] = OutputItemUsage(encoding, out, max_open_bytes)
        if kind == "delta":
            item._text(channel, part).push(value)
        elif kind == "meta":
            setattr(item, channel, value)
        else:
            item._text(channel, part).settle(value, kind == "final")
    return response
