"""Card payments end to end on the till side: the engine's journal, the Caisse-AP client
and the terminal simulator on loopback (no mock). What the simulator really debited
is compared with what the journal credited."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import pytest

from drivers.config import CaisseApPaymentConfig, VirtualPaymentConfig
from drivers.events import Event
from drivers.payment.caisse_ap_ip import CaisseApTerminal
from drivers.payment.virtual import VirtualPaymentTerminal
from kiosk.cardpay import CardDesk
from kiosk.engine import Engine
from kiosk.engine.card_report import card_report
from kiosk.engine.closure import summarise
from kiosk.engine.errors import PaymentError
from kiosk.engine.payments import Settlement
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.payment_payloads import PaymentState
from sync.protocol.reasons import RejectReason
from sync.receipt.entry import receipt_for
from sync.receipt.layout import layout
from tests.drivers.conftest import free_port, wait_until
from tests.drivers.sims.caisse_ap import Behaviour, CaisseApSim


@pytest.fixture
def sim() -> Iterator[CaisseApSim]:
    with CaisseApSim(hold=0.6) as simulator:
        yield simulator


@pytest.fixture
def device(sim: CaisseApSim) -> Iterator[CaisseApTerminal]:
    config = CaisseApPaymentConfig(
        host="127.0.0.1", port=sim.port, timeout=0.3, probe_interval=0.1, retry_initial=0.05
    )
    events: queue.Queue[Event] = queue.Queue()
    with CaisseApTerminal(config, events) as terminal:
        wait_until(lambda: terminal.available)
        yield terminal


def kinds(engine: Engine) -> list[str]:
    return [e.kind for e in engine.store.journal_after(0, 1000)]


def credits(engine: Engine) -> dict[str, int]:
    found: dict[str, int] = {}
    for entry in engine.store.journal_after(0, 1000):
        if entry.kind == EntryKind.TOP_UP and "payment_ref" in entry.payload:
            ref = str(entry.payload["payment_ref"])
            assert ref not in found, f"{ref} credited twice"
            found[ref] = entry.amount
    return found


def test_no_payment_device_refuses_and_writes_nothing(engine: Engine) -> None:
    desk = CardDesk(engine, None)
    assert not desk.available
    result = desk.top_up("A1", Money(5000))
    assert result.refused is not None
    assert result.refused.reason is RejectReason.PAYMENT_UNAVAILABLE
    assert kinds(engine) == []
    assert engine.usable_balance("A1") == Money(2000)


def test_a_terminal_that_does_not_answer_refuses_and_writes_nothing(engine: Engine) -> None:
    config = CaisseApPaymentConfig(
        host="127.0.0.1", port=free_port(), probe_interval=0.1, retry_initial=0.05
    )
    with CaisseApTerminal(config, queue.Queue()) as terminal:
        desk = CardDesk(engine, terminal)
        assert not desk.available
        result = desk.top_up("A1", Money(5000))
    assert result.refused is not None
    assert result.refused.reason is RejectReason.PAYMENT_UNAVAILABLE
    assert kinds(engine) == []


def test_approved_top_up_credits_once(
    engine: Engine, sim: CaisseApSim, device: CaisseApTerminal
) -> None:
    desk = CardDesk(engine, device)
    result = desk.top_up("A1", Money(2500))
    assert result.approved and result.credit is not None
    assert result.credit.balance_after == Money(4500)
    assert engine.usable_balance("A1") == Money(4500)
    assert kinds(engine) == ["payment_pending", "payment_result", "top_up"]
    assert credits(engine) == sim.debited
    top_up = engine.store.entry(result.credit.seq)
    assert top_up is not None and top_up.payload["means"] == "card"
    assert top_up.payload["test"] is False
    assert top_up.payload["balance_after"] == 4500  # its receipt's balance, from the entry
    with pytest.raises(PaymentError, match="already settled"):
        assert result.payment is not None
        desk.payments.settle(result.payment.ref, Settlement(PaymentState.APPROVED))
    assert engine.usable_balance("A1") == Money(4500)
    assert engine.verify().ok


@pytest.mark.parametrize(
    ("behaviour", "state"),
    [(Behaviour.DECLINE, PaymentState.DECLINED), (Behaviour.ABANDON, PaymentState.ABANDONED)],
)
def test_declined_or_abandoned_credits_nothing(
    engine: Engine,
    sim: CaisseApSim,
    device: CaisseApTerminal,
    behaviour: Behaviour,
    state: PaymentState,
) -> None:
    sim.then(behaviour)
    result = CardDesk(engine, device).top_up("A1", Money(2500))
    assert result.state is state
    assert result.refused is not None and result.refused.reason is RejectReason.PAYMENT_DECLINED
    assert kinds(engine) == ["payment_pending", "payment_result"]
    assert engine.usable_balance("A1") == Money(2000)


@pytest.mark.parametrize(
    ("behaviour", "settled"),
    [
        (Behaviour.LOST_REPLY, PaymentState.APPROVED),
        (Behaviour.GARBAGE, PaymentState.APPROVED),
        (Behaviour.TIMEOUT, PaymentState.ABANDONED),
        (Behaviour.CUT, PaymentState.FAILED),
    ],
)
def test_unknown_outcome_stays_pending_until_the_terminal_says(
    engine: Engine,
    sim: CaisseApSim,
    device: CaisseApTerminal,
    behaviour: Behaviour,
    settled: PaymentState,
) -> None:
    credited = settled is PaymentState.APPROVED
    desk = CardDesk(engine, device)
    if behaviour is Behaviour.CUT:
        assert desk.top_up("A2", Money(1000)).approved  # the terminal's last transaction
    sim.then(behaviour)
    result = desk.top_up("A1", Money(2500))
    assert result.pending and result.payment is not None
    assert engine.usable_balance("A1") == Money(2000)
    assert [p.ref for p in desk.pending()] == [result.payment.ref]
    wait_until(lambda: device.available)  # reattached once the terminal answers again
    [done] = desk.resolve()
    assert done.state is settled
    assert desk.pending() == []
    assert engine.usable_balance("A1") == Money(4500 if credited else 2000)
    assert credits(engine) == sim.debited
    assert engine.verify().ok


def test_a_new_payment_waits_for_the_pending_one(
    engine: Engine, sim: CaisseApSim, device: CaisseApTerminal
) -> None:
    desk = CardDesk(engine, device)
    sim.then(Behaviour.LOST_REPLY)
    first = desk.top_up("A1", Money(2500))
    assert first.pending and first.payment is not None
    sim.close()  # the terminal is gone: nobody can say what became of the first
    wait_until(lambda: not device.available)
    refused = desk.top_up("A1", Money(1000)).refused
    assert refused is not None and refused.reason is RejectReason.PAYMENT_UNAVAILABLE
    # A cashier reads the terminal's ticket and decides; the journal says who.
    decided = desk.decide(first.payment.ref, approved=True, cashier="C1")
    assert decided.approved and decided.credit is not None
    assert engine.usable_balance("A1") == Money(4500)
    result = engine.store.entry(decided.payment.result_seq or 0)  # type: ignore[union-attr]
    assert result is not None and result.payload["decided_by"] == "cashier"
    assert result.payload["cashier"] == "C1"


@pytest.mark.parametrize(
    ("cents", "reason"),
    [(100, RejectReason.INVALID_AMOUNT), (20_000, RejectReason.AMOUNT_TOO_LARGE)],
)
def test_top_up_limits_of_the_site(engine: Engine, cents: int, reason: RejectReason) -> None:
    events: queue.Queue[Event] = queue.Queue()
    with VirtualPaymentTerminal(VirtualPaymentConfig(), events) as terminal:
        wait_until(lambda: terminal.available)
        result = CardDesk(engine, terminal).top_up("A1", Money(cents))
    assert result.refused is not None and result.refused.reason is reason
    assert kinds(engine) == []


def test_virtual_terminal_marks_everything_as_test(engine: Engine) -> None:
    events: queue.Queue[Event] = queue.Queue()
    with VirtualPaymentTerminal(VirtualPaymentConfig(), events) as terminal:
        wait_until(lambda: terminal.available)
        desk = CardDesk(engine, terminal)
        assert desk.test
        result = desk.top_up("A1", Money(5000))
    assert result.approved and result.test and result.credit is not None
    entries = engine.store.journal_after(0, 10)
    assert all(e.payload["test"] is True for e in entries)
    assert "TEST" in result.ticket[0]


def test_a_payment_the_terminal_cannot_account_for_blocks_the_next(
    engine: Engine, sim: CaisseApSim, device: CaisseApTerminal
) -> None:
    desk = CardDesk(engine, device)
    sim.then(Behaviour.LOST_REPLY)
    first = desk.top_up("A1", Money(2500))
    assert first.pending
    sim.last = None  # the terminal was restarted: it remembers no last transaction
    wait_until(lambda: device.available)
    refused = desk.top_up("A1", Money(1000)).refused
    assert refused is not None and refused.reason is RejectReason.PAYMENT_PENDING
    assert len(desk.pending()) == 1
    assert engine.usable_balance("A1") == Money(2000)


def test_receipts_of_card_top_ups(
    engine: Engine, sim: CaisseApSim, device: CaisseApTerminal
) -> None:
    """The card ticket's lines are on the receipt; the virtual terminal's say FACTICE."""
    real = CardDesk(engine, device).top_up("A1", Money(2500))
    assert real.credit is not None
    receipt = receipt_for(real.credit.entry, site_name="Cantine")
    assert not receipt.training
    assert receipt.extra_lines == ()  # no ticket asked of this terminal (CK)
    with VirtualPaymentTerminal(VirtualPaymentConfig(), queue.Queue()) as terminal:
        wait_until(lambda: terminal.available)
        test = CardDesk(engine, terminal).top_up("A1", Money(2500))
    assert test.credit is not None
    receipt = receipt_for(test.credit.entry, site_name="Cantine")
    assert receipt.training
    assert "*** TEST - TERMINAL VIRTUEL ***" in receipt.extra_lines
    printed = layout(receipt, 48)
    text = " ".join(str(getattr(b, "text", "")) for b in printed.blocks)
    assert "FACTICE" in text


def test_card_ticket_lines_are_on_the_receipt(engine: Engine, sim: CaisseApSim) -> None:
    config = CaisseApPaymentConfig(
        host="127.0.0.1", port=sim.port, timeout=0.3, ticket=True, retry_initial=0.05
    )
    with CaisseApTerminal(config, queue.Queue()) as terminal:
        wait_until(lambda: terminal.available)
        result = CardDesk(engine, terminal).top_up("A1", Money(2500))
    assert result.credit is not None
    receipt = receipt_for(result.credit.entry, site_name="Cantine")
    assert "MONTANT 25.00 EUR" in receipt.extra_lines
    assert "AUTO 184117" in receipt.extra_lines


def test_closure_counts_card_money_apart_from_test_payments(
    engine: Engine, sim: CaisseApSim, device: CaisseApTerminal
) -> None:
    assert CardDesk(engine, device).top_up("A1", Money(2500)).approved
    sim.then(Behaviour.DECLINE)
    assert not CardDesk(engine, device).top_up("A1", Money(1000)).approved
    with VirtualPaymentTerminal(VirtualPaymentConfig(), queue.Queue()) as terminal:
        wait_until(lambda: terminal.available)
        assert CardDesk(engine, terminal).top_up("A2", Money(700)).approved
    engine.top_up("A2", Money(500), "cash", "K1")
    summary = summarise(engine)
    assert summary.by_means == {"card": 2500, "card_test": 700, "cash": 500}
    report = card_report(engine, terminal_total=2500)
    assert report.approved_total == 2500 and report.test_total == 700
    assert report.counts == {"approved": 2, "declined": 1}
    assert report.balanced
