"""The tokens at the end of a text that more text may change: tiktoken's ``encode_with_unstable``
and ``_encode_bytes``, which start from the tokens of the text's last piece.

Both follow tiktoken 0.14 step for step (its own comments call parts of them heuristics), so that
their results are tiktoken's, not a better answer: the stream classes give the exact one.
"""

from __future__ import annotations

from bisect import bisect_left

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    from typing import AbstractSet

    from streamtok._encoding import Encoding

# Rust's `char::is_whitespace`: the Unicode White_Space property.
_WHITE_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _is_blank(enc: Encoding, token: int) -> bool:
    """Whether ``token`` is a mergeable token of spaces, tabs and newlines only."""
    if enc.is_special_token(token):
        return False
    return all(b in b" \n\t" for b in enc.decode_single_token_bytes(token))


def _widen(enc: Encoding, tokens: list[int], last: int) -> int:
    """The last piece's token count, widened over the blank tokens before a blank last piece:
    the piece boundaries of whitespace can move when text follows (``"\\n" + " "`` becomes
    ``"\\n \\n"`` in cl100k_base)."""
    if last > 0 and _is_blank(enc, tokens[-last]):
        while last < len(tokens) and _is_blank(enc, tokens[-last - 1]):
            last += 1
    return last


def encode_bytes(enc: Encoding, data: bytes) -> list[int]:
    """Tokens of ``data``, which need not be UTF-8: the UTF-8 part is encoded as text, and the
    rest is merged with the bytes of the valid part's last piece."""
    try:
        return enc.encode_ordinary(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        valid = e.start
    text = data[:valid].decode("utf-8")
    tokens = enc.encode_ordinary(text)
    last = _widen(enc, tokens, enc._last_piece_tokens(text))
    if tokens and last > 0:
        rest = enc.decode_bytes(tokens[-last:]) + data[valid:]
        del tokens[-last:]
    else:
        rest = data[valid:]
    if rest:
        tokens += enc._encode_single_piece(rest)
    return tokens


def _last_char(data: bytes) -> tuple[str | None, int]:
    """The last UTF-8 character of ``data`` and its length; ``None`` when it is not valid."""
    start = len(data) - 1
    while start > max(0, len(data) - 4) and data[start] & 0xC0 == 0x80:
        start -= 1
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError:
        return None, 1
    return (text, len(data) - start) if len(text) == 1 else (None, 1)


def encode_with_unstable(
    enc: Encoding, text: str, allowed: str | AbstractSet[str]
) -> tuple[list[int], list[list[int]]]:
    """The tokens of ``text`` that no continuation changes, and the token sequences that may
    continue them (each covering at least the rest of the text's bytes)."""
    tokens = enc._encode(text, allowed)
    last = enc._last_piece_tokens(text, allowed)
    if last == 0:
        return tokens, []
    last = _widen(enc, tokens, last)
    unstable = enc.decode_bytes(tokens[-last:])
    del tokens[-last:]
    if not unstable:
        return tokens, []
    ranks = enc._mergeable_ranks
    ordered = enc._sorted_token_bytes
    completions: set[tuple[int, ...]] = set()

    def starting_with(prefix: bytes) -> list[bytes]:
        i = bisect_left(ordered, prefix)
        found = []
        while i < len(ordered) and ordered[i].startswith(prefix):
            found.append(ordered[i])
            i += 1
        return found

    # A single token that starts with the unstable bytes.
    completions.update((ranks[t],) for t in starting_with(unstable))
    # A token that straddles the end: the bytes before it, then one that starts with the rest.
    for cut in range(1, len(unstable)):
        head = unstable[:cut]
        for token in starting_with(unstable[cut:]):
            joined = head + token
            try:
                encoded = enc.encode_ordinary(joined.decode("utf-8"))
            except UnicodeDecodeError:
                encoded = enc._encode_single_piece(joined)
            seq: list[int] = []
            covered = 0
            for t in encoded:
                seq.append(t)
                covered += len(enc.decode_single_token_bytes(t))
                if covered >= len(unstable):
                    break
            completions.add(tuple(seq))
    # A whitespace character at the end may split off once text follows.
    if len(unstable) > 1:
        char, size = _last_char(unstable)
        if char is not None and char in _WHITE_SPACE and len(unstable) > size:
            head, end = unstable[:-size], unstable[-size:]
            completions.add(tuple(enc._encode_single_piece(head) + enc._encode_single_piece(end)))
    return tokens, [list(c) for c in completions]
