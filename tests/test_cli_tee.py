"""The `streamtok tee` command, run as a separate process: bytes pass through unchanged and as
they arrive, and the token count it reports is tiktoken's."""

from __future__ import annotations

import os
import pty
import re
import selectors
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest
from support import DATA_DIR, tk

SCRIPT = Path(sys.executable).with_name("streamtok")
SUMMARY = re.compile(rb"streamtok: ([\d,]+) tokens  ([\d,]+) bytes  .* tokens/s \((\w+)\)\n")


def summary(stderr: bytes) -> tuple[int, int, str]:
    found = SUMMARY.fullmatch(stderr)
    assert found, stderr
    return int(found[1].replace(b",", b"")), int(found[2].replace(b",", b"")), found[3].decode()


def test_tee_passes_bytes_through_and_counts_like_tiktoken() -> None:
    data = (DATA_DIR / "en_GPL-3.txt").read_bytes()[:20000] + "日本語 😀 don't".encode() + b"\xff\xfe end"
    done = subprocess.run([str(SCRIPT), "tee", "--model", "gpt-4o"], input=data, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == data
    expected = len(tk("o200k_base").encode_ordinary(data.decode("utf-8", "replace")))
    assert summary(done.stderr) == (expected, len(data), "o200k_base")


def test_tee_with_an_encoding_and_empty_input() -> None:
    done = subprocess.run([str(SCRIPT), "tee", "--encoding", "cl100k_base"], input=b"", capture_output=True)
    assert (done.returncode, done.stdout, summary(done.stderr)) == (0, b"", (0, 0, "cl100k_base"))
    done = subprocess.run([str(SCRIPT), "tee", "--model", "no-such-model"], input=b"x", capture_output=True)
    assert done.returncode == 2 and b"no-such-model" in done.stderr


def _read_exactly(proc: subprocess.Popen[bytes], n: int, timeout: float = 20.0) -> bytes:
    """Read ``n`` bytes of the child's stdout, failing if they do not come (the child buffers)."""
    assert proc.stdout is not None
    got = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while len(got) < n:
            if not sel.select(timeout):
                raise AssertionError(f"tee held back output: got {got!r}, expected {n} bytes")
            piece = os.read(proc.stdout.fileno(), n - len(got))
            assert piece, "tee closed its output early"
            got += piece
    return got


def _close(*files: IO[bytes] | None) -> None:
    for f in files:
        try:
            if f is not None:
                f.close()
        except BrokenPipeError:  # unflushed bytes for a child that is gone
            pass


def test_tee_forwards_each_piece_as_it_arrives_even_inside_a_character() -> None:
    text = "Grüße, 世界! 👩‍💻 streaming…"
    data = text.encode()
    cuts = [0, 3, 4, 9, 10, 11, 14, 15, 20, 21, 22, len(data)]  # several cuts inside characters
    pieces = [data[a:b] for a, b in zip(cuts, cuts[1:])]
    assert any(not p.decode("utf-8", "ignore").encode() == p for p in pieces)
    proc = subprocess.Popen([str(SCRIPT), "tee"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stderr is not None
    try:
        for piece in pieces:
            proc.stdin.write(piece)
            proc.stdin.flush()
            # Each piece comes out before the next goes in: nothing waits for a full buffer.
            assert _read_exactly(proc, len(piece)) == piece
        proc.stdin.close()
        assert proc.wait(timeout=20) == 0
        stderr = proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
        _close(proc.stdin, proc.stdout, proc.stderr)
    assert summary(stderr) == (len(tk("o200k_base").encode_ordinary(text)), len(data), "o200k_base")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_tee_draws_a_progress_line_on_a_terminal() -> None:
    controller, terminal = pty.openpty()
    try:
        data = ("word " * 5000).encode()
        done = subprocess.run([str(SCRIPT), "tee"], input=data, stdout=subprocess.PIPE, stderr=terminal)
        os.close(terminal)
        terminal = -1
        shown = b""
        with selectors.DefaultSelector() as sel:
            sel.register(controller, selectors.EVENT_READ)
            while sel.select(1.0):
                try:
                    piece = os.read(controller, 65536)
                except OSError:  # the terminal closed
                    break
                if not piece:
                    break
                shown += piece
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    assert done.returncode == 0 and done.stdout == data
    # The last redraw is the final line: the whole count, then a newline.
    last = shown.rstrip(b"\r\n").split(b"\r")[-1]
    expected = len(tk("o200k_base").encode_ordinary(data.decode()))
    assert last.startswith(f"{expected:,} tokens  {len(data):,} bytes".encode()), shown
    assert b"streamtok:" not in shown


def test_tee_stops_quietly_when_its_reader_goes_away() -> None:
    proc = subprocess.Popen([str(SCRIPT), "tee"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    first = "first piece, "
    try:
        proc.stdin.write(first.encode())
        proc.stdin.flush()
        assert _read_exactly(proc, len(first)) == first.encode()
        proc.stdout.close()  # the reader leaves (`| head`)
        try:
            proc.stdin.write(b"then text with nowhere to go " * 1000)
            proc.stdin.close()
        except BrokenPipeError:  # tee may be gone already
            pass
        stderr = proc.stderr.read()
        assert proc.wait(timeout=20) == 1
    finally:
        proc.kill()
        proc.wait()
        _close(proc.stdin, proc.stderr)
    # What reached the reader is what was counted; the rest never went out.
    assert summary(stderr) == (len(tk("o200k_base").encode_ordinary(first)), len(first), "o200k_base")
