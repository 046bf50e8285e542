"""streamtok: exact tiktoken-compatible token counts, over whole texts and over streams.

This module is the public API; everything else is private.
"""

from streamtok._encoding import (
    Encoding,
    encoding_for_model,
    get_encoding,
    list_encoding_names,
)
from streamtok._models import MODEL_PREFIX_TO_ENCODING, MODEL_TO_ENCODING, encoding_name_for_model
from streamtok._native import StreamCounter, StreamEncoder, __version__

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import Any

    from streamtok._chat import count_input, count_messages, count_tools
    from streamtok._chat_template import ChatTemplate
    from streamtok._openai import ChoiceUsage, OutputItemUsage, StreamUsage, TokenUsage, ToolCallUsage
    from streamtok.load import load_tiktoken_bpe

# The chat-usage helpers import json, dataclasses and re; loading them on first use keeps
# `import streamtok` quick for the many programs that only count.
_LAZY = {
    "ChatTemplate": "streamtok._chat_template",
    "count_input": "streamtok._chat",
    "count_messages": "streamtok._chat",
    "count_tools": "streamtok._chat",
    "ChoiceUsage": "streamtok._openai",
    "OutputItemUsage": "streamtok._openai",
    "StreamUsage": "streamtok._openai",
    "TokenUsage": "streamtok._openai",
    "ToolCallUsage": "streamtok._openai",
    "load_tiktoken_bpe": "streamtok.load",
}


def __getattr__(name: str) -> "Any":
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'streamtok' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "MODEL_PREFIX_TO_ENCODING",
    "MODEL_TO_ENCODING",
    "ChatTemplate",
    "ChoiceUsage",
    "Encoding",
    "OutputItemUsage",
    "StreamCounter",
    "StreamEncoder",
    "StreamUsage",
    "TokenUsage",
    "ToolCallUsage",
    "__version__",
    "count_input",
    "count_messages",
    "count_tools",
    "encoding_for_model",
    "encoding_name_for_model",
    "get_encoding",
    "list_encoding_names",
    "load_tiktoken_bpe",
]
