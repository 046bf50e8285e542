"""Open-weight models' tokenizers (competitors.OPEN_MODELS: Llama 3.2's and DeepSeek V3's
tokenizer.json, Qwen's two tiktoken files) on the corpus: streamtok against the file's reference
(the ``tokenizers`` library, or tiktoken given the same ranks and pattern) and fastokens.

One-shot calls are timed in alternating rounds, as test_bench_count.test_alternating_rounds times
the tiktoken encodings: in each round every call runs once untimed and is then timed, in a
rotating order, so that the ratios divide times of the same minutes. Before timing, every call's
count and ids are compared with the reference's on the file (``extra_info["exact"]``); report.py
tabulates both. The texts are not varied between rounds, as for the tiktoken encodings: none of
these libraries remembers whole texts (fastokens' segment cache, which would, is turned off).

Streams: a stream of each encoding whose streams work, the count read after every token-sized
delta, against one encode of the final text by the reference, in alternating rounds.
"""

from __future__ import annotations

import competitors
import pytest
from conftest import CORPUS, STREAM_FILES, corpus_text, token_deltas
from test_bench_count import ROUNDS, _alternating_rounds
from test_bench_stream import _paired, _stream

MODELS = list(competitors.OPEN_MODELS)
CASES = [(model, path) for model in MODELS for path in CORPUS]


def _calls(model: str) -> tuple[str, dict[str, competitors.Adapter], dict[str, str]]:
    adapters, missing = competitors.open_adapters(model)
    return competitors.OPEN_MODELS[model].reference, adapters, missing


@pytest.mark.parametrize(("model", "path"), CASES, ids=[f"{m}-{p.name}" for m, p in CASES])
def test_open_alternating_rounds(benchmark, model, path):
    benchmark.group = f"open {model} {path.name}"
    text = corpus_text(path)
    ref, adapters, missing = _calls(model)
    expected = adapters[ref].encode(text)
    calls, exact = {}, {}
    for library, adapter in adapters.items():
        calls[f"{library} count"] = adapter.count
        exact[f"{library} count"] = adapter.count(text) == len(expected)
        if library != ref:
            calls[f"{library} encode"] = adapter.encode
            exact[f"{library} encode"] = list(adapter.encode(text)) == expected
    samples = benchmark.pedantic(_alternating_rounds, (calls, text), rounds=1, iterations=1)
    benchmark.extra_info.update(model=model, reference=f"{ref} count", bytes=len(text.encode()), rounds=ROUNDS,
                                samples=samples, exact=exact, missing=missing)


STREAM_CASES = [(model, path) for model in MODELS for path in STREAM_FILES]


@pytest.mark.parametrize(("model", "path"), STREAM_CASES, ids=[f"{m}-{p.name}" for m, p in STREAM_CASES])
def test_open_stream(benchmark, model, path):
    """The whole stream, timed by pytest-benchmark; ``extra_info`` adds the median over
    alternating rounds of the stream's CPU time ÷ one reference encode's of the final text."""
    benchmark.group = f"open-stream {model} {path.name}"
    text = corpus_text(path)
    ref, adapters, _ = _calls(model)
    enc = competitors.open_encoding(model, "streamtok")
    try:
        enc.stream()
    except ValueError as e:
        pytest.skip(f"{model}: streamtok does not stream this file yet ({e})")
    expected = adapters[ref].encode(text)
    # Cut where streamtok's tokens end: the reference's, which the one-shot group checks.
    deltas = token_deltas(enc, text)
    assert "".join(deltas) == text
    reference = adapters[ref].count
    assert benchmark(_stream, enc, deltas) == len(expected)
    ratio, stream_s, ref_s = _paired(lambda: _stream(enc, deltas), lambda: reference(text))
    benchmark.extra_info.update(model=model, reference=ref, bytes=len(text.encode()), deltas=len(deltas),
                                paired_ratio=ratio, stream_seconds=stream_s, reference_seconds=ref_s)
