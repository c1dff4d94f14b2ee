"""The sync daemon: push the journal, then pull changes, in a loop.

One cycle (``SyncDaemon.sync_once``) pushes every entry the hub has not applied, in
batches, then pages through the changes since the stored cursor (the next page downloading
while one is written), each page applied in short transactions.

Loss on either side is found by comparing each changes page's ``applied_seq`` and
``last_hash`` (the hub's head for this terminal) with the journal:

- the hub is behind what the daemon recorded (the hub was restored from an older
  backup): the daemon pushes again from the hub's head, in the same cycle;
- the hub holds more entries than the journal, or a different entry at its head (the
  store was restored from an older copy, or lost its WAL): the store records the
  hub's head, the engine refuses to sell, and the cycle ends with
  ``JournalBehindError`` until ``kiosk journal recover`` has fetched the missing
  entries from the hub. ``run`` repeats it: after a network error or a 5xx it backs
off exponentially with jitter (capped at 60 s); after a refusal the hub would repeat
(a permanent 4xx) it records the reason for the offline banner and waits until woken
(``kiosk sync now``) instead of retrying forever.

The daemon talks to the terminal's store through ``SyncStore``, the small slice of
``kiosk.engine.store.Store`` it needs, so that ``sync`` does not import ``kiosk``.
Errors are those of ``sync.client`` (``SyncError`` and its subclasses).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import random
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sync.client import (
    HubClient,
    JournalBehindError,
    RefusedError,
    SequenceGapError,
    SyncError,
    TransientError,
)
from sync.journal import Entry
from sync.protocol.incidents import Incident
from sync.protocol.messages import MAX_BATCH, MAX_PAGE, ErrorCode, PageHead
from sync.protocol.page_rows import AccountValues, CredentialValues
from sync.protocol.rows import SiteSettings

log = logging.getLogger(__name__)


class StatusLike(Protocol):
    @property
    def cursor(self) -> int: ...
    @property
    def hub_applied_seq(self) -> int: ...
    @property
    def error_permanent(self) -> bool: ...


class SyncStore(Protocol):
    def journal_after(self, seq: int, limit: int) -> list[Entry]: ...
    def last_seq(self) -> int: ...
    def entry(self, seq: int) -> Entry | None: ...
    def hub_ahead(self) -> tuple[int, str | None] | None: ...
    def record_hub_ahead(self, seq: int, digest: str | None) -> None: ...
    def reset_hub_applied(self, applied_seq: int) -> None: ...
    def sync_status(self) -> StatusLike: ...
    def record_push(self, applied_seq: int) -> None: ...
    def record_sync_result(
        self, *, ok: bool, error: str | None = None, permanent: bool = False
    ) -> None: ...
    def apply_snapshot(
        self,
        *,
        accounts: Sequence[AccountValues],
        credentials: Sequence[CredentialValues],
        settings: SiteSettings | None,
        applied_seq: int,
        cursor: int,
        documents: Mapping[str, Mapping[str, Mapping[str, Any] | None]] | None = None,
        incidents: Sequence[Incident] = (),
    ) -> None: ...


PageHook = Callable[[PageHead], None]


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    batch: int = 500  # entries per push
    page: int = MAX_PAGE  # rows per changes page: a first snapshot in few round trips
    interval_s: float = 15.0  # between cycles when all is well
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    idle_check_s: float = 5.0  # while a permanent error waits: look whether it was cleared


@dataclass(frozen=True, slots=True)
class CycleReport:
    pushed: int  # entries the hub applied in this cycle
    applied_seq: int
    pages: int
    rows: int
    cursor: int


class JournalLike(Protocol):
    def last_seq(self) -> int: ...
    def entry(self, seq: int) -> Entry | None: ...


def journal_behind(journal: JournalLike, hub_seq: int, hub_hash: str | None) -> str | None:
    """What the journal lacks of the hub's head for this terminal (``applied_seq`` and
    ``last_hash`` of a changes page), or None when it holds that entry alike."""
    local = journal.last_seq()
    if hub_seq > local:
        return f"entries {local + 1} to {hub_seq} are missing here"
    if hub_seq > 0 and hub_hash is not None:
        mine = journal.entry(hub_seq)
        if mine is None or mine.hash != hub_hash:
            return f"entry {hub_seq} here differs from the hub's"
    return None


def backoff_delay(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: half the step fixed, half random, capped."""
    step = min(cap, base * float(1 << min(max(0, failures - 1), 30)))
    return step / 2 + rng.uniform(0, step / 2)


@contextlib.contextmanager
def exclusive(lock_path: Path | None) -> Iterator[None]:
    """One sync cycle at a time per store, across processes (daemon and ``sync now``)."""
    if lock_path is None:
        yield
        return
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class SyncDaemon:
    def __init__(
        self,
        store: SyncStore,
        client: HubClient,
        settings: DaemonSettings | None = None,
        *,
        lock_path: Path | None = None,
        rng: random.Random | None = None,
        after_sync: Callable[[HubClient], object] | None = None,
    ) -> None:
        self.store = store
        self.client = client
        # What else the terminal gives the hub once a cycle went through (its signed
        # archives); its failure is logged and tried again next cycle, never fatal.
        self.after_sync = after_sync
        self.settings = settings or DaemonSettings()
        self.lock_path = lock_path
        self.rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.failures = 0

    # One cycle ----------------------------------------------------------------------------

    def sync_once(self, on_page: PageHook | None = None) -> CycleReport:
        """Push, then pull. Raises ``SyncError``; records nothing about the outcome.

        ``on_page`` sees each changes page once it is applied (a progress bar).
        """
        with exclusive(self.lock_path):
            ahead = self.store.hub_ahead()
            if ahead is not None:
                raise JournalBehindError(ahead[0], self.store.last_seq(), "found earlier")
            try:
                applied, pushed = self._push()
            except RefusedError as exc:
                if exc.reason != ErrorCode.CHAIN_BROKEN:
                    raise
                # The hub holds entries that differ from these: a pull compares heads
                # and says which side lost what (JournalBehindError when it is here).
                self._pull(on_page)
                raise
            pages, rows, cursor, hub_behind = self._pull(on_page)
            if hub_behind:
                # The hub lacks entries it had applied (restored from a backup): they
                # were sent again from its head; pull the balances that include them.
                applied, again = self._push()
                more_pages, more_rows, cursor, _ = self._pull(on_page)
                pushed, pages, rows = pushed + again, pages + more_pages, rows + more_rows
            if self.after_sync is not None:
                try:
                    self.after_sync(self.client)
                except (SyncError, OSError) as exc:
                    log.warning("after the sync: %s (tried again next cycle)", exc)
        return CycleReport(pushed, applied, pages, rows, cursor)

    def _compare_heads(self, page: PageHead) -> bool:
        """Compare the hub's head for this terminal with the journal.

        True when the hub is behind what was recorded (the record is moved back so
        that the next push sends the missing entries again); raises
        ``JournalBehindError``, after recording the hub's head, when the journal is.
        """
        hub_seq, hub_hash = page.applied_seq, page.last_hash
        problem = journal_behind(self.store, hub_seq, hub_hash)
        if problem is not None:
            self.store.record_hub_ahead(hub_seq, hub_hash)
            log.error("journal behind the hub: %s", problem)
            raise JournalBehindError(hub_seq, self.store.last_seq(), problem)
        recorded = self.store.sync_status().hub_applied_seq
        if hub_seq < recorded:
            log.warning(
                "the hub holds this journal up to %d, not %d (restored?): pushing again",
                hub_seq,
                recorded,
            )
            self.store.reset_hub_applied(hub_seq)
            return True
        return False

    def _push(self) -> tuple[int, int]:
        applied = self.store.sync_status().hub_applied_seq
        batch, pushed, gaps = min(self.settings.batch, MAX_BATCH), 0, 0
        while entries := self.store.journal_after(applied, batch):
            try:
                reply = self.client.push(entries)
            except SequenceGapError as gap:
                # The hub holds fewer entries than we thought (restored from a backup):
                # send again from where it stands. Give up if it keeps moving.
                gaps += 1
                if gaps > 3 or gap.expected_seq - 1 > entries[-1].seq:
                    raise
                log.warning("hub wants the journal from %d: resending", gap.expected_seq)
                applied = gap.expected_seq - 1
                continue
            except RefusedError as exc:
                if exc.reason == ErrorCode.TOO_LARGE and batch > 1:
                    batch = max(1, batch // 2)
                    continue
                raise
            if reply.applied_seq < entries[-1].seq:
                raise TransientError(
                    f"hub applied up to {reply.applied_seq} of a batch ending at {entries[-1].seq}"
                )
            self.store.record_push(reply.applied_seq)
            applied, pushed = reply.applied_seq, pushed + reply.applied
        return applied, pushed

    def _pull(self, on_page: PageHook | None = None) -> tuple[int, int, int, bool]:
        """(pages, rows, cursor, whether the hub was found behind the journal).

        The next page downloads while this one is written to the store, so that the
        hub's work and the network's overlap the store's in a first snapshot."""
        pages, rows, hub_behind = 0, 0, False
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as ahead:
            page = self.client.changes_rows(self.store.sync_status().cursor, self.settings.page)
            while True:
                hub_behind = self._compare_heads(page) or hub_behind
                following = (
                    ahead.submit(self.client.changes_rows, page.cursor, self.settings.page)
                    if page.more
                    else None
                )
                self.store.apply_snapshot(
                    accounts=page.accounts,
                    credentials=page.credentials,
                    settings=page.settings,
                    applied_seq=page.applied_seq,
                    cursor=page.cursor,
                    documents=page.documents,
                    incidents=page.incidents,
                )
                pages += 1
                rows += page.rows()
                if on_page is not None:
                    on_page(page)
                if following is None:
                    return pages, rows, page.cursor, hub_behind
                page = following.result()

    def attempt(self, on_page: PageHook | None = None) -> CycleReport | SyncError:
        """One cycle with its outcome recorded in the store (for the offline banner)."""
        try:
            report = self.sync_once(on_page)
        except (RefusedError, JournalBehindError) as exc:
            self.store.record_sync_result(ok=False, error=str(exc), permanent=True)
            log.error("sync refused, not retrying until woken: %s", exc)
            return exc
        except SyncError as exc:
            self.store.record_sync_result(ok=False, error=str(exc), permanent=False)
            log.warning("sync failed, will retry: %s", exc)
            return exc
        self.store.record_sync_result(ok=True)
        if report.pushed or report.rows:
            log.info(
                "synced: pushed %d (hub at %d), pulled %d rows up to version %d",
                report.pushed,
                report.applied_seq,
                report.rows,
                report.cursor,
            )
        return report

    # The loop -----------------------------------------------------------------------------

    def wake(self) -> None:
        """Run the next cycle now (also ends the wait after a permanent error)."""
        self._wake.set()

    def stop(self) -> None:
        """Ask ``run`` to return after the current cycle (thread- and signal-safe)."""
        self._stop.set()
        self._wake.set()

    def run(self) -> None:
        """Cycle until ``stop()``. Never raises for a sync or store failure."""
        permanent = self.store.sync_status().error_permanent
        while not self._stop.is_set():
            if permanent:
                # Refused: wait for a wake-up, or for `kiosk sync now` to clear the error.
                permanent = not self._sleep(self.settings.idle_check_s) and self._refused()
                continue
            try:
                outcome = self.attempt()
            except Exception:
                # A store error (disk full, locked too long): the kiosk keeps selling and
                # this loop keeps trying.
                log.exception("sync cycle crashed")
                outcome = TransientError("sync cycle crashed")
            if isinstance(outcome, (RefusedError, JournalBehindError)):
                permanent, self.failures = True, 0
                continue
            if isinstance(outcome, SyncError):
                self.failures += 1
                s = self.settings
                delay = backoff_delay(self.failures, s.backoff_base_s, s.backoff_cap_s, self.rng)
            else:
                self.failures, delay = 0, self.settings.interval_s
            self._sleep(delay)

    def _refused(self) -> bool:
        try:
            return self.store.sync_status().error_permanent
        except Exception:
            log.exception("cannot read the sync status")
            return True

    def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` or until woken; True when woken."""
        woken = self._wake.wait(seconds)
        if woken:  # clearing after a timeout could drop a wake-up set in between
            self._wake.clear()
        return woken
