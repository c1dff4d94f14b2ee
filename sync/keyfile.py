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


def write_atomic(path: Path, content: str | bytes, mode: int = 0o644) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, whole
    (a temporary file, fsync, rename); text is UTF-8."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)  # an old temporary file may have had another mode
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_or_create(path: Path | str, what: str = "key") -> Ed25519PrivateKey:
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        write_atomic(file, pem, mode=0o600)
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
