"""Card payments in the journal: pending before the terminal is asked, settled once.

The engine knows nothing of the bank-card terminal: ``kiosk.cardpay`` asks the device
and hands its answer here. The rules (see ``sync.protocol.payment_payloads``):

- ``begin`` journals ``payment_pending`` with the payment's own reference *before*
  the amount is sent; it refuses while another payment of this till is pending, so
  the terminal's "last transaction" always answers for the one pending payment;
- ``settle`` journals ``payment_result`` and, for an approved top-up, the crediting
  ``top_up`` entry that names the reference, in one transaction; a second settlement
  of the same reference is refused (the ``payments`` table's unique columns), so an
  approval is credited exactly once whatever crashes or retries happen;
- a payment whose outcome is unknown stays pending until the terminal says (asked
  again) or a cashier decides, and that decision is journalled as such.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from kiosk.engine import store_payments as sql
from kiosk.engine.errors import PaymentError
from kiosk.engine.ledger import Engine
from kiosk.engine.results import Accepted, Refused
from kiosk.engine.store_payments import PaymentRow
from kiosk.engine.store_tx import Tx
from sync.journal import Entry, EntryKind
from sync.money import Money
from sync.protocol.payloads import EntryPayload, PayloadError, parse_payload
from sync.protocol.payment_payloads import (
    CardSalePayload,
    PaymentPendingPayload,
    PaymentPurpose,
    PaymentResultPayload,
    PaymentState,
    TraySale,
)
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import AccountStatus

__all__ = ["PaymentRow", "Payments", "Settled", "Settlement"]


@dataclass(frozen=True, slots=True)
class Settlement:
    """What became of a payment, and who said so."""

    state: PaymentState
    decided_by: Literal["terminal", "cashier"] = "terminal"
    cashier: str = ""
    reason: str = ""
    message: str = ""
    authorisation: str = ""
    card: str = ""
    read_mode: str = ""
    application: str = ""
    ticket: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Settled:
    payment: PaymentRow
    result: Entry
    credit: Accepted | None = None  # the top-up of an approved top-up
    sale: Entry | None = None  # the sale of an approved tray payment


_RESULT_STATES: dict[PaymentState, Literal["approved", "declined", "abandoned", "failed"]] = {
    PaymentState.APPROVED: "approved",
    PaymentState.DECLINED: "declined",
    PaymentState.ABANDONED: "abandoned",
    PaymentState.FAILED: "failed",
}


def _fields(payload: EntryPayload) -> dict[str, Any]:
    """A payload's fields for ``Engine.post`` (which adds the business day itself)."""
    return {k: v for k, v in payload.to_payload().items() if k != "business_day"}


def _tray_sale(sale: Mapping[str, Any]) -> TraySale:
    try:
        return TraySale.model_validate(dict(sale))
    except ValidationError as exc:
        raise PayloadError(f"tray sale: {exc.errors()[0]['msg']}") from None


def _ref_prefix(terminal_id: str) -> str:
    # The terminal id's random part: a re-enrolled till (sequence back at 1) never
    # takes the reference of an earlier payment the bank-card terminal remembers.
    tail = re.sub(r"[^A-Za-z0-9]", "", terminal_id.rsplit("-", 1)[-1])[:12]
    return tail or "T"


class Payments:
    """The card payments of one till, over its engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # Reading -----------------------------------------------------------------------

    def pending(self) -> list[PaymentRow]:
        with self.engine.store.reading() as db:
            return sql.pending(db)

    def get(self, ref: str) -> PaymentRow | None:
        with self.engine.store.reading() as db:
            return sql.get(db, ref)

    def since(self, first_seq: int) -> list[PaymentRow]:
        with self.engine.store.reading() as db:
            return sql.since(db, first_seq)

    def result_of(self, payment: PaymentRow) -> PaymentResultPayload | None:
        if payment.result_seq is None:
            return None
        entry = self.engine.store.entry(payment.result_seq)
        assert entry is not None
        return parse_payload(PaymentResultPayload, entry.payload)

    # Writing -----------------------------------------------------------------------

    def begin(
        self,
        purpose: PaymentPurpose,
        amount: Money,
        *,
        terminal: str,
        test: bool,
        account: str | None = None,
        cashier: str = "",
        sale: Mapping[str, Any] | None = None,
    ) -> PaymentRow | Refused:
        """Journal a pending payment before the terminal is asked, or say why not.

        ``sale``: for a tray payment, the sale's payload, journalled as a sale once
        the payment is approved (however late that is known)."""
        engine = self.engine
        if (account is None) != (purpose is PaymentPurpose.TRAY):
            raise ValueError("a top-up names the account to credit; a tray payment does not")
        with engine.store.atomic() as db:
            settings = engine.settings(db)
            waiting = sql.pending(db)
            if waiting:
                return Refused(
                    RejectReason.PAYMENT_PENDING, f"payment {waiting[0].ref} is still pending"
                )
            if amount.cents <= 0:
                return Refused(RejectReason.INVALID_AMOUNT, f"amount must be positive: {amount}")
            if purpose is PaymentPurpose.TOP_UP:
                refused = self._check_top_up(db, account, amount)
                if refused is not None:
                    return refused
            if amount.cents > settings.max_amount:
                return Refused(
                    RejectReason.AMOUNT_TOO_LARGE,
                    f"{amount} is above the limit of {Money(settings.max_amount)}",
                )
            seq = engine.store.head(db)[0] + 1
            ref = f"{_ref_prefix(engine.terminal_id)}-{seq}"
            payload = PaymentPendingPayload(
                business_day=engine.business_day(settings=settings),
                ref=ref,
                purpose=purpose.value,
                account=account,
                amount=amount.cents,
                terminal=terminal[:64],
                test=test,
                cashier=cashier,
                sale=None if sale is None else _tray_sale(sale),
            )
            entry = engine.post(
                db,
                EntryKind.PAYMENT_PENDING,
                None,
                0,
                _fields(payload),
                settings=settings,
            )
            row = PaymentRow(
                ref=ref,
                purpose=purpose,
                account=account,
                amount=amount.cents,
                test=test,
                state=PaymentState.PENDING,
                pending_seq=entry.seq,
                result_seq=None,
                credit_seq=None,
                created_at=entry.ts,
            )
            sql.insert(db, row)
        return row

    def _check_top_up(self, db: Tx, account: str | None, amount: Money) -> Refused | None:
        engine = self.engine
        settings = engine.settings(db)
        state = engine.store.account(account or "", db)
        if state is None:
            return Refused(RejectReason.UNKNOWN_ACCOUNT, f"unknown account {account!r}")
        if state.row.status is AccountStatus.CLOSED:
            return Refused(RejectReason.ACCOUNT_CLOSED, account_id=account)
        if amount.cents < settings.top_up_min:
            return Refused(
                RejectReason.INVALID_AMOUNT,
                f"a card top-up is at least {Money(settings.top_up_min)}",
            )
        if amount.cents > settings.top_up_max:
            return Refused(
                RejectReason.AMOUNT_TOO_LARGE,
                f"a card top-up is at most {Money(settings.top_up_max)}",
            )
        return None

    def settle(self, ref: str, settlement: Settlement) -> Settled:
        """Journal what became of payment ``ref`` (and credit an approved top-up).

        Raises ``PaymentError`` for an unknown reference or one already settled: the
        caller asks ``get(ref)`` to learn the earlier settlement.
        """
        if settlement.state is PaymentState.PENDING:
            raise ValueError("a settlement says what became of the payment")
        engine = self.engine
        with engine.store.atomic() as db:
            payment = sql.get(db, ref)
            if payment is None:
                raise PaymentError(f"no card payment {ref}")
            if payment.state is not PaymentState.PENDING:
                raise PaymentError(f"card payment {ref} was already settled: {payment.state}")
            settings = engine.settings(db)
            result = PaymentResultPayload(
                business_day=engine.business_day(settings=settings),
                ref=ref,
                state=_RESULT_STATES[settlement.state],
                account=payment.account,
                amount=payment.amount,
                decided_by=settlement.decided_by,
                cashier=settlement.cashier,
                reason=settlement.reason[:50],
                message=settlement.message[:300],
                authorisation=settlement.authorisation[:20],
                card=settlement.card[:64],
                read_mode=settlement.read_mode[:20],
                application=settlement.application[:20],
                ticket=[line[:64] for line in settlement.ticket[:60]],
                test=payment.test,
            )
            entry = engine.post(
                db,
                EntryKind.PAYMENT_RESULT,
                None,
                0,
                _fields(result),
                settings=settings,
            )
            credit: Accepted | None = None
            sale: Entry | None = None
            approved = settlement.state is PaymentState.APPROVED
            if approved and payment.purpose is PaymentPurpose.TOP_UP:
                credit = self._credit(db, payment, settlement)
            elif approved:
                sale = self._sell(db, payment, settlement)
            booked = credit.seq if credit is not None else (sale.seq if sale else None)
            sql.settle(db, ref, settlement.state, entry.seq, booked)
            settled = sql.get(db, ref)
            assert settled is not None
        return Settled(settled, entry, credit, sale)

    def _sell(self, db: Tx, payment: PaymentRow, settlement: Settlement) -> Entry:
        """The sale of a tray paid by card (a visitor: no account, amount 0; the price
        is the payload's ``total``, which closures count under the card)."""
        engine = self.engine
        pending = engine.store.entry(payment.pending_seq, db)
        assert pending is not None
        asked = parse_payload(PaymentPendingPayload, pending.payload)
        assert asked.sale is not None
        sale = CardSalePayload(
            business_day=engine.business_day(),
            total=payment.amount,
            cashier=asked.cashier,
            profile=asked.sale.profile,
            items=asked.sale.items,
            vat=asked.sale.vat,
            ticket=asked.sale.ticket,
            payment_ref=payment.ref,
            test=payment.test,
            authorisation=settlement.authorisation[:20],
            card=settlement.card[:64],
            card_ticket=[line[:64] for line in settlement.ticket[:60]],
        )
        return engine.post(db, EntryKind.CARD_SALE, None, 0, _fields(sale))

    def _credit(self, db: Tx, payment: PaymentRow, settlement: Settlement) -> Accepted:
        """The top-up of an approved card payment: the bank has the money, so the account
        is credited even if it was closed meanwhile (the back office refunds it)."""
        engine = self.engine
        assert payment.account is not None
        state = engine.store.account(payment.account, db)
        usable = engine.usable_in(state, db) if state is not None else Money(0)
        pending = engine.store.entry(payment.pending_seq, db)
        taken_by = str(pending.payload.get("cashier") or "kiosk") if pending else "kiosk"
        # The card details travel with the credit, so that its receipt comes from this
        # one signed entry (the card ticket's lines included).
        payload = {
            "means": "card",
            "cashier": taken_by,
            "payment_ref": payment.ref,
            "test": payment.test,
            "authorisation": settlement.authorisation[:20],
            "card": settlement.card[:64],
            "card_ticket": [line[:64] for line in settlement.ticket[:60]],
            "balance_after": (usable + Money(payment.amount)).cents,  # for its receipt
        }
        entry = engine.post(db, EntryKind.TOP_UP, payment.account, payment.amount, payload)
        name = state.row.display_name if state is not None else payment.account
        amount = Money(payment.amount)
        return Accepted(entry, payment.account, name, amount, usable + amount)
