"""The README's usage examples run and print what tiktoken says they should.

The two "count a streamed OpenAI response" blocks (Chat Completions, Responses API) talk to a
server: here they run unchanged with ``OPENAI_BASE_URL`` pointing at a local one
(tests/chat_server.py) that streams a known answer.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import chat_formula
import pytest
from chat_server import ChatServer, ChoiceScript, Completion, chunks_of, split_randomly, sse_bytes
from responses_stream import Message, Response, events_of
from support import tk

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## Usage of a streamed OpenAI response"
MARKER = "<!-- needs a chat server"
ANSWER = "One, two, three, four, five. Fünf! 五"


def _section_blocks() -> list[tuple[bool, str]]:
    """(needs a server, code) of each python block in the usage section."""
    text = README.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = re.finditer(r"(<!--[^\n]*-->\n)?```python\n(.*?)```", section, flags=re.S)
    return [((m[1] or "").startswith(MARKER), m[2]) for m in found]


def _block(needle: str) -> str:
    """The one block of the section that holds ``needle``."""
    (code,) = [code for _, code in _section_blocks() if needle in code]
    return code


def tokens(text: str) -> int:
    return len(tk("o200k_base").encode_ordinary(text))


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    srv = ChatServer().start()
    monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    yield srv
    srv.stop()


def test_the_server_blocks_are_the_two_streamed_response_examples() -> None:
    # test_docs skips marked blocks; the tests below run the two there are, so none goes unrun.
    assert README.read_text(encoding="utf-8").count(MARKER) == 2
    server_blocks = [code for needs, code in _section_blocks() if needs]
    assert len(server_blocks) == 2
    assert "usage.track(client.chat.completions.create(" in server_blocks[0]
    assert "usage.track(client.responses.create(" in server_blocks[1]
    for code in server_blocks:
        # The promised five lines (imports and blank lines aside).
        assert len([ln for ln in code.splitlines() if ln and not ln.startswith("import")]) == 5


def test_readme_counts_a_streamed_chat_completion(server: ChatServer, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(1)
    server.queue(split_randomly(sse_bytes(chunks_of(Completion([ChoiceScript(content=ANSWER)]), rng), rng), rng))
    exec(compile(_block("client.chat.completions.create("), "README.md streamed chat completion", "exec"), {})
    printed = capsys.readouterr().out
    messages = [{"role": "user", "content": "Count to five."}]
    path, request = server.requests[-1]
    assert path == "/v1/chat/completions" and request["messages"] == messages and request["stream"] is True
    prompt, completion = chat_formula.messages_tokens(messages, "gpt-4o"), tokens(ANSWER)
    assert printed == f"{ANSWER}\n{prompt} + {completion} = {prompt + completion} tokens\n"


def test_readme_counts_a_streamed_responses_api_response(server: ChatServer, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(2)
    events = events_of(Response([Message([("output_text", ANSWER)])]), rng)
    server.queue(split_randomly(sse_bytes(events, rng, done=False), rng))
    exec(compile(_block("client.responses.create("), "README.md streamed Responses API response", "exec"), {})
    printed = capsys.readouterr().out
    path, request = server.requests[-1]
    assert path == "/v1/responses" and request["stream"] is True
    assert request["input"] == "Count to five." and request["instructions"] == "Be brief."
    prompt, completion = chat_formula.input_tokens("Count to five.", "Be brief.", "gpt-4o"), tokens(ANSWER)
    assert printed == f"{ANSWER}\n{prompt} + {completion} = {prompt + completion} tokens\n"


def test_readme_proxy_example(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_block("def relay("), "README.md proxy", "exec"), {})
    prompt = chat_formula.messages_tokens([{"role": "user", "content": "Hi"}], "gpt-4o")
    assert capsys.readouterr().out == f"{prompt} {tokens('Hello 😀')} True\n"
