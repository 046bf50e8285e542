"""Token figures shaped like the API's ``usage`` objects, and reading them from a stream.

Chat Completions reports ``prompt_tokens`` / ``completion_tokens``; the Responses API reports the
same figures as ``input_tokens`` / ``output_tokens``. :class:`TokenUsage` holds either, under the
Chat Completions names with the Responses names as aliases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streamtok._encoding import Encoding
from streamtok._fields import field, int_or_none
from streamtok._native import StreamCounter


@dataclass(frozen=True)
class TokenUsage:
    """Token figures shaped like the API's ``usage`` object.

    ``cached_tokens`` (the part of the prompt read from the provider's prompt cache) and
    ``reasoning_tokens`` (the part of the completion spent on reasoning, streamed or not) are
    None unless the provider reported them.
    """

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None

    @property
    def input_tokens(self) -> int:
        """``prompt_tokens`` under the Responses API's name."""
        return self.prompt_tokens

    @property
    def output_tokens(self) -> int:
        """``completion_tokens`` under the Responses API's name."""
        return self.completion_tokens


# (prompt, completion, total, prompt details, completion details) field names of each API.
_CHAT_NAMES = ("prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details")
_RESPONSES_NAMES = ("input_tokens", "output_tokens", "total_tokens", "input_tokens_details", "output_tokens_details")


def reported_usage(reported: Any, where: str, *, responses: bool = False) -> TokenUsage:
    """The :class:`TokenUsage` of a ``usage`` object (Chat Completions or, with ``responses``,
    Responses API names), details included when present.

    Raises:
        ValueError: a figure is missing or not an int.
    """
    names = _RESPONSES_NAMES if responses else _CHAT_NAMES
    figures = []
    for key in names[:3]:
        value = field(reported, key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}.{key} must be an int, got {value!r}")
        figures.append(value)
    cached = int_or_none(field(field(reported, names[3]), "cached_tokens"), f"{where}.{names[3]}.cached_tokens")
    reasoning = int_or_none(field(field(reported, names[4]), "reasoning_tokens"), f"{where}.{names[4]}.reasoning_tokens")
    prompt, completion, total = figures
    return TokenUsage(prompt, completion, total, cached_tokens=cached, reasoning_tokens=reasoning)


def text_counter(encoding: Encoding, max_open_bytes: int | None) -> StreamCounter:
    """The counter of one streamed text channel. A tokenizer.json's encoding counts special-token
    text as the special token, as its own tokenizer (the server's) always splits added tokens out
    of text; OpenAI's encodings count streamed text as ordinary text, as tiktoken's usage does."""
    allowed: Any = "all" if encoding._tokenizer_json is not None else frozenset()
    return StreamCounter(encoding, allowed_special=allowed, max_open_bytes=max_open_bytes)
