"""First use of an encoding in a fresh process: import, load o200k_base, count "hi"; and the same
with each open-weight model's file (competitors.OPEN_MODELS) for streamtok, its reference library
and fastokens.

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


def _first_use(code: str, enc: str = ENCODING) -> dict:
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=support.TIKTOKEN_CACHE_DIR)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run([sys.executable, "-c", PROBE.format(enc=enc, code=code)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _time_first_use(benchmark, impl: str, code: str, enc: str = ENCODING) -> None:
    runs: list[dict] = []
    benchmark.pedantic(lambda: runs.append(_first_use(code, enc)), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    runs = runs[1:]  # the warm-up round
    benchmark.extra_info.update(
        impl=impl,
        first_use_ms=statistics.median(r["seconds"] for r in runs) * 1e3,
        first_use_cpu_ms=statistics.median(r["cpu_seconds"] for r in runs) * 1e3,
        rss_kib=statistics.median(r["rss_kib"] for r in runs),
        hwm_kib=statistics.median(r["hwm_kib"] for r in runs),
    )


@pytest.mark.parametrize("impl", list(FIRST_USE))
def test_first_use(benchmark, impl):
    if impl in competitors.COMPETITORS and competitors.version(impl) is None:
        pytest.skip(f"{impl} is not installed (pip install {impl}, or the bench extra)")
    benchmark.group = f"load {ENCODING} first_use"
    _time_first_use(benchmark, impl, FIRST_USE[impl])


# Open-weight models' files (competitors.OPEN_MODELS): import, load the file the way each library
# loads it, count "hi". PATH is the file; for a tiktoken file PATTERN and SPECIALS are literals in
# the code (importing the package that holds them would import tiktoken), and tiktoken gets the
# ranks parsed as its own loader parses a .tiktoken file.
OPEN_FIRST_USE = {
    "tokenizer.json": {
        "streamtok": "import streamtok; streamtok.Encoding.from_tokenizer_json(PATH).count('hi')",
        "tokenizers": "import tokenizers; tokenizers.Tokenizer.from_file(PATH).encode('hi', add_special_tokens=False)",
        "fastokens": "import fastokens; fastokens.Tokenizer.from_file(PATH).encode_ordinary('hi')",
    },
    "tiktoken": {
        "streamtok": "import streamtok; "
        "streamtok.Encoding.from_tiktoken_file(PATH, pat_str=PATTERN, special_tokens=SPECIALS).count('hi')",
        "tiktoken": "import base64, tiktoken; "
        "ranks = {base64.b64decode(t): int(r) for t, r in (l.split() for l in open(PATH, 'rb').read().splitlines() if l)}; "
        "tiktoken.Encoding(ENC, pat_str=PATTERN, mergeable_ranks=ranks, special_tokens=SPECIALS).encode_ordinary('hi')",
        "fastokens": "import fastokens; "
        "fastokens.Tokenizer.from_tiktoken(PATH, pattern=PATTERN, special_tokens=SPECIALS).encode_ordinary('hi')",
    },
}
OPEN_CASES = [(model, impl) for model, m in competitors.OPEN_MODELS.items()
              for impl in OPEN_FIRST_USE["tokenizer.json" if m.tiktoken is None else "tiktoken"]]


@pytest.mark.parametrize(("model", "impl"), OPEN_CASES, ids=[f"{m}-{i}" for m, i in OPEN_CASES])
def test_open_first_use(benchmark, model, impl):
    m = competitors.OPEN_MODELS[model]
    path = competitors.open_file(model)
    if impl != "streamtok" and competitors.version(impl) is None:
        pytest.skip(f"{impl} is not installed (pip install {impl}, or the bench extra)")
    if impl == "fastokens":
        competitors.open_encoding(model, "fastokens")  # skips, saying why, when it cannot load the file
    head = f"PATH = {str(path)!r}; "
    if m.tiktoken is not None:
        pattern, specials = competitors.open_tiktoken_parts(model)
        head += f"PATTERN = {pattern!r}; SPECIALS = {specials!r}; "
    kind = "tokenizer.json" if m.tiktoken is None else "tiktoken"
    benchmark.group = f"openload {model}"
    _time_first_use(benchmark, impl, head + OPEN_FIRST_USE[kind][impl], enc=model)
    benchmark.extra_info.update(model=model, bytes=path.stat().st_size)
