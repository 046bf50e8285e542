"""The README's Python examples and the docstring examples run, and say what they claim."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest
from support import tk

import streamtok
import streamtok._encoding
import streamtok._models
import streamtok.load

README = Path(__file__).resolve().parent.parent / "README.md"
# User guides beside the README whose python blocks run on their own too.
GUIDES = [Path(__file__).resolve().parent.parent / "docs" / "open-models.md"]


# A block right after this marker talks to a chat server; tests/test_usage_readme.py runs it
# against a local one.
NEEDS_SERVER = "<!-- needs a chat server"


def _python_blocks(path: Path = README) -> list[str]:
    """The python blocks of a guide (the README by default) that run on their own."""
    found = re.finditer(r"(<!--[^\n]*-->\n)?```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)
    return [m[2] for m in found if not (m[1] or "").startswith(NEEDS_SERVER)]


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_python_block_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    # Run as a script would be, so a block's `if __name__ == "__main__":` part runs too.
    exec(compile(_python_blocks()[index], f"README.md block {index}", "exec"), {"__name__": "__main__"})
    capsys.readouterr()


@pytest.mark.parametrize(
    ("guide", "index"), [(g, i) for g in GUIDES for i in range(len(_python_blocks(g)))], ids=lambda x: getattr(x, "name", x)
)
def test_guide_python_block_runs(guide: Path, index: int, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_python_blocks(guide)[index], f"{guide.name} block {index}", "exec"), {"__name__": "__main__"})
    capsys.readouterr()


def test_readme_quick_start_counts_like_tiktoken(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_python_blocks()[0], "README.md quick start", "exec"), {})
    printed = [int(line) for line in capsys.readouterr().out.split()]
    deltas = ["Hel", "lo, wor", "ld! It's", " streaming."]
    expected = [len(tk("o200k_base").encode_ordinary("".join(deltas[: i + 1]))) for i in range(len(deltas))]
    assert printed == expected + expected[-1:]


@pytest.mark.parametrize("module", [streamtok._encoding, streamtok._models, streamtok.load])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, extraglobs={"get_encoding": streamtok.get_encoding}, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
