"""The code scanner interface and its framing.

A backend hands raw bytes to ``_feed``; the ``Framer`` cuts them at the configured
suffix (CR, LF, CRLF, or any of them), refuses a frame longer than ``max_length``
(the rest of it is skipped up to the next suffix), a frame that is not UTF-8 and a
frame with control characters other than the GS separator of GS1 codes. Each
accepted code is a ``CodeScanned``; each refusal a ``CodeRejected`` with its reason.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from dataclasses import dataclass

from drivers.base import Device, RetryPolicy
from drivers.events import CodeRejected, CodeRejectReason, CodeScanned, DeviceKind, Event

log = logging.getLogger(__name__)

_SUFFIXES = {"cr": (b"\r",), "lf": (b"\n",), "crlf": (b"\r\n",), "any": (b"\r\n", b"\r", b"\n")}
_ALLOWED_CONTROLS = {"\x1d", "\t"}  # GS separates GS1 fields; some scanners send TAB


@dataclass(frozen=True, slots=True)
class Frame:
    text: str | None
    reason: CodeRejectReason | None = None


class Framer:
    """Bytes in, frames out; holds the partial frame between reads."""

    def __init__(self, suffix: str = "any", max_length: int = 512) -> None:
        self._suffixes = _SUFFIXES[suffix]
        self._max = max_length
        self._buffer = bytearray()
        self._overlong = False

    def feed(self, data: bytes) -> Iterator[Frame]:
        self._buffer += data
        while True:
            cut = self._find_suffix()
            if cut is None:
                if len(self._buffer) > self._max:
                    if not self._overlong:
                        self._overlong = True
                        yield Frame(None, CodeRejectReason.TOO_LONG)
                    # keep only what could be the start of a suffix
                    del self._buffer[:-1]
                return
            end, size = cut
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + size]
            if self._overlong:
                self._overlong = False
                continue
            if raw:
                yield self.decode(raw)

    def _find_suffix(self) -> tuple[int, int] | None:
        best: tuple[int, int] | None = None
        for suffix in self._suffixes:
            at = self._buffer.find(suffix)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, len(suffix))
        # With "any", CRLF wins over CR at the same place (it is listed first); a lone
        # LF left behind by a CRLF split across two reads is an empty frame, ignored.
        return best

    def decode(self, raw: bytes) -> Frame:
        if len(raw) > self._max:
            return Frame(None, CodeRejectReason.TOO_LONG)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Frame(None, CodeRejectReason.NOT_UTF8)
        if any((ch < " " or ch == "\x7f") and ch not in _ALLOWED_CONTROLS for ch in text):
            return Frame(None, CodeRejectReason.CONTROL_CHARACTERS)
        return Frame(text)


class CodeScanner(Device):
    kind = DeviceKind.SCANNER

    def __init__(
        self,
        source: str,
        events: queue.Queue[Event],
        retry: RetryPolicy | None = None,
        *,
        suffix: str = "any",
        max_length: int = 512,
    ) -> None:
        super().__init__(source, events, retry)
        self._suffix, self._max_length = suffix, max_length
        self._framer = Framer(suffix, max_length)

    def _feed(self, data: bytes) -> None:
        for frame in self._framer.feed(data):
            self._deliver(frame)

    def _deliver(self, frame: Frame) -> None:
        if frame.text is not None:
            log.info("%s: code scanned (%d characters)", self.source, len(frame.text))
            self._emit(CodeScanned(self.source, frame.text))
        else:
            reason = frame.reason or CodeRejectReason.NOT_UTF8
            log.info("%s: code rejected: %s", self.source, reason)
            self._emit(CodeRejected(self.source, str(reason)))

    def _detach(self) -> None:
        # A partial frame cut by a disconnection is dropped, never glued to the next one.
        self._framer = Framer(self._suffix, self._max_length)
