"""The order's rules as both ends check them (``sync.protocol.orders``): codes, the
menu's cut-off, days, slots, daily limits and options; the hub's refusal of order
steps written by the wrong terminal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kiosk.engine.trays import menu_document
from sync.client import HubClient
from sync.protocol.catalogue import CatalogueItem
from sync.protocol.order_rules import Cutoff, OrderLine, OrderRules
from sync.protocol.orders import (
    CODE_ALPHABET,
    OrderDoc,
    OrderState,
    collect_problem,
    diner_cancel_problem,
    limit_problem,
    order_code,
    order_qr,
    parse_order_code,
    pickup_days,
    placing_problem,
    spoken,
)
from sync.protocol.reasons import RejectReason
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, JournalWriter, LiveHub, make_site
from tests.sync.order_helpers import SLOTS, order_menu
from tests.sync.test_hub_trust import push, refused

PARIS = ZoneInfo("Europe/Paris")
MENU = order_menu()
LUNCH = [OrderLine(item="packed-lunch")]


def at(text: str) -> datetime:
    """A local Paris time as the aware UTC moment the clocks give."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).astimezone(UTC)


@given(st.text(min_size=1, max_size=40))
def test_a_code_is_six_signs_without_look_alikes_and_reads_back(origin: str) -> None:
    code = order_code(origin)
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("IO01")
    assert order_code(origin) == code  # the kiosk and the hub make the same
    for shown in (code, code.lower(), spoken(code), order_qr(code), f" {code[:3]}-{code[3:]} "):
        assert parse_order_code(shown) == code


@pytest.mark.parametrize("text", ["", "ABCDE", "ABCDEFG", "ABCDE0", "CMD:", "ORD:ABCDEF"])
def test_what_is_not_a_code(text: str) -> None:
    assert parse_order_code(text) is None


def test_the_day_before_cut_off_in_local_time() -> None:
    friday = date(2026, 11, 27)
    before, after = at("2026-11-26T13:59"), at("2026-11-26T14:00")
    assert placing_problem(MENU, LUNCH, day=friday, slot=SLOTS[0], now=before, zone=PARIS) is None
    late = placing_problem(MENU, LUNCH, day=friday, slot=SLOTS[0], now=after, zone=PARIS)
    assert late is not None and late.reason is RejectReason.ORDER_CLOSED
    # The spring change of hour: the cut-off is 14:00 on the wall clock, whatever UTC says.
    monday, sunday = date(2027, 3, 29), at("2027-03-28T13:59")
    assert placing_problem(MENU, LUNCH, day=monday, slot=SLOTS[0], now=sunday, zone=PARIS) is None


def test_slots_days_options_and_the_horizon() -> None:
    friday, now = date(2026, 11, 27), at("2026-11-26T09:00")
    no_slot = placing_problem(MENU, LUNCH, day=friday, slot=None, now=now, zone=PARIS)
    assert no_slot is not None and no_slot.reason is RejectReason.ORDER_SLOT
    other = placing_problem(MENU, LUNCH, day=friday, slot="18:00-18:30", now=now, zone=PARIS)
    assert other is not None and other.reason is RejectReason.ORDER_SLOT
    past = placing_problem(MENU, LUNCH, day=date(2026, 11, 25), slot=SLOTS[0], now=now, zone=PARIS)
    assert past is not None and past.reason is RejectReason.ORDER_NOT_OFFERED
    far = placing_problem(MENU, LUNCH, day=date(2027, 1, 5), slot=SLOTS[0], now=now, zone=PARIS)
    assert far is not None and far.reason is RejectReason.ORDER_NOT_OFFERED
    bad_option = [OrderLine(item="cake-order", options=("fireworks",))]
    refused = placing_problem(MENU, bad_option, day=friday, slot=SLOTS[0], now=now, zone=PARIS)
    assert refused is not None and refused.reason is RejectReason.UNKNOWN_ITEM
    not_orderable = placing_problem(
        MENU, [OrderLine(item="steak")], day=friday, slot=None, now=now, zone=PARIS
    )
    assert not_orderable is not None and not_orderable.reason is RejectReason.UNKNOWN_ITEM
    # An item for now cannot be ordered for another day.
    coffee = [OrderLine(item="coffee-card")]
    assert placing_problem(MENU, coffee, day=friday, slot=None, now=now, zone=PARIS) is not None
    assert (
        placing_problem(MENU, coffee, day=date(2026, 11, 26), slot=None, now=now, zone=PARIS)
        is None
    )


def test_weekdays_offered() -> None:
    weekdays = OrderRules(cutoff=Cutoff(days_before=1, at="14:00"), days=(1, 2, 3, 4, 5))
    items = tuple(
        i.model_copy(update={"ordering": weekdays}) if i.id == "packed-lunch" else i
        for i in MENU.items
    )
    menu = MENU.model_copy(update={"items": items})
    days = pickup_days(menu, ["packed-lunch"], at("2026-11-26T15:00"), PARIS, most=3)
    assert days == [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]  # no weekend


def test_daily_limit_counts_what_is_already_ordered() -> None:
    two = [OrderLine(item="packed-lunch", qty=2)]
    assert limit_problem(MENU, two, {}) is None
    full = limit_problem(MENU, two, {"packed-lunch": 1})
    assert full is not None and full.reason is RejectReason.ORDER_SOLD_OUT
    assert "1 left" in full.detail


def test_rules_in_the_menu_are_checked() -> None:
    with pytest.raises(ValidationError, match="orderable"):
        CatalogueItem.model_validate(
            {"id": "x", "label": {"fr": "x", "en": "x"}, "category": "service", "price": 1,
             "ordering": {}}
        )  # fmt: skip
    with pytest.raises(ValidationError, match="end comes before"):
        OrderRules(slots=("12:30-12:00",))
    with pytest.raises(ValidationError):
        OrderRules(slots=("25:00-26:00",))


def doc(state: OrderState, **changes: object) -> OrderDoc:
    base = OrderDoc(
        code=order_code("T1:1"), origin="T1:1", account="A1", lines=tuple(LUNCH),
        pickup_day="2026-11-27", slot=SLOTS[0], place="Comptoir", amount=650, state=state,
        placed_at="2026-11-25T10:00:00.000000Z", cancel_until="2026-11-26T13:00:00.000000Z",
    )  # fmt: skip
    return base.model_copy(update=changes)


def test_who_may_cancel_and_collect() -> None:
    placed = doc(OrderState.PLACED)
    assert diner_cancel_problem(placed, "A1", "2026-11-26T12:59:59.000000Z") is None
    late = diner_cancel_problem(placed, "A1", "2026-11-26T13:00:00.000000Z")
    assert late is not None and late.reason is RejectReason.ORDER_CLOSED
    other = diner_cancel_problem(placed, "A2", "2026-11-26T12:00:00.000000Z")
    assert other is not None and other.reason is RejectReason.ORDER_NOT_YOURS
    ready = diner_cancel_problem(doc(OrderState.READY), "A1", "2026-11-26T12:00:00.000000Z")
    assert ready is not None  # being prepared: the manager may still cancel
    assert collect_problem(placed, placed.code, "A1", "2026-11-27") is None
    assert collect_problem(placed, placed.code, None, "2026-11-27") is None  # its QR code
    reasons = [
        collect_problem(None, "ZZZZZZ", "A1", "2026-11-27"),
        collect_problem(placed, placed.code, "A2", "2026-11-27"),
        collect_problem(placed, placed.code, "A1", "2026-11-26"),
        collect_problem(doc(OrderState.COLLECTED), placed.code, "A1", "2026-11-27"),
        collect_problem(doc(OrderState.CANCELLED), placed.code, "A1", "2026-11-27"),
    ]
    assert [r.reason if r else None for r in reasons] == [
        RejectReason.ORDER_UNKNOWN,
        RejectReason.ORDER_NOT_YOURS,
        RejectReason.ORDER_NOT_TODAY,
        RejectReason.ORDER_COLLECTED,
        RejectReason.ORDER_CANCELLED,
    ]


def test_the_hub_takes_order_steps_only_from_the_terminals_that_make_them(
    admin: Admin, live_hub: LiveHub
) -> None:
    make_site(admin, "SA")
    admin.accounts("SA", {"id": "A1", "display_name": "Ada", "balance": 10_000})
    token = admin.post("/v1/admin/sites/SA/enrolment-tokens", {"mode": "kiosk"}, expect=201)
    term = JournalWriter("")
    with HubClient(live_hub.url) as anonymous:
        reply = anonymous.enrol("SA", token.json()["token"], term.public_key, "borne 1")
    term.terminal_id = reply.terminal_id
    with HubClient(live_hub.url, reply.api_token) as client:
        collect = term.add("order_collect", None, 0, order="ABCDEF", cashier="")
        refused(push(client, [collect]), collect, "kind_not_allowed")  # a till's step
        term.entries.pop()
        named = term.add("order_cancel", "A1", 0, order="ABCDEF", by="diner")
        refused(push(client, [named]), named, "account")  # the order names its diner
        term.entries.pop()
        bad = term.add("order_cancel", None, 0, order="abc", by="diner")
        refused(push(client, [bad]), bad, "bad_payload")
        term.entries.pop()
        # An unknown order's cancellation is kept (it happened) and changes nothing.
        unknown = term.add("order_cancel", None, 0, order="ABCDEF", by="diner")
        assert push(client, [unknown]).status_code == 200
    assert admin.balance("A1") == 10_000


def test_an_order_of_an_account_the_hub_does_not_know_never_blocks_the_push(
    admin: Admin, live_hub: LiveHub, enrol: EnrolFn
) -> None:
    make_site(admin, "S1")
    document = menu_document(MENU)
    assert admin.http.put("/v1/admin/sites/S1/documents/catalogue/site", json=document).is_success
    term, client = enrol("S1")
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    lines = [{"item": "packed-lunch", "qty": 1, "options": []}]
    entries = [
        term.add(
            "order",
            "GHOST",
            -650,
            credential="nfc:0A0A0A01",
            items=["packed-lunch"],
            lines=lines,
            pickup_day=day,
            slot=SLOTS[0],
        )
        for _ in range(3)  # the menu's limit is two a day: the third is over it
    ]
    assert push(client, entries).status_code == 200
    docs = admin.http.get("/v1/admin/sites/S1/orders", params={"day": day}).json()["orders"]
    assert sorted(d["state"] for d in docs) == ["cancelled", "placed", "placed"]
    cancelled = next(d for d in docs if d["state"] == "cancelled")
    assert cancelled["refunded"] is False and "unknown account" in cancelled["note"]


def test_a_tills_reversal_after_the_hubs_refund_refunds_once_in_all(
    admin: Admin, live_hub: LiveHub, enrol: EnrolFn
) -> None:
    make_site(admin, "S1")
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 10_000})
    document = menu_document(MENU)
    assert admin.http.put("/v1/admin/sites/S1/documents/catalogue/site", json=document).is_success
    term, client = enrol("S1")
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    lines = [{"item": "packed-lunch", "qty": 1, "options": []}]
    order = term.add("order", "A1", -650, credential="nfc:0A0A0A01", items=["packed-lunch"],
                     lines=lines, pickup_day=day, slot=SLOTS[0])  # fmt: skip
    assert push(client, [order]).status_code == 200
    code = order_code(f"{term.terminal_id}:1")
    admin.post(f"/v1/admin/sites/S1/orders/{code}/cancel", {"reason": "oven down"})
    assert admin.balance("A1") == 10_000
    # Meanwhile the cashier, offline, cancelled the same order entry at the till.
    reversal = term.add("cancel", "A1", 650, cancels=1, cancelled_kind="order",
                        cashier="K1", reason="mistake")  # fmt: skip
    assert push(client, [reversal]).status_code == 200
    assert admin.balance("A1") == 10_000  # refunded once, not twice
    stored, total = live_hub.service.hub_balance_check("A1")
    assert stored == total == 10_000
    assert admin.http.get(f"/v1/admin/sites/S1/orders/{code}").json()["state"] == "cancelled"
