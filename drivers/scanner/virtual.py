"""An in-process code scanner for the demo and the UI tests.

``scan(text)`` sends the text plus a CR through the same framing and refusal rules
as a real scanner; ``send_bytes`` sends raw bytes (garbage, overlong codes);
``unplug``/``plug`` simulate a disconnection.
"""

from __future__ import annotations

import queue

from drivers.base import RetryPolicy
from drivers.config import VirtualScannerConfig
from drivers.errors import DeviceLostError, DeviceNotFoundError
from drivers.events import Event
from drivers.scanner.base import CodeScanner

_POLL = 0.1


class VirtualScanner(CodeScanner):
    def __init__(self, config: VirtualScannerConfig | None, events: queue.Queue[Event]) -> None:
        config = config or VirtualScannerConfig()
        super().__init__(
            config.source or "virtual-scanner",
            events,
            RetryPolicy(config.retry_initial),
            suffix=config.suffix,
            max_length=config.max_length,
        )
        self._input: queue.Queue[bytes | None] = queue.Queue()
        self._plugged = True

    def scan(self, text: str) -> None:
        self._input.put(text.encode("utf-8") + b"\r")

    def send_bytes(self, data: bytes) -> None:
        self._input.put(bytes(data))

    def unplug(self) -> None:
        self._plugged = False
        self._input.put(None)

    def plug(self) -> None:
        self._plugged = True

    def _attach(self) -> None:
        if not self._plugged:
            raise DeviceNotFoundError("virtual scanner unplugged")

    def _poll(self) -> None:
        try:
            data = self._input.get(timeout=_POLL)
        except queue.Empty:
            return
        if data is None:
            if not self._plugged:
                raise DeviceLostError("virtual scanner unplugged")
            return
        self._feed(data)

    def _wake(self) -> None:
        self._input.put(None)
