"""streamtok: exact tiktoken-compatible token counts, over whole texts and over streams.

This module is the public API; everything else is private.
"""

from streamtok._chat import count_messages, count_tools
from streamtok._encoding import (
    Encoding,
    encoding_for_model,
    get_encoding,
    list_encoding_names,
)
from streamtok._models import MODEL_PREFIX_TO_ENCODING, MODEL_TO_ENCODING, encoding_name_for_model
from streamtok._native import StreamCounter, StreamEncoder, __version__
from streamtok._openai import ChoiceUsage, StreamUsage, TokenUsage, ToolCallUsage

__all__ = [
    "MODEL_PREFIX_TO_ENCODING",
    "MODEL_TO_ENCODING",
    "ChoiceUsage",
    "Encoding",
    "StreamCounter",
    "StreamEncoder",
    "StreamUsage",
    "TokenUsage",
    "ToolCallUsage",
    "__version__",
    "count_messages",
    "count_tools",
    "encoding_for_model",
    "encoding_name_for_model",
    "get_encoding",
    "list_encoding_names",
]
