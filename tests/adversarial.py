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


#: shape name -> function of a length in characters (all shapes but "han" are ASCII: bytes too).
SHAPES: dict[str, Callable[[int], str]] = {
    "letters": _cycle("abcdefghijklmnopqrstuvwxyz"),
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
