"""Typed events that device threads put on the application's queue.

Every event is a frozen dataclass naming its ``source`` (the device's configured
name). Badge credentials are normalised here, once, so that every backend agrees:
``nfc:`` followed by the UID in upper-case hex (``nfc:04A1B2C3D4E5F6``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeviceKind(StrEnum):
    READER = "reader"
    SCANNER = "scanner"
    PRINTER = "printer"
    PAYMENT = "payment"


class FaultKind(StrEnum):
    """Values of ``DeviceFault.kind`` (plain strings on the event)."""

    UNAVAILABLE = "unavailable"  # vendor library or system service missing
    NOT_FOUND = "not_found"  # nothing at the configured path / no such reader
    DISCONNECTED = "disconnected"  # was attached, went away
    IO_ERROR = "io_error"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    INTERNAL = "internal"  # a bug in a driver: logged with its traceback


class CodeRejectReason(StrEnum):
    """Values of ``CodeRejected.reason``."""

    NOT_UTF8 = "not_utf8"
    TOO_LONG = "too_long"
    CONTROL_CHARACTERS = "control_characters"
    UNKNOWN_KEY = "unknown_key"  # keyboard wedge: a key the configured layout does not map


def badge_credential(uid: bytes, scheme: str = "nfc") -> str:
    """``b"\\x04\\xa1..."`` -> ``"nfc:04A1..."``; refuses an empty UID."""
    if not uid:
        raise ValueError("empty UID")
    return f"{scheme}:{uid.hex().upper()}"


@dataclass(frozen=True, slots=True)
class BadgePresented:
    source: str
    credential: str
    data: bytes | None = None  # NDEF message or application data when the card has some


@dataclass(frozen=True, slots=True)
class BadgeRemoved:
    """The card left the reader's field (or the reader went away with it on)."""

    source: str
    credential: str = ""  # the card that left, as its ``BadgePresented`` named it


@dataclass(frozen=True, slots=True)
class CodeScanned:
    source: str
    text: str


@dataclass(frozen=True, slots=True)
class CodeRejected:
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class DeviceFault:
    source: str
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class DeviceReady:
    source: str
    kind: str  # the device kind: "reader", "scanner" or "printer"


Event = BadgePresented | BadgeRemoved | CodeScanned | CodeRejected | DeviceFault | DeviceReady
