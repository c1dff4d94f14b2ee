"""The engine worker: engine calls (commits, scrypt, printing, card payments) run on
one background thread so that a frame never waits on a commit or a device.

A screen submits ``(tag, function)``; the result (or the exception) comes back on a
queue that the app loop turns into a ``RESULT`` pygame event with that tag.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Done:
    tag: str
    value: Any = None
    error: BaseException | None = None


class EngineWorker:
    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[str, Callable[[], Any]] | None] = queue.Queue()
        self.results: queue.Queue[Done] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self.ready = threading.Event()  # set with each result: wakes the frame loop
        self._thread = threading.Thread(target=self._run, name="ui-engine", daemon=True)
        self._thread.start()

    def submit(self, tag: str, job: Callable[[], Any]) -> None:
        with self._lock:
            self._pending += 1
        self._jobs.put((tag, job))

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._pending > 0

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every submitted job has finished (tests and the bench only)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            tag, job = item
            try:
                done = Done(tag, job())
            except Exception as exc:  # reported to the screen, which words it
                log.exception("engine job %s failed", tag)
                done = Done(tag, error=exc)
            self.results.put(done)
            self.ready.set()
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=5)
