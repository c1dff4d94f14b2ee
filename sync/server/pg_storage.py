"""``PgStorage``: the hub's data in a PostgreSQL database, behind ``Storage``.

The storage methods are those of ``SqliteStorage`` (sync.server.storage and its bases),
whose SQL is written once in the portable subset of ``sync.server.pg_sql``; this class
puts them over the PostgreSQL plumbing of ``sync.server.pg_base`` (its ``PgBase`` comes
first in the method order, so its pool and transactions replace SQLite's). Open it
with ``sync.server.open_hub("postgresql://...")`` or ``kiosk hub --database URL``.
"""

from __future__ import annotations

from sync.server.pg_base import PgBase
from sync.server.storage import SqliteStorage


class PgStorage(PgBase, SqliteStorage):
    """The ``Storage`` of a hub on PostgreSQL, shared by any number of hub processes."""
