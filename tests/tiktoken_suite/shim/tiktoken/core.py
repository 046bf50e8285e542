"""``tiktoken.core``: the Encoding class."""

from streamtok import Encoding

__all__ = ["Encoding"]
