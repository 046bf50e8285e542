"""Rank files in tiktoken's ``.tiktoken`` format, read from local paths (no network).

``from streamtok.load import load_tiktoken_bpe`` stands in for ``from tiktoken.load import
load_tiktoken_bpe``; it reads local files only, and refuses a URL rather than download it.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["load_tiktoken_bpe"]


def load_tiktoken_bpe(
    tiktoken_bpe_file: str | os.PathLike[str], expected_hash: str | None = None
) -> dict[bytes, int]:
    """Read a ``.tiktoken`` rank file: one ``<base64 token> <rank>`` pair a line.

    The lines are read as tiktoken reads them (blank lines skipped, any other line that does not
    parse raises); the result is what ``tiktoken.load.load_tiktoken_bpe`` returns for the same
    file, ready for ``Encoding(mergeable_ranks=...)``.

    Args:
        tiktoken_bpe_file: a local path. A URL raises: streamtok never downloads.
        expected_hash: the file's sha256 in hex, checked when given.

    Raises:
        ValueError: a line does not parse, the hash differs, or the path is a URL.
        OSError: the file cannot be read.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.tiktoken")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"aGk= 0\\nIQ== 1\\n")
    >>> load_tiktoken_bpe(path)
    {b'hi': 0, b'!': 1}
    """
    path = os.fspath(tiktoken_bpe_file)
    if "://" in path:
        raise ValueError(
            f"streamtok does not download rank files: {path!r} is a URL; "
            "download it once and pass its local path"
        )
    with open(path, "rb") as f:
        contents = f.read()
    if expected_hash is not None:
        import hashlib

        if hashlib.sha256(contents).hexdigest() != expected_hash:
            # tiktoken's message, word for word.
            raise ValueError(
                f"Hash mismatch for data downloaded from {path} (expected {expected_hash}). "
                "This may indicate a corrupted download. Please try again."
            )
    return _parse(contents, path)


def _parse(contents: bytes, source: str) -> dict[bytes, int]:
    """The ranks that ``.tiktoken`` data ``contents`` holds, parsed as tiktoken parses them."""
    from base64 import b64decode

    ranks: dict[bytes, int] = {}
    for line in contents.splitlines():
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[b64decode(token)] = int(rank)
        except Exception as e:  # what tiktoken catches: any defect of the line
            raise ValueError(f"Error parsing line {line!r} in {source}") from e
    return ranks


def _data_of(mergeable_ranks: Mapping[bytes, int]) -> bytes:
    """``mergeable_ranks`` as ``.tiktoken`` data, the form the native constructor reads."""
    from base64 import b64encode

    return b"".join([b64encode(token) + b" %d\n" % rank for token, rank in mergeable_ranks.items()])
