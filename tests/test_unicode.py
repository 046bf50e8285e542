"""Every Unicode scalar value, alone and in a few contexts, encodes as tiktoken encodes it.

This catches character-class skew: a code point that streamtok's tables put in a different class
(``\\s``, ``\\p{L}``/Lu/Ll/Lt/Lm/Lo, ``\\p{M}``, ``\\p{N}``) than tiktoken's regex engine does, or a
character that case-folds onto a contraction suffix after an apostrophe.

The full sweep runs on one encoding per pattern family (r50k_base, cl100k_base, o200k_base); the
other three encodings share a family with one of those and get a sample.

To stay fast, the contexts of many code points are joined with ``"\\n"`` and compared as one text;
on a mismatch the failing code point and context are narrowed down and reported. The "alone"
context is also checked exactly (one text per code point), since end of input changes how
whitespace and punctuation split.
"""

from __future__ import annotations

import os
import unicodedata

import pytest
import strategies
from support import FAMILY_ENCODINGS, shrink_mismatch, st, tk

CONTEXTS = ["{c}", "a{c}b", " {c}", "{c}'s", "'{c}", "1{c}2", "A{c}"]
SEP = "\n"
CHUNK = 4096

# Parts of the code space, so that a failure names a region and progress is visible.
REGIONS = {
    "plane0-a": range(0x0000, 0x3000),
    "plane0-b": range(0x3000, 0xA000),
    "plane0-c": range(0xA000, 0x10000),
    "plane1": range(0x10000, 0x20000),
    "plane2": range(0x20000, 0x30000),
    "plane3": range(0x30000, 0x40000),
    "planes4-13": range(0x40000, 0xE0000),
    "plane14": range(0xE0000, 0xF0000),
    "planes15-16": range(0xF0000, 0x110000),
}
# Planes 4 to 13 hold no assigned character in any Unicode version so far: in the fast profile
# their code points go through two contexts only, and one in eight alone (all of them, in every
# context, with STREAMTOK_HYPOTHESIS=thorough).
UNASSIGNED_PLANES = "planes4-13"
FEW_CONTEXTS = ["a{c}b", " {c}"]
THOROUGH = os.environ.get("STREAMTOK_HYPOTHESIS") == "thorough"
SAMPLED_ENCODINGS = ["p50k_base", "p50k_edit", "o200k_harmony"]
MAX_REPORTED = 25


def _scalars(r: range) -> list[int]:
    return [cp for cp in r if not 0xD800 <= cp <= 0xDFFF]


def _sample() -> list[int]:
    """Everything below U+0800, every whitespace and hard character, and a stride elsewhere."""
    cps = set(range(0x800))
    cps.update(ord(c) for c in strategies.HARD_CHARS)
    cps.update(range(0x800, 0x110000, 97))
    return sorted(cp for cp in cps if not 0xD800 <= cp <= 0xDFFF)


def _describe(cp: int) -> str:
    c = chr(cp)
    return f"U+{cp:04X} {unicodedata.category(c)} {unicodedata.name(c, '<unnamed>')}"


def _parts(cps: list[int], contexts: list[str]) -> list[str]:
    """For each code point, its contexts joined, each followed by SEP."""
    if contexts == CONTEXTS:  # the common case, built fast
        return [f"{c}\na{c}b\n {c}\n{c}'s\n'{c}\n1{c}2\nA{c}\n" for c in map(chr, cps)]
    templates = [t + SEP for t in contexts]
    return ["".join(t.format(c=chr(cp)) for t in templates) for cp in cps]


def _find_mismatches(names: list[str], cps: list[int], contexts: list[str] = CONTEXTS) -> list[str]:
    """Compare every context of every code point in ``cps``; describe the mismatches found."""
    problems: list[str] = []
    for start in range(0, len(cps), CHUNK):
        chunk = cps[start : start + CHUNK]
        parts = _parts(chunk, contexts)
        text = "".join(parts)
        for name in names:
            ref, enc = tk(name), st(name)
            if enc.encode_ordinary(text) == ref.encode_ordinary(text):
                continue
            found = False
            for cp, part in zip(chunk, parts):
                if enc.encode_ordinary(part) == ref.encode_ordinary(part):
                    continue
                found = True
                bad = [
                    t.format(c=chr(cp))
                    for t in contexts
                    if enc.encode_ordinary(t.format(c=chr(cp))) != ref.encode_ordinary(t.format(c=chr(cp)))
                ]
                sample = bad[0] if bad else part
                problems.append(
                    f"{name}: {_describe(cp)}: {sample!r} tiktoken {ref.encode_ordinary(sample)} "
                    f"streamtok {enc.encode_ordinary(sample)}"
                )
                if len(problems) >= MAX_REPORTED:
                    return problems
            if not found:
                small = shrink_mismatch(ref, enc, text)
                problems.append(
                    f"{name}: chunk U+{chunk[0]:04X}..U+{chunk[-1]:04X}: {small!r} tiktoken "
                    f"{ref.encode_ordinary(small)} streamtok {enc.encode_ordinary(small)}"
                )
    return problems


def _find_alone_mismatches(names: list[str], cps: list[int]) -> list[str]:
    """Compare each code point as the whole text (start and end of input around it)."""
    texts = [chr(cp) for cp in cps]
    problems = []
    for name in names:
        ref, enc = tk(name), st(name)
        expected = [ref.encode_ordinary(t) for t in texts]
        got = enc.encode_ordinary_batch(texts)
        problems += [
            f"{name}: {_describe(cp)} alone: tiktoken {e} streamtok {g}"
            for cp, e, g in zip(cps, expected, got)
            if e != g
        ]
        counts = enc.count_batch(texts)
        problems += [
            f"{name}: {_describe(cp)} alone: count {n}, tiktoken {len(e)}"
            for cp, e, n in zip(cps, expected, counts)
            if len(e) != n
        ]
    return problems[:MAX_REPORTED]


@pytest.mark.parametrize("region", list(REGIONS))
def test_every_code_point_in_context(region: str) -> None:
    """r50k_base, cl100k_base and o200k_base (one per pattern family) on every code point."""
    contexts = FEW_CONTEXTS if region == UNASSIGNED_PLANES and not THOROUGH else CONTEXTS
    problems = _find_mismatches(FAMILY_ENCODINGS, _scalars(REGIONS[region]), contexts)
    assert not problems, f"{len(problems)}+ mismatches:\n" + "\n".join(problems)


@pytest.mark.parametrize("region", list(REGIONS))
def test_every_code_point_alone(region: str) -> None:
    cps = _scalars(REGIONS[region])
    if region == UNASSIGNED_PLANES and not THOROUGH:
        cps = cps[::8]
    problems = _find_alone_mismatches(FAMILY_ENCODINGS, cps)
    assert not problems, "\n".join(problems)


def test_parts_match_contexts() -> None:
    assert _parts([0x61, 0x3000], CONTEXTS) == [
        "".join(t.format(c=c) + SEP for t in CONTEXTS) for c in ["a", "\u3000"]
    ]


@pytest.mark.parametrize("name", SAMPLED_ENCODINGS)
def test_sampled_code_points(name: str) -> None:
    cps = _sample()
    problems = _find_mismatches([name], cps) + _find_alone_mismatches([name], cps)
    assert not problems, "\n".join(problems)


# Whitespace is where end of input and the next character matter most: check every context of
# every whitespace (and not-quite-whitespace) character exactly, with various followers.
WHITESPACE_FOLLOWERS = ["", "x", " ", "\n", "  x", "\r\n", "!", "1", "'s", "\u3000", "\u0301"]


@pytest.mark.parametrize("name", FAMILY_ENCODINGS + SAMPLED_ENCODINGS)
def test_whitespace_contexts_exactly(name: str) -> None:
    ref, enc = tk(name), st(name)
    problems = []
    for c in strategies.WHITESPACE + strategies.NOT_WHITESPACE:
        for template in CONTEXTS + ["{c}{c}{c}", "x{c}{c}", "x {c}", "x{c} "]:
            for follower in WHITESPACE_FOLLOWERS:
                text = template.format(c=c) + follower
                if enc.encode_ordinary(text) != ref.encode_ordinary(text):
                    problems.append(
                        f"{_describe(ord(c))}: {text!r} tiktoken {ref.encode_ordinary(text)} "
                        f"streamtok {enc.encode_ordinary(text)}"
                    )
    assert not problems, f"{name}:\n" + "\n".join(problems[:MAX_REPORTED])


# Contraction suffixes match case-insensitively with simple case folding (so ``'\u017f`` is
# ``'s``). Every code point related by case to an ASCII letter goes through every suffix shape.
def _case_relatives() -> list[str]:
    out = set(strategies.ASCII_LETTERS)
    for cp in _scalars(range(0x110000)):
        c = chr(cp)
        if any(len(x) == 1 and x.isascii() and x.isalpha() for x in (c.lower(), c.upper(), c.casefold())):
            out.add(c)
    return sorted(out)


CONTRACTION_TEMPLATES = [
    "'{c}", "'{c}e", "'{c}l", "'{c}{c}", "x'{c}", "x'{c}e", "X'{c}E", "x'{c}ll", "x'r{c}", "x'v{c}",
    "x'l{c}", "x'R{c}", "X'L{c}", "'{c}x", "A'{c}", "\u01c5'{c}", "a\u0301'{c}", "1'{c}", " '{c}",
]  # fmt: skip


@pytest.mark.parametrize("name", FAMILY_ENCODINGS + SAMPLED_ENCODINGS)
def test_case_relatives_of_contraction_letters(name: str) -> None:
    ref, enc = tk(name), st(name)
    problems = []
    for c in _case_relatives():
        for template in CONTRACTION_TEMPLATES:
            for apostrophe in ("'", "\u2019"):
                text = template.format(c=c).replace("'", apostrophe)
                if enc.encode_ordinary(text) != ref.encode_ordinary(text):
                    problems.append(
                        f"{_describe(ord(c))}: {text!r} tiktoken {ref.encode_ordinary(text)} "
                        f"streamtok {enc.encode_ordinary(text)}"
                    )
    assert not problems, f"{name}:\n" + "\n".join(problems[:MAX_REPORTED])
