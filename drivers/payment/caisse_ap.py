"""The Caisse-AP message format (version 3 over IP): ASCII tag-length-value fields.

A message is the concatenation of fields, each a 2-character tag, a 3-digit
zero-padded decimal length and the value (1 to 999 ASCII characters). ``CZ`` (the
protocol version) comes first; every other tag appears at most once, in any order::

    CZ0040300 CJ012247300123456 CA00201 CB00512345 CD0010 CE003978
    version   till protocol id  till    amount     debit  currency (EUR)

This module is pure (no sockets): ``encode``, ``decode`` and ``complete`` (is a
received buffer one whole message yet: a reply may arrive in several TCP segments),
plus the meaning of the status and reason codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

VERSION = "0300"
EUR = "978"
_TAG = re.compile(r"[A-Z]{2}")


class CaisseApFormatError(ValueError):
    """Bytes that are not a well-formed Caisse-AP message (or a value that cannot be one)."""


class Tag(StrEnum):
    VERSION = "CZ"
    PROTOCOL_ID = "CJ"  # the till software's identifier, assigned by the AP
    TILL = "CA"
    AMOUNT = "CB"  # minor units, at least 2 digits
    ACTION = "CD"
    CURRENCY = "CE"  # ISO 4217 numeric
    APPLICATION = "CC"  # payment application (CB contact, CB contactless ...)
    PRIVATE = "CF"  # the till's own transaction reference, echoed by the terminal
    READ_MODE = "CI"
    TICKET_MODE = "CK"
    ANSWER_MODE = "BA"
    STATUS = "AE"
    REASON = "AF"
    PAN = "AA"  # masked card number
    EXPIRY = "AB"
    AUTHORISATION = "AC"
    AID = "AI"
    TICKET = "AK"  # ticket text (base64), inside ZT
    CONTRACT = "CG"
    TICKET_BLOCK = "ZT"


class Action(StrEnum):
    DEBIT = "0"
    CREDIT = "1"  # refund
    CANCEL = "2"  # cancellation of the last transaction (not every terminal has it)
    DUPLICATE = "3"  # the last transaction's ticket again


class Status(StrEnum):
    DONE = "10"
    NOT_DONE = "01"
    TAKEN = "11"  # taken into account (immediate-answer mode only)


class Reason(StrEnum):
    """``AF``: why an operation was not done."""

    UNKNOWN = "00"
    AUTHORISED = "01"
    PHONE_CALL = "02"
    FORCING = "03"
    REFUSED = "04"
    FORBIDDEN = "05"
    ABANDON = "06"
    NOT_COMPLETED = "07"
    INPUT_TIMEOUT = "08"
    FORMAT_ERROR = "09"
    SELECTION_ERROR = "10"
    OPERATOR_ABANDON = "11"
    UNKNOWN_ACTION = "12"
    CURRENCY_NOT_SUPPORTED = "13"


# The diner walked away or pressed cancel on the terminal: nothing was charged.
ABANDON_REASONS = frozenset({Reason.ABANDON, Reason.OPERATOR_ABANDON, Reason.INPUT_TIMEOUT})

REASON_TEXT: dict[str, str] = {
    Reason.UNKNOWN: "raison inconnue",
    Reason.AUTHORISED: "autorisée",
    Reason.PHONE_CALL: "appel phonie demandé",
    Reason.FORCING: "forçage",
    Reason.REFUSED: "carte refusée",
    Reason.FORBIDDEN: "carte interdite",
    Reason.ABANDON: "abandon",
    Reason.NOT_COMPLETED: "transaction non aboutie",
    Reason.INPUT_TIMEOUT: "délai de saisie dépassé",
    Reason.FORMAT_ERROR: "message mal formé",
    Reason.SELECTION_ERROR: "erreur de sélection",
    Reason.OPERATOR_ABANDON: "abandon opérateur",
    Reason.UNKNOWN_ACTION: "opération non prise en charge",
    Reason.CURRENCY_NOT_SUPPORTED: "devise non prise en charge",
}

# Payment applications (CC) that tell how the card was read.
CONTACTLESS_APPLICATIONS = frozenset({"00B", "00D"})
CONTACT_APPLICATIONS = frozenset({"001", "002"})


def encode(fields: Mapping[str, str]) -> bytes:
    """The message for ``fields`` (``CZ`` first, the others in the order given)."""
    if Tag.VERSION not in fields:
        raise CaisseApFormatError("a message starts with CZ (the protocol version)")
    ordered = [(Tag.VERSION.value, fields[Tag.VERSION])]
    ordered += [(str(t), v) for t, v in fields.items() if t != Tag.VERSION]
    out = []
    for tag, value in ordered:
        if not _TAG.fullmatch(tag):
            raise CaisseApFormatError(f"bad tag {tag!r}")
        if not 1 <= len(value) <= 999:
            raise CaisseApFormatError(f"{tag}: a value has 1 to 999 characters")
        if not value.isascii() or not value.isprintable():
            raise CaisseApFormatError(f"{tag}: printable ASCII only")
        out.append(f"{tag}{len(value):03d}{value}")
    return "".join(out).encode("ascii")


def _fields(data: bytes) -> tuple[dict[str, str], int]:
    """The fields of the whole message at the start of ``data``, and where it ends.

    Raises ``CaisseApFormatError`` on bytes that cannot start a message and
    ``IndexError`` when ``data`` stops inside a field (more is to come).
    """
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise CaisseApFormatError("not ASCII") from exc
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        if text[pos] in "\r\n":  # some terminals end a message with CR LF
            pos += 1
            continue
        if pos + 5 > len(text):
            raise IndexError(pos)
        tag, size = text[pos : pos + 2], text[pos + 2 : pos + 5]
        if not _TAG.fullmatch(tag) or not size.isdigit() or not 1 <= int(size) <= 999:
            raise CaisseApFormatError(f"no field at offset {pos}: {text[pos : pos + 5]!r}")
        if not fields and tag != Tag.VERSION:
            raise CaisseApFormatError(f"a message starts with CZ, not {tag}")
        if tag in fields:
            raise CaisseApFormatError(f"{tag} appears twice")
        end = pos + 5 + int(size)
        if end > len(text):
            raise IndexError(pos)
        fields[tag] = text[pos + 5 : end]
        pos = end
    if not fields:
        raise IndexError(0)
    return fields, pos


def decode(data: bytes) -> dict[str, str]:
    """The fields of one whole message; ``CaisseApFormatError`` for anything else."""
    try:
        fields, _end = _fields(data)
    except IndexError as exc:
        raise CaisseApFormatError("the message stops inside a field") from exc
    return fields


REQUIRED_IN_REQUEST = (Tag.PROTOCOL_ID, Tag.TILL, Tag.AMOUNT, Tag.ACTION, Tag.CURRENCY)


def complete(data: bytes, required: tuple[str, ...] = (Tag.STATUS,)) -> bool:
    """Whether ``data`` holds a whole message with the ``required`` tags (a reply: its
    status ``AE``). False while more may come; malformed bytes raise
    ``CaisseApFormatError``."""
    try:
        fields, _end = _fields(data)
    except IndexError:
        return False
    return all(tag in fields for tag in required)


def amount_field(cents: int) -> str:
    """``CB``: minor units, at least 2 digits, at most 12; zero and less refused."""
    if cents <= 0:
        raise CaisseApFormatError(f"amount must be positive, got {cents}")
    text = f"{cents:02d}"
    if len(text) > 12:
        raise CaisseApFormatError(f"amount {cents} has more than 12 digits")
    return text


def parse_amount(text: str) -> int:
    """A reply's ``CB`` (may be zero-padded: ``0000005``) in minor units."""
    if not text.isdigit():
        raise CaisseApFormatError(f"CB is not a number: {text!r}")
    return int(text)


def decode_block(value: str) -> dict[str, str]:
    """The fields inside a constructed tag (``ZT``): TLV without the leading ``CZ``."""
    return decode(encode({Tag.VERSION: VERSION}) + value.encode("ascii"))
