"""``tiktoken.registry``: the built-in encodings, loaded once per process."""

from streamtok import get_encoding, list_encoding_names
from streamtok._encoding import _ENCODINGS as ENCODINGS

__all__ = ["ENCODINGS", "get_encoding", "list_encoding_names"]
