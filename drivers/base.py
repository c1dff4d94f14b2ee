"""The supervised device thread shared by every backend of every kind.

A backend overrides three small hooks: ``_attach`` (open the vendor handle),
``_poll`` (one bounded step of work, a fraction of a second at most) and ``_detach``.
The base class owns the policy: one thread per device, a ``DeviceFault`` event and a
retry with exponential backoff (capped at 5 s) on any ``DeviceError``, a
``DeviceReady`` event on each (re)attach, and a prompt ``close()``.
"""

from __future__ import annotations

import logging
import queue
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar, Self

from drivers.errors import DeviceError
from drivers.events import DeviceFault, DeviceKind, DeviceReady, Event, FaultKind

log = logging.getLogger(__name__)

MAX_BACKOFF = 5.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Delays between attempts to (re)attach: initial, doubled each time, capped."""

    initial: float = 0.2
    maximum: float = MAX_BACKOFF

    def delay(self, attempt: int) -> float:
        delay: float = self.initial * 2.0 ** min(attempt, 16)
        return min(delay, self.maximum, MAX_BACKOFF)


class Device(ABC):
    """One device in its own thread, handing typed events to ``events``."""

    kind: ClassVar[DeviceKind]

    def __init__(
        self, source: str, events: queue.Queue[Event], retry: RetryPolicy | None = None
    ) -> None:
        self.source = source
        self._events = events
        self._retry = retry or RetryPolicy()
        self._stop = threading.Event()
        self._attached = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_fault: tuple[str, str] | None = None

    # -- public -------------------------------------------------------------------------
    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError(f"{self.source}: already started")
        self._thread = threading.Thread(
            target=self._run, name=f"{self.kind}:{self.source}", daemon=True
        )
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread and release the device; returns once the thread is gone."""
        self._stop.set()
        try:
            self._wake()
        except Exception:  # waking is best effort; the poll step is bounded anyway
            log.debug("%s: wake failed", self.source, exc_info=True)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: thread did not stop within %.1f s", self.source, timeout)

    @property
    def attached(self) -> bool:
        return self._attached.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Self:
        if self._thread is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- hooks for backends -------------------------------------------------------------
    @abstractmethod
    def _attach(self) -> None:
        """Open the device; raise a DeviceError when it cannot be used."""

    @abstractmethod
    def _poll(self) -> None:
        """Do one bounded step of work; raise a DeviceError when the device fails."""

    def _detach(self) -> None:  # noqa: B027 (optional hook)
        """Release the device (must not raise)."""

    def _wake(self) -> None:  # noqa: B027 (optional hook)
        """Interrupt a blocking ``_poll`` so that ``close()`` is prompt."""

    # -- helpers for backends -----------------------------------------------------------
    def _emit(self, event: Event) -> None:
        self._events.put(event)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _fault(self, kind: str, message: str) -> None:
        """Report a fault once; the same fault repeated while retrying is only logged."""
        if self._last_fault == (kind, message):
            log.debug("%s: still %s: %s", self.source, kind, message)
            return
        self._last_fault = (kind, message)
        log.warning("%s: %s: %s", self.source, kind, message)
        self._emit(DeviceFault(self.source, str(kind), message))

    def _ready(self) -> None:
        self._last_fault = None
        log.info("%s: ready", self.source)
        self._emit(DeviceReady(self.source, str(self.kind)))

    # -- the supervision loop -----------------------------------------------------------
    def _report(self, exc: Exception, when: str) -> None:
        """A device error is a fault of its kind; anything else is a driver bug, logged
        with its traceback (call from an ``except`` block)."""
        if isinstance(exc, DeviceError):
            self._fault(exc.fault, str(exc))
            return
        log.exception("%s: unexpected error %s", self.source, when)
        self._fault(FaultKind.INTERNAL, f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                self._attach()
            except Exception as exc:  # a driver bug must not kill supervision silently
                self._report(exc, "while attaching")
                self._stop.wait(self._retry.delay(attempt))
                attempt += 1
                continue
            self._attached.set()
            if self._stop.is_set():
                self._attached.clear()
                self._detach()
                break
            self._ready()
            attempt = 0
            try:
                while not self._stop.is_set():
                    self._poll()
            except DeviceError as exc:
                if not self._stop.is_set():  # closing the device may end a read in error
                    self._report(exc, "while polling")
            except Exception as exc:
                self._report(exc, "while polling")
            finally:
                self._attached.clear()
                self._detach()
            self._stop.wait(self._retry.delay(attempt))
            attempt += 1
        log.debug("%s: thread stopped", self.source)
