"""Writing the terminal's signed archive of a closed period (``kiosk journal
archive``); the file's form and its verification are ``sync.archive``'s.

A period is a month (``2026-11``), a day (``2026-11-30``) or a fiscal year (``2026``
or ``FY2026``: the fiscal year that starts in 2026, from the site's
``fiscal_year_start_month``). It must be closed: its daily, monthly or yearly
closure written (the closures due are caught up first). The archive holds the
contiguous range of the journal from the first entry of the period's days to the
last, its closures included, so that its chain is checked from end to end; the
header names the hash of the entry before it, which the previous archive holds.

Writing is traced: a signed ``archive`` entry records the period, the range and the
SHA-256 of the file (the next archive holds that entry), and the ``archives`` table
says whether the hub has it yet.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from kiosk.engine import store_closures as sql
from kiosk.engine.closures_periodic import catch_up, fiscal_year_of, month_bounds
from kiosk.engine.ledger import Engine
from kiosk.engine.store import Store
from sync.archive import ArchiveError, ArchiveHeader, sha256_hex, write_archive
from sync.journal import GENESIS_HASH, EntryKind, format_ts

log = logging.getLogger(__name__)

CERTIFICATE_META = "certificate"  # the hub's certificate of this terminal's key (JSON)
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"(FY)?(\d{4})")


@dataclass(frozen=True, slots=True)
class Period:
    label: str  # 2026-11, 2026-11-30 or FY2026
    first_day: date
    last_day: date
    closure_kind: EntryKind  # the closure that says the period is closed


def parse_period(text: str, fiscal_year_start_month: int = 1) -> Period:
    """The period ``text`` names; ArchiveError says what forms are accepted."""
    text = text.strip()
    if _MONTH.fullmatch(text):
        first, last = month_bounds(text)
        return Period(text, first, last, EntryKind.CLOSURE_MONTH)
    if _DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ArchiveError(f"{text!r} is not a real day") from None
        return Period(text, day, day, EntryKind.CLOSURE)
    year = _YEAR.fullmatch(text)
    if year is not None:
        first, last = fiscal_year_of(
            date(int(year[2]), fiscal_year_start_month, 1), fiscal_year_start_month
        )
        return Period(f"FY{year[2]}", first, last, EntryKind.CLOSURE_YEAR)
    raise ArchiveError(
        f"period {text[:40]!r}: a month (2026-11), a day (2026-11-30) or a fiscal year (2026)"
    )


@dataclass(frozen=True, slots=True)
class Written:
    path: Path
    period: Period
    sha256: str
    size: int
    first_seq: int
    last_seq: int
    entries: int


def certificate(engine: Engine) -> dict[str, Any] | None:
    text = engine.store.meta(CERTIFICATE_META)
    return None if text is None else dict(json.loads(text))


def write(engine: Engine, period_text: str, folder: Path) -> Written:
    """Write the archive of a closed period into ``folder``; ArchiveError when the
    period is not closed yet or has nothing in it."""
    settings = engine.settings()
    period = parse_period(period_text, settings.fiscal_year_start_month)
    catch_up(engine)
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    closure_day = last if period.closure_kind != EntryKind.CLOSURE else first
    with engine.store.reading() as db:
        closed = sql.of_kind_between(db, period.closure_kind, closure_day, closure_day)
        span = sql.seq_range_of_days(db, first, last)
        if not closed or span is None:
            raise ArchiveError(
                f"{period.label} is not closed yet: its {period.closure_kind} is written "
                "once the period is over (a day: when a cashier closes or the day ends)"
            )
        entries = sql.between(db, *span)
        before = sql.between(db, span[0] - 1, span[0] - 1)
    header = ArchiveHeader(
        terminal_id=engine.terminal_id,
        site_code=settings.site_code,
        period=period.label,
        first_day=first,
        last_day=last,
        prev_hash=before[0].hash if before else GENESIS_HASH,
        certificate=certificate(engine),
        created_at=engine.now(),
    )
    data = write_archive(engine.signing_key, header, entries)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{engine.terminal_id}-{period.label}.jsonl"
    _write_durably(path, data)
    digest = sha256_hex(data)
    with engine.store.atomic() as db:
        engine.post(
            db,
            EntryKind.ARCHIVE,
            None,
            0,
            {
                "period": period.label,
                "first_seq": span[0],
                "last_seq": span[1],
                "sha256": digest,
                "size": len(data),
            },
        )
        sql.record_archive(
            db,
            sql.ArchiveRow(
                period.label, str(path), digest, span[0], span[1], format_ts(engine.now()), None
            ),
        )
    return Written(path, period, digest, len(data), span[0], span[1], len(entries))


def _write_durably(path: Path, data: bytes) -> None:
    """Write then rename, with fsync: an archive is whole or absent, never half."""
    partial = path.with_suffix(path.suffix + ".part")
    with partial.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def pending_uploads(engine: Engine) -> list[sql.ArchiveRow]:
    """Archives written here that the hub does not hold yet."""
    return pending_in(engine.store)


def pending_in(store: Store) -> list[sql.ArchiveRow]:
    with store.reading() as db:
        return sql.archives(db, not_uploaded=True)


def mark_uploaded(engine: Engine, period: str) -> None:
    mark_uploaded_in(engine.store, period, engine.now())


def mark_uploaded_in(store: Store, period: str, at: datetime) -> None:
    with store.atomic() as db:
        sql.mark_uploaded(db, period, format_ts(at))


class Uploader(Protocol):
    def upload_archive(self, data: bytes) -> object: ...


def upload_pending(store: Store, client: Uploader) -> list[str]:
    """Give the hub every archive it does not hold yet (the sync daemon does it after
    each cycle); the periods given. An archive file gone from its folder is skipped
    with a warning: the hub cannot get it from here any more."""
    given = []
    for row in pending_in(store):
        try:
            data = Path(row.path).read_bytes()
        except FileNotFoundError:
            log.warning("archive %s: %s is gone, not given to the hub", row.period, row.path)
            continue
        client.upload_archive(data)
        mark_uploaded_in(store, row.period, datetime.now(UTC))
        given.append(row.period)
        log.info("archive %s given to the hub", row.period)
    return given
