"""The limit on open text (``max_open_bytes``): a push past it raises ``ValueError`` and changes
nothing, on counters, encoders, usage trackers and the command line; below it every count is
tiktoken's."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest
from support import tk

import streamtok

#: A piece that never ends and that no token boundary bounds in o200k_base (it has tokens of
#: several NUL bytes), and one that is bounded (random letters: positions no token spans).
NULS = "\0" * 5000


@pytest.mark.parametrize("kind", ["stream", "stream_encoder"])
def test_a_push_past_the_limit_raises_and_changes_nothing(kind: str) -> None:
    enc = streamtok.get_encoding("o200k_base")
    s = getattr(enc, kind)(max_open_bytes=4096)
    assert s.max_open_bytes == 4096
    out = [s.push("hello "), s.push(NULS[:4000])]
    before = (s.count, s.stable_count, pickle.dumps(s))
    with pytest.raises(ValueError, match="max_open_bytes=4096"):
        s.push(NULS[:200])
    with pytest.raises(ValueError, match="max_open_bytes=4096"):
        s.push_bytes(b"\0" * 200)
    assert (s.count, s.stable_count, pickle.dumps(s)) == before
    # Still usable: text that ends the piece goes in, and the counts are tiktoken's.
    out += [s.push(" world"), s.finish()]
    expected = tk("o200k_base").encode_ordinary("hello " + NULS[:4000] + " world")
    if kind == "stream":
        assert out[-1] == len(expected)
    else:
        assert sum(out, []) == expected


def test_the_limit_survives_pickle_and_copy() -> None:
    c = streamtok.get_encoding("cl100k_base").stream(max_open_bytes=1234)
    c.push("abc")
    assert pickle.loads(pickle.dumps(c)).max_open_bytes == 1234
    assert c.copy().max_open_bytes == 1234
    assert streamtok.get_encoding("cl100k_base").stream().max_open_bytes == 8 << 20


@pytest.mark.parametrize("bad", [0, -1])
def test_a_limit_that_is_no_number_of_bytes_is_refused(bad: int) -> None:
    with pytest.raises((ValueError, OverflowError)):
        streamtok.get_encoding("o200k_base").stream(max_open_bytes=bad)
    with pytest.raises(ValueError, match="max_open_bytes"):
        streamtok.StreamUsage(model="gpt-4o", max_open_bytes=bad)


def test_bounded_shapes_never_reach_the_limit() -> None:
    # Random letters: positions that no token spans come often; the stream lets go of the text
    # before them, so 2 MB of one piece fits under a 256 KiB limit, and counts as tiktoken.
    import random

    r = random.Random(7)
    text = "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2_000_000))
    enc = streamtok.get_encoding("o200k_base")
    c = enc.stream(max_open_bytes=256 << 10)
    for i in range(0, len(text), 4096):
        c.push(text[i : i + 4096])
        assert sys.getsizeof(c) < 4 << 20
    assert c.finish() == len(tk("o200k_base").encode_ordinary(text))


def test_usage_tracking_passes_the_limit_to_each_channel() -> None:
    usage = streamtok.StreamUsage(model="gpt-4o", max_open_bytes=4096)
    usage.feed({"choices": [{"index": 0, "delta": {"content": "hi " + NULS[:3000]}}]})
    with pytest.raises(ValueError, match="max_open_bytes=4096"):
        usage.feed({"choices": [{"index": 0, "delta": {"content": NULS[:3000]}}]})
    assert usage.completion_tokens == len(tk("o200k_base").encode_ordinary("hi " + NULS[:3000]))


def test_the_command_line_reports_the_limit_as_an_error() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "streamtok", "count", "-e", "o200k_base", "--max-open-bytes", "4096", "-"],
        input=b"\0" * 20000,
        capture_output=True,
    )
    assert run.returncode == 1 and b"max_open_bytes=4096" in run.stderr and b"Traceback" not in run.stderr
    tee = subprocess.run(
        [sys.executable, "-m", "streamtok", "tee", "-e", "o200k_base", "--max-open-bytes", "4096"],
        input=b"\0" * 20000,
        capture_output=True,
    )
    assert tee.returncode == 1 and tee.stdout == b"\0" * 20000 and b"counting stopped" in tee.stderr
