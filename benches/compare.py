"""Compare two configurations of streamtok in alternating rounds: two builds (two Python
executables), or one build under two environments (say one cache turned off).

    python benches/compare.py [--a PYTHON] [--b PYTHON] [--a-env VAR=VALUE] [--b-env VAR=VALUE]
                              [--rounds 7] [--only count,cold,encode,stream,piece,batch] [--markdown out.md]

Before and after a change, the old build against this one:

    python benches/compare.py --a /path/to/old/.venv/bin/python

What the pair memo pays (B without it: B's time ÷ A's is what turning it off costs):

    python benches/compare.py --b-env STREAMTOK_CACHES=off:pair --only stream,piece

The workloads are the benchmark suite's that matter for speed, by the kinds ``--only`` takes, each
on o200k_base and cl100k_base: ``count``, the count of every corpus file (tests/data), warm;
``cold``, the same with the encoding's caches emptied before every call (a first count); ``encode``,
``encode_ordinary`` of every corpus file, warm; ``stream``, five files (English, Python, JSON,
Russian, Chinese) pushed in deltas cut where their tokens end, every push returning the count so
far; ``piece``, pieces of a million characters (random letters, spaces, Han) counted with the caches
emptied before every call; ``batch``, ``count_batch`` of the corpus cut into texts of about 1 KB, on
two threads. A worker needs streamtok alone: an old build's environment need not have the test
extras.

Each round runs each configuration in a fresh process of its own (the two take turns going first)
and times every workload there: the median of a few samples, each long enough for the clock, in
process CPU time (other processes on the machine do not count in it), batches in wall time. The
table gives each side's median over the rounds and the median over the rounds of B's time ÷ A's
in the same round, with its range: a slow stretch of the machine slows both sides of a round.
Both sides must give the same counts and ids; a difference is reported. Nothing is asserted.
Without configuration options the build runs against itself: the table then shows the noise of
the machine, which a ratio must clear to mean anything.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
ENCODINGS = ["o200k_base", "cl100k_base"]
STREAM_FILES = ["en_GPL-3.txt", "python_difflib.py.txt", "iso_3166-1.json", "ru_coreutils.txt", "zh_CN_git.txt"]
PIECE_SHAPES = ["random-letters", "spaces", "han"]
PIECE_CHARS = 1_000_000
# The names STREAMTOK_CACHES=off:<names> takes (rust/cache/mod.rs).
CACHES = ["pieces", "long", "ranks", "pair", "follow", "delta", "windows", "ints"]
KINDS = ["count", "cold", "encode", "stream", "piece", "batch"]
# A sample repeats the call until it has taken this long, so the clock's resolution does not matter.
SAMPLE_SECONDS = 0.02


# The worker: runs in a fresh process of one configuration and prints its times as JSON. It needs
# streamtok alone (an old build's environment may lack the test extras), so it cuts the suite's
# inputs as conftest.py and test_bench_batch.py do, with streamtok in place of tiktoken.


def corpus() -> list[Path]:
    return sorted(p for p in DATA.iterdir() if p.suffix in {".txt", ".json"})


def token_deltas(enc, text: str) -> list[str]:
    """``text`` cut where its tokens end (whole characters only), as APIs stream it."""
    deltas, pending = [], b""
    for token in enc.encode_ordinary(text):
        pending += enc.decode_single_token_bytes(token)
        try:
            deltas.append(pending.decode("utf-8"))
            pending = b""
        except UnicodeDecodeError:
            continue
    return deltas


def batch_texts() -> list[str]:
    """The corpus cut at line ends into texts of about 1,000 characters."""
    texts = []
    for path in corpus():
        current = ""
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            current += line
            if len(current) >= 1_000:
                texts.append(current)
                current = ""
        if current:
            texts.append(current)
    return texts


def seconds(call: Callable[[], object], clock: Callable[[], float], samples: int,
            setup: Callable[[], object] | None = None) -> tuple[float, object]:
    """Median seconds per call of ``call()`` over ``samples`` samples, and its result. With
    ``setup``, every call is timed alone with ``setup()`` before it, untimed."""
    result = call()  # warm-up, and what to compare with the other side
    t0 = clock()
    call()
    once = max(clock() - t0, 1e-9)
    repeat = max(1, round(SAMPLE_SECONDS / once))
    if setup:  # every call timed alone: more samples instead of longer ones
        samples, repeat = samples * min(repeat, 10), 1
    times = []
    for _ in range(samples):
        if setup:
            setup()
        t0 = clock()
        for _ in range(repeat):
            call()
        times.append((clock() - t0) / repeat)
    return statistics.median(times), result


class Workload(NamedTuple):
    name: str
    call: Callable[[], object]
    clock: Callable[[], float]
    setup: Callable[[], object] | None = None
    #: What the time is divided by in the table: a stream's pushes (ns per push), else 1.
    per: int = 1


def workloads(kinds: set[str]) -> Iterator[Workload]:
    """Every workload of ``kinds``, in a fixed order."""
    import streamtok

    sys.path.insert(0, str(ROOT / "tests"))
    from adversarial import SHAPES

    cpu, wall = time.process_time, time.perf_counter
    for name in ENCODINGS:
        enc = streamtok.get_encoding(name)
        for path in corpus() if kinds & {"count", "cold", "encode"} else []:
            text = path.read_text(encoding="utf-8")
            if "count" in kinds:
                yield Workload(f"count {name} {path.name}", partial(enc.count, text), cpu)
            if "cold" in kinds:
                yield Workload(f"cold {name} {path.name}", partial(enc.count, text), cpu, setup=enc._clear_caches)
            if "encode" in kinds:
                yield Workload(f"encode {name} {path.name}", partial(enc.encode_ordinary, text), cpu)
        for file in STREAM_FILES if "stream" in kinds else []:
            deltas = token_deltas(enc, (DATA / file).read_text(encoding="utf-8"))
            yield Workload(f"stream {name} {file}", partial(stream, enc, deltas), cpu, per=len(deltas))
        for shape in PIECE_SHAPES if "piece" in kinds else []:
            text = SHAPES[shape](PIECE_CHARS)
            yield Workload(f"piece {name} {shape}", partial(enc.count, text), cpu, setup=enc._clear_caches)
        if "batch" in kinds:
            yield Workload(f"batch {name}", partial(enc.count_batch, batch_texts(), num_threads=2), wall)


def stream(enc, deltas: list[str]) -> int:
    push = (counter := enc.stream()).push
    for delta in deltas:
        push(delta)
    return counter.finish()


def worker(kinds: set[str], samples: int) -> None:
    import streamtok

    gc.disable()
    out: dict = {"streamtok": str(Path(streamtok.__file__).parent), "times": {}, "results": {}, "per": {}}
    for w in workloads(kinds):
        out["times"][w.name], result = seconds(w.call, w.clock, samples, w.setup)
        # Lists of ids or counts as a hash (of ints: the same in every process).
        out["results"][w.name] = hash(tuple(result)) if isinstance(result, list) else result
        out["per"][w.name] = w.per
    print(json.dumps(out))


# The driver: alternating rounds of the two configurations, then the table.


def run_side(python: str, env: dict[str, str], kinds: set[str], samples: int) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--worker", "--only", ",".join(sorted(kinds)),
           "--samples", str(samples)]
    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"compare.py: {' '.join(cmd)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def describe(python: str, env: dict[str, str], where: str) -> str:
    return f"`{python}`" + "".join(f" `{k}={v}`" for k, v in env.items()) + f" (streamtok from `{where}`)"


def fmt_time(seconds: float, per: int) -> str:
    if per > 1:
        return f"{seconds / per * 1e9:.0f} ns/push"
    return f"{seconds * 1e3:.2f} ms"


def table(a: list[dict], b: list[dict], sides: tuple[str, str], order: str) -> str:
    names = list(a[0]["times"])
    lines = [f"A: {sides[0]}", "", f"B: {sides[1]}", "", order, "",
             "| workload | A | B | B ÷ A, median of rounds | range |", "|---|---|---|---|---|"]
    groups: dict[str, list[float]] = {}
    for name in names:
        per = a[0]["per"][name]
        ratios = [rb["times"][name] / ra["times"][name] for ra, rb in zip(a, b)]
        ratio = statistics.median(ratios)
        groups.setdefault(" ".join(name.split(" ")[:2]), []).append(ratio)
        ta = statistics.median(r["times"][name] for r in a)
        tb = statistics.median(r["times"][name] for r in b)
        lines.append(f"| {name} | {fmt_time(ta, per)} | {fmt_time(tb, per)} | {ratio:.3f} "
                     f"| {min(ratios):.3f}–{max(ratios):.3f} |")
    lines += ["", "| group | workloads | median of their B ÷ A | lowest | highest |", "|---|---|---|---|---|"]
    for group, ratios in groups.items():
        lines.append(f"| {group} | {len(ratios)} | {statistics.median(ratios):.3f} | {min(ratios):.3f} "
                     f"| {max(ratios):.3f} |")
    differ = [n for n in names if any(r["results"][n] != a[0]["results"][n] for r in a + b)]
    if differ:
        lines += ["", f"**The two sides' results differ** on: {', '.join(differ)}."]
    return "\n".join(lines)


def env_pairs(values: list[str]) -> dict[str, str]:
    if any("=" not in v for v in values):
        sys.exit("compare.py: --a-env and --b-env take VAR=VALUE")
    pairs = dict(v.split("=", 1) for v in values)
    # streamtok ignores a cache name it does not know: a typo would measure nothing.
    caches = pairs.get("STREAMTOK_CACHES", "").strip().lower()
    if caches.startswith("off:") and {n.strip() for n in caches[4:].split(",")} - set(CACHES):
        sys.exit(f"compare.py: STREAMTOK_CACHES=off:<names> takes names of {','.join(CACHES)}")
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", default=sys.executable, help="Python of configuration A (default: this one)")
    parser.add_argument("--b", default=sys.executable, help="Python of configuration B (default: this one)")
    parser.add_argument("--a-env", action="append", default=[], metavar="VAR=VALUE", help="environment of A")
    parser.add_argument("--b-env", action="append", default=[], metavar="VAR=VALUE", help="environment of B")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds (default 7)")
    parser.add_argument("--samples", type=int, default=5, help="samples per workload in a process (default 5)")
    parser.add_argument("--only", default=",".join(KINDS), help=f"workload kinds, of {','.join(KINDS)}")
    parser.add_argument("--markdown", help="also write the table here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    kinds = set(args.only.split(","))
    if not kinds <= set(KINDS):
        parser.error(f"--only takes {','.join(KINDS)}")
    if args.worker:
        worker(kinds, args.samples)
        return
    configs = [(args.a, env_pairs(args.a_env)), (args.b, env_pairs(args.b_env))]
    runs: list[list[dict]] = [[], []]
    load = os.getloadavg()[0]
    for r in range(args.rounds):
        for side in (0, 1) if r % 2 == 0 else (1, 0):
            runs[side].append(run_side(*configs[side], kinds, args.samples))
        print(f"compare.py: round {r + 1} of {args.rounds} done", file=sys.stderr)
    sides = (describe(*configs[0], runs[0][0]["streamtok"]), describe(*configs[1], runs[1][0]["streamtok"]))
    order = (f"{args.rounds} rounds, A and B taking turns going first, each in a fresh process; in each, "
             f"the median of {args.samples} samples per workload in process CPU time (batches: wall time). "
             f"Load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.")
    text = table(runs[0], runs[1], sides, order)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
