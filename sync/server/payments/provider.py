"""The payment-provider interface: what the hub asks of a provider (a hosted payment
page, a signed notification, a refund), whatever its protocol.

An adapter turns an order into the form that sends the diner's browser to its page
(``checkout``), checks and reads a server-to-server notification (``notification``:
``BadNotificationError`` unless correctly signed) and refunds a transaction
(``refund``: ``ProviderError`` when the provider says no or cannot be reached).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class NotifiedStatus(StrEnum):
    PAID = "paid"
    PENDING = "pending"  # waiting for authorisation or validation: nothing to do yet
    REFUSED = "refused"
    ABANDONED = "abandoned"  # abandoned, cancelled or expired before any payment
    OTHER = "other"  # e.g. the notification of a refund (credit operation)


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    account_id: str
    amount: int  # cents
    trans_id: str  # the provider's per-day transaction number (6 digits)
    created: datetime  # UTC
    return_url: str = ""


@dataclass(frozen=True, slots=True)
class Checkout:
    """Where to send the diner: a form POST to ``url`` with ``fields``."""

    url: str
    fields: dict[str, str]
    test: bool


@dataclass(frozen=True, slots=True)
class Notification:
    provider_tx: str  # the provider's transaction id, unique: the credit's idempotency key
    order_id: str
    status: NotifiedStatus
    amount: int
    detail: str = ""  # the provider's own status word, for the log
    fields: dict[str, str] = field(default_factory=dict)


class PaymentProvider(ABC):
    name: str
    test: bool  # test mode or test payment page: no real money

    @abstractmethod
    def checkout(self, order: Order) -> Checkout: ...

    @abstractmethod
    def notification(self, form: Mapping[str, str]) -> Notification: ...

    @abstractmethod
    def refund(self, provider_tx: str, amount: int) -> str:
        """Refund ``amount`` cents of transaction ``provider_tx``; the provider's
        reference of the refund."""
