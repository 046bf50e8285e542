"""Run the benchmark suite and print its results as ratio tables (markdown).

    python benches/report.py [--json out.json] [--markdown out.md] [--from-json in.json]
                             [--timer cpu|wall] [pytest args...]

One command runs every group (count and encode per corpus file, long pieces, streaming, batch,
first use, open-weight models' files) for streamtok, tiktoken and every installed competitor, and prints the tables with
the machine described. Every figure is a ratio of medians measured in the same run, so the
machine's noise hits both sides. ``--from-json`` renders a saved run without running anything;
extra arguments go to pytest (``-k count`` runs one group).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
NAN = float("nan")
sys.path.insert(0, str(BENCHES))


# Groups that time one thread: on a shared machine their CPU time is steadier than their wall
# time, which counts the time other processes hold the core. Batches (threads) and first use (a
# child process) need the wall clock.
ONE_THREAD_FILES = ["test_bench_count.py", "test_bench_stream.py", "test_bench_open.py"]
TIMERS = {"cpu": "time.process_time", "wall": "time.perf_counter"}


def _pytest(paths: list[str], timer: str, extra: list[str]) -> tuple[int, list[dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        cmd = [sys.executable, "-m", "pytest", *paths, "--benchmark-only", f"--benchmark-json={out}",
               "-q", "-p", "no:randomly", "--benchmark-max-time=0.5", "--benchmark-min-rounds=5",
               "--benchmark-disable-gc", f"--benchmark-timer={TIMERS[timer]}",
               # When -k selects nothing in one half, pytest-benchmark warns that it saves nothing,
               # which the suite's warnings-as-errors would turn into a failed run.
               "-W", "ignore:Not saving anything", *extra]
        print(f"report.py: {' '.join(cmd[1:])}", file=sys.stderr)
        code = subprocess.run(cmd, cwd=BENCHES.parent).returncode
        code = 0 if code == 5 else code  # 5: -k selected nothing here
        return code, json.loads(out.read_text())["benchmarks"] if out.exists() else []


def run(extra: list[str], timer: str) -> dict:
    one_thread = [str(BENCHES / f) for f in ONE_THREAD_FILES]
    others = [f"--ignore={f}" for f in one_thread]
    code1, first = _pytest(one_thread, timer, extra)
    code2, second = _pytest([str(BENCHES), *others], "wall", extra)
    code = code1 or code2
    if code != 0:
        print(f"report.py: pytest exited {code}; the tables below show what ran", file=sys.stderr)
    return {"benchmarks": first + second, "streamtok_machine": machine(), "streamtok_pytest_exit": code,
            "streamtok_timer": timer}


def machine() -> dict:
    """The CPU (from /proc/cpuinfo), core count, load, Python and package versions."""
    import importlib.metadata

    import competitors

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ["streamtok", "tiktoken", *competitors.NAMES, *competitors.OPEN_PACKAGES]:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "system": f"{platform.system()} {platform.release()}",
        "versions": versions,
    }


def _fmt(x: float, digits: int = 1, suffix: str = "×") -> str:
    return "–" if x != x else f"{x:.{digits}f}{suffix}"


class Run:
    """The benchmarks of one run, indexed by group kind."""

    def __init__(self, data: dict):
        self.data = data
        self.groups: dict[str, list[dict]] = defaultdict(list)
        for b in data["benchmarks"]:
            self.groups[b["group"] or ""].append(b)

    def kind(self, kind: str) -> dict[tuple[str, ...], list[dict]]:
        """Groups whose name starts with ``kind``, keyed by the rest of the name split on spaces."""
        return {tuple(g.split(" ")[1:]): bs for g, bs in sorted(self.groups.items()) if g.split(" ")[0] == kind}

    @staticmethod
    def median(b: dict) -> float:
        return b["stats"]["median"]


def competitors_seen(run: Run) -> list[str]:
    seen = {b["extra_info"].get("impl") for bs in run.kind("count").values() for b in bs}
    names = [n for n in run.data["streamtok_machine"]["versions"] if n not in ("streamtok", "tiktoken")]
    return [n for n in names if n in seen]


def count_tables(run: Run) -> tuple[list[str], dict]:
    """Per-file ratios to tiktoken for count and encode, the median and overall rows, exactness."""
    lines: list[str] = []
    summary: dict = {}
    others = competitors_seen(run)
    impls = ["streamtok", *others]
    per_enc: dict[str, list] = defaultdict(list)
    inexact: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for (enc, name), bs in run.kind("count").items():
        tk = next((b for b in bs if b["extra_info"].get("impl") == "tiktoken"), None)
        if tk is None:
            continue
        mb = tk["extra_info"]["bytes"] / 1e6
        times = {(b["extra_info"]["impl"], b["extra_info"]["op"]): Run.median(b) for b in bs}
        for b in bs:
            if not b["extra_info"].get("exact", True):
                inexact[(b["extra_info"]["impl"], b["extra_info"]["op"], enc)].append(name)
        per_enc[enc].append((name, mb, Run.median(tk), times))
    ops = [("count", "One-shot count"), ("encode", "`encode_ordinary` (ids)"),
           ("count_cold", "streamtok `count` with its piece caches emptied before every call")]
    for op, title in ops:
        op_impls = ["streamtok", *others] if op != "count_cold" else ["streamtok"]
        if not any((i, op) in r[3] for rows in per_enc.values() for r in rows for i in op_impls):
            continue
        lines += [f"### {title}: × tiktoken `encode_ordinary` (higher is faster)", ""]
        lines += ["| encoding | file | MB | tiktoken MB/s | " + " | ".join(op_impls) + " |",
                  "|---|---|---|---|" + "---|" * len(op_impls)]
        for enc, rows in per_enc.items():
            for name, mb, tk, times in rows:
                cells = [_fmt(tk / times.get((i, op), NAN)) for i in op_impls]
                lines.append(f"| {enc} | {name} | {mb:.3f} | {mb / tk:.1f} | " + " | ".join(cells) + " |")
            med = [_fmt(statistics.median(tk / t.get((i, op), NAN) for _, _, tk, t in rows)) for i in op_impls]
            lines.append(f"| {enc} | **median of files** | | | " + " | ".join(f"**{c}**" for c in med) + " |")
            # Overall: all files' bytes over all files' time, so big, slow files weigh most.
            total_mb = sum(r[1] for r in rows)
            t_tk = sum(r[2] for r in rows)
            overall = {i: t_tk / sum(t.get((i, op), NAN) for _, _, _, t in rows) for i in op_impls}
            lines.append(f"| {enc} | **overall (all bytes ÷ all time)** | {total_mb:.2f} | {total_mb / t_tk:.1f} | "
                         + " | ".join(f"**{_fmt(overall[i])}**" for i in op_impls) + " |")
            summary[(op, enc)] = {"median": dict(zip(op_impls, [statistics.median(tk / t.get((i, op), NAN)
                                                                          for _, _, tk, t in rows) for i in op_impls])),
                                  "overall": overall,
                                  "mbps": {i: total_mb / sum(t.get((i, op), NAN) for *_, t in rows) for i in op_impls}}
        lines.append("")
    if per_enc:
        lines += ["### Exactness on the corpus (count and ids compared with tiktoken on every file)", "",
                  "| tokenizer | " + " | ".join(per_enc) + " |", "|---|" + "---|" * len(per_enc)]
        for i in impls:
            cells = []
            for enc, rows in per_enc.items():
                n = len(rows)
                if not any((i, op) in r[3] for r in rows for op in ("count", "encode")):
                    cells.append("not run")
                    continue
                bad = sorted(set(inexact[(i, "count", enc)] + inexact[(i, "encode", enc)] + inexact[(i, "count_cold", enc)]))
                cells.append(f"exact ({n}/{n} files)" if not bad else f"**NOT exact** on {len(bad)}/{n}: {', '.join(bad)}")
            lines.append(f"| {i} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines, summary


# The long-piece group's row of ordinary text, the like-for-like denominator.
ORDINARY = "ordinary_text"


def piece_table(run: Run, summary: dict) -> list[str]:
    rows = []

    def speeds(kind: str) -> dict:
        return {key: bs[0]["extra_info"]["bytes"] / 1e6 / Run.median(bs[0]) for key, bs in run.kind(kind).items()}

    mbps_of, first_of = speeds("piece"), speeds("piece-first")
    for (enc, shape), bs in run.kind("piece").items():
        if shape == ORDINARY:
            continue
        mbps = mbps_of[(enc, shape)]
        ordinary = summary.get(("count", enc), {}).get("mbps", {}).get("streamtok", NAN)
        same = mbps_of.get((enc, ORDINARY), NAN)
        first, first_same = first_of.get((enc, shape), NAN), first_of.get((enc, ORDINARY), NAN)
        rows.append(f"| {enc} | {shape} | {bs[0]['extra_info']['bytes'] / 1e6:.1f} | {mbps:.1f} | {ordinary:.1f} "
                    f"| {_fmt(100 * mbps / ordinary, 0, '%')} | {same:.1f} | {_fmt(100 * mbps / same, 0, '%')} "
                    f"| {first:.1f} | {first_same:.1f} | {_fmt(100 * first / first_same, 0, '%')} |")
    if not rows:
        return []
    return ["### One long piece counted in one call, against ordinary text (target ≥ 50%)", "",
            "The corpus column is each file counted again and again (its pieces all in the caches); "
            "the next two are as many bytes of ordinary text (the corpus files one after another) "
            "counted in one call the same way as the piece, again and again; the last three count the "
            "piece and that text as a first count, the caches emptied before every call.", "",
            "| encoding | piece | MB | streamtok MB/s | streamtok MB/s on the corpus (overall) | ratio "
            "| MB/s on 1 MB of ordinary text in one call | ratio "
            "| first count: piece MB/s | first count: ordinary text MB/s | ratio |",
            "|---|---|---|---|---|---|---|---|---|---|---|", *rows, ""]


def stream_tables(run: Run) -> list[str]:
    lines: list[str] = []
    rows = []
    for (enc, name), bs in run.kind("stream").items():
        med = {b["name"].split("[")[0].removeprefix("test_"): b for b in bs}
        if "tiktoken_encode_once" in med and "streamtok_stream" in med:
            st = med["streamtok_stream"]
            n = st["extra_info"].get("deltas", 1)
            paired = st["extra_info"].get("paired_ratio")
            rows.append(f"| {enc} | {name} | {n} | {Run.median(st) / Run.median(med['tiktoken_encode_once']):.2f} "
                        f"| {_fmt(paired if paired is not None else NAN, 2, '')} | {Run.median(st) / n * 1e9:.0f} |")
    if rows:
        lines += ["### Streaming: exact count after every token-sized delta (targets ≤ 0.5 and ≤ 150 ns)", "",
                  "| encoding | file | deltas | whole stream ÷ one tiktoken encode of the final text "
                  "| the same, timed in alternating rounds (median ratio) | ns per push |",
                  "|---|---|---|---|---|---|", *rows, ""]
    rows = []
    for (enc, name), bs in run.kind("reencode").items():
        med = {b["name"].split("[")[0].removeprefix("test_"): b for b in bs}
        if "tiktoken_reencode_every_delta" in med and "streamtok_stream_reencode_prefix" in med:
            rows.append(f"| {enc} | {name} | {med['streamtok_stream_reencode_prefix']['extra_info'].get('deltas', 0)} | "
                        f"{_fmt(Run.median(med['tiktoken_reencode_every_delta']) / Run.median(med['streamtok_stream_reencode_prefix']), 0)} |")
    if rows:
        lines += ["| encoding | file (first 8k chars) | deltas | tiktoken re-encoding after every delta ÷ streamtok stream |",
                  "|---|---|---|---|", *rows, ""]
    return lines


def batch_table(run: Run) -> list[str]:
    rows = []
    for (enc, order), bs in run.kind("batch").items():
        by: dict[tuple[str, str], dict[int, dict]] = defaultdict(dict)
        for b in bs:
            by[(b["extra_info"]["impl"], b["extra_info"]["op"])][b["extra_info"]["threads"]] = b
        tk = by.get(("tiktoken", "encode_ordinary_batch"), {})
        for (impl, op), th in by.items():
            one, two = th.get(1), th.get(2)
            b = one or two
            mb = b["extra_info"]["bytes"] / 1e6
            t1 = Run.median(one) if one else NAN
            t2 = Run.median(two) if two else NAN
            vs_tk = Run.median(tk[2]) / t2 if 2 in tk else NAN
            exact = "" if all(x["extra_info"].get("exact", True) for x in th.values()) else " (**NOT exact**)"
            x2 = two["extra_info"] if two else {}
            share, bound = x2.get("calling_share", NAN), x2.get("cpu_bound", NAN)
            paired = x2.get("paired_ratio", NAN)
            rows.append(f"| {enc} | {order} ({b['extra_info']['texts']} texts, {mb:.1f} MB) | {impl} `{op}`{exact} "
                        f"| {mb / t1:.1f} | {mb / t2:.1f} | {_fmt(t1 / t2, 2)} | {_fmt(paired, 2)} | {_fmt(vs_tk)} "
                        f"| {_fmt(100 * share, 1, '%')} | {_fmt(bound, 2)} |")
    if not rows:
        return []
    return ["### Batch: one thread against two (target: 2 threads ≥ 1.8× one)", "",
            "The first ratio divides the two benchmarks' medians, timed one after the other; the "
            "second is the median over alternating rounds of the one-thread call's time divided by the "
            "two-thread call's in the same round, which a slow stretch of the machine skews less. "
            "Wall-clock scaling needs two idle cores; the last two columns are measured in CPU time, which "
            "other processes do not skew: the calling thread's part of the two-thread call's CPU time "
            "(it holds the GIL to take the texts and build the result, and encodes chunks like the other "
            "thread), and the speedup two idle cores would give: the one-thread call's CPU time over the "
            "busier thread's in the two-thread call.", "",
            "| encoding | batch | call | MB/s, 1 thread | MB/s, 2 threads | 2 threads ÷ 1 | 2 ÷ 1, alternating rounds "
            "| 2 threads, × tiktoken on 2 | calling thread's share | CPU-time bound |",
            "|---|---|---|---|---|---|---|---|---|---|", *rows, ""]


def large_table(run: Run) -> list[str]:
    rows = []
    for (enc,), bs in run.kind("large").items():
        tk = next((b for b in bs if b["extra_info"]["impl"] == "tiktoken"), None)
        for b in bs:
            x = b["extra_info"]
            exact = "" if x.get("exact", True) else " (**NOT exact**)"
            seconds = x["call_seconds"]
            vs_tk = tk["extra_info"]["call_seconds"] / seconds if tk else NAN
            rows.append(f"| {enc} | {x['impl']} `{x['op']}`{exact} | {seconds:.3f} "
                        f"| {x['bytes'] / 1e6 / seconds:.0f} | {_fmt(vs_tk)} |")
    if not rows:
        return []
    return ["### One 32 MB text, counted once in a fresh process (wall time, every CPU the library uses)", "",
            "| encoding | call | seconds (median) | MB/s | × tiktoken |", "|---|---|---|---|---|", *rows, ""]


def load_table(run: Run) -> list[str]:
    rows = []
    for (enc, _), bs in run.kind("load").items():
        base = next((b for b in bs if b["extra_info"]["impl"] == "python"), None)
        for b in bs:
            x = b["extra_info"]
            extra_rss = (x["rss_kib"] - base["extra_info"]["rss_kib"]) / 1024 if base else NAN
            rows.append(f"| {x['impl']} | {x['first_use_ms']:.1f} | {x.get('first_use_cpu_ms', NAN):.1f} "
                        f"| {Run.median(b) * 1e3:.0f} "
                        f"| {x['rss_kib'] / 1024:.1f} | {_fmt(extra_rss, 1, '')} | {x.get('hwm_kib', NAN) / 1024:.1f} |")
            enc_name = enc
    if not rows:
        return []
    return [f"### First use in a fresh process: import, load {enc_name}, count \"hi\" (target ≤ 30 ms)", "",
            "| tokenizer | first use, ms (in process) | its CPU time, ms | whole process, ms | VmRSS after, MiB "
            "| over bare python, MiB | peak (VmHWM), MiB |",
            "|---|---|---|---|---|---|---|", *rows, ""]


def headline(summary: dict, others: list[str]) -> list[str]:
    if not summary:
        return []
    encs = sorted({enc for _, enc in summary})
    lines = ["### Summary: × tiktoken `encode_ordinary`, all corpus bytes ÷ all time", "",
             "| | " + " | ".join(encs) + " |", "|---|" + "---|" * len(encs)]
    for op in ("count", "encode", "count_cold"):
        for i in ["streamtok", *others] if op != "count_cold" else ["streamtok"]:
            cells = [_fmt(summary.get((op, e), {}).get("overall", {}).get(i, NAN)) for e in encs]
            call = {"count": "count", "encode": "encode_ordinary", "count_cold": "count` (caches emptied before each call)"}[op]
            lines.append(f"| {i} `{call}` | " + " | ".join(cells) + " |")
    import competitors

    calls = [f"{n}, {competitors.COMPETITORS[n].count_call}" for n in others if n in competitors.COMPETITORS]
    if calls:
        lines += ["", "Each competitor's count is its fastest exact call: " + "; ".join(calls) + "."]
    return [*lines, ""]


def paired_headline(run: Run) -> list[str]:
    """The summary again from the alternating rounds (test_bench_count.test_alternating_rounds):
    every call timed in turn on each file, so that the ratios divide times of the same minutes."""
    per_enc: dict[str, list[dict]] = defaultdict(list)
    calls: list[str] = []
    rounds = 0
    base = "tiktoken encode_ordinary"
    for (enc, _), bs in run.kind("paired").items():
        x = bs[0]["extra_info"]
        per_enc[enc].append(x)
        calls += [c for c in x["medians"] if c not in calls and c != base]
        rounds = x.get("rounds", rounds)
    if not per_enc:
        return []
    encs = sorted(per_enc)
    lines = ["### Summary from alternating rounds: × tiktoken `encode_ordinary`", "",
             f"Each file: {rounds} rounds, in which every call below runs once warm and is then timed; "
             "all corpus bytes ÷ all time (the medians' sums), and in brackets the median over the files "
             "of the median over rounds of (tiktoken's time ÷ the call's time in the same round).", "",
             "| | " + " | ".join(encs) + " |", "|---|" + "---|" * len(encs)]
    order = sorted(calls, key=lambda c: (c.split(" ")[1] != "count", not c.startswith("streamtok")))
    for call in order:
        cells = []
        for enc in encs:
            rows = [x for x in per_enc[enc] if call in x["medians"]]
            if not rows:
                cells.append("–")
                continue
            overall = sum(x["medians"][base] for x in rows) / sum(x["medians"][call] for x in rows)
            median = statistics.median(x["round_ratios"][call] for x in rows)
            cells.append(f"{_fmt(overall)} ({_fmt(median)})")
        name, op = call.split(" ", 1)
        lines.append(f"| {name} `{'encode_ordinary' if op == 'encode' else op}` | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _open_calls(x: dict) -> dict[str, float]:
    return {call: statistics.median(times) for call, times in x["samples"].items()}


def _round_ratio(x: dict, num: str, den: str) -> float:
    """Median over the rounds of ``num``'s time ÷ ``den``'s in the same round."""
    a, b = x["samples"].get(num), x["samples"].get(den)
    return statistics.median(p / max(q, 1e-12) for p, q in zip(a, b)) if a and b else NAN


def open_tables(run: Run) -> list[str]:
    """The open-weight models' files (test_bench_open.py): speed, ratios and exactness per file."""
    per_model: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for (model, name), bs in run.kind("open").items():
        per_model[model].append((name, bs[0]["extra_info"]))
    if not per_model:
        return []
    pairs = [("streamtok count", "fastokens count"), ("streamtok encode", "fastokens encode")]
    lines = ["### Open-weight tokenizers on the corpus: MB/s in alternating rounds", "",
             "All corpus bytes ÷ the sum of each call's median time over the rounds; the ratios divide "
             "those sums, and in brackets give the median over the files of the median over rounds of "
             "the two calls' times in the same round. The reference is the file's own library: "
             "`tokenizers` (`Tokenizer.encode(text, add_special_tokens=False)`) for a tokenizer.json, "
             "tiktoken with the same ranks, pattern and special tokens for a tiktoken file. fastokens' "
             "count is `len(Tokenizer.encode_ordinary(text))` (it has no count).", "",
             "| model | reference | reference MB/s | streamtok `count` MB/s | streamtok `encode_ordinary` MB/s "
             "| fastokens count MB/s | fastokens ids MB/s | streamtok `count` × reference "
             "| streamtok `count` ÷ fastokens count | streamtok `encode_ordinary` ÷ fastokens ids |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    details: list[str] = []
    for model, rows in per_model.items():
        ref = rows[0][1]["reference"]
        total = sum(x["bytes"] for _, x in rows) / 1e6
        sums: dict[str, float] = defaultdict(float)
        for _, x in rows:
            for call, t in _open_calls(x).items():
                sums[call] += t
        mbps = {call: total / t for call, t in sums.items()}

        def speed(call: str) -> str:
            return f"{mbps[call]:.1f}" if call in mbps else "–"

        def ratio(num: str, den: str) -> str:
            if num not in sums or den not in sums:
                return "–"
            med = statistics.median(_round_ratio(x, den, num) for _, x in rows)
            return f"{_fmt(sums[den] / sums[num], 2)} ({_fmt(med, 2)})"

        lines.append(f"| {model} | {ref.split()[0]} | {speed(ref)} | {speed('streamtok count')} "
                     f"| {speed('streamtok encode')} | {speed('fastokens count')} | {speed('fastokens encode')} "
                     f"| {ratio('streamtok count', ref)} | " + " | ".join(ratio(a, b) for a, b in pairs) + " |")
        for name, x in rows:
            med, mb = _open_calls(x), x["bytes"] / 1e6

            def file_speed(call: str) -> str:
                return f"{mb / med[call]:.1f}" if call in med else "–"

            st_ft = _round_ratio(x, "fastokens count", "streamtok count")
            details.append(f"| {model} | {name} | {mb:.3f} | {file_speed(ref)} | {file_speed('streamtok count')} "
                           f"| {file_speed('fastokens count')} | {_fmt(st_ft, 2)} |")
    lines += ["", "Per file (medians over the rounds):", "",
              "| model | file | MB | reference MB/s | streamtok `count` MB/s | fastokens count MB/s "
              "| streamtok `count` ÷ fastokens, alternating rounds |",
              "|---|---|---|---|---|---|---|", *details, ""]
    libraries = ["streamtok", "fastokens"]
    lines += ["### Exactness of the open-weight tokenizers on the corpus (count and ids against the reference, every file)", "",
              "| model | " + " | ".join(libraries) + " |", "|---|" + "---|" * len(libraries)]
    for model, rows in per_model.items():
        cells = []
        for lib in libraries:
            missing = rows[0][1].get("missing", {}).get(lib)
            if missing:
                cells.append(f"not run: {missing}")
                continue
            bad = sorted({name for name, x in rows for call, ok in x["exact"].items() if call.startswith(lib + " ") and not ok})
            n = len(rows)
            cells.append(f"exact ({n}/{n} files)" if not bad else f"**NOT exact** on {len(bad)}/{n}: {', '.join(bad)}")
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def open_stream_table(run: Run) -> list[str]:
    rows = []
    for (model, name), bs in run.kind("open-stream").items():
        b = bs[0]
        x = b["extra_info"]
        rows.append(f"| {model} | {name} | {x['deltas']} | {x['reference']} | {x['paired_ratio']:.2f} "
                    f"| {Run.median(b) / x['reference_seconds']:.2f} | {Run.median(b) / x['deltas'] * 1e9:.0f} |")
    if not rows:
        return []
    return ["### Streams of the open-weight tokenizers: exact count after every token-sized delta (target ≤ 0.5)", "",
            "Deltas cut where the reference's tokens end (whole characters only). Encodings whose streams "
            "streamtok refuses are skipped (the run's skip messages say which).", "",
            "| model | file | deltas | reference | whole stream ÷ one reference encode of the final text, "
            "alternating rounds (median ratio) | the same, timed apart | ns per push |",
            "|---|---|---|---|---|---|---|", *rows, ""]


def open_load_table(run: Run) -> list[str]:
    rows = []
    for (model,), bs in run.kind("openload").items():
        st = next((b for b in bs if b["extra_info"]["impl"] == "streamtok"), None)
        for b in bs:
            x = b["extra_info"]
            vs = x["first_use_cpu_ms"] / st["extra_info"]["first_use_cpu_ms"] if st else NAN
            rows.append(f"| {model} | {x['bytes'] / 1e6:.1f} | {x['impl']} | {x['first_use_ms']:.0f} "
                        f"| {x['first_use_cpu_ms']:.0f} | {_fmt(vs, 2)} | {Run.median(b) * 1e3:.0f} "
                        f"| {x['rss_kib'] / 1024:.1f} |")
    if not rows:
        return []
    return ["### Loading an open-weight model's file in a fresh process: import, load, count \"hi\"", "",
            "| model | file MB | library | first use, ms (in process) | its CPU time, ms | CPU time ÷ streamtok's "
            "| whole process, ms | VmRSS after, MiB |",
            "|---|---|---|---|---|---|---|---|", *rows, ""]


def timer_line(data: dict) -> str:
    timer = data.get("streamtok_timer", "wall")
    if timer == "cpu":
        return ("Timer: the one-thread groups (count, encode, long pieces, streaming, open-weight models) in process CPU time, "
                "which leaves out the time other processes hold the core; batches and first use in wall time.")
    return "Timer: wall time for every group."


def machine_line(m: dict) -> str:
    v = m["versions"]
    comps = [f"{n} {v[n]}" for n in v if n not in ("streamtok", "tiktoken") and v[n]]
    missing = [n for n in v if n not in ("streamtok", "tiktoken") and not v[n]]
    load = f", load average {m['load'][0]:.1f} at the start" if m.get("load") else ""
    return (f"Machine: {m['cpu']}, {m['cores']} cores{load}; {m['system']}; {m['python']}; "
            f"streamtok {v.get('streamtok')}, tiktoken {v.get('tiktoken')}"
            + (f", {', '.join(comps)}" if comps else "")
            + (f"; not installed: {', '.join(missing)}" if missing else "") + ".")


def table(data: dict) -> str:
    run = Run(data)
    count_lines, summary = count_tables(run)
    lines = [machine_line(data["streamtok_machine"]), "", timer_line(data), ""]
    lines += paired_headline(run)
    lines += headline(summary, competitors_seen(run))
    lines += count_lines
    lines += piece_table(run, summary)
    lines += stream_tables(run)
    lines += batch_table(run)
    lines += large_table(run)
    lines += load_table(run)
    lines += open_tables(run)
    lines += open_stream_table(run)
    lines += open_load_table(run)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="save the raw pytest-benchmark results here")
    parser.add_argument("--markdown", help="write the tables here as markdown")
    parser.add_argument("--from-json", help="render a saved run instead of running the suite")
    parser.add_argument("--timer", choices=list(TIMERS), default="cpu",
                        help="clock of the one-thread groups: process CPU time (default, steadier on a shared "
                             "machine) or wall time; batches and first use always use wall time")
    args, extra = parser.parse_known_args()
    if args.from_json:
        data = json.loads(Path(args.from_json).read_text())
        data.setdefault("streamtok_machine", machine())
    else:
        data = run(extra, args.timer)
    if args.json:
        Path(args.json).write_text(json.dumps(data))
    text = table(data)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    print(text)
    sys.exit(data.get("streamtok_pytest_exit", 0))


if __name__ == "__main__":
    main()
