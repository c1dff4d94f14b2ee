"""The terminal's Ed25519 signing key: created on first start, kept in a 0600 file."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine.errors import KeyFileError
from sync.keyfile import KeyFileProblem, load_or_create


def load_or_create_key(path: Path | str) -> Ed25519PrivateKey:
    """Load the key at ``path``, creating it (mode 0600, atomically) if absent.

    Refuses a key file that others can read: a leaked key could sign forged sales.
    """
    try:
        return load_or_create(path, "terminal key")
    except KeyFileProblem as exc:
        raise KeyFileError(str(exc)) from exc
