"""An in-process receipt printer for the demo and the UI tests.

It keeps the ESC/POS bytes of every job (``jobs``, ``output``) and answers status
queries from its flags: ``paper_out``, ``cover_open``. Jobs go through the same
``ReceiptPrinter`` code (encoding, status check, faults) as the real backends.
"""

from __future__ import annotations

import queue
import threading

from drivers.base import RetryPolicy
from drivers.config import VirtualPrinterConfig
from drivers.events import Event
from drivers.printer.base import ReceiptPrinter
from drivers.printer.preview import render_png


class VirtualPrinter(ReceiptPrinter):
    def __init__(self, config: VirtualPrinterConfig | None, events: queue.Queue[Event]) -> None:
        config = config or VirtualPrinterConfig()
        super().__init__(
            config.source or "virtual-printer",
            events,
            RetryPolicy(config.retry_initial),
            profile=config.profile,
            status=config.status,
            status_interval=config.status_interval,
        )
        self.paper_out = False
        self.cover_open = False
        self._lock = threading.Lock()
        self._jobs_done: list[bytes] = []

    @property
    def jobs(self) -> list[bytes]:
        with self._lock:
            return list(self._jobs_done)

    @property
    def output(self) -> bytes:
        return b"".join(self.jobs)

    def clear(self) -> None:
        with self._lock:
            self._jobs_done.clear()

    def preview_png(self, index: int = -1) -> bytes:
        return render_png(self.jobs[index], self.profile.columns, self.profile.dots)

    def _attach(self) -> None:
        pass

    def _send(self, data: bytes) -> None:
        with self._lock:
            self._jobs_done.append(data)

    def _ask(self, query: bytes) -> int | None:
        n = query[-1]
        if n == 1:
            return 0x12 | (0x08 if self.cover_open or self.paper_out else 0)
        if n == 2:
            return 0x12 | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
        if n == 4:
            return 0x12 | (0x60 if self.paper_out else 0)
        return None
