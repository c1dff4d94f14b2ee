"""The receipt printer interface: print jobs run in the device thread.

``submit(document)`` queues a job and returns a ``PrintJob`` to wait on;
``print``/``print_receipt`` wait for it and raise the job's error. Before each job
and every ``status_interval`` seconds the printer's status is asked (DLE EOT 1, 2
and 4 where the printer answers): paper out, cover open or offline fail the job
with a ``PrinterError`` and a ``DeviceFault``; the document is untouched, so the
caller can print it again once the fault is cleared (a ``DeviceReady`` says so).
Backends implement ``_send`` and ``_ask`` (one status byte, or None).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass

from drivers.base import Device, RetryPolicy
from drivers.config import PrinterProfile
from drivers.errors import (
    CoverOpenError,
    DriverError,
    PaperOutError,
    PrinterError,
    PrinterOfflineError,
)
from drivers.events import DeviceKind, Event
from drivers.printer.escpos import STATUS_OFFLINE, STATUS_PAPER, STATUS_PRINTER, Encoder
from sync.receipt.document import Document
from sync.receipt.layout import ReceiptData, layout

log = logging.getLogger(__name__)

_FIXED_MASK, _FIXED_BITS = 0x93, 0x12  # DLE EOT answers: bits 1 and 4 set, 0 and 7 clear


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    online: bool = True
    paper_out: bool = False
    paper_low: bool = False
    cover_open: bool = False
    silent: bool = False  # no answer to DLE EOT at all (a printer that cannot report)

    def problem(self) -> PrinterError | None:
        if self.cover_open:
            return CoverOpenError("printer cover open")
        if self.paper_out:
            return PaperOutError("printer out of paper")
        if not self.online:
            return PrinterOfflineError("printer offline")
        return None


class PrintJob:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.error: DriverError | None = None
        self.data: bytes | None = None
        self._done = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self, timeout: float | None = None) -> bytes:
        if not self._done.wait(timeout):
            raise PrinterOfflineError(f"print job not done within {timeout} s")
        if self.error is not None:
            raise self.error
        assert self.data is not None
        return self.data

    def _finish(self, data: bytes | None = None, error: DriverError | None = None) -> None:
        self.data, self.error = data, error
        self._done.set()


class ReceiptPrinter(Device):
    kind = DeviceKind.PRINTER

    def __init__(
        self,
        source: str,
        events: queue.Queue[Event],
        retry: RetryPolicy | None = None,
        *,
        profile: PrinterProfile | None = None,
        status: bool = True,
        status_interval: float = 2.0,
    ) -> None:
        super().__init__(source, events, retry)
        self.profile = profile or PrinterProfile()
        self.encoder = Encoder(self.profile)
        self._status_enabled = status
        self._status_interval = status_interval
        self._jobs: queue.Queue[PrintJob | None] = queue.Queue()
        self._next_status = 0.0
        self.last_status: PrinterStatus | None = None

    # -- public -------------------------------------------------------------------------
    def submit(self, document: Document) -> PrintJob:
        job = PrintJob(document)
        if not self.attached:
            job._finish(error=PrinterOfflineError(f"printer {self.source} is not connected"))
        else:
            self._jobs.put(job)
        return job

    def print(self, document: Document, timeout: float = 30.0) -> bytes:
        """Print and wait; returns the bytes sent, raises the job's DriverError."""
        return self.submit(document).result(timeout)

    def print_receipt(self, data: ReceiptData, timeout: float = 30.0) -> bytes:
        return self.print(layout(data, self.profile.columns), timeout)

    # -- hooks --------------------------------------------------------------------------
    def _send(self, data: bytes) -> None:
        raise NotImplementedError

    def _ask(self, query: bytes) -> int | None:
        """Send a DLE EOT query; the answer byte, or None when the printer is silent."""
        return None

    # -- thread side --------------------------------------------------------------------
    def _query_status(self) -> PrinterStatus | None:
        if not self._status_enabled:
            return None
        printer = self._ask(STATUS_PRINTER)
        if printer is None or printer & _FIXED_MASK != _FIXED_BITS:
            return PrinterStatus(online=False, silent=printer is None)
        offline = self._ask(STATUS_OFFLINE) or _FIXED_BITS
        paper = self._ask(STATUS_PAPER) or _FIXED_BITS
        return PrinterStatus(
            online=not printer & 0x08,
            cover_open=bool(offline & 0x04),
            paper_out=bool(paper & 0x60 or offline & 0x20),
            paper_low=bool(paper & 0x0C),
        )

    def _check_status(self) -> PrinterError | None:
        self._next_status = time.monotonic() + self._status_interval
        status = self._query_status()
        if status is None:
            return None
        previous, self.last_status = self.last_status, status
        problem = status.problem()
        if problem is not None:
            self._fault(problem.fault, str(problem))
        elif previous is not None and previous.problem() is not None:
            self._ready()
        return problem

    def _poll(self) -> None:
        wait = max(0.0, min(0.2, self._next_status - time.monotonic()))
        try:
            job = self._jobs.get(timeout=wait)
        except queue.Empty:
            job = None
        if job is None:
            if time.monotonic() >= self._next_status:
                self._check_status()
            return
        problem = self._check_status()
        if problem is not None:
            job._finish(error=problem)
            return
        data = self.encoder.encode(job.document)
        try:
            self._send(data)
        except DriverError as exc:
            job._finish(error=exc)
            raise
        log.info("%s: printed %d bytes", self.source, len(data))
        job._finish(data=data)

    def _wake(self) -> None:
        self._jobs.put(None)

    def _detach(self) -> None:
        # Jobs waiting for a printer that went away fail now rather than print later.
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job._finish(error=PrinterOfflineError(f"printer {self.source} disconnected"))
        self.last_status = None
        self._next_status = 0.0
