"""Benchmark fixtures: the corpus under tests/data, real tiktoken loaded offline, and the other
tokenizers of competitors.py when installed."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import support  # noqa: E402  (needs the path above; sets up tiktoken's offline cache)
import competitors  # noqa: E402

CORPUS = sorted(
    p for p in support.DATA_DIR.iterdir() if p.suffix in {".txt", ".json"}
) if support.DATA_DIR.is_dir() else []
BENCH_ENCODINGS = ["o200k_base", "cl100k_base"]
# Streaming is measured on a few files of different kinds, to keep the suite's run short.
STREAM_FILES = [p for p in CORPUS if p.name in {
    "en_GPL-3.txt", "python_difflib.py.txt", "ru_coreutils.txt", "zh_CN_git.txt", "iso_3166-1.json"}]


def corpus_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


@functools.lru_cache(maxsize=None)
def token_deltas(tk, text: str) -> list[str]:
    """``text`` cut where tiktoken's tokens end (whole characters only), as APIs stream it."""
    deltas: list[str] = []
    pending = b""
    for token in tk.encode_ordinary(text):
        pending += tk.decode_single_token_bytes(token)
        try:
            deltas.append(pending.decode("utf-8"))
            pending = b""
        except UnicodeDecodeError:
            continue
    if pending:
        deltas.append(pending.decode("utf-8", "replace"))
    return deltas



def pytest_report_header() -> list[str]:
    found = [f"{n} {competitors.version(n)}" for n in competitors.NAMES if competitors.version(n)]
    missing = [n for n in competitors.NAMES if not competitors.version(n)]
    return [f"competitors installed: {', '.join(found) or 'none'}"
            + (f"; not installed (their benchmarks skip): {', '.join(missing)}" if missing else "")]
