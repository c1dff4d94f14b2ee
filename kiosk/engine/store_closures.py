"""The store's SQL for closures, duplicates, training mode and archives (a part of the
store, kept apart so that ``store.py`` stays small).

Every function runs inside the caller's transaction (its ``Tx``), so that
a closure is summed and written in one ``BEGIN IMMEDIATE`` transaction and two
processes can never write the same closure twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.engine.store_tx import Tx, sql_of
from sync.journal import ROW_COLUMNS, Entry


def last_of(db: Tx, kinds: Sequence[str]) -> Entry | None:
    """The latest entry of one of ``kinds`` (indexed by kind and sequence)."""
    rows = [
        sql_of(db)
        .execute(
            f"SELECT {ROW_COLUMNS} FROM journal WHERE kind = ? ORDER BY seq DESC LIMIT 1",
            (kind,),
        )
        .fetchone()
        for kind in kinds
    ]
    found = [Entry.from_row(row) for row in rows if row is not None]
    return max(found, key=lambda e: e.seq, default=None)


def after(db: Tx, seq: int, limit: int) -> list[Entry]:
    """Entries after ``seq``, in order, at most ``limit``."""
    rows = (
        sql_of(db)
        .execute(
            f"SELECT {ROW_COLUMNS} FROM journal WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
        )
        .fetchall()
    )
    return [Entry.from_row(row) for row in rows]


def first_day_after(db: Tx, seq: int, skip: Sequence[str]) -> str | None:
    """The business day of the first entry after ``seq`` not of a kind in ``skip``."""
    marks = ",".join("?" * len(skip))
    row = (
        sql_of(db)
        .execute(
            f"SELECT day FROM journal WHERE seq > ? AND kind NOT IN ({marks}) ORDER BY seq LIMIT 1",
            (seq, *skip),
        )
        .fetchone()
    )
    return None if row is None else str(row[0])


def first_day(db: Tx) -> str | None:
    """The business day of the journal's first entry (None: an empty journal)."""
    row = sql_of(db).execute("SELECT day FROM journal ORDER BY seq LIMIT 1").fetchone()
    return None if row is None else str(row[0])


def of_kind_between(db: Tx, kind: str, first: str, last: str) -> list[Entry]:
    """Entries of ``kind`` whose business day is within ``first`` .. ``last``, in order."""
    rows = (
        sql_of(db)
        .execute(
            f"SELECT {ROW_COLUMNS} FROM journal "
            "WHERE kind = ? AND day BETWEEN ? AND ? ORDER BY seq",
            (kind, first, last),
        )
        .fetchall()
    )
    return [Entry.from_row(row) for row in rows]


def of_kind(db: Tx, kind: str) -> list[Entry]:
    rows = (
        sql_of(db)
        .execute(f"SELECT {ROW_COLUMNS} FROM journal WHERE kind = ? ORDER BY seq", (kind,))
        .fetchall()
    )
    return [Entry.from_row(row) for row in rows]


def between(db: Tx, first_seq: int, last_seq: int) -> list[Entry]:
    rows = (
        sql_of(db)
        .execute(
            f"SELECT {ROW_COLUMNS} FROM journal WHERE seq BETWEEN ? AND ? ORDER BY seq",
            (first_seq, last_seq),
        )
        .fetchall()
    )
    return [Entry.from_row(row) for row in rows]


def seq_range_of_days(db: Tx, first: str, last: str) -> tuple[int, int] | None:
    """The lowest and highest sequence of the entries of days ``first`` .. ``last``."""
    row = (
        sql_of(db)
        .execute("SELECT min(seq), max(seq) FROM journal WHERE day BETWEEN ? AND ?", (first, last))
        .fetchone()
    )
    return None if row is None or row[0] is None else (int(row[0]), int(row[1]))


# Duplicates ---------------------------------------------------------------------------


def duplicates_of(db: Tx, ticket_seq: int) -> int:
    """How many times ticket ``ticket_seq`` was reprinted."""
    row = (
        sql_of(db)
        .execute(
            "SELECT coalesce(max(number), 0) FROM duplicates WHERE ticket_seq = ?", (ticket_seq,)
        )
        .fetchone()
    )
    return int(row[0])


def add_duplicate(db: Tx, ticket_seq: int, number: int, seq: int) -> None:
    sql_of(db).execute("INSERT INTO duplicates VALUES (?, ?, ?)", (ticket_seq, number, seq))


# Archives -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArchiveRow:
    period: str
    path: str
    sha256: str
    first_seq: int
    last_seq: int
    created_at: str
    uploaded_at: str | None


def record_archive(db: Tx, row: ArchiveRow) -> None:
    sql_of(db).execute(
        "INSERT OR REPLACE INTO archives VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            row.period,
            row.path,
            row.sha256,
            row.first_seq,
            row.last_seq,
            row.created_at,
            row.uploaded_at,
        ),
    )


def archives(db: Tx, *, not_uploaded: bool = False) -> list[ArchiveRow]:
    where = " WHERE uploaded_at IS NULL" if not_uploaded else ""
    rows = (
        sql_of(db)
        .execute(
            "SELECT period, path, sha256, first_seq, last_seq, created_at, uploaded_at "
            f"FROM archives{where} ORDER BY first_seq"
        )
        .fetchall()
    )
    return [
        ArchiveRow(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            int(r[3]),
            int(r[4]),
            str(r[5]),
            None if r[6] is None else str(r[6]),
        )
        for r in rows
    ]


def mark_uploaded(db: Tx, period: str, at: str) -> None:
    sql_of(db).execute("UPDATE archives SET uploaded_at = ? WHERE period = ?", (at, period))


def last_of_kind_through(db: Tx, kind: str, day: str) -> Entry | None:
    """The latest entry of ``kind`` whose business day is ``day`` or earlier."""
    row = (
        sql_of(db)
        .execute(
            f"SELECT {ROW_COLUMNS} FROM journal "
            "WHERE kind = ? AND day <= ? ORDER BY seq DESC LIMIT 1",
            (kind, day),
        )
        .fetchone()
    )
    return None if row is None else Entry.from_row(row)
