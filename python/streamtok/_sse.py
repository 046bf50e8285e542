"""A resumable ``text/event-stream`` decoder whose last step can be undone.

Bytes arrive split anywhere (inside a line, inside a UTF-8 character); :meth:`EventStreamDecoder.feed`
returns the ``data`` of each event the bytes complete. The caller checks those events before it
commits to them: when one is bad it calls :meth:`EventStreamDecoder.undo`, and the decoder is where
it was before the call, so the stream can go on from there.
"""

from __future__ import annotations

import re

_EOL = re.compile(rb"\r\n|\r|\n")


class EventStreamDecoder:
    """Splits an event stream into events' ``data`` payloads (LF, CR or CRLF line ends)."""

    def __init__(self) -> None:
        self._line = bytearray()
        self._event = bytearray()
        self._has_data = False
        self._after_cr = False
        self._undo: tuple[bytearray, int, bytearray, int, bool, bool] | None = None

    def feed(self, data: bytes) -> list[bytes]:
        """The ``data`` of each event that ``data`` ends, in order (multi-line data joined by LF).

        Comments (``:`` lines) and fields other than ``data`` are skipped; an event without data
        is no event. Costs time proportional to ``len(data)`` plus the events it ends.
        """
        # The buffers an unfinished line or event grows in are only appended to (or replaced),
        # so undoing a call truncates them back to their old lengths.
        self._undo = (self._line, len(self._line), self._event, len(self._event), self._has_data, self._after_cr)
        line, event, has_data = self._line, self._event, self._has_data
        pos = 1 if self._after_cr and data[:1] == b"\n" else 0
        after_cr = self._after_cr if not data else False
        payloads: list[bytes] = []
        for eol in _EOL.finditer(data, pos):
            text = bytes(line) + data[pos : eol.start()] if line else data[pos : eol.start()]
            line = bytearray()
            pos = eol.end()
            after_cr = eol.group() == b"\r" and pos == len(data)
            if not text:
                if has_data:
                    payloads.append(bytes(event))
                    event, has_data = bytearray(), False
                continue
            if text[:1] == b":":
                continue
            name, _, value = text.partition(b":")
            if name == b"data":
                if has_data:
                    event += b"\n"
                event += value[1:] if value[:1] == b" " else value
                has_data = True
        if pos < len(data):
            line += data[pos:]
        self._line, self._event, self._has_data, self._after_cr = line, event, has_data, after_cr
        return payloads

    def undo(self) -> None:
        """Put the decoder back where it was before the last :meth:`feed`."""
        if self._undo is None:
            return
        line, line_len, event, event_len, has_data, after_cr = self._undo
        del line[line_len:]
        del event[event_len:]
        self._line, self._event, self._has_data, self._after_cr = line, event, has_data, after_cr
        self._undo = None
