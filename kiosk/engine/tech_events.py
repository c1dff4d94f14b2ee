"""The technical events journal: what happened to the terminal itself, in the same
signed, chained journal as the sales (NF525 asks that such events be kept as
inalterably as the tickets).

=================  =================================================================
kind               written by
=================  =================================================================
``start``          ``record_start``, with the software version; before it a
                   ``clock_jump`` when the clock is behind the journal's last entry,
                   after it a ``config_change`` when the configuration or the site's
                   settings differ from the last ones recorded (what changed)
``stop``           ``record_stop``
``device_fault``   the UI and the receipt printing (``kiosk.service``)
``clock_jump``     ``TechWatch.check``: the wall clock moved against the monotonic one
``config_change``  ``TechWatch.check``: the site's settings changed at a sync
``sync``           ``TechWatch.check``: a sync incident (the hub refused the
                   journal) began or ended
``pin_failed``     ``JournalledPinGuard``: a wrong cashier PIN (never the PIN itself)
``archive``        the archiving of a closed period
=================  =================================================================

``TechWatch.check`` runs with the UI's status poll, on the engine's worker thread.
What was last recorded (configuration, settings, sync incident) is kept in ``meta``,
written in the same transaction as its entry, so that a crash records it again
rather than never.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.engine import store_codes
from kiosk.engine.cashiers import PinAttempt, PinGuard, PinOutcome
from sync.journal import Entry, EntryKind, format_ts, parse_ts

if TYPE_CHECKING:
    from kiosk.engine.ledger import Engine

CONFIG_META = {"config": "tech:config", "site_settings": "tech:site_settings"}
SYNC_META = "tech:sync_incident"
CLOCK_TOLERANCE = timedelta(minutes=2)
MAX_CHANGES = 100
TECH_KINDS = frozenset(
    {
        EntryKind.START,
        EntryKind.STOP,
        EntryKind.DEVICE_FAULT,
        EntryKind.SYNC,
        EntryKind.CONFIG_CHANGE,
        EntryKind.CLOCK_JUMP,
        EntryKind.PIN_FAILED,
        "archive",
        "training_mode",
    }
)
_SECRET_WORDS = ("token", "secret", "password", "pin", "key")
HIDDEN = "(hidden)"


def software_version() -> str:
    return __version__


# Configurations as flat {dotted key: text} ------------------------------------------


def _is_secret(key: str) -> bool:
    last = key.rsplit(".", 1)[-1].lower()
    return any(word in last for word in _SECRET_WORDS)


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"ui": {"lang": "fr"}}`` -> ``{"ui.lang": "fr"}``; lists and other values as
    compact JSON text; a secret's value (a key named like a token, password, PIN or
    key) as a digest, so that its change is seen and its value never kept."""
    flat: dict[str, str] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{key}."))
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if _is_secret(key) and value is not None:
            text = "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
        flat[key] = text
    return flat


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[dict[str, Any]]:
    """What differs between two flat configurations, sorted by key, at most
    ``MAX_CHANGES`` (the last one then counts the rest)."""
    found = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if _is_secret(key):
            old, new = (None if old is None else HIDDEN), (None if new is None else HIDDEN)
        found.append({"key": key[:100], "before": _short(old), "after": _short(new)})
    if len(found) > MAX_CHANGES:
        rest = len(found) - MAX_CHANGES + 1
        found = [*found[: MAX_CHANGES - 1], {"key": "(more)", "after": f"{rest} more"}]
    return [{k: v for k, v in change.items() if v is not None} for change in found]


def _short(text: str | None) -> str | None:
    return None if text is None else text[:200]


# Writing -------------------------------------------------------------------------


def _write(
    engine: Engine, kind: EntryKind, payload: Mapping[str, Any], meta: tuple[str, str]
) -> Entry:
    """One technical entry and the meta value that remembers it, in one transaction."""
    with engine.store.atomic() as tx:
        entry = engine.post(tx, kind, None, 0, payload)
        store_codes.put_meta(tx, *meta)
    return entry


def note_config(
    engine: Engine, source: str, values: Mapping[str, str], *, first: bool = True
) -> Entry | None:
    """A ``config_change`` entry when ``values`` differ from the last recorded for
    ``source`` (``config`` or ``site_settings``); the first time, every value, or with
    ``first=False`` nothing (the values are only remembered, to compare with later)."""
    meta = CONFIG_META[source]
    stored = engine.store.meta(meta)
    text = json.dumps(dict(sorted(values.items())), separators=(",", ":"))
    if stored is None and not first:
        engine.store.set_meta(meta, text)
        return None
    before: dict[str, str] = json.loads(stored) if stored else {}
    found = changes(before, values)
    if not found:
        return None
    return _write(
        engine, EntryKind.CONFIG_CHANGE, {"source": source, "changes": found}, (meta, text)
    )


def note_site_settings(engine: Engine, *, first: bool = True) -> Entry | None:
    settings = engine.store.site_settings()
    if settings is None:
        return None
    values = flatten(settings.model_dump(mode="json"))
    return note_config(engine, "site_settings", values, first=first)


def _clock_behind(engine: Engine) -> Entry | None:
    """A ``clock_jump`` when the clock is behind the journal's last entry."""
    last = engine.store.entry(engine.store.last_seq())
    if last is None:
        return None
    now, then = engine.now(), parse_ts(last.ts)
    if now >= then - CLOCK_TOLERANCE:
        return None
    seconds = int((now - then).total_seconds())
    return engine.record_event(
        EntryKind.CLOCK_JUMP,
        {"detected": "start", "seconds": seconds, "previous_ts": last.ts},
    )


def record_start(engine: Engine, mode: str, config: Mapping[str, Any] | None = None) -> list[Entry]:
    """The entries of a start: a clock found behind the journal, ``start`` with the
    software version, then what changed in the configuration and the site's settings."""
    written = [e for e in (_clock_behind(engine),) if e is not None]
    written.append(
        engine.record_event(EntryKind.START, {"mode": mode, "version": software_version()})
    )
    if config is not None:
        written += [e for e in (note_config(engine, "config", flatten(config)),) if e]
    written += [e for e in (note_site_settings(engine),) if e]
    return written


def record_stop(engine: Engine, mode: str) -> Entry:
    return engine.record_event(EntryKind.STOP, {"mode": mode, "version": software_version()})


def note_sync(engine: Engine) -> Entry | None:
    """A ``sync`` entry when a sync incident (the hub refused the journal) begins,
    changes or ends. Nothing while the hub holds entries this journal lost: the chain
    cannot go on from here until ``kiosk journal recover``, sales wait as well."""
    status = engine.store.sync_status()
    if status.hub_ahead_seq > 0:
        return None
    incident = ("refused", (status.last_error or "")[:500]) if status.error_permanent else None
    stored = engine.store.meta(SYNC_META) or ""
    seen = json.dumps(incident) if incident else ""
    if seen == stored:
        return None
    applied = status.hub_applied_seq
    if incident is None:
        event, note = "resolved", json.loads(stored)[0]
    else:
        event, note = incident
    payload = {"event": event, "note": note, "applied_seq": applied}
    return _write(engine, EntryKind.SYNC, payload, (SYNC_META, seen))


class TechWatch:
    """The checks made while the terminal runs (see the module docstring); the wall
    clock is compared with the monotonic clock between two checks."""

    def __init__(
        self,
        engine: Engine,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        tolerance: timedelta = CLOCK_TOLERANCE,
    ) -> None:
        self.engine, self.monotonic, self.tolerance = engine, monotonic, tolerance
        self._last: tuple[float, datetime] | None = None

    def check(self) -> list[Entry]:
        written = [e for e in (self._clock(), note_sync(self.engine)) if e is not None]
        # the settings seen first are remembered; the start entry records them
        written += [e for e in (note_site_settings(self.engine, first=False),) if e]
        return written

    def _clock(self) -> Entry | None:
        mono, wall = self.monotonic(), self.engine.now()
        last, self._last = self._last, (mono, wall)
        if last is None:
            return None
        drift = (wall - last[1]) - timedelta(seconds=mono - last[0])
        if abs(drift) <= self.tolerance:
            return None
        return self.engine.record_event(
            EntryKind.CLOCK_JUMP,
            {
                "detected": "running",
                "seconds": int(drift.total_seconds()),
                "previous_ts": format_ts(last[1]),
            },
        )


class JournalledPinGuard(PinGuard):
    """A ``PinGuard`` that journals every refused attempt (``pin_failed``: the
    cashier's id and whether the cashier is now locked out; never the PIN)."""

    def __init__(self, engine: Engine, attempts: int = 5, lock_s: float = 300.0) -> None:
        super().__init__(engine.store, attempts, lock_s)
        self.engine = engine

    def attempt(self, cashier_id: str, pin: str, now: datetime) -> PinAttempt:
        result = super().attempt(cashier_id, pin, now)
        if result.outcome is not PinOutcome.OK:
            self.engine.record_event(
                EntryKind.PIN_FAILED,
                {"cashier": cashier_id[:64], "locked": result.outcome is PinOutcome.LOCKED},
            )
        return result


# Reading -------------------------------------------------------------------------


def events(
    engine: Engine, *, since: datetime | None = None, kinds: frozenset[str] = TECH_KINDS
) -> Iterator[Entry]:
    """The journal's technical entries, oldest first (from ``since`` on)."""
    after, cut = 0, None if since is None else format_ts(since)
    while batch := engine.store.journal_after(after, 1000):
        for entry in batch:
            if entry.kind in kinds and (cut is None or entry.ts >= cut):
                yield entry
        after = batch[-1].seq


def _shown(value: str | None) -> str:
    return "-" if value is None else value


def describe(entry: Entry) -> str:
    """One line in plain words for ``kiosk journal events``."""
    p = entry.payload
    match entry.kind:
        case EntryKind.START | EntryKind.STOP:
            return f"{p.get('mode')} version {p.get('version', '?')}"
        case EntryKind.DEVICE_FAULT:
            what = p.get("source") or p.get("device")
            return f"{what}: {p.get('fault')} {p.get('message', '')}".strip()
        case EntryKind.SYNC:
            return f"{p.get('event')}: {p.get('note', '')}".strip().rstrip(":")
        case EntryKind.CONFIG_CHANGE:
            parts = [
                f"{c['key']}: {_shown(c.get('before'))} -> {_shown(c.get('after'))}"
                for c in p.get("changes", [])
            ]
            return f"{p.get('source')}: " + "; ".join(parts)
        case EntryKind.CLOCK_JUMP:
            return f"{p.get('seconds')} s ({p.get('detected')}), before: {p.get('previous_ts')}"
        case EntryKind.PIN_FAILED:
            locked = ", locked out" if p.get("locked") else ""
            return f"cashier {p.get('cashier')}{locked}"
    rest = {k: v for k, v in p.items() if k != "business_day"}
    return json.dumps(rest, ensure_ascii=False, sort_keys=True)[:200]
