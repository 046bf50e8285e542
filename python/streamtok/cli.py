"""Count the tokens of files, directories or standard input, exactly as tiktoken would (or as
'tokenizers' would, for '--encoding path/to/tokenizer.json').

'streamtok count' counts files, directories (recursively) and standard input ('-', the default);
'streamtok tee' copies standard input to standard output as it arrives and shows the running token
count on standard error.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from streamtok._encoding import Encoding, _as_encoding, encoding_for_model, list_encoding_names
from streamtok._native import StreamCounter, __version__
from streamtok._usage import text_counter

CHUNK = 1 << 16
# How often the tee progress line is redrawn, in seconds.
REDRAW = 0.1
# A file with a NUL byte among its first bytes is binary, as git decides it.
SNIFF = 8000


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


class _Failure(Exception):
    """A file that could not be counted, and why."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@functools.cache
def _encoding(encoding_name: str) -> Encoding:
    """The encoding of ``--encoding``: a built-in name, or a tokenizer.json's path (loaded once)."""
    return _as_encoding(encoding_name)


def _counter(encoding_name: str, max_open: int | None) -> StreamCounter:
    # A tokenizer.json's special tokens count as its tokenizer counts them (see text_counter).
    return text_counter(_encoding(encoding_name), max_open)


def _count_stream(source: BinaryIO, name: str, encoding_name: str, max_open: int | None) -> tuple[int, int, bool]:
    """Token count and byte count of ``source``, read in chunks through a stream counter, and
    whether it holds a NUL byte."""
    counter = _counter(encoding_name, max_open)
    size = 0
    nul = False
    while chunk := source.read(CHUNK):
        size += len(chunk)
        nul = nul or b"\0" in chunk
        try:
            counter.push_bytes(chunk)
        except ValueError as e:  # more text with no piece boundary than --max-open-bytes
            raise _Failure(name, str(e)) from None
    return counter.finish(), size, nul


def _is_binary(path: str) -> bool:
    with open(path, "rb") as f:
        return b"\0" in f.read(SNIFF)


def _git_files(directory: str) -> list[str] | None:
    """The files git would consider under ``directory`` (tracked, and untracked but not ignored),
    relative to it; None when git is missing or ``directory`` is in no repository."""
    try:
        done = subprocess.run(
            ["git", "-C", directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    names = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({name for name in names if name})


def _walk(directory: str, failures: list[_Failure]) -> list[str]:
    """Every file under ``directory`` but those under a ``.git`` folder, relative to it; the
    folders that cannot be listed go to ``failures``."""
    found: list[str] = []

    def unreadable(e: OSError) -> None:
        failures.append(_Failure(e.filename or directory, e.strerror or str(e)))

    for root, dirs, files in os.walk(directory, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        rel = os.path.relpath(root, directory)
        found.extend(f if rel == "." else os.path.join(rel, f) for f in files)
    return sorted(found)


def _directory_files(directory: str) -> Iterator[str | _Failure]:
    """The text files to count under ``directory``: what git lists there when it is a
    repository, else all but ``.git``; binary files (a NUL byte) are left out, and said so."""
    failures: list[_Failure] = []
    names = _git_files(directory)
    if names is None:
        names = _walk(directory, failures)
    yield from failures
    skipped = 0
    for name in names:
        path = os.path.join(directory, name)
        if not os.path.isfile(path):  # deleted but still in git's index, a submodule, a socket
            continue
        try:
            binary = _is_binary(path)
        except OSError:
            binary = False  # counting it will report the error
        if binary:
            skipped += 1
            continue
        yield path
    if skipped:
        _say(f"{directory}: left out {_plural(skipped, 'binary file')} (NUL bytes)")


def _say(message: str) -> None:
    if sys.stderr is not None:
        print(f"streamtok: {message}", file=sys.stderr)


def _count_one(name: str, encoding_name: str, max_open: int | None) -> dict[str, Any]:
    """The row of one file, or of standard input for ``-``."""
    if name == "-":
        if sys.stdin is None:
            raise _Failure("-", "standard input is closed")
        tokens, size, nul = _count_stream(sys.stdin.buffer, name, encoding_name, max_open)
    else:
        try:
            with open(name, "rb") as f:
                tokens, size, nul = _count_stream(f, name, encoding_name, max_open)
        except OSError as e:
            raise _Failure(name, e.strerror or str(e)) from None
    if nul:
        _say(
            f"warning: {name} holds NUL bytes (binary?); it was decoded as UTF-8 with invalid "
            "bytes as U+FFFD, as bytes.decode('utf-8', 'replace') does"
        )
    return {"file": name, "tokens": tokens, "bytes": size}


def _rows(targets: Sequence[str], encoding_name: str, max_open: int | None) -> Iterator[dict[str, Any] | _Failure]:
    for target in targets:
        if target != "-" and os.path.isdir(target):
            for path in _directory_files(target):
                yield path if isinstance(path, _Failure) else _attempt(path, encoding_name, max_open)
        else:
            yield _attempt(target, encoding_name, max_open)


def _attempt(name: str, encoding_name: str, max_open: int | None) -> dict[str, Any] | _Failure:
    try:
        return _count_one(name, encoding_name, max_open)
    except _Failure as e:
        return e


def _count(args: argparse.Namespace, encoding_name: str) -> int:
    targets = args.files or ["-"]
    table = len(targets) > 1 or any(t != "-" and os.path.isdir(t) for t in targets)
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for row in _rows(targets, encoding_name, args.max_open_bytes):
        if isinstance(row, _Failure):
            _say(str(row))
            errors.append({"file": row.file, "error": row.reason})
        else:
            rows.append(row)
    total = {"tokens": sum(r["tokens"] for r in rows), "bytes": sum(r["bytes"] for r in rows), "files": len(rows)}
    if args.json:
        print(json.dumps({"encoding": encoding_name, "files": rows, "total": total, "errors": errors}))
    elif not table:
        if rows:
            print(rows[0]["tokens"])
    else:
        width = max([len(r["file"]) for r in rows] + [len("total")])
        tokens = max([len(f"{r['tokens']:,}") for r in rows] + [len(f"{total['tokens']:,}")])
        size = max([len(f"{r['bytes']:,}") for r in rows] + [len(f"{total['bytes']:,}")])
        for r in [*rows, {"file": "total", **total}]:
            print(
                f"{r['file']:<{width}}  {r['tokens']:>{tokens},} {'token ' if r['tokens'] == 1 else 'tokens'}"
                f"  {r['bytes']:>{size},} {'byte' if r['bytes'] == 1 else 'bytes'}"
            )
    return 1 if errors else 0


def _parser() -> argparse.ArgumentParser:
    names = ", ".join(list_encoding_names())
    parser = argparse.ArgumentParser(prog="streamtok", description=__doc__)
    parser.add_argument("--version", action="version", version=f"streamtok {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    count = commands.add_parser(
        "count",
        help="count the tokens of files, directories or standard input",
        description="Count the tokens of each file (a directory: each text file under it that git "
        "does not ignore) and of standard input for '-' or no FILE. Several files give a table "
        "with a total. A file that cannot be read is reported and the others are counted; the "
        "exit status is then 1.",
    )
    count.add_argument("files", nargs="*", metavar="FILE", help="a file, a directory, or - for standard input")
    which = count.add_mutually_exclusive_group()
    which.add_argument("--model", "-m", help="model name, e.g. gpt-4o (default)")
    which.add_argument(
        "--encoding", "-e", metavar="ENCODING", help=f"encoding name ({names}) or the path of a tokenizer.json"
    )
    count.add_argument("--json", action="store_true", help="print JSON (rows, total, errors) instead of a table")
    _limit_option(count)
    tee = commands.add_parser(
        "tee",
        help="copy standard input to standard output, counting tokens on standard error",
        description="Copy standard input to standard output as it arrives, counting its tokens: a "
        "progress line on standard error when it is a terminal (and standard output is not), "
        "else one summary line at the end.",
    )
    which = tee.add_mutually_exclusive_group()
    which.add_argument("--model", "-m", help="model name, e.g. gpt-4o (default)")
    which.add_argument(
        "--encoding", "-e", metavar="ENCODING", help=f"encoding name ({names}) or the path of a tokenizer.json"
    )
    _limit_option(tee)
    return parser


def _limit_option(command: argparse.ArgumentParser) -> None:
    def positive(value: str) -> int:
        n = int(value)
        if n <= 0:
            raise argparse.ArgumentTypeError(f"must be a positive number of bytes, got {value}")
        return n

    command.add_argument(
        "--max-open-bytes",
        type=positive,
        metavar="N",
        help="most bytes of text with no piece boundary a count may hold (default 8 MiB); "
        "past it the input is reported as an error",
    )


def _status(tokens: int, size: int, seconds: float) -> str:
    rate = tokens / seconds if seconds > 0 else 0.0
    return f"{_plural(tokens, 'token')}  {_plural(size, 'byte')}  {seconds:.1f} s  {rate:,.0f} tokens/s"


def _tee(encoding_name: str, max_open: int | None) -> int:
    """Copy standard input to standard output as it arrives, counting its tokens.

    Reads whatever the pipe holds (no waiting for a full buffer) and flushes every read, so a
    streaming command piped through keeps streaming. On a terminal, standard error shows a
    progress line redrawn in place (unless standard output is that terminal too, where it would
    overwrite the text); otherwise one summary line at the end. The rate runs from the first byte.
    Returns 1 when the reader of standard output goes away (a broken pipe), 130 on Ctrl-C.
    """
    if sys.stdin is None or sys.stdout is None:
        _say(f"standard {'input' if sys.stdin is None else 'output'} is closed; tee needs both")
        return 1
    counter = _counter(encoding_name, max_open)
    counting: str | None = None  # why counting stopped, if it did
    out = sys.stdout.buffer
    err = sys.stderr if sys.stderr is not None else open(os.devnull, "w")  # noqa: SIM115
    live = err.isatty() and not out.isatty()
    fd = sys.stdin.fileno()
    start: float | None = None
    last = 0.0
    size = 0
    status = 0
    ended_line = True
    try:
        while chunk := os.read(fd, CHUNK):
            out.write(chunk)
            out.flush()
            ended_line = chunk.endswith(b"\n")
            size += len(chunk)
            if counting is None:
                try:
                    counter.push_bytes(chunk)
                except ValueError as e:  # more text with no piece boundary than the limit
                    counting, status = str(e), 1
            now = time.monotonic()
            if start is None:
                start = now
            if live and now - last >= REDRAW:
                err.write("\r" + _status(counter.count, size, now - start) + "\033[K")
                err.flush()
                last = now
    except BrokenPipeError:
        # The reader went away (`| head`): stop copying, still report what was counted.
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        status = 1
    except KeyboardInterrupt:
        status = 130
    seconds = time.monotonic() - start if start is not None else 0.0
    line = _status(counter.finish(), size, seconds) + f" ({encoding_name})"
    if counting is not None:
        line += f"; counting stopped part way: {counting}"
    if live:
        err.write("\r" + line + "\033[K\n")
    else:
        # On a terminal that also shows the text, start the summary on a line of its own.
        fresh = err.isatty() and out.isatty() and not ended_line
        err.write(("\n" if fresh else "") + f"streamtok: {line}\n")
    err.flush()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.encoding:
        encoding_name = args.encoding
        if encoding_name not in list_encoding_names() and not os.path.isfile(encoding_name):
            _say(
                f"unknown encoding {encoding_name!r}: name one of {', '.join(list_encoding_names())}, "
                "or give the path of a tokenizer.json"
            )
            return 2
        try:
            _counter(encoding_name, None)
        except (ValueError, OSError) as e:  # a malformed file, or one that cannot be streamed yet
            _say(f"{encoding_name}: {e}")
            return 2
    else:
        model = args.model or "gpt-4o"
        try:
            encoding_name = encoding_for_model(model).name
        except KeyError:
            _say(
                f"unknown model {model!r}: name its encoding with --encoding instead, "
                f"one of {', '.join(list_encoding_names())}, or the path of its tokenizer.json"
            )
            return 2
    if args.command == "tee":
        return _tee(encoding_name, args.max_open_bytes)
    if sys.stdout is None:
        _say("standard output is closed; nowhere to print the count")
        return 1
    try:
        status = _count(args, encoding_name)
        sys.stdout.flush()  # here, where a broken pipe is caught, not at exit
        return status
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other filters do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
