"""Credential strings: parsing and normalising what readers and scanners hand over.

A physical badge is its card UID in upper-case hex behind ``nfc:``
(``nfc:04A1B2C3D4E5F6``): 4, 7 or 10 bytes as ISO 14443 allows, or 8 bytes for
FeliCa IDm. A phone badge is the app's signed rotating QR code (``MB1.``, see
``sync.phonebadge``): it resolves to the credential ``phone:<id>`` and carries the
parsed code, whose signature and time the engine checks against the stored key.
A bare ``phone:<id>`` is not accepted: only a signed code proves the phone.
Anything else is malformed; the caller refuses it and writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sync import phonebadge
from sync.protocol.rows import CredentialKind

MAX_CREDENTIAL_LENGTH = 4096
_UID_BYTES = frozenset({4, 7, 8, 10})
_HEX = re.compile(r"[0-9A-Fa-f]+")


@dataclass(frozen=True, slots=True)
class Credential:
    kind: CredentialKind
    value: str  # normalised, as stored in the credentials table
    code: phonebadge.PhoneCode | None = None  # phone badges: the presented code


class MalformedCredential(ValueError):
    """The text is not a credential this terminal understands."""


def normalise_uid(uid: bytes | str) -> str:
    """``b"\\x04\\xa1..."`` or ``"04:a1:..."`` -> ``"nfc:04A1..."``; ValueError if not a UID."""
    if isinstance(uid, bytes):
        raw = uid.hex()
    else:
        raw = uid.replace(":", "").replace(" ", "").replace("-", "")
    if not _HEX.fullmatch(raw) or len(raw) % 2 or len(raw) // 2 not in _UID_BYTES:
        raise MalformedCredential("a badge UID is 4, 7, 8 or 10 bytes of hexadecimal")
    return f"nfc:{raw.upper()}"


def parse_credential(text: str | bytes) -> Credential:
    """Parse what a driver reported; raise MalformedCredential with the reason."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedCredential("credential is not UTF-8 text") from None
    if len(text) > MAX_CREDENTIAL_LENGTH:
        raise MalformedCredential("credential is too long")
    if text.lstrip().startswith(phonebadge.PHONE_PREFIX):
        try:
            code = phonebadge.parse(text)
        except phonebadge.MalformedCode as exc:
            raise MalformedCredential(str(exc)) from None
        return Credential(CredentialKind.PHONE, code.credential_value, code)
    if text.lstrip().startswith(phonebadge.VISIT_PREFIX):
        raise MalformedCredential("a visit code is not a badge: use it for a guest meal")
    prefix, sep, rest = text.strip().partition(":")
    if sep and prefix.lower() == "nfc":
        return Credential(CredentialKind.NFC, normalise_uid(rest))
    raise MalformedCredential("not a badge this terminal can read")
