"""The `streamtok count` command, run as a separate process against the installed package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import DATA_DIR, tk


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "streamtok.cli", *args], input=stdin, capture_output=True)


def test_counts_standard_input_like_tiktoken() -> None:
    text = "Hello, world! It's streaming. 日本語 😀"
    done = run("count", "--model", "gpt-4o", stdin=text.encode())
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(tk("o200k_base").encode_ordinary(text))


def test_counts_files_as_json() -> None:
    files = [DATA_DIR / "en_GPL-3.txt", DATA_DIR / "zh_CN_git.txt"]
    done = run("count", "--encoding", "cl100k_base", "--json", *map(str, files))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["encoding"] == "cl100k_base"
    for row, path in zip(report["files"], files):
        data = path.read_bytes()
        assert row["bytes"] == len(data)
        assert row["tokens"] == len(tk("cl100k_base").encode_ordinary(data.decode("utf-8", "replace")))


def test_unknown_model_and_missing_file_fail_clearly(tmp_path: Path) -> None:
    done = run("count", "--model", "no-such-model", stdin=b"x")
    assert done.returncode == 2 and b"no-such-model" in done.stderr
    done = run("count", str(tmp_path / "missing.txt"))
    assert done.returncode == 1 and b"missing.txt" in done.stderr


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("streamtok")
    assert script.exists()
    done = subprocess.run([str(script), "count"], input=b"hello world", capture_output=True)
    assert done.returncode == 0 and int(done.stdout) == 2


def test_counts_several_files_as_a_table() -> None:
    files = [DATA_DIR / "en_GPL-3.txt", DATA_DIR / "zh_CN_git.txt"]
    done = run("count", "--model", "gpt-4", *map(str, files))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert len(lines) == len(files) + 1
    expected = []
    for line, path in zip(lines, files):
        name, tokens, _, size, _ = line.rsplit(maxsplit=4)
        data = path.read_bytes()
        expected.append(len(tk("cl100k_base").encode_ordinary(data.decode("utf-8", "replace"))))
        assert (name, int(tokens.replace(",", "")), int(size.replace(",", ""))) == (str(path), expected[-1], len(data))
    assert lines[-1].split()[:2] == ["total", f"{sum(expected):,}"]
