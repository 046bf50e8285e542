"""The README's chat-usage examples run and print what tiktoken says they should.

The "count a streamed OpenAI response" block talks to a chat server: here it runs unchanged with
``OPENAI_BASE_URL`` pointing at a local one (tests/chat_server.py) that streams a known answer.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import chat_formula
import pytest
from chat_server import ChatServer, ChoiceScript, Completion, chunks_of, split_randomly, sse_bytes
from support import tk

README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = "<!-- needs a chat server"


def _section_blocks() -> list[tuple[bool, str]]:
    """(needs a server, code) of each python block in the chat-usage section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Usage of a streamed chat completion", 1)[1].split("\n## ", 1)[0]
    found = re.finditer(r"(<!--[^\n]*-->\n)?```python\n(.*?)```", section, flags=re.S)
    return [((m[1] or "").startswith(MARKER), m[2]) for m in found]


def tokens(text: str) -> int:
    return len(tk("o200k_base").encode_ordinary(text))


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    srv = ChatServer().start()
    monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    yield srv
    srv.stop()


def test_the_only_server_block_is_the_streamed_response_example() -> None:
    # test_docs skips marked blocks; this test runs the one there is, so none goes unrun.
    assert README.read_text(encoding="utf-8").count(MARKER) == 1
    blocks = _section_blocks()
    assert [needs for needs, _ in blocks] == [True, False]
    assert "usage.track(client.chat.completions.create(" in blocks[0][1]
    # The promised five lines (imports and blank lines aside).
    assert len([ln for ln in blocks[0][1].splitlines() if ln and not ln.startswith("import")]) == 5


def test_readme_counts_a_streamed_openai_response(server: ChatServer, capsys: pytest.CaptureFixture[str]) -> None:
    answer = "One, two, three, four, five. Fünf! 五"
    rng = random.Random(1)
    server.queue(split_randomly(sse_bytes(chunks_of(Completion([ChoiceScript(content=answer)]), rng), rng), rng))
    code = _section_blocks()[0][1]
    exec(compile(code, "README.md streamed response", "exec"), {})
    printed = capsys.readouterr().out
    messages = [{"role": "user", "content": "Count to five."}]
    assert server.requests[-1][1]["messages"] == messages and server.requests[-1][1]["stream"] is True
    prompt, completion = chat_formula.messages_tokens(messages, "gpt-4o"), tokens(answer)
    assert printed == f"{answer}\n{prompt} + {completion} = {prompt + completion} tokens\n"


def test_readme_proxy_example(capsys: pytest.CaptureFixture[str]) -> None:
    code = _section_blocks()[1][1]
    exec(compile(code, "README.md proxy", "exec"), {})
    prompt = chat_formula.messages_tokens([{"role": "user", "content": "Hi"}], "gpt-4o")
    assert capsys.readouterr().out == f"{prompt} {tokens('Hello 😀')} True\n"
