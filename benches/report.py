"""Run the benchmark suite and print its results as ratio tables (markdown).

    python benches/report.py [--json out.json] [pytest args...]

Every figure is a ratio of medians measured in the same run: the machine's noise hits both sides.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path


def run(extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        cmd = [sys.executable, "-m", "pytest", str(Path(__file__).parent), "--benchmark-only",
               f"--benchmark-json={out}", "-q", "--benchmark-max-time=0.5", "--benchmark-min-rounds=5",
               *extra]
        subprocess.run(cmd, check=True)
        return json.loads(out.read_text())


def table(data: dict) -> str:
    groups: dict[str, dict[str, dict]] = defaultdict(dict)
    for b in data["benchmarks"]:
        groups[b["group"]][b["name"].split("[")[0].removeprefix("test_")] = b
    lines = []
    count_rows, stream_rows, reencode_rows = [], [], []
    for group, benches in sorted(groups.items()):
        kind, enc, name = group.split(" ", 2)
        med = {k: v["stats"]["median"] for k, v in benches.items()}
        extra = next(iter(benches.values()))["extra_info"]
        if kind == "count" and "tiktoken_encode_ordinary" in med:
            mb = extra.get("bytes", 0) / 1e6
            tk = med["tiktoken_encode_ordinary"]
            count_rows.append((enc, name, mb, mb / tk, mb / med.get("streamtok_count", float("nan")),
                               tk / med["streamtok_count"], tk / med["streamtok_encode_ordinary"]))
        elif kind == "stream" and "tiktoken_encode_once" in med:
            st = med["streamtok_stream"]
            n = extra.get("deltas", 1)
            stream_rows.append((enc, name, n, st / med["tiktoken_encode_once"], st / n * 1e9))
        elif kind == "reencode" and "tiktoken_reencode_every_delta" in med:
            reencode_rows.append((enc, name, extra.get("deltas", 0),
                                  med["tiktoken_reencode_every_delta"] / med["streamtok_stream_reencode_prefix"]))
    if count_rows:
        lines += ["| encoding | file | MB | tiktoken MB/s | streamtok count MB/s | count × tiktoken | encode × tiktoken |",
                  "|---|---|---|---|---|---|---|"]
        for enc, name, mb, tkr, str_, cx, ex in count_rows:
            lines.append(f"| {enc} | {name} | {mb:.2f} | {tkr:.1f} | {str_:.1f} | {cx:.1f}× | {ex:.1f}× |")
        for enc in sorted({r[0] for r in count_rows}):
            rs = [r for r in count_rows if r[0] == enc]
            lines.append(f"| {enc} | **median of files** | | | | **{statistics.median(r[5] for r in rs):.1f}×** "
                         f"| **{statistics.median(r[6] for r in rs):.1f}×** |")
            # Overall: all files' bytes over all files' time, so big, slow files weigh most.
            t_tk = sum(r[2] / r[3] for r in rs)
            t_count = sum(r[2] / r[4] for r in rs)
            t_encode = sum(r[2] / r[3] / r[6] for r in rs)
            lines.append(f"| {enc} | **overall (all bytes ÷ all time)** | {sum(r[2] for r in rs):.2f} | "
                         f"{sum(r[2] for r in rs) / t_tk:.1f} | {sum(r[2] for r in rs) / t_count:.1f} | "
                         f"**{t_tk / t_count:.1f}×** | **{t_tk / t_encode:.1f}×** |")
        lines.append("")
    if stream_rows:
        lines += ["| encoding | file | deltas | stream with count after every delta ÷ one tiktoken encode | ns per push |",
                  "|---|---|---|---|---|"]
        for enc, name, n, ratio, ns in stream_rows:
            lines.append(f"| {enc} | {name} | {n} | {ratio:.2f} | {ns:.0f} |")
        lines.append("")
    if reencode_rows:
        lines += ["| encoding | file (first 8k chars) | deltas | re-encode after every delta ÷ streamtok stream |",
                  "|---|---|---|---|"]
        for enc, name, n, ratio in reencode_rows:
            lines.append(f"| {enc} | {name} | {n} | {ratio:.0f}× |")
        lines.append("")
    m = data.get("machine_info", {})
    lines.append(f"Machine: {m.get('cpu', {}).get('brand_raw', platform.processor())}, "
                 f"{m.get('cpu', {}).get('count', '?')} cores, Python {platform.python_version()}.")
    return "\n".join(lines)


def main() -> None:
    args = sys.argv[1:]
    save = None
    if args[:1] == ["--json"]:
        save, args = args[1], args[2:]
    data = run(args)
    if save:
        Path(save).write_text(json.dumps(data))
    print(table(data))


if __name__ == "__main__":
    main()
