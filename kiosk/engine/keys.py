"""The terminal's Ed25519 signing key: created on first start, kept in a 0600 file."""

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

from kiosk.engine.errors import KeyFileError


def load_or_create_key(path: Path | str) -> Ed25519PrivateKey:
    """Load the key at ``path``, creating it (mode 0600, atomically) if absent.

    Refuses a key file that others can read: a leaked key could sign forged sales.
    """
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        tmp = file.with_name(file.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, file)
        return key
    mode = stat.S_IMODE(file.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(f"{file}: key file is readable by others (mode {mode:o}); chmod 600")
    try:
        loaded = load_pem_private_key(file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyFileError(f"{file}: cannot load the terminal key: {exc}") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyFileError(f"{file}: not an Ed25519 key")
    return loaded
