"""The hub's SQL for terminals' archives (migration ``0012_archives``): a mixin of
``SqliteStorage``, kept in its own module so that the core storage stays readable.

An archive is kept whole, as the terminal sent it, once ``sync.server.archives``
has verified it; the same file sent twice is kept once.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from sync.journal import format_ts
from sync.protocol.archives import ArchiveInfo

_COLS = "id, terminal_id, site, period, first_seq, last_seq, sha256, size, created_at, received_at"


def _info(row: tuple[object, ...]) -> ArchiveInfo:
    return ArchiveInfo(
        id=int(str(row[0])),
        terminal_id=str(row[1]),
        site=str(row[2]),
        period=str(row[3]),
        first_seq=int(str(row[4])),
        last_seq=int(str(row[5])),
        sha256=str(row[6]),
        size=int(str(row[7])),
        created_at=str(row[8]),
        received_at=str(row[9]),
    )


class ArchiveStorage:
    if TYPE_CHECKING:

        def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def put_archive(
        self, info: ArchiveInfo, data: bytes, now: datetime
    ) -> tuple[ArchiveInfo, bool]:
        """Keep an archive; (its record, True) when new, (the one kept, False) when this
        terminal sent the same file before."""
        with self._write() as db:
            row = db.execute(
                f"SELECT {_COLS} FROM archives WHERE terminal_id = ? AND sha256 = ?",
                (info.terminal_id, info.sha256),
            ).fetchone()
            if row is not None:
                return _info(row), False
            cursor = db.execute(
                "INSERT INTO archives (terminal_id, site, period, first_seq, last_seq, sha256, "
                "size, created_at, received_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (
                    info.terminal_id,
                    info.site,
                    info.period,
                    info.first_seq,
                    info.last_seq,
                    info.sha256,
                    info.size,
                    info.created_at,
                    format_ts(now),
                    data,
                ),
            )
            new_id = int(cursor.fetchone()[0])
            row = db.execute(f"SELECT {_COLS} FROM archives WHERE id = ?", (new_id,)).fetchone()
        return _info(row), True

    def list_archives(self, site: str, terminal_id: str | None = None) -> list[ArchiveInfo]:
        where, params = "site = ?", [site]
        if terminal_id is not None:
            where, params = where + " AND terminal_id = ?", [*params, terminal_id]
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_COLS} FROM archives WHERE {where} ORDER BY terminal_id, first_seq, id",
                params,
            ).fetchall()
        return [_info(r) for r in rows]

    def archive_data(self, archive_id: int) -> tuple[ArchiveInfo, bytes] | None:
        with self._read() as db:
            row = db.execute(
                f"SELECT {_COLS}, data FROM archives WHERE id = ?", (archive_id,)
            ).fetchone()
        return None if row is None else (_info(row[:-1]), bytes(row[-1]))
