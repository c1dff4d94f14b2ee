"""Getting back the journal entries a store lost, from the hub's copy.

When a store loses its newest entries (restored from an older copy, a lost WAL) the
hub still holds them, signed by this terminal's key: the sync daemon finds the loss
(``sync.daemon``) and the engine refuses to sell until ``recover`` has run.

``recover`` fetches this terminal's entries from the last one both sides hold alike,
checks every one with the terminal's own public key and chain (a hub cannot slip in
an entry this terminal did not sign), and in one transaction:

1. moves aside the entries written here after the loss under sequence numbers the hub
   already holds for other entries (kept in ``journal_forked`` as evidence);
2. appends the hub's entries;
3. signs the moved entries again after them, unchanged but for their place in the
   chain (and a cancellation's reference to a moved entry), so that no sale is lost;
4. clears the loss: selling resumes, and the next sync pushes the entries signed again.

Nothing changes when any fetched entry fails its check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine.errors import EngineError
from kiosk.engine.store import Store
from sync.journal import GENESIS_HASH, Entry, entry_problem, make_entry, parse_ts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HubJournal:
    """One page of this terminal's entries as the hub holds them."""

    entries: list[Entry]
    applied_seq: int
    last_hash: str
    more: bool


Fetch = Callable[[int], HubJournal]  # entries after this sequence


class RecoveryError(EngineError):
    """The hub's copy cannot be taken (it does not verify, or does not fit)."""


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    hub_seq: int  # the hub's last entry of this terminal
    recovered: int  # entries appended from the hub
    resigned: list[tuple[int, int]] = field(default_factory=list)  # (old seq, new seq)


def recover(store: Store, key: Ed25519PrivateKey, terminal_id: str, fetch: Fetch) -> RecoveryReport:
    """Append the hub's entries this journal lacks (see the module docstring)."""
    base = min(store.sync_status().hub_applied_seq, store.last_seq())
    hub = _fetch_after(fetch, base)
    base_hash = _hash_at(store, base)
    if hub.entries and hub.entries[0].prev_hash != base_hash and base > 0:
        # This store's record of what the hub held is not to be trusted: start over.
        base, base_hash = 0, GENESIS_HASH
        hub = _fetch_after(fetch, 0)
    _check(hub, key, terminal_id, base, base_hash)
    fork = _first_difference(store, hub.entries)
    if fork is None:
        with store.atomic() as db:
            store.recovered(hub.applied_seq, db)
        log.info("journal recovery: nothing missing (hub at %d)", hub.applied_seq)
        return RecoveryReport(hub.applied_seq, 0)
    missing = [e for e in hub.entries if e.seq >= fork]
    resigned: list[tuple[int, int]] = []
    with store.atomic() as db:
        moved = store.move_forked(fork, db)
        for entry in missing:
            store.append(entry, db)
        seq, prev = hub.applied_seq, hub.last_hash
        renumbered: dict[int, int] = {}
        for old in moved:
            payload = dict(old.payload)
            cancels = payload.get("cancels")
            if isinstance(cancels, int) and cancels in renumbered:
                payload["cancels"] = renumbered[cancels]
            new = make_entry(
                key=key,
                terminal_id=terminal_id,
                seq=seq + 1,
                ts=parse_ts(old.ts),
                kind=old.kind,
                account=old.account,
                amount=old.amount,
                payload=payload,
                prev_hash=prev,
            )
            store.append(new, db)
            store.mark_resigned(old.seq, new.seq, db)
            renumbered[old.seq] = new.seq
            resigned.append((old.seq, new.seq))
            seq, prev = new.seq, new.hash
        store.recovered(hub.applied_seq, db)
    log.warning(
        "journal recovered: %d entries from the hub (up to %d), %d written after the loss "
        "signed again",
        len(missing),
        hub.applied_seq,
        len(resigned),
    )
    return RecoveryReport(hub.applied_seq, len(missing), resigned)


def _fetch_after(fetch: Fetch, since: int) -> HubJournal:
    entries: list[Entry] = []
    while True:
        page = fetch(since)
        entries.extend(page.entries)
        if not page.more or not page.entries:
            return HubJournal(entries, page.applied_seq, page.last_hash, False)
        since = page.entries[-1].seq


def _hash_at(store: Store, seq: int) -> str:
    if seq == 0:
        return GENESIS_HASH
    entry = store.entry(seq)
    if entry is None:
        raise RecoveryError(f"entry {seq} is missing from this journal")
    return entry.hash


def _check(
    hub: HubJournal, key: Ed25519PrivateKey, terminal_id: str, base: int, base_hash: str
) -> None:
    public = key.public_key()
    seq, prev = base, base_hash
    for entry in hub.entries:
        where = f"the hub's entry {entry.seq}"
        if entry.terminal_id != terminal_id:
            raise RecoveryError(f"{where} belongs to terminal {entry.terminal_id}")
        if entry.seq != seq + 1:
            raise RecoveryError(f"{where} comes after entry {seq}")
        if entry.prev_hash != prev:
            raise RecoveryError(f"{where} does not link to the entry before it")
        problem = entry_problem(entry, public)
        if problem is not None:
            raise RecoveryError(f"{where} is not signed by this terminal's key: {problem}")
        seq, prev = entry.seq, entry.hash
    if seq != hub.applied_seq or prev != hub.last_hash:
        raise RecoveryError(
            f"the hub's entries end at {seq}, but it says it holds up to {hub.applied_seq}"
        )


def _first_difference(store: Store, hub_entries: list[Entry]) -> int | None:
    """The first sequence the journal lacks or holds differently; None: none."""
    for entry in hub_entries:
        mine = store.entry(entry.seq)
        if mine is None or mine.hash != entry.hash:
            return entry.seq
    return None
