"""The till's "Commandes" screen: a badge tap or an order's QR code lists today's
orders, "Remettre" hands one over (an ``order_collect`` entry), a second hand-over
or another diner's order is refused in plain words."""

from __future__ import annotations

from kiosk.engine import Engine
from kiosk.ui.events import CodeScanned
from kiosk.ui.manager import ScreenId
from kiosk.ui.shell import Ui
from sync.journal import EntryKind
from sync.protocol.order_rules import OrderLine
from sync.protocol.orders import OrderDoc, OrderState, order_code, order_qr
from tests.kiosk.engine.test_visits import publish
from tests.kiosk.ui.conftest import ALICE, BRUNO, UiFactory
from tests.kiosk.ui.helpers import drawn_texts, find, tap, touch
from tests.kiosk.ui.test_cashier import login

TODAY = "2026-11-26"  # the tests' clock: Thursday 26/11/2026 12:30 in Paris


def order_of(account: str, origin: str, day: str = TODAY) -> OrderDoc:
    return OrderDoc(
        code=order_code(origin),
        origin=origin,
        account=account,
        lines=(OrderLine(item="cake-order", qty=1, options=("candles",)),),
        pickup_day=day,
        slot="12:00-12:30",
        place="Comptoir",
        amount=2400,
        state=OrderState.READY,
        placed_at="2026-11-24T09:00:00.000000Z",
    )


def desk(ui: Ui) -> None:
    login(ui)
    touch(ui, "orders")
    assert ui.screen is ScreenId.ORDERS_DESK


def test_hand_over_once_by_badge_and_refuse_another_diners(
    make_ui: UiFactory, engine: Engine
) -> None:
    alices, tomorrow = order_of("A1", "K9:1"), order_of("A1", "K9:2", "2026-11-27")
    publish(
        engine,
        {d.code: d.model_dump(mode="json") for d in (alices, tomorrow)},
        kind="order",
    )
    ui = make_ui()
    desk(ui)
    tap(ui, BRUNO)
    assert "Aucune commande à remettre aujourd'hui" in drawn_texts(ui)
    tap(ui, ALICE)  # today's only: tomorrow's is not listed
    assert [b.value for b in ui.manager.current.buttons() if b.action == "hand_over"] == [  # type: ignore[union-attr]
        alices.code
    ]
    touch(ui, "hand_over", alices.code)
    assert any("remise" in t for t in ui.toasts.texts())
    collected = engine.store.journal_after(0, 10)[-1]
    assert collected.kind == EntryKind.ORDER_COLLECT and collected.payload["order"] == alices.code
    assert collected.payload["cashier"] == "K1"  # the cashier logged in
    assert not find(ui, "hand_over", alices.code).enabled  # once
    # Bob shows Alice's order QR code: the code itself is the proof, but it is collected.
    refused = ui.till.collect_order(alices.code, "A2")
    assert refused.reason.value == "order_not_yours"  # type: ignore[union-attr]
    ui.inputs.put(CodeScanned(order_qr(alices.code)))
    ui.settle()
    assert [b.enabled for b in ui.manager.current.buttons() if b.action == "hand_over"] == [False]  # type: ignore[union-attr]
    again = ui.till.collect_order(alices.code)
    assert again.reason.value == "order_collected"  # type: ignore[union-attr]
    assert (
        len([e for e in engine.store.journal_after(0, 10) if e.kind == EntryKind.ORDER_COLLECT])
        == 1
    )


def test_an_unknown_order_code_is_said_so(make_ui: UiFactory) -> None:
    ui = make_ui()
    desk(ui)
    ui.inputs.put(CodeScanned(order_qr("ZZZZZZ")))
    ui.settle()
    assert "Commande inconnue" in ui.toasts.texts()
