"""Cashier records of the till: who may cancel, top up in cash, reprint and close.

A cashier is identified by a badge credential and proves it with a PIN. The PIN is
stored only as an scrypt hash with a per-cashier random salt, so a copy of the store
does not reveal it. The store keeps the records (``kiosk.engine.store_cashiers``);
the rules live here.

Cashiers come from two places: the back office (``kiosk admin cashiers``), synced
from the hub as documents of kind ``cashier`` (``sync.protocol.admin.CashierDoc``,
the PIN as the hub's salted scrypt hash), and ``add_cashier`` on this till (tests,
screenshots). A local cashier wins over a synced one with the same badge or id.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import ValidationError

from kiosk.engine.credentials import MalformedCredential, parse_credential
from kiosk.engine.store import Store
from sync.protocol.admin import CashierDoc

# scrypt cost: about 30 ms on a small ARM board - slow for guessing, quick for a login.
_N, _R, _P = 2**14, 8, 1
PIN_MIN, PIN_MAX = 4, 8


@dataclass(frozen=True, slots=True)
class Cashier:
    id: str
    name: str
    credential: str
    role: str = "cashier"  # or "manager"


def hash_pin(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)


def _normalise(credential: str) -> str:
    try:
        return parse_credential(credential).value
    except MalformedCredential as exc:
        raise ValueError(str(exc)) from exc


def add_cashier(store: Store, cashier_id: str, name: str, credential: str, pin: str) -> Cashier:
    """Create or replace a cashier; the PIN must be 4 to 8 digits."""
    if not (pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise ValueError(f"a PIN is {PIN_MIN} to {PIN_MAX} digits")
    value = _normalise(credential)
    salt = os.urandom(16)
    store.put_cashier(cashier_id, name, value, salt, hash_pin(pin, salt))
    return Cashier(cashier_id, name, value)


def cashier_for(store: Store, credential: str) -> Cashier | None:
    """The active cashier behind a badge, or None (also for a malformed credential)."""
    try:
        value = _normalise(credential)
    except ValueError:
        return None
    local = store.active_cashier(value)
    if local is not None:
        return Cashier(local.id, local.name, local.credential)
    for data in store.synced_cashiers(value):
        doc = _synced(data)
        if doc is not None and doc.active and doc.pin is not None:
            return Cashier(doc.id, doc.name, doc.credential, doc.role.value)
    return None


def count_cashiers(store: Store) -> int:
    """Cashiers who can log in on this till (active, with a PIN), local or synced."""
    local = store.count_active_cashiers()
    docs = [_synced(data) for data in store.synced_cashiers()]
    return local + sum(1 for d in docs if d is not None and d.active and d.pin is not None)


def _synced(data: str) -> CashierDoc | None:
    """A cashier document as the hub sent it, or None when it cannot be read (a newer
    hub's form): such a cashier is refused rather than guessed."""
    try:
        return CashierDoc.model_validate_json(data)
    except ValidationError:
        return None


def _synced_pin(store: Store, cashier_id: str, pin: str) -> bool:
    data = store.synced_cashier(cashier_id)
    doc = None if data is None else _synced(data)
    if doc is None or not doc.active or doc.pin is None:
        return False
    try:
        given = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(doc.pin.salt), n=doc.pin.n, r=doc.pin.r,
            p=doc.pin.p, dklen=32,
        )  # fmt: skip
    except ValueError:  # parameters beyond scrypt's memory bound: refuse, never guess
        return False
    return hmac.compare_digest(given, bytes.fromhex(doc.pin.hash))


def check_pin(store: Store, cashier_id: str, pin: str) -> bool:
    """True when ``pin`` is this active cashier's PIN (constant-time comparison)."""
    record = store.cashier_pin(cashier_id)
    if not pin.isdigit():
        return False
    if record is None:
        return _synced_pin(store, cashier_id, pin)
    return record.active and hmac.compare_digest(hash_pin(pin, record.salt), record.hash)


class PinOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # a wrong PIN, more tries left
    LOCKED = "locked"  # too many wrong PINs: no try until the lock-out ends


@dataclass(frozen=True, slots=True)
class PinAttempt:
    outcome: PinOutcome
    locked_s: float = 0.0  # seconds of lock-out left (LOCKED)


class PinGuard:
    """Locks a cashier out for a while after repeated wrong PINs, so that a found
    cashier badge cannot be tried against every PIN. The count and the lock-out are
    kept in the store (``pin_attempts``): restarting the kiosk does not reset them.
    A locked cashier's PIN is not even checked. A success forgets the failures."""

    def __init__(self, store: Store, attempts: int = 5, lock_s: float = 300.0) -> None:
        self.store, self.attempts, self.lock_s = store, attempts, lock_s

    def locked_for(self, cashier_id: str, now: datetime) -> float:
        """Seconds left of a lock-out (0: may try)."""
        return self._left(self.store.pin_locked_until(cashier_id), now)

    def attempt(self, cashier_id: str, pin: str, now: datetime) -> PinAttempt:
        """Check ``pin`` unless the cashier is locked out, and count the result."""
        left = self.locked_for(cashier_id, now)
        if left > 0:
            return PinAttempt(PinOutcome.LOCKED, left)
        if check_pin(self.store, cashier_id, pin):
            self.store.forget_pin_failures(cashier_id)
            return PinAttempt(PinOutcome.OK)
        until = (now + timedelta(seconds=self.lock_s)).isoformat()
        locked = self.store.count_pin_failure(cashier_id, limit=self.attempts, locked_until=until)
        return (
            PinAttempt(PinOutcome.LOCKED, self.lock_s) if locked else PinAttempt(PinOutcome.WRONG)
        )

    @staticmethod
    def _left(until: str | None, now: datetime) -> float:
        if until is None:
            return 0.0
        return max(0.0, (datetime.fromisoformat(until) - now).total_seconds())
