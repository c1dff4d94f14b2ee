"""The day's card payments and their reconciliation with the payment terminal.

The terminal keeps its own totals (its end-of-day ticket, *télécollecte*); the till's
are the approved payments of its journal. ``card_report`` lists the day's payments
by state and, given the terminal's total, the difference to explain. Payments through
the virtual terminal are counted apart: no money moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.engine import store_payments as sql
from kiosk.engine.ledger import Engine
from kiosk.engine.store_payments import PaymentRow
from sync.money import Money
from sync.protocol.payment_payloads import PaymentState


@dataclass(frozen=True, slots=True)
class CardReport:
    day: str
    payments: tuple[PaymentRow, ...]
    terminal_total: int | None = None  # cents, from the terminal's own ticket
    counts: dict[str, int] = field(default_factory=dict)

    def _total(self, state: PaymentState, *, test: bool = False) -> int:
        return sum(p.amount for p in self.payments if p.state is state and p.test is test)

    @property
    def approved_total(self) -> int:
        """What the bank-card terminal took, according to the journal (real payments)."""
        return self._total(PaymentState.APPROVED)

    @property
    def test_total(self) -> int:
        return self._total(PaymentState.APPROVED, test=True)

    @property
    def pending_total(self) -> int:
        return self._total(PaymentState.PENDING) + self._total(PaymentState.PENDING, test=True)

    @property
    def difference(self) -> int | None:
        """Terminal minus journal (None without the terminal's total)."""
        if self.terminal_total is None:
            return None
        return self.terminal_total - self.approved_total

    @property
    def balanced(self) -> bool:
        return self.difference == 0 and self.pending_total == 0

    def lines(self) -> list[str]:
        out = [f"Paiements carte du {self.day}"]
        for state in PaymentState:
            mine = [p for p in self.payments if p.state is state]
            if mine:
                total = Money(sum(p.amount for p in mine))
                out.append(f"  {state.value:<10} {len(mine):>4}  {total}")
        out.append(f"Total accepté (journal) : {Money(self.approved_total)}")
        if self.test_total:
            out.append(f"Paiements FACTICES (terminal de test) : {Money(self.test_total)}")
        if self.pending_total:
            out.append(f"En attente de vérification : {Money(self.pending_total)}")
        if self.terminal_total is not None:
            out.append(f"Total du terminal : {Money(self.terminal_total)}")
            difference = self.difference or 0
            out.append(
                "Écart : aucun"
                if difference == 0
                else f"Écart : {Money(difference)} (terminal - journal)"
            )
        return out


def card_report(
    engine: Engine, day: str | None = None, terminal_total: int | None = None
) -> CardReport:
    """The card payments of business day ``day`` (default today)."""
    day = day or engine.business_day()
    with engine.store.reading() as db:
        payments = tuple(sql.of_day(db, day))
    counts: dict[str, int] = {}
    for payment in payments:
        counts[payment.state.value] = counts.get(payment.state.value, 0) + 1
    return CardReport(day, payments, terminal_total, counts)
