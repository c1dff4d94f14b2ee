"""Ed25519 private keys in 0600 PEM files: the terminal's key and the hub's.

Created atomically on first use; a file that others can read is refused, since a
leaked key could sign forged entries or visit codes.
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


class KeyFileProblem(ValueError):
    """The key file cannot be used; the message says why and how to fix it."""


def load_or_create(path: Path | str, what: str = "key") -> Ed25519PrivateKey:
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
        raise KeyFileProblem(
            f"{file}: {what} file is readable by others (mode {mode:o}); chmod 600"
        )
    try:
        loaded = load_pem_private_key(file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyFileProblem(f"{file}: cannot load the {what}: {exc}") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyFileProblem(f"{file}: not an Ed25519 key")
    return loaded
