"""``tiktoken.load``: rank files, from local paths only."""

from streamtok.load import load_tiktoken_bpe

__all__ = ["load_tiktoken_bpe"]
