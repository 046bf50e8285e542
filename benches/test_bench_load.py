"""First use of an encoding in a fresh process: import, load o200k_base, count "hi".

Each round starts a new interpreter. The benchmark's own time is the whole process (interpreter
start included); inside, the child times its first use (wall and CPU time) and reads its resident memory after it
(VmRSS, and its peak VmHWM: ru_maxrss would give the forking parent's peak, which exec keeps),
and ``extra_info`` keeps the medians. "python" (an empty first use) gives the interpreter's share.
tiktoken loads from the offline cache that support.py fills (its usual cache path: read the
file, check its sha256, parse it), as a user with a warm cache would. Modules import from their
compiled ``.pyc`` files (written by the warm-up round), as they do from an installed wheel: an
inherited ``PYTHONDONTWRITEBYTECODE`` would otherwise make every round compile the sources.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

import competitors
import pytest

import support

ENCODING = "o200k_base"
ROUNDS = 7

FIRST_USE = {
    "python": "pass",
    "streamtok": "import streamtok; streamtok.get_encoding(ENC).count('hi')",
    "tiktoken": "import tiktoken; tiktoken.get_encoding(ENC).encode_ordinary('hi')",
    **{name: c.first_use for name, c in competitors.COMPETITORS.items()},
}

PROBE = """
import json, time
ENC = {enc!r}
t0, c0 = time.perf_counter(), time.process_time()
{code}
t1, c1 = time.perf_counter(), time.process_time()
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
kib = lambda key: int(status[key].split()[0])
print(json.dumps({{"seconds": t1 - t0, "cpu_seconds": c1 - c0, "rss_kib": kib("VmRSS"), "hwm_kib": kib("VmHWM")}}))
"""


def _first_use(code: str) -> dict:
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=support.TIKTOKEN_CACHE_DIR)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run([sys.executable, "-c", PROBE.format(enc=ENCODING, code=code)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("impl", list(FIRST_USE))
def test_first_use(benchmark, impl):
    if impl in competitors.COMPETITORS and competitors.version(impl) is None:
        pytest.skip(f"{impl} is not installed (pip install {impl}, or the bench extra)")
    runs: list[dict] = []
    benchmark.group = f"load {ENCODING} first_use"
    benchmark.pedantic(lambda: runs.append(_first_use(FIRST_USE[impl])), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    runs = runs[1:]  # the warm-up round
    benchmark.extra_info.update(
        impl=impl,
        first_use_ms=statistics.median(r["seconds"] for r in runs) * 1e3,
        first_use_cpu_ms=statistics.median(r["cpu_seconds"] for r in runs) * 1e3,
        rss_kib=statistics.median(r["rss_kib"] for r in runs),
        hwm_kib=statistics.median(r["hwm_kib"] for r in runs),
    )
