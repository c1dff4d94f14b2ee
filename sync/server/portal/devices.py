"""A diner's devices: the phone badge made in the browser, listed and revoked from the
settings, and the QR code that signs a new device in from one already signed in.

The browser makes an Ed25519 key pair with WebCrypto (the private key
non-extractable, kept in its IndexedDB) and sends only the public key; the hub
registers it as a phone credential of the account, so that the tills verify the
device's rotating codes offline exactly as any phone badge's
(``sync.phonebadge``). Revoking a device marks its credential lost: the deny list
carries it to the tills with their next sync.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sync import phonebadge
from sync.journal import load_public_key
from sync.protocol.rows import AccountStatus
from sync.server.portal.devices_store import Device, DevicesStore
from sync.server.portal.service import Portal, Session, token_hash

log = logging.getLogger(__name__)

MAX_DEVICES = 5  # active devices per account: a diner has a phone or two, not a fleet
MAX_LABEL = 60
LINK_TTL_S = 120  # a sign-in QR code lives two minutes
LINK_TOKEN_BYTES = 24


class DeviceRefusal(Enum):
    """Why a device was not registered or revoked; the pages word each one."""

    BAD_KEY = "bad_key"
    TOO_MANY = "too_many"
    CLOSED = "closed"
    UNKNOWN_DEVICE = "unknown_device"
    BAD_LINK = "bad_link"


@dataclass(frozen=True, slots=True)
class LinkCode:
    token: str  # what the QR code carries, shown once
    expires_at: datetime


def public_key_problem(text: str) -> str | None:
    """Why ``text`` is not a base64 raw Ed25519 public key, or None."""
    if not isinstance(text, str) or len(text) > 64:
        return "not a public key"
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return "not base64"
    if len(raw) != 32:
        return "an Ed25519 public key has 32 bytes"
    try:
        load_public_key(text)
    except ValueError as exc:
        return str(exc)
    return None


def clean_label(label: str, now: datetime) -> str:
    """A printable one-line label of at most MAX_LABEL characters (a default if empty)."""
    spaced = (" " if c.isspace() else c for c in str(label))
    kept = "".join(c for c in spaced if c == " " or unicodedata.category(c)[0] not in "CZ")
    kept = " ".join(kept.split())[:MAX_LABEL]
    return kept or f"Appareil du {now:%d/%m/%Y}"


class Devices:
    """The devices of the signed-in diner (every method reads the session's account)."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.hub = portal.hub
        self.store = DevicesStore(portal.store.storage)

    @staticmethod
    def _who(session: Session) -> tuple[str, str]:
        site, account = session.row.site, session.row.account_id
        assert site is not None and account is not None, "a signed-in session"
        return site, account

    def register(self, session: Session, public_key: str, label: str) -> Device | DeviceRefusal:
        site, account = self._who(session)
        if public_key_problem(public_key) is not None:
            return DeviceRefusal.BAD_KEY
        if self.portal.store.account_status(site, account) != AccountStatus.ACTIVE:
            return DeviceRefusal.CLOSED
        now = self.hub.clock()
        credential = phonebadge.new_credential_value()
        name = clean_label(label, now)
        if not self.store.add(site, account, credential, public_key, name, now, MAX_DEVICES):
            return DeviceRefusal.TOO_MANY
        log.info("portal: %s registered device %s (%s)", account, credential, name)
        device = self.store.device(account, credential)
        assert device is not None
        return device

    def devices(self, session: Session) -> list[Device]:
        return self.store.devices(self._who(session)[1])

    def status(self, session: Session, credential: str) -> str:
        """ "active", "revoked", or "unknown" (not a device of this account)."""
        device = self.store.device(self._who(session)[1], credential[:64])
        if device is None:
            return "unknown"
        return "active" if device.active else "revoked"

    def revoke(self, session: Session, credential: str) -> DeviceRefusal | None:
        site, account = self._who(session)
        if not self.store.revoke(site, account, credential[:64], self.hub.clock()):
            return DeviceRefusal.UNKNOWN_DEVICE
        log.info("portal: %s revoked device %s", account, credential)
        return None

    # Signing a new device in from a QR code ----------------------------------------------

    def link_code(self, session: Session) -> LinkCode:
        """A fresh single-use sign-in token for this account, to show as a QR code."""
        site, account = self._who(session)
        now = self.hub.clock()
        token = secrets.token_urlsafe(LINK_TOKEN_BYTES)
        expires = now + timedelta(seconds=LINK_TTL_S)
        self.store.put_link_token(token_hash(token), site, account, now, expires)
        return LinkCode(token, expires)

    def take_link(self, token: str) -> tuple[str, str] | None:
        """(site, account) of a live token, used up; None if unknown, used or expired."""
        token = token.strip()
        if not token or len(token) > 64:
            return None
        return self.store.take_link_token(token_hash(token), self.hub.clock())
