"""Card payments at the till and the kiosk: the bank-card terminal and the journal.

``CardDesk`` joins the payment device (``drivers.payment``) and the engine's
``Payments`` so that a payment is journalled as pending before the terminal is
asked, and settled from what the terminal said, once:

- no device configured, or one that does not answer: refused, nothing journalled,
  nothing credited (card payments fail closed);
- approved: the result and the credit in one transaction;
- declined, abandoned or never taken by the terminal: the result, no credit;
- unknown (no answer, cut connection, garbage): the payment stays pending. Before
  any new payment, and from the cashier's menu, ``resolve`` asks the terminal for its
  last transaction; what it cannot settle a cashier decides (``decide``), journalled
  with the cashier's id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drivers.payment.base import PaymentOutcome, PaymentStatus, PaymentTerminal
from kiosk.engine import Engine
from kiosk.engine.payments import PaymentRow, Payments, Settled, Settlement
from kiosk.engine.pricing import PricingRefused, price_tray
from kiosk.engine.results import Accepted, Refused
from kiosk.engine.trays import tray_payload
from sync.journal import Entry
from sync.money import Money
from sync.protocol.catalogue import SiteMenu
from sync.protocol.payment_payloads import PaymentPurpose, PaymentState
from sync.protocol.reasons import RejectReason

VISITOR_PROFILE = "external"  # a diner without an account pays the contractors' tariff

log = logging.getLogger(__name__)

_STATES = {
    PaymentStatus.APPROVED: PaymentState.APPROVED,
    PaymentStatus.DECLINED: PaymentState.DECLINED,
    PaymentStatus.ABANDONED: PaymentState.ABANDONED,
    PaymentStatus.FAILED: PaymentState.FAILED,
}


@dataclass(frozen=True, slots=True)
class CardResult:
    """What a card payment came to, for the screen and the receipt.

    ``state`` is None when nothing was journalled (``refused`` says why) and PENDING
    when the terminal's answer is not known.
    """

    state: PaymentState | None
    payment: PaymentRow | None = None
    credit: Accepted | None = None
    sale: Entry | None = None  # a visitor's tray, once approved
    refused: Refused | None = None
    message: str = ""
    ticket: tuple[str, ...] = ()
    test: bool = False

    @property
    def approved(self) -> bool:
        return self.state is PaymentState.APPROVED

    @property
    def pending(self) -> bool:
        return self.state is PaymentState.PENDING


def settlement_of(outcome: PaymentOutcome) -> Settlement:
    """The journal's settlement for a certain outcome of the terminal."""
    return Settlement(
        state=_STATES[outcome.status],
        reason=outcome.reason,
        message=outcome.message,
        authorisation=outcome.authorisation,
        card=outcome.card,
        read_mode=str(outcome.read_mode),
        application=outcome.application,
        ticket=outcome.ticket,
    )


class CardDesk:
    """Card payments of one till: its payment device (or none) over its engine."""

    def __init__(self, engine: Engine, device: PaymentTerminal | None) -> None:
        self.engine = engine
        self.device = device
        self.payments = Payments(engine)

    @property
    def configured(self) -> bool:
        return self.device is not None

    @property
    def available(self) -> bool:
        """Card payments may be offered: a terminal is configured and answering."""
        return self.device is not None and self.device.available

    @property
    def test(self) -> bool:
        """The terminal is the virtual one: approvals move no money (FACTICE)."""
        return self.device is not None and self.device.virtual

    # -- paying -------------------------------------------------------------------------
    def top_up(self, account_id: str, amount: Money, cashier: str = "kiosk") -> CardResult:
        """Take ``amount`` from the diner's card and credit the account once approved."""
        return self._pay(PaymentPurpose.TOP_UP, amount, account_id, cashier)

    def pay_tray(
        self,
        menu: SiteMenu,
        items: Sequence[str],
        cashier: str,
        *,
        profile: str = VISITOR_PROFILE,
        take_away: bool = False,
    ) -> CardResult:
        """A visitor's tray (no account), priced at ``profile``'s tariff, paid by card;
        the sale is journalled once the payment is approved."""
        ticket = price_tray(menu, profile, items, subsidised_today=True, take_away=take_away)
        if isinstance(ticket, PricingRefused):
            return CardResult(None, refused=Refused(ticket.reason, ticket.detail))
        if ticket.total <= 0:
            return CardResult(None, refused=Refused(RejectReason.EMPTY_TRAY, "nothing to pay"))
        sale = {**tray_payload(ticket, items), "profile": profile}
        return self._pay(PaymentPurpose.TRAY, Money(ticket.total), None, cashier, sale)

    def _pay(
        self,
        purpose: PaymentPurpose,
        amount: Money,
        account: str | None,
        cashier: str,
        sale: Mapping[str, Any] | None = None,
    ) -> CardResult:
        device = self.device
        if device is None:
            return CardResult(
                None, refused=Refused(RejectReason.PAYMENT_UNAVAILABLE, "no payment terminal")
            )
        if not device.available:
            return CardResult(
                None,
                refused=Refused(
                    RejectReason.PAYMENT_UNAVAILABLE, f"{device.source} is not answering"
                ),
            )
        self.resolve()  # a payment left pending is settled first, when the terminal can
        begun = self.payments.begin(
            purpose,
            amount,
            terminal=device.source,
            test=device.virtual,
            account=account,
            cashier=cashier,
            sale=sale,
        )
        if isinstance(begun, Refused):
            return CardResult(None, refused=begun)
        outcome = device.pay(begun.ref, begun.amount)
        if not outcome.status.certain:
            log.warning("card payment %s: outcome unknown (%s)", begun.ref, outcome.message)
            return CardResult(
                PaymentState.PENDING, begun, message=outcome.message, test=device.virtual
            )
        return self._result(self.payments.settle(begun.ref, settlement_of(outcome)), outcome)

    @staticmethod
    def _result(settled: Settled, outcome: PaymentOutcome | None = None) -> CardResult:
        payment = settled.payment
        refused = None
        if payment.state is PaymentState.FAILED:
            message = outcome.message if outcome else ""
            refused = Refused(RejectReason.PAYMENT_UNAVAILABLE, message)
        elif payment.state is not PaymentState.APPROVED:
            message = outcome.message if outcome else ""
            refused = Refused(RejectReason.PAYMENT_DECLINED, message)
        return CardResult(
            payment.state,
            payment,
            credit=settled.credit,
            sale=settled.sale,
            refused=refused,
            message=outcome.message if outcome else "",
            ticket=outcome.ticket if outcome else (),
            test=payment.test,
        )

    # -- what is pending ----------------------------------------------------------------
    def pending(self) -> list[PaymentRow]:
        return self.payments.pending()

    def resolve(self) -> list[CardResult]:
        """Ask the terminal about each pending payment; settle what it can say."""
        done: list[CardResult] = []
        device = self.device
        if device is None:
            return done
        for payment in self.payments.pending():
            outcome = device.last_transaction(payment.ref, payment.amount)
            if not outcome.status.certain:
                continue
            log.info("card payment %s settled by the terminal: %s", payment.ref, outcome.status)
            done.append(
                self._result(self.payments.settle(payment.ref, settlement_of(outcome)), outcome)
            )
        return done

    def decide(self, ref: str, approved: bool, cashier: str, note: str = "") -> CardResult:
        """A cashier's decision on a pending payment (from the terminal's own ticket)."""
        settlement = Settlement(
            state=PaymentState.APPROVED if approved else PaymentState.FAILED,
            decided_by="cashier",
            cashier=cashier,
            message=note or ("approuvé selon le ticket du terminal" if approved else "non débité"),
        )
        return self._result(self.payments.settle(ref, settlement))
