"""The ``streamtok`` command: count the tokens of files or of standard input, as they stream."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import BinaryIO

from streamtok._encoding import encoding_for_model, get_encoding, list_encoding_names

CHUNK = 1 << 16


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
    return parser


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
    rows = []
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
