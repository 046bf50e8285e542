"""What a stream holds while one piece never ends: bytes held per byte pushed, by shape of text.

    python benches/memory.py [--mb 32] [--markdown out.md]

For each built-in pattern family's encoding and each shape (a run of random letters, of CJK, of
punctuation, of emoji, of NUL bytes, of spaces, of digits), a fresh process pushes ``--mb``
megabytes of that one piece in 64 KiB deltas through a ``StreamCounter`` with no limit on open
text, and reports what the counter owns at the end (``sys.getsizeof``), the growth of the
process's peak resident memory, and whether the final count equals a one-shot count. A shape is
bounded when what the counter owns does not grow with the text.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

ENCODINGS = ["r50k_base", "cl100k_base", "o200k_base"]
SHAPES = ["letters", "cjk", "punct", "emoji", "nul", "spaces", "digits"]

CHILD = r"""
import json, random, resource, sys
import streamtok
name, shape, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = random.Random(1)
alphabets = {
    "letters": "abcdefghijklmnopqrstuvwxyz",
    "cjk": "".join(chr(c) for c in range(0x4E00, 0x9FFF, 7)),
    "punct": "!#$%&*+-./:;<=>?@^_|~",
    "emoji": "".join(chr(c) for c in range(0x1F300, 0x1F5FF)),
    "nul": "\0",
    "spaces": " ",
    "digits": "0123456789",
}
alphabet = alphabets[shape]
chunk = "".join(r.choice(alphabet) for _ in range(1 << 16))
chunk = chunk.encode()[: 1 << 16].decode("utf-8", "ignore")
enc = streamtok.get_encoding(name)
counter = enc.stream(max_open_bytes=1 << 40)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
pushes = (mb << 20) // len(chunk.encode())
for _ in range(pushes):
    counter.push(chunk)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
owned = sys.getsizeof(counter)
n = counter.finish()
exact = n == enc.count(chunk * pushes)
print(json.dumps({"owned": owned, "rss": (after - before) * 1024, "pushed": pushes * len(chunk.encode()), "exact": exact}))
"""


def measure(name: str, shape: str, mb: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, name, shape, str(mb)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=32)
    parser.add_argument("--markdown")
    args = parser.parse_args()
    rows = [f"| shape | {' | '.join(ENCODINGS)} |", "|---|" + "---|" * len(ENCODINGS)]
    for shape in SHAPES:
        cells = []
        for name in ENCODINGS:
            m = measure(name, shape, args.mb)
            per_byte = m["owned"] / m["pushed"]
            exact = "" if m["exact"] else ", COUNT DIFFERS FROM ONE-SHOT"
            cells.append(f"{m['owned'] / 2**20:.1f} MiB ({per_byte:.2f} B/B), RSS +{m['rss'] / 2**20:.0f} MiB{exact}")
            print(f"{name} {shape}: {cells[-1]}", file=sys.stderr)
        rows.append(f"| {shape} | {' | '.join(cells)} |")
    table = f"{args.mb} MB of one piece, pushed in 64 KiB deltas: what the counter owns (bytes per byte pushed), and the process's peak RSS growth\n\n" + "\n".join(rows)
    print(table)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
