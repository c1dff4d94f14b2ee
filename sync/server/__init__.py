"""The reference hub: the central server terminals sync with.

``open_hub(db)`` gives a ``Hub`` over SQLite (the default) or PostgreSQL
(``pg_storage``: a ``postgresql://`` URL); ``create_app(hub)`` its HTTP API;
``serve(...)`` runs it under uvicorn (``kiosk hub``). Modules: ``errors`` (exception
tree), ``records`` (the ``Storage`` interface), ``schema`` and ``storage`` (SQLite),
``sqlrows`` (row conversions, the delta read), ``service`` (the rules), ``app``
(FastAPI routes; ``visit_routes`` and ``token_routes`` add some), ``limits`` (connection
and rate limits), ``connections`` (timeouts and the connection bound of the HTTP
server), ``thread`` (serve in a background thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.types import ASGIApp

from sync.keyfile import KeyFileProblem, load_or_create
from sync.server.errors import HubError, StorageError
from sync.server.limits import HubLimits, RateLimits
from sync.server.service import Hub
from sync.server.storage import SqliteStorage

__all__ = [
    "Hub",
    "HubError",
    "HubLimits",
    "HubOpener",
    "RateLimits",
    "is_postgresql",
    "open_hub",
    "serve",
    "serve_workers",
]


def load_or_create_hub_key(path: Path) -> Ed25519PrivateKey:
    """The hub's signing key (for visit codes and the like), in a 0600 PEM file."""
    try:
        return load_or_create(path, "hub key")
    except KeyFileProblem as exc:
        raise StorageError(str(exc)) from exc


def is_postgresql(db: object) -> bool:
    """Whether ``db`` names a PostgreSQL database (a ``postgresql://`` URL), not a file."""
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


def open_hub(db: Path | str, key: Path | str | None = None, rates: RateLimits | None = None) -> Hub:
    """A hub over the SQLite file ``db``, or over the PostgreSQL database that ``db``
    names as a ``postgresql://`` URL. The key of a SQLite hub defaults to ``<db>.key``
    beside it; a hub on PostgreSQL needs ``key`` (every one of its processes must sign
    with the same key)."""
    if isinstance(db, str) and is_postgresql(db):
        if key is None:
            raise StorageError("a hub on PostgreSQL needs its key file (--key)")
        from sync.server.pg_storage import PgStorage

        storage = PgStorage(db)
        try:
            return Hub(storage, load_or_create_hub_key(Path(key)), rates=rates)
        except BaseException:
            storage.close()
            raise
    db_path = Path(db)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    key_path = Path(key) if key is not None else db_path.with_name(db_path.name + ".key")
    return Hub(SqliteStorage(db_path), load_or_create_hub_key(key_path), rates=rates)


def serve(
    hub: Hub,
    host: str = "127.0.0.1",
    port: int = 8700,
    log_level: str = "info",
    limits: HubLimits | None = None,
) -> None:
    """Run the hub's HTTP API in the foreground until interrupted.

    The open-file limit is raised as far as the hard limit allows, and the connection
    bound kept below it (see ``sync.server.connections``).
    """
    from sync.server.app import create_app
    from sync.server.connections import build_server
    from sync.server.limits import raise_open_file_limit

    limits = limits or HubLimits()
    raise_open_file_limit()
    server = build_server(
        create_app(hub), limits, host=host, port=port, log_level=log_level, access_log=False
    )
    server.run()


@dataclass(frozen=True)
class HubOpener:
    """How a worker process opens the hub for itself: the database (a SQLite file or a
    PostgreSQL URL), the key file and the rate limits. Picklable, so that uvicorn hands
    it to each worker it starts; calling it gives the worker's app."""

    db: Path | str
    key: Path | str | None = None
    rates: RateLimits | None = None

    def __call__(self) -> Any:
        from sync.server.app import create_app

        return create_app(open_hub(self.db, self.key, self.rates))


def serve_workers(
    opener: HubOpener,
    workers: int,
    *,
    host: str = "127.0.0.1",
    port: int = 8700,
    log_level: str = "info",
    limits: HubLimits | None = None,
) -> None:
    """Run the hub's HTTP API in ``workers`` processes sharing one listening socket
    (uvicorn's supervisor restarts a worker that dies), until interrupted.

    Each worker opens the database itself: nothing is shared between them but the
    database, where every lock, counter and limit lives (any number of processes on
    any number of machines give the results of one).
    """
    from uvicorn.supervisors import Multiprocess

    from sync.server.connections import GuardedConfig
    from sync.server.limits import raise_open_file_limit

    limits = limits or HubLimits()
    raise_open_file_limit()
    config = GuardedConfig(
        cast(ASGIApp, opener),  # a factory (factory=True): each worker calls it
        limits,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
