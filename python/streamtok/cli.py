"""The ``streamtok`` command: count the tokens of files or of standard input, as they stream.

``streamtok count`` counts files (or standard input); ``streamtok tee`` copies standard input to
standard output as it arrives and shows the running token count on standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any, BinaryIO

from streamtok._encoding import encoding_for_model, get_encoding, list_encoding_names

CHUNK = 1 << 16
# How often the tee progress line is redrawn, in seconds.
REDRAW = 0.1


def _count_stream(source: BinaryIO, encoding_name: str) -> tuple[int, int]:
    """Token count and byte count of ``source``, read in chunks through a stream counter."""
    counter = get_encoding(encoding_name).stream()
    size = 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        counter.push_bytes(chunk)
    return counter.finish(), size


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="streamtok", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    count = commands.add_parser("count", help="count the tokens of files (standard input if none)")
    count.add_argument("files", nargs="*", metavar="FILE")
    which = count.add_mutually_exclusive_group()
    which.add_argument("--model", "-m", help="model name, e.g. gpt-4o (default)")
    which.add_argument("--encoding", "-e", choices=list_encoding_names(), help="encoding name")
    count.add_argument("--json", action="store_true", help="print JSON instead of a table")
    tee = commands.add_parser(
        "tee", help="copy standard input to standard output, counting tokens on standard error"
    )
    which = tee.add_mutually_exclusive_group()
    which.add_argument("--model", "-m", help="model name, e.g. gpt-4o (default)")
    which.add_argument("--encoding", "-e", choices=list_encoding_names(), help="encoding name")
    return parser


def _status(tokens: int, size: int, seconds: float) -> str:
    rate = tokens / seconds if seconds > 0 else 0.0
    return f"{tokens:,} tokens  {size:,} bytes  {seconds:.1f} s  {rate:,.0f} tokens/s"


def _tee(encoding_name: str) -> int:
    """Copy standard input to standard output as it arrives, counting its tokens.

    Reads whatever the pipe holds (no waiting for a full buffer) and flushes every read, so a
    streaming command piped through keeps streaming. On a terminal, standard error shows a
    progress line redrawn in place (unless standard output is that terminal too, where it would
    overwrite the text); otherwise one summary line at the end. The rate runs from the first byte.
    Returns 1 when the reader of standard output goes away (a broken pipe), 130 on Ctrl-C.
    """
    counter = get_encoding(encoding_name).stream()
    out = sys.stdout.buffer
    err = sys.stderr
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
            counter.push_bytes(chunk)
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
    try:
        if args.encoding:
            encoding_name = args.encoding
        else:
            encoding_name = encoding_for_model(args.model or "gpt-4o").name
    except KeyError as e:
        print(f"streamtok: {e.args[0]}", file=sys.stderr)
        return 2
    if args.command == "tee":
        return _tee(encoding_name)
    rows: list[dict[str, Any]] = []
    try:
        if not args.files:
            tokens, size = _count_stream(sys.stdin.buffer, encoding_name)
            rows.append({"file": "-", "tokens": tokens, "bytes": size})
        for path in args.files:
            with open(path, "rb") as f:
                tokens, size = _count_stream(f, encoding_name)
            rows.append({"file": path, "tokens": tokens, "bytes": size})
    except OSError as e:
        print(f"streamtok: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"encoding": encoding_name, "files": rows}))
    elif len(rows) == 1:
        print(rows[0]["tokens"])
    else:
        width = max(len(r["file"]) for r in rows)
        for r in rows:
            print(f"{r['file']:<{width}}  {r['tokens']:>12,} tokens  {r['bytes']:>14,} bytes")
        total = sum(r["tokens"] for r in rows)
        print(f"{'total':<{width}}  {total:>12,} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
