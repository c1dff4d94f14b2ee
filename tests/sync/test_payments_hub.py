"""Card payments reach the hub: the pending and result entries are accepted (amount 0),
the crediting top-up is applied once, and the hub's balance is the sum of entries."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from drivers.config import VirtualPaymentConfig
from drivers.events import Event
from drivers.payment.virtual import VirtualPaymentTerminal
from kiosk.cardpay import CardDesk
from kiosk.sitefile import load_site_menu
from sync.client import RefusedError
from sync.money import Money
from tests.drivers.conftest import wait_until
from tests.sync.conftest import EnrolFn, TillFactory
from tests.sync.live import Admin, LiveHub, make_site

MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")


def test_hub_applies_card_top_ups_once(
    admin: Admin, live_hub: LiveHub, open_till: TillFactory
) -> None:
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 1000})
    till = open_till("T1")
    till.daemon.sync_once()
    events: queue.Queue[Event] = queue.Queue()
    with VirtualPaymentTerminal(VirtualPaymentConfig(), events) as terminal:
        wait_until(lambda: terminal.available)
        desk = CardDesk(till.engine, terminal)
        assert desk.top_up("A1", Money(2000)).approved
        sold = desk.pay_tray(MENU, ["salad", "steak"], "K1")  # a visitor's tray
        assert sold.approved and sold.sale is not None
        terminal.approve = False
        assert desk.top_up("A1", Money(3000)).refused is not None
    till.daemon.sync_once()
    till.daemon.sync_once()  # pushing again applies nothing twice
    kinds = [e.kind for e in till.entries()]
    assert kinds.count("payment_pending") == 3 and kinds.count("payment_result") == 3
    assert kinds.count("card_sale") == 1
    assert admin.balance("A1") == 3000
    stored, summed = live_hub.service.hub_balance_check("A1")
    assert stored == summed == 3000
    assert till.usable("A1") == 3000


@pytest.mark.parametrize("split", [False, True])
def test_a_card_payment_is_booked_once_at_the_hub(
    admin: Admin, enrol: EnrolFn, live_hub: LiveHub, split: bool
) -> None:
    """A terminal that books one card payment twice (a bug or a forgery) is refused with
    the rule's name, whether both entries come in one push or in two; nothing stored."""
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 1000})
    term, client = enrol("S1")
    day = "2026-11-30"
    term.add("top_up", "A1", 2000, business_day=day, means="card", cashier="kiosk",
             payment_ref="ABCD-1", test=False)  # fmt: skip
    term.add("top_up", "A1", 2000, business_day=day, means="card", cashier="kiosk",
             payment_ref="ABCD-1", test=False)  # fmt: skip
    if split:
        assert client.push(term.entries[:1]).applied_seq == 1
    with pytest.raises(RefusedError) as caught:
        client.push(term.entries[1:] if split else term.entries)
    assert caught.value.status == 422 and "payment_twice" in str(caught.value)
    assert admin.balance("A1") == (3000 if split else 1000)
