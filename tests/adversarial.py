"""Adversarial text shapes: one giant piece of each alternative of tiktoken's patterns, classes
that alternate every character, and long special-token look-alikes. Shared by the exactness
tests (tests/test_adversarial.py) and the linear-growth benchmarks (benches/)."""

from __future__ import annotations

import base64
import hashlib
from typing import Callable


def _cycle(unit: str) -> Callable[[int], str]:
    """``unit`` repeated and cut to ``n`` characters."""
    return lambda n: (unit * (n // len(unit) + 1))[:n]


def _base64ish(n: int) -> str:
    raw = b"".join(hashlib.sha256(i.to_bytes(4, "little")).digest() for i in range(n // 43 + 1))
    return base64.b64encode(raw).decode()[:n]


def _random_letters(n: int) -> str:
    """Lowercase letters from a hash stream: short tokens, hardly a pair twice."""
    raw = b"".join(hashlib.sha256(b"letters" + i.to_bytes(4, "little")).digest() for i in range(n // 32 + 1))
    return "".join(chr(97 + b % 26) for b in raw[:n])


def _stepped_letters(n: int) -> str:
    """Letters stepping by 7 with a skip every 13: a 338-letter period of short tokens."""
    return "".join(chr(97 + (i * 7 + i // 13) % 26) for i in range(n))


#: shape name -> function of a length in characters (all shapes but "han" are ASCII: bytes too).
SHAPES: dict[str, Callable[[int], str]] = {
    "letters": _cycle("abcdefghijklmnopqrstuvwxyz"),
    "random-letters": _random_letters,
    "stepped-letters": _stepped_letters,
    "upper-lower": _cycle("aBcDeFgHiJ"),
    "spaces": _cycle(" "),
    "spaces-newlines": _cycle("  \n \n\r\n"),
    "digits": _cycle("0123456789"),
    "punctuation": _cycle("!?#$%&*+-.,;:"),
    "base64": _base64ish,
    "alternating": _cycle("aA1! "),
    "apostrophes": _cycle("'s'"),
    "han": _cycle("中文字数据"),
    "endoftext-prefix": _cycle("<|endoftext"),
    "endoftext-almost": _cycle("<|endoftext|"),
    "endoftext": _cycle("<|endoftext|>"),
}
