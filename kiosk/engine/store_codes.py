"""The store's SQL for phone badges and visits (a part of the store, kept apart so that
``store.py`` stays small): the seen-codes table and the visit counts.

Every function runs inside the caller's transaction (``Store.atomic`` or
``Store.reading``) and takes its ``Tx``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kiosk.engine.store_tx import Tx, sql_of
from sync.journal import EntryKind, format_ts


def code_seen(tx: Tx, credential: str, step: int) -> bool:
    db = sql_of(tx)
    row = db.execute(
        "SELECT 1 FROM seen_codes WHERE credential = ? AND step = ?", (credential, step)
    ).fetchone()
    return row is not None


def mark_code_seen(tx: Tx, credential: str, step: int, at: datetime) -> None:
    """Record a used code; the primary key refuses a second use even under a race."""
    db = sql_of(tx)
    db.execute("INSERT INTO seen_codes VALUES (?, ?, ?)", (credential, step, format_ts(at)))


def prune_seen_codes(tx: Tx, before_step: int) -> int:
    """Forget codes older than ``before_step``: no window can accept them any more."""
    db = sql_of(tx)
    return db.execute("DELETE FROM seen_codes WHERE step < ?", (before_step,)).rowcount


def count_seen_codes(tx: Tx) -> int:
    db = sql_of(tx)
    return int(db.execute("SELECT count(*) FROM seen_codes").fetchone()[0])


def document(tx: Tx, kind: str, doc_id: str) -> dict[str, Any] | None:
    db = sql_of(tx)
    row = db.execute(
        "SELECT data FROM documents WHERE kind = ? AND id = ?", (kind, doc_id)
    ).fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    return data if isinstance(data, dict) else None


def documents(tx: Tx, kind: str) -> list[dict[str, Any]]:
    db = sql_of(tx)
    rows = db.execute("SELECT data FROM documents WHERE kind = ? ORDER BY id", (kind,))
    return [d for (text,) in rows if isinstance(d := json.loads(text), dict)]


def visit_guests_here(tx: Tx, visit_id: str, day: str) -> int:
    """Guests of the visit served by this terminal on ``day``, less cancelled meals.

    Counted from the journal itself, so the count can never disagree with the entries.
    """
    db = sql_of(tx)
    row = db.execute(
        """SELECT coalesce(sum(json_extract(j.payload, '$.guests')), 0) FROM journal j
           WHERE j.day = ? AND j.kind = ? AND json_extract(j.payload, '$.visit_id') = ?
             AND NOT EXISTS (SELECT 1 FROM journal c WHERE c.ref_seq = j.seq)""",
        (day, EntryKind.GUEST_MEAL.value, visit_id),
    ).fetchone()
    return int(row[0])
