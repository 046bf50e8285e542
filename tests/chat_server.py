"""A local chat-completions (and Responses API) server for the usage tests, and the streams it plays.

``ChatServer`` listens on 127.0.0.1 (ephemeral port) in a thread and answers
``POST /v1/chat/completions`` and ``POST /v1/responses`` with whatever byte pieces the test queued:
a ``text/event-stream`` body written piece by piece (HTTP/1.1 chunked, one flush per piece), so the
client sees the bytes split wherever the test split them, inside lines and inside UTF-8 characters.
A response queued with ``cut=True`` ends with the connection closed mid-body.

``Completion`` describes what each choice says (content, refusal, tool calls); ``sse_bytes``
turns it, delta by delta, into the exact bytes a server sends.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ChoiceScript:
    """What one choice streams: content, refusal, and tool calls as (name, arguments)."""

    content: str = ""
    refusal: str = ""
    tool_calls: list[tuple[str, str]] = field(default_factory=list)
    #: Reasoning text, streamed ahead of the content in the delta field ``reasoning_field``.
    reasoning: str = ""
    reasoning_field: str = "reasoning_content"


@dataclass
class Completion:
    """A whole streamed completion: the choices, and the usage chunk the server ends with (or not)."""

    choices: list[ChoiceScript]
    reported: dict[str, int] | None = None


def _cut(text: str, rng: random.Random, max_piece: int) -> list[str]:
    """``text`` cut into pieces of 1..max_piece characters (not aligned with tokens)."""
    pieces = []
    i = 0
    while i < len(text):
        n = rng.randint(1, max_piece)
        pieces.append(text[i : i + n])
        i += n
    return pieces


def chunks_of(completion: Completion, rng: random.Random, max_piece: int = 6, model: str = "gpt-4o") -> list[dict[str, Any]]:
    """The chunk dicts of ``completion``: every text cut into small deltas, the choices' deltas
    (and the arguments of several tool calls of one choice) interleaved at random."""
    queues: list[list[dict[str, Any]]] = []
    for i, choice in enumerate(completion.choices):
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        deltas += [{choice.reasoning_field: p} for p in _cut(choice.reasoning, rng, max_piece)]
        deltas += [{"content": p} for p in _cut(choice.content, rng, max_piece)]
        deltas += [{"refusal": p} for p in _cut(choice.refusal, rng, max_piece)]
        calls: list[list[dict[str, Any]]] = []
        for t, (name, arguments) in enumerate(choice.tool_calls):
            first = {"index": t, "id": f"call_{i}_{t}", "type": "function", "function": {"name": name, "arguments": ""}}
            calls.append([first] + [{"index": t, "function": {"arguments": p}} for p in _cut(arguments, rng, max_piece)])
        # Interleave the tool calls' fragments, keeping each call's own order.
        while any(calls):
            q = rng.choice([c for c in calls if c])
            deltas.append({"tool_calls": [q.pop(0)]})
        reason = "tool_calls" if choice.tool_calls else ("stop" if not choice.refusal else "content_filter")
        queue = [{"index": i, "delta": d, "finish_reason": None, "logprobs": None} for d in deltas]
        queue.append({"index": i, "delta": {}, "finish_reason": reason, "logprobs": None})
        queues.append(queue)
    chunks = []
    while any(queues):
        q = rng.choice([q for q in queues if q])
        choices = [q.pop(0)]
        # Now and then, one chunk carries deltas of two choices.
        others = [o for o in queues if o and o is not q]
        if others and rng.random() < 0.2:
            choices.append(rng.choice(others).pop(0))
        chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1, "model": model, "choices": choices}
        if completion.reported is not None:
            chunk["usage"] = None  # what include_usage puts in every chunk but the last
        chunks.append(chunk)
    if completion.reported is not None:
        chunks.append(
            {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1, "model": model,
             "choices": [], "usage": completion.reported}
        )  # fmt: skip
    return chunks


def sse_events(chunks: list[dict[str, Any]], rng: random.Random) -> list[bytes]:
    """The bytes of each event of ``chunks``, with the variety servers show: LF, CRLF or CR line
    ends, ``:`` comments and keep-alives, JSON spread over several ``data`` lines, and an
    ``event:`` line naming a Responses event's type."""
    events = []
    for chunk in chunks:
        out = bytearray()
        eol = rng.choice([b"\n", b"\n", b"\r\n", b"\r"])
        if rng.random() < 0.2:
            out += b": keep-alive" + eol + eol
        if rng.random() < 0.2:
            out += eol  # a stray blank line (no event)
        if "type" in chunk:
            out += b"event: " + chunk["type"].encode() + eol
        if rng.random() < 0.3:
            lines = json.dumps(chunk, ensure_ascii=False, indent=1).split("\n")
        else:
            lines = [json.dumps(chunk, ensure_ascii=False)]
        for line in lines:
            out += (b"data: " if rng.random() < 0.8 else b"data:") + line.encode("utf-8") + eol
        events.append(bytes(out + eol))
    return events


def sse_bytes(chunks: list[dict[str, Any]], rng: random.Random, *, done: bool = True) -> bytes:
    """The event stream of ``chunks`` (see :func:`sse_events`), then ``[DONE]`` (Chat Completions
    ends so; the Responses API does not: pass ``done=False``)."""
    return b"".join(sse_events(chunks, rng)) + (b"data: [DONE]\n\n" if done else b"")


def split_randomly(data: bytes, rng: random.Random, max_piece: int = 40) -> list[bytes]:
    """``data`` in pieces of 1..max_piece bytes, cut anywhere (inside UTF-8 characters too)."""
    pieces = []
    i = 0
    while i < len(data):
        n = rng.randint(1, max_piece)
        pieces.append(data[i : i + n])
        i += n
    return pieces


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ChatServer

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests.append((self.path, json.loads(body)))
        pieces, cut = self.server.responses.pop(0) if self.server.responses else (None, False)
        if self.path not in ("/v1/chat/completions", "/v1/responses") or pieces is None:
            self.send_error(404 if pieces is not None else 500)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for piece in pieces:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
        self.close_connection = True
        if cut:
            return  # the connection closes without the body's last chunk
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class ChatServer(ThreadingHTTPServer):
    """The server; queue a response's byte pieces with :meth:`queue`, read requests afterwards."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, Any]] = []
        self.responses: list[tuple[list[bytes], bool]] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/v1"

    def queue(self, pieces: list[bytes], *, cut: bool = False) -> None:
        """Answer the next request with these pieces, written one at a time; with ``cut``, then
        close the connection as a server that died would, without ending the body."""
        self.responses.append((pieces, cut))

    def start(self) -> ChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()
