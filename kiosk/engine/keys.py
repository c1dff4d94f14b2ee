"""The terminal's Ed25519 signing key, kept in a 0600 file.

A key is created only when a terminal is provisioned (``load_or_create_key``, called
by ``kiosk.provision`` and when a brand-new store is first bound). Once a store is
bound to a key, a missing or different key file is a fault (``terminal_key``): a new
key could not continue the journal the hub already holds, so it is never made
silently.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine.errors import KeyFileError, KeyMismatch
from sync.journal import public_key_text
from sync.keyfile import KeyFileProblem, load_or_create

RESTORE_KEY = "put back this terminal's own terminal.key (from its backup)"


def load_or_create_key(path: Path | str) -> Ed25519PrivateKey:
    """Load the key at ``path``, creating it (mode 0600, atomically) if absent.

    Refuses a key file that others can read: a leaked key could sign forged sales.
    """
    try:
        return load_or_create(path, "terminal key")
    except KeyFileProblem as exc:
        raise KeyFileError(str(exc)) from exc


def load_key(path: Path | str) -> Ed25519PrivateKey:
    """Load the key at ``path``; a missing file is a ``KeyFileError``, never created."""
    file = Path(path)
    if not file.is_file():
        raise KeyFileError(f"{file}: the terminal key is missing; {RESTORE_KEY}")
    return load_or_create_key(file)


def terminal_key(path: Path | str, bound: str | None) -> Ed25519PrivateKey:
    """The key for a store bound to public key ``bound`` (None: a store not bound yet,
    whose key is created if absent)."""
    if bound is None:
        return load_or_create_key(path)
    file = Path(path)
    if not file.exists():
        raise KeyFileError(
            f"{file}: the terminal key is missing, and this store's journal is signed "
            f"with it; {RESTORE_KEY} (a new key cannot continue this journal)"
        )
    key = load_key(file)
    if public_key_text(key.public_key()) != bound:
        raise KeyMismatch(
            f"{file} is not the key this store's journal is signed with; {RESTORE_KEY}"
        )
    return key
