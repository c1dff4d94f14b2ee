"""Phone-badge and visit QR codes: compact signed text forms, pure (no I/O).

Imported by the terminal (which verifies offline) and by the hub (which mints codes
for the demo and tests, and signs visit codes). Both forms are a short ASCII prefix
naming the form and its version, then base64url without padding of a packed binary,
so that a scanner reads the whole code in one pass (106 characters each)::

    phone badge  "MB1." + b64url( credential id  8 bytes
                                  time step      4 bytes, big-endian unsigned
                                  signature     64 bytes )
    visit code   "MV1." + b64url( visit id       8 bytes
                                  day            4 bytes, big-endian proleptic ordinal
                                  signature     64 bytes )

The phone badge is signed by the phone's Ed25519 key (which never leaves the phone)
over ``b"MB1" + credential id + step``; the time step is ``floor(unix seconds / 30)``,
so the app shows a new code every 30 s. The visit code is signed by the hub's key over
``b"MV1" + visit id + day``. The prefix is part of the signed message, so a signature
of one form can never pass for the other.

Identifiers as text: a phone credential's value is ``phone:`` + 16 lower-case hex
digits (the 8-byte credential id), as stored in ``CredentialRow.value``; a visit id is
16 lower-case hex digits. Public keys travel as base64 of the raw 32 bytes, like the
terminals' keys (``sync.journal.public_key_text``).

Parsing is strict: exact prefix, exact length, base64url alphabet only and the one
canonical encoding of the bytes (no two texts decode to the same code). Surrounding
whitespace (a scanner's CR/LF) is ignored. Verification returns a ``Check`` naming
the ``RejectReason``; errors are only for malformed input::

    CodeError (ValueError)
    └── MalformedCode      not a code of this form (the message says why)
"""

from __future__ import annotations

import base64
import re
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.journal import load_public_key
from sync.protocol.reasons import RejectReason

STEP_S = 30
DEFAULT_WINDOW_STEPS = 1
PHONE_PREFIX = "MB1."
VISIT_PREFIX = "MV1."
CREDENTIAL_PREFIX = "phone:"
ID_BYTES = 8
SIG_BYTES = 64
_PACK = struct.Struct(f">{ID_BYTES}sI{SIG_BYTES}s")  # id, step or day, signature
_TEXT_LEN = len(base64.urlsafe_b64encode(bytes(_PACK.size)).rstrip(b"="))
_B64URL = re.compile(rf"[A-Za-z0-9_-]{{{_TEXT_LEN}}}")
_HEX_ID = re.compile(rf"[0-9a-f]{{{2 * ID_BYTES}}}")
MAX_CODE_LENGTH = len(PHONE_PREFIX) + _TEXT_LEN
_MAX_STEP = 2**32 - 1


class CodeError(ValueError):
    """Base of the errors of this module."""


class MalformedCode(CodeError):
    """The text is not a code of the expected form."""


# Identifiers -------------------------------------------------------------------------


def new_credential_value() -> str:
    """A fresh random phone credential value, ``phone:`` + 16 hex digits."""
    return CREDENTIAL_PREFIX + secrets.token_hex(ID_BYTES)


def new_visit_id() -> str:
    return secrets.token_hex(ID_BYTES)


def _id_bytes(text: str, what: str) -> bytes:
    if not _HEX_ID.fullmatch(text):
        raise MalformedCode(f"{what} must be {2 * ID_BYTES} lower-case hex digits")
    return bytes.fromhex(text)


def credential_id(value: str) -> bytes:
    """``"phone:0011..."`` -> the 8 raw bytes; MalformedCode otherwise."""
    if not value.startswith(CREDENTIAL_PREFIX):
        raise MalformedCode(f"a phone credential starts with {CREDENTIAL_PREFIX!r}")
    return _id_bytes(value.removeprefix(CREDENTIAL_PREFIX), "a phone credential id")


def time_step(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return int(moment.timestamp()) // STEP_S


# Parsed codes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhoneCode:
    """A well-formed phone-badge code (its signature is not checked yet)."""

    raw_id: bytes
    step: int
    signature: bytes

    @property
    def credential_value(self) -> str:
        return CREDENTIAL_PREFIX + self.raw_id.hex()

    def message(self) -> bytes:
        return _message(PHONE_PREFIX, self.raw_id, self.step)

    def text(self) -> str:
        return _encode(PHONE_PREFIX, self.raw_id, self.step, self.signature)


@dataclass(frozen=True, slots=True)
class VisitCode:
    """A well-formed visit code (its signature is not checked yet)."""

    raw_id: bytes
    day: date
    signature: bytes

    @property
    def visit_id(self) -> str:
        return self.raw_id.hex()

    def message(self) -> bytes:
        return _message(VISIT_PREFIX, self.raw_id, self.day.toordinal())

    def text(self) -> str:
        return _encode(VISIT_PREFIX, self.raw_id, self.day.toordinal(), self.signature)


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of verifying a code: ``reason`` is None when it passed.

    ``skew_steps`` is the code's time step minus the verifier's (phone badges; 0 for
    visit codes): positive when the code comes from the future.
    """

    reason: RejectReason | None
    detail: str = ""
    skew_steps: int = 0

    @property
    def ok(self) -> bool:
        return self.reason is None


def _message(prefix: str, raw_id: bytes, number: int) -> bytes:
    return prefix.rstrip(".").encode("ascii") + raw_id + number.to_bytes(4, "big")


def _encode(prefix: str, raw_id: bytes, number: int, signature: bytes) -> str:
    packed = _PACK.pack(raw_id, number, signature)
    return prefix + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def _decode(text: str | bytes, prefix: str) -> tuple[bytes, int, bytes]:
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedCode("a code is ASCII text") from None
    if len(text) > 4 * MAX_CODE_LENGTH:
        raise MalformedCode("text is far too long for a code")
    text = text.strip()
    if not text.startswith(prefix):
        raise MalformedCode(f"a code of this form starts with {prefix!r}")
    body = text.removeprefix(prefix)
    if not _B64URL.fullmatch(body):
        raise MalformedCode(f"a code has {_TEXT_LEN} base64url characters after its prefix")
    padded = body + "=" * (-len(body) % 4)
    packed = base64.urlsafe_b64decode(padded)
    # Spare low bits of the last character must be zero: one text per code.
    if base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii") != body:
        raise MalformedCode("code is not in canonical base64url")
    raw_id, number, signature = _PACK.unpack(packed)
    return raw_id, number, signature


def parse(text: str | bytes) -> PhoneCode:
    """Parse a phone-badge code; raise MalformedCode with the reason."""
    raw_id, step, signature = _decode(text, PHONE_PREFIX)
    return PhoneCode(raw_id, step, signature)


def parse_visit(text: str | bytes) -> VisitCode:
    """Parse a visit code; raise MalformedCode with the reason."""
    raw_id, ordinal, signature = _decode(text, VISIT_PREFIX)
    try:
        day = date.fromordinal(ordinal)
    except (ValueError, OverflowError):
        raise MalformedCode("visit code names no valid day") from None
    return VisitCode(raw_id, day, signature)


# Minting -----------------------------------------------------------------------------


def mint(private_key: Ed25519PrivateKey, credential: str, at: datetime) -> str:
    """The code the phone shows at ``at`` for ``credential`` (``phone:<hex>``)."""
    raw_id = credential_id(credential)
    step = time_step(at)
    if not 0 <= step <= _MAX_STEP:
        raise ValueError("moment outside the range of a phone-badge code")
    return _encode(
        PHONE_PREFIX, raw_id, step, private_key.sign(_message(PHONE_PREFIX, raw_id, step))
    )


def mint_visit(hub_key: Ed25519PrivateKey, visit_id: str, day: date) -> str:
    """The visit's QR text, signed by the hub."""
    raw_id = _id_bytes(visit_id, "a visit id")
    ordinal = day.toordinal()
    return _encode(
        VISIT_PREFIX, raw_id, ordinal, hub_key.sign(_message(VISIT_PREFIX, raw_id, ordinal))
    )


# Verifying ---------------------------------------------------------------------------


def _signature_check(
    message: bytes, signature: bytes, public_key: Ed25519PublicKey | str | None
) -> Check | None:
    if public_key is None:
        return Check(RejectReason.QR_BAD_SIGNATURE, "no public key to check the code against")
    if isinstance(public_key, str):
        try:
            public_key = load_public_key(public_key)
        except ValueError as exc:
            return Check(RejectReason.QR_BAD_SIGNATURE, f"stored public key unusable: {exc}")
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return Check(RejectReason.QR_BAD_SIGNATURE, "signature does not match the key")
    return None


def verify(
    code: PhoneCode,
    public_key: Ed25519PublicKey | str | None,
    now: datetime,
    window_steps: int = DEFAULT_WINDOW_STEPS,
) -> Check:
    """Signature first, then the time window: ``window_steps`` steps either side.

    A code from further in the future than the window says the phone's clock (or
    ours) is wrong: CLOCK_SKEW. One from further in the past is QR_EXPIRED.
    """
    if window_steps < 0:
        raise ValueError("window_steps must be >= 0")
    bad = _signature_check(code.message(), code.signature, public_key)
    if bad is not None:
        return bad
    skew = code.step - time_step(now)
    if skew > window_steps:
        return Check(
            RejectReason.CLOCK_SKEW, f"code is {skew * STEP_S} s ahead of this terminal", skew
        )
    if skew < -window_steps:
        return Check(RejectReason.QR_EXPIRED, f"code is {-skew * STEP_S} s old", skew)
    return Check(None, "", skew)


def verify_visit(code: VisitCode, hub_public_key: Ed25519PublicKey | str | None) -> Check:
    """Signature only: whether the visit is for today is the caller's business."""
    return _signature_check(code.message(), code.signature, hub_public_key) or Check(None)


def step_start(step: int) -> datetime:
    """The first instant of a time step (for pruning and display)."""
    return datetime.fromtimestamp(step * STEP_S, UTC)
