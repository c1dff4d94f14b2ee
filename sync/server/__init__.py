"""The reference hub: the central server terminals sync with.

``open_hub(db)`` gives a ``Hub`` over SQLite; ``create_app(hub)`` its HTTP API;
``serve(...)`` runs it under uvicorn (``kiosk hub``). Modules: ``errors`` (exception
tree), ``records`` (the ``Storage`` interface), ``schema`` and ``storage`` (SQLite),
``sqlrows`` (row conversions, the delta read), ``service`` (the rules), ``app``
(FastAPI routes), ``thread`` (serve in a background thread).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from sync.server.errors import HubError, StorageError
from sync.server.service import Hub
from sync.server.storage import SqliteStorage

__all__ = ["Hub", "HubError", "open_hub", "serve"]


def load_or_create_hub_key(path: Path) -> Ed25519PrivateKey:
    """The hub's signing key (for visit codes and the like), in a 0600 PEM file."""
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return key
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise StorageError(f"{path}: hub key file is readable by others; chmod 600")
    try:
        loaded = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise StorageError(f"{path}: cannot load the hub key: {exc}") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise StorageError(f"{path}: not an Ed25519 key")
    return loaded


def open_hub(db: Path | str, key: Path | str | None = None) -> Hub:
    """A hub over the SQLite file ``db``; its key defaults to ``<db>.key`` beside it."""
    db_path = Path(db)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    key_path = Path(key) if key is not None else db_path.with_name(db_path.name + ".key")
    return Hub(SqliteStorage(db_path), load_or_create_hub_key(key_path))


def serve(hub: Hub, host: str = "127.0.0.1", port: int = 8700, log_level: str = "info") -> None:
    """Run the hub's HTTP API in the foreground until interrupted."""
    import uvicorn

    from sync.server.app import create_app

    uvicorn.run(create_app(hub), host=host, port=port, log_level=log_level, access_log=False)
