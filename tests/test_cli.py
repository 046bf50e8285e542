"""The `streamtok count` command, run as a separate process against the installed package."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import DATA_DIR, tk
from test_tokenizer_json import DEEPSEEK, LLAMA, needs_llama, real

import streamtok as streamtok_module


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


# --- arguments, directories, failures -----------------------------------------------------------

SCRIPT = Path(sys.executable).with_name("streamtok")


def streamtok(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command, its output as text."""
    done = subprocess.run([str(SCRIPT), *args], input=stdin, capture_output=True, cwd=cwd)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def tokens_of(data: bytes, encoding: str = "o200k_base") -> int:
    return len(tk(encoding).encode_ordinary(data.decode("utf-8", "replace")))


def table(stdout: str) -> dict[str, tuple[int, int]]:
    """``name -> (tokens, bytes)`` of a count table, the total row under ``total``."""
    rows = {}
    for line in stdout.splitlines():
        name, tokens, _, size, _ = line.rsplit(maxsplit=4)
        rows[name] = (int(tokens.replace(",", "")), int(size.replace(",", "")))
    return rows


def test_dash_is_standard_input_and_mixes_with_files() -> None:
    text = "Hello, world! 日本語".encode()
    done = streamtok("count", "-", stdin=text)
    assert (done.returncode, done.stdout) == (0, f"{tokens_of(text)}\n"), done.stderr
    path = DATA_DIR / "de_git.txt"
    done = streamtok("count", str(path), "-", stdin=text)
    assert done.returncode == 0, done.stderr
    assert table(done.stdout) == {
        str(path): (tokens_of(path.read_bytes()), path.stat().st_size),
        "-": (tokens_of(text), len(text)),
        "total": (tokens_of(path.read_bytes()) + tokens_of(text), path.stat().st_size + len(text)),
    }


def test_version_and_python_dash_m() -> None:
    for command in ([str(SCRIPT)], [sys.executable, "-m", "streamtok"]):
        done = subprocess.run([*command, "--version"], capture_output=True, text=True)
        assert (done.returncode, done.stdout) == (0, f"streamtok {streamtok_version()}\n")
    done = subprocess.run([sys.executable, "-m", "streamtok", "count"], input=b"hello world", capture_output=True)
    assert (done.returncode, done.stdout) == (0, b"2\n")


def streamtok_version() -> str:
    import streamtok as package

    return package.__version__


def test_failures_are_reported_per_file_and_the_rest_counted(tmp_path: Path) -> None:
    good = [DATA_DIR / "en_GPL-3.txt", DATA_DIR / "el_git.txt"]
    missing = tmp_path / "missing.txt"
    done = streamtok("count", str(good[0]), str(missing), str(good[1]), str(tmp_path / "also-missing"))
    assert done.returncode == 1
    rows = table(done.stdout)
    assert rows == {
        **{str(p): (tokens_of(p.read_bytes()), p.stat().st_size) for p in good},
        "total": (sum(tokens_of(p.read_bytes()) for p in good), sum(p.stat().st_size for p in good)),
    }
    assert done.stderr.splitlines() == [
        f"streamtok: {missing}: No such file or directory",
        f"streamtok: {tmp_path / 'also-missing'}: No such file or directory",
    ]
    done = streamtok("count", "--json", str(good[0]), str(missing))
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert report["errors"] == [{"file": str(missing), "error": "No such file or directory"}]
    assert report["total"] == {"tokens": tokens_of(good[0].read_bytes()), "bytes": good[0].stat().st_size, "files": 1}


def _tree(root: Path) -> dict[str, bytes]:
    """A small project: text files, a binary one, a .git-like folder, an ignored build folder."""
    files = {
        "README.md": "# Project\n\nIt's small. 日本語 😀\n".encode(),
        "src/main.py": b"def main():\n    print('hello')\n",
        "src/deep/er/util.py": b"x = 1\n" * 50,
        "empty.txt": b"",
        "one.txt": b"hello",
        "image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "build/out.txt": b"generated " * 100,
        ".gitignore": b"build/\n*.log\n",
        "debug.log": b"ignored by git",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git" / "config").write_bytes(b"not counted")
    return files


def test_a_directory_is_counted_file_by_file_without_binary_or_git_files(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    done = streamtok("count", str(tmp_path))
    assert done.returncode == 0, done.stderr
    # No repository here (a .git folder of junk): everything but .git and the binary file.
    counted = {n: d for n, d in files.items() if n != "image.png"}
    expected = {str(tmp_path / n): (tokens_of(d), len(d)) for n, d in counted.items()}
    expected["total"] = (sum(t for t, _ in expected.values()), sum(b for _, b in expected.values()))
    assert table(done.stdout) == expected
    assert done.stderr == f"streamtok: {tmp_path}: left out 1 binary file (NUL bytes)\n"
    assert f"{str(tmp_path / 'one.txt')}" in done.stdout and " 1 token  " in done.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_repository_is_counted_as_git_sees_it(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    shutil.rmtree(tmp_path / ".git")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "README.md", "src/main.py"], check=True)
    done = streamtok("count", "--json", "--encoding", "cl100k_base", str(tmp_path / "src"), str(tmp_path))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # Tracked and untracked files, not what .gitignore ignores, not .git, not the binary file;
    # each directory's files sorted.
    in_src = ["src/deep/er/util.py", "src/main.py"]
    in_root = [".gitignore", "README.md", "empty.txt", "one.txt", *in_src]
    rows = [
        {"file": str(path), "tokens": tokens_of(files[name], "cl100k_base"), "bytes": len(files[name])}
        for path, name in [(tmp_path / "src" / n[len("src/") :], n) for n in in_src] + [(tmp_path / n, n) for n in in_root]
    ]
    assert report["files"] == rows
    assert report["total"] == {
        "tokens": sum(r["tokens"] for r in rows),
        "bytes": sum(r["bytes"] for r in rows),
        "files": len(rows),
    }


def test_a_binary_file_named_is_counted_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    data = b"PK\x03\x04\x00\x00\xff\xfehello\x00world"
    path.write_bytes(data)
    done = streamtok("count", str(path))
    assert (done.returncode, done.stdout) == (0, f"{tokens_of(data)}\n")
    assert done.stderr == (
        f"streamtok: warning: {path} holds NUL bytes (binary?); it was decoded as UTF-8 with invalid "
        "bytes as U+FFFD, as bytes.decode('utf-8', 'replace') does\n"
    )


def test_singular_units_in_the_table() -> None:
    done = streamtok("count", "-", "-", stdin=b"x")
    assert done.stdout.splitlines() == [
        "-      1 token   1 byte",
        "-      0 tokens  0 bytes",
        "total  1 token   1 byte",
    ]


def test_an_unknown_model_points_to_encoding() -> None:
    done = streamtok("count", "--model", "my-model", stdin=b"x")
    assert done.returncode == 2
    assert "--encoding" in done.stderr and "my-model" in done.stderr
    assert all(name in done.stderr for name in ["gpt2", "r50k_base", "cl100k_base", "o200k_base", "o200k_harmony"])
    assert "streamtok.get_encoding" not in done.stderr


def test_help_is_plain_text() -> None:
    for args in (["--help"], ["count", "--help"], ["tee", "--help"]):
        done = streamtok(*args)
        assert done.returncode == 0 and "``" not in done.stdout, done.stdout


def test_closed_standard_input_or_output_is_a_clear_error() -> None:
    for command, message in [
        (f"'{SCRIPT}' count <&-", "streamtok: -: standard input is closed\n"),
        (f"'{SCRIPT}' count - <&-", "streamtok: -: standard input is closed\n"),
        (f"echo hi | '{SCRIPT}' count >&-", "streamtok: standard output is closed; nowhere to print the count\n"),
        (f"echo hi | '{SCRIPT}' tee >&-", "streamtok: standard output is closed; tee needs both\n"),
        (f"'{SCRIPT}' tee <&-", "streamtok: standard input is closed; tee needs both\n"),
    ]:
        done = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
        assert (done.returncode, done.stderr) == (1, message), command


def test_count_stops_quietly_when_its_reader_goes_away(tmp_path: Path) -> None:
    for i in range(2000):  # more rows than a pipe holds
        (tmp_path / f"file-{i:04}.txt").write_bytes(b"hello")
    for args in ("--json", ""):
        done = subprocess.run(
            ["sh", "-c", f"'{SCRIPT}' count {args} '{tmp_path}' | head -c 10"], capture_output=True, text=True
        )
        assert (done.returncode, len(done.stdout), done.stderr) == (0, 10, ""), done


# --- a tokenizer.json as the encoding -----------------------------------------------------------


@needs_llama
def test_a_tokenizer_json_counts_as_tokenizers_does(tmp_path: Path) -> None:
    special = tmp_path / "special.txt"
    special.write_bytes("Grüezi<|eot_id|> 12345 <|start_header_id|>".encode())
    files = [DATA_DIR / "en_GPL-3.txt", DATA_DIR / "ja_coreutils.txt", special]
    done = run("count", "--encoding", str(LLAMA), "--json", *map(str, files))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    reference = real("llama")[1]
    for row, path in zip(report["files"], files):
        text = path.read_bytes().decode("utf-8", "replace")
        assert row["tokens"] == len(reference.encode(text, add_special_tokens=False).ids)
    tee = streamtok("tee", "--encoding", str(LLAMA), stdin=special.read_bytes())
    assert tee.returncode == 0 and tee.stdout == special.read_text()
    expected = len(reference.encode(special.read_text(), add_special_tokens=False).ids)
    assert f"streamtok: {expected} tokens" in tee.stderr


def test_an_encoding_neither_built_in_nor_a_file_fails_clearly(tmp_path: Path) -> None:
    done = streamtok("count", "--encoding", "llama-3.2", stdin=b"x")
    assert done.returncode == 2
    assert "llama-3.2" in done.stderr and "tokenizer.json" in done.stderr and "o200k_base" in done.stderr
    broken = tmp_path / "tokenizer.json"
    broken.write_text('{"model": {"type": "WordPiece"}}')
    done = streamtok("count", "--encoding", str(broken), stdin=b"x")
    assert done.returncode == 2 and str(broken) in done.stderr and "Traceback" not in done.stderr


def test_a_tokenizer_json_that_cannot_stream_yet_fails_clearly() -> None:
    # DeepSeek's Sequence of Splits: refused by streams until they can count it exactly.
    assert DEEPSEEK is not None
    try:
        streamtok_module.Encoding.from_tokenizer_json(DEEPSEEK).stream()
    except ValueError:
        done = streamtok("count", "--encoding", str(DEEPSEEK), stdin=b"x")
        assert done.returncode == 2 and "Traceback" not in done.stderr and str(DEEPSEEK) in done.stderr
    else:
        done = streamtok("count", "--encoding", str(DEEPSEEK), stdin=b"Hello")
        assert done.returncode == 0 and int(done.stdout) == len(real("deepseek")[1].encode("Hello", add_special_tokens=False).ids)
