"""``PgStorage``: the hub's data in a PostgreSQL database, behind ``Storage``.

The storage methods are those of ``SqliteStorage`` (sync.server.storage and its bases),
whose SQL is written once in the portable subset of ``sync.server.pg_sql``; this class
puts them over the PostgreSQL plumbing of ``sync.server.pg_base`` (its ``PgBase`` comes
first in the method order, so its pool and transactions replace SQLite's). Open it
with ``sync.server.open_hub("postgresql://...")`` or ``kiosk hub --database URL``.

One method differs: ``touch_terminal``, called on every pull, is one UPDATE of one row
that no rule reads back, so on PostgreSQL it runs on its own (a row lock) instead of
waiting its turn at the hub's write lock behind pushes.
"""

from __future__ import annotations

from datetime import datetime

from sync.journal import format_ts
from sync.server.pg_base import PgBase
from sync.server.storage import SqliteStorage


class PgStorage(PgBase, SqliteStorage):
    """The ``Storage`` of a hub on PostgreSQL, shared by any number of hub processes."""

    def touch_terminal(self, terminal_id: str, now: datetime) -> None:
        with self._conn() as db:
            sql = "UPDATE terminals SET last_seen = ? WHERE id = ?"
            db.execute(sql, (format_ts(now), terminal_id))
