"""The journal payloads of card payments, one model per entry kind, registered in
``sync.protocol.payloads.KINDS`` (this module is imported by it).

A card payment is three facts, each a signed entry of the till's journal:

1. ``payment_pending``, written *before* the amount is sent to the bank-card
   terminal, names the payment by its reference (``ref``, unique per terminal);
2. ``payment_result`` says what became of it and who said so: the terminal
   (``decided_by="terminal"``), at once or asked again later, or a cashier who checked
   the terminal's own ticket (``decided_by="cashier"``);
3. for an approved top-up, the ``top_up`` entry that credits the account, written in
   the result's transaction, with ``means="card"`` and ``payment_ref`` = ``ref``; for
   an approved tray (a visitor without an account), a ``card_sale`` entry (no account,
   amount 0, the price in ``total``), also in that transaction.

Pending and result have amount 0 and no account (the account a top-up credits is in
the payload), so that a diner's history shows money, not steps. A payment with no
result yet is *pending*: its outcome is not known and is never guessed. ``test`` marks
payments through the virtual terminal (demo and tests): no money moved, receipts say
FACTICE.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from sync.journal import EntryKind
from sync.protocol.payloads import (
    KINDS,
    TILL_ONLY,
    Effect,
    EntryPayload,
    ItemId,
    KindSpec,
    Short,
    Text,
    VatTotals,
)
from sync.protocol.rows import Strict
from sync.protocol.ticket import PricedTicket

Ref = Annotated[str, Field(pattern=r"^[A-Za-z0-9\-]{1,32}$")]
Positive = Annotated[int, Field(gt=0, le=2**63 - 1)]
TicketLines = Annotated[list[Short], Field(max_length=60)]


class PaymentPurpose(StrEnum):
    TOP_UP = "top_up"  # credits the diner's account once approved
    TRAY = "tray"  # pays a tray (a visitor without an account)


class PaymentState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    ABANDONED = "abandoned"
    FAILED = "failed"  # the terminal never took it (no connection, refused request)


class TraySale(Strict):
    """A visitor's tray, priced before the card is asked (what the sale will record)."""

    items: list[ItemId] = Field(max_length=200)
    vat: VatTotals
    ticket: PricedTicket
    profile: Short


class PaymentPendingPayload(EntryPayload):
    ref: Ref
    purpose: Literal["top_up", "tray"]
    account: Short | None = Field(default=None, description="the account a top-up credits")
    amount: Positive = Field(description="cents asked of the card")
    terminal: Short = Field(description="the payment terminal's name")
    test: bool = False
    cashier: Short = ""
    sale: TraySale | None = None


class PaymentResultPayload(EntryPayload):
    ref: Ref
    state: Literal["approved", "declined", "abandoned", "failed"]
    account: Short | None = None
    amount: Positive
    decided_by: Literal["terminal", "cashier"]
    cashier: Short = ""
    reason: Short = ""
    message: Text = ""
    authorisation: Short = ""
    card: Short = Field(default="", description="masked card number")
    read_mode: Short = ""
    application: Short = ""
    ticket: TicketLines = Field(default_factory=list)
    test: bool = False


class CardSalePayload(EntryPayload):
    """A tray paid by bank card by a visitor without an account (no account, amount 0:
    the price is ``total``)."""

    means: Literal["card"] = "card"
    total: Positive
    cashier: Short
    profile: Short
    items: list[ItemId] = Field(max_length=200)
    vat: VatTotals
    ticket: PricedTicket
    payment_ref: Ref
    test: bool = False
    authorisation: Short = ""
    card: Short = ""
    card_ticket: TicketLines = Field(default_factory=list)


KINDS[EntryKind.PAYMENT_PENDING] = KindSpec(PaymentPendingPayload, Effect.NONE)
KINDS[EntryKind.PAYMENT_RESULT] = KindSpec(PaymentResultPayload, Effect.NONE)
KINDS[EntryKind.CARD_SALE] = KindSpec(CardSalePayload, Effect.NONE, TILL_ONLY)  # at the till
