"""The journal payloads of card payments, one pydantic model per entry kind.

A card payment is three facts, each a signed entry of the till's journal:

1. ``payment_pending`` (amount 0), written *before* the amount is sent to the bank-card
   terminal, names the payment by its reference (``ref``, unique per terminal);
2. ``payment_result`` (amount 0) says what became of it and who said so: the
   terminal (``decided_by="terminal"``), at once or asked again later, or a cashier
   who checked the terminal's own ticket (``decided_by="cashier"``);
3. for an approved top-up, the ``top_up`` entry that credits the account, written in
   the result's transaction, with ``means="card"`` and ``payment_ref`` = ``ref``.

A payment with no result yet is *pending*: its outcome is not known and is never
guessed. ``test`` marks payments through the virtual terminal (demo and tests): no
money moved, and receipts say FACTICE.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from sync.protocol.rows import Strict

REF_PATTERN = r"^[A-Za-z0-9\-]{1,32}$"


class PaymentPurpose(StrEnum):
    TOP_UP = "top_up"  # credits the diner's account once approved
    TRAY = "tray"  # pays a tray (a visitor without an account)


class PaymentState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    ABANDONED = "abandoned"
    FAILED = "failed"  # the terminal never took it (no connection, refused request)


SETTLED = frozenset(set(PaymentState) - {PaymentState.PENDING})


class PaymentPendingPayload(Strict):
    business_day: str
    ref: str = Field(pattern=REF_PATTERN)
    purpose: PaymentPurpose
    amount: int = Field(gt=0, description="cents asked of the card")
    terminal: str = Field(max_length=128, description="the payment terminal's name")
    test: bool = False
    cashier: str = ""


class PaymentResultPayload(Strict):
    business_day: str
    ref: str = Field(pattern=REF_PATTERN)
    state: Literal[
        PaymentState.APPROVED, PaymentState.DECLINED, PaymentState.ABANDONED, PaymentState.FAILED
    ]
    amount: int = Field(gt=0)
    decided_by: Literal["terminal", "cashier"]
    cashier: str = ""
    reason: str = Field(default="", max_length=50)
    message: str = Field(default="", max_length=300)
    authorisation: str = Field(default="", max_length=20)
    card: str = Field(default="", max_length=64, description="masked card number")
    read_mode: str = Field(default="", max_length=20)
    application: str = Field(default="", max_length=20)
    ticket: tuple[str, ...] = Field(default=(), max_length=60)
    test: bool = False


PAYMENT_PAYLOADS: dict[str, type[Strict]] = {
    "payment_pending": PaymentPendingPayload,
    "payment_result": PaymentResultPayload,
}
