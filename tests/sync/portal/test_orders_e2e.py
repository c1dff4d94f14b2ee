"""Orders end to end, over real HTTP to a live hub: kiosks placing (online and offline),
the kitchen's list, ready (with the diner's mail), a till handing over, the diner's
view in the portal and at the kiosk, cancellations before and after the cut-off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.engine import Engine, Refused, Store
from kiosk.engine.keys import load_or_create_key
from kiosk.engine.trays import menu_document
from sync.client import HubClient
from sync.daemon import DaemonSettings, SyncDaemon
from sync.journal import public_key_text
from sync.protocol.orders import OrderState, order_qr
from sync.protocol.reasons import RejectReason
from tests.sync.conftest import Till, TillFactory
from tests.sync.live import Admin, LiveHub
from tests.sync.order_helpers import (
    ADA,
    BOB,
    SLOTS,
    ZONE,
    code_of,
    exchange,
    order_menu,
    placed,
    service,
    today,
)
from tests.sync.portal.conftest import Browser, Mailbox


@pytest.fixture
def orders_site(site: str, admin: Admin) -> str:
    """Site S1 of the portal's fixture, its menu with order rules, badges for Ada and Bob;
    no offline cap in the way (a kiosk that lost the hub keeps taking orders)."""
    settings = admin.http.get("/v1/admin/sites/S1").json()
    settings["offline_daily_cap"] = 100_000
    assert admin.http.put("/v1/admin/sites/S1", json=settings).status_code in {200, 204}
    admin.badge(ADA, "A1")
    admin.badge(BOB, "A2")
    for account in ("A1", "A2"):
        admin.post(f"/v1/admin/accounts/{account}/top-ups", {"amount": 20_000, "ref": account})
    response = admin.http.put(
        "/v1/admin/sites/S1/documents/catalogue/site", json=menu_document(order_menu())
    )
    assert response.status_code in {200, 204}, response.text
    return site


def orders_of_day(admin: Admin, day: date) -> dict[str, object]:
    response = admin.http.get("/v1/admin/sites/S1/orders", params={"day": day.isoformat()})
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


def order(admin: Admin, code: str) -> dict[str, object]:
    response = admin.http.get(f"/v1/admin/sites/S1/orders/{code}")
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


def balance_is_sum_of_entries(live_hub: LiveHub, account: str) -> int:
    stored, total = live_hub.service.hub_balance_check(account)
    assert stored == total
    return stored


def test_kiosk_order_to_kitchen_ready_collected_and_seen_by_the_diner(
    orders_site: str,
    *,
    admin: Admin,
    open_till: TillFactory,
    live_hub: LiveHub,
    browser: Browser,
    mailbox: Mailbox,
) -> None:
    kiosk, till = open_till("kiosk"), open_till("till")
    for terminal in (kiosk, till):
        exchange(terminal)
    result = placed(
        service(kiosk).order(
            ADA,
            ["cake-order"],
            pickup_day=today(),
            slot="12:00-12:30",
            options={"cake-order": ["candles"]},
            notify=True,
        )
    )
    code = code_of(kiosk, result)
    shown = service(kiosk).orders_of("A1")
    assert [(v.code, v.pending, v.state) for v in shown] == [(code, True, OrderState.PLACED)]

    exchange(kiosk)
    kitchen = orders_of_day(admin, today())
    assert kitchen["production"] == [
        {"slot": "12:00-12:30", "item": "cake-order", "options": ["candles"], "qty": 1}
    ]
    assert order(admin, code)["state"] == "placed"

    ready = admin.post(f"/v1/admin/sites/S1/orders/{code}/ready").json()
    assert ready["state"] == "ready"
    with mailbox.arrived:
        mailbox.arrived.wait_for(
            lambda: any(m["To"] == "ada@example.org" for m in mailbox.messages), 10
        )
    mail = next(m for m in mailbox.messages if m["To"] == "ada@example.org")
    assert code[:3] in mail["Subject"]

    exchange(till)
    account, views = service(till).orders_to_collect(ADA)  # type: ignore[misc]
    assert account == "A1"
    assert [(v.code, v.state) for v in views] == [(code, OrderState.READY)]
    handed = service(till).collect_order(code, "A1")
    assert not isinstance(handed, Refused), handed
    assert handed.state is OrderState.COLLECTED
    again = service(till).collect_order(code, "A1")
    assert isinstance(again, Refused) and again.reason is RejectReason.ORDER_COLLECTED

    exchange(till)
    assert order(admin, code)["state"] == "collected"
    exchange(kiosk)
    assert [v.state for v in service(kiosk).orders_of("A1")] == [OrderState.COLLECTED]

    browser.activate("S1", "A1", mailbox, "ada@example.org")
    page = browser.get("/portal/commandes")
    assert page.status_code == 200
    assert f'id="order-{code}" data-state="collected"' in page.text
    assert balance_is_sum_of_entries(live_hub, "A1") == 20_000 + 1000 - 2400


def test_offline_kiosk_order_refused_by_the_daily_limit_is_refunded_once(
    orders_site: str,
    *,
    admin: Admin,
    open_till: TillFactory,
    live_hub: LiveHub,
    browser: Browser,
    mailbox: Mailbox,
) -> None:
    offline, online = open_till("offline"), open_till("online")
    for terminal in (offline, online):
        exchange(terminal)
    day = today() + timedelta(days=3)
    # The online kiosk takes the day's two packed lunches and pushes them at once.
    for badge in (BOB, BOB):
        placed(service(online).order(badge, ["packed-lunch"], pickup_day=day, slot=SLOTS[0]))
    exchange(online)
    # The other kiosk has not heard of them: for it, two are left.
    late = placed(service(offline).order(ADA, ["packed-lunch"], pickup_day=day, slot=SLOTS[1]))
    code = code_of(offline, late)
    assert late.balance_after.cents == 21_000 - 650
    exchange(offline)

    doc = order(admin, code)
    assert doc["state"] == "cancelled" and doc["refunded"] is True
    assert str(doc["note"]).startswith("sold_out")
    exchange(offline)  # pushing and pulling again changes nothing
    refunds = [
        m
        for m in admin.http.get("/v1/admin/accounts/A1/movements").json()
        if m["kind"] == "order_refund"
    ]
    assert len(refunds) == 1 and refunds[0]["amount"] == 650
    assert balance_is_sum_of_entries(live_hub, "A1") == 21_000
    assert service(offline).engine.usable_balance("A1").cents == 21_000
    kitchen = orders_of_day(admin, day)
    assert kitchen["production"] == [
        {"slot": SLOTS[0], "item": "packed-lunch", "options": [], "qty": 2}
    ]

    # Told at the next tap, once.
    told = service(offline).order_notices("A1")
    assert [d.code for d in told] == [code]
    assert service(offline).order_notices("A1") == []
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    page = browser.get("/portal/commandes")
    assert f'id="order-{code}" data-state="cancelled"' in page.text
    assert "sold-out" in page.text
    assert "Remboursement de commande" in browser.get("/portal/tickets").text


class Clock:
    """A terminal's clock the test moves (the hub keeps the real one)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def clocked_kiosk(
    tmp_path: Path, live_hub: LiveHub, admin: Admin, orders_site: str
) -> Iterator[tuple[Till, Clock]]:
    key_path = tmp_path / "clocked.key"
    key = load_or_create_key(key_path)
    with HubClient(live_hub.url) as anonymous:
        reply = anonymous.enrol(
            "S1", admin.enrolment_token("S1"), public_key_text(key.public_key()), "clocked"
        )
    clock = Clock()
    engine = Engine.open(
        tmp_path / "clocked.db", key_path, terminal_id=reply.terminal_id, clock=clock
    )
    store = Store.open(tmp_path / "clocked.db")
    client = HubClient(live_hub.url, reply.api_token, timeout=10)
    daemon = SyncDaemon(store, client, DaemonSettings(), lock_path=tmp_path / "clocked.lock")
    till = Till("clocked", engine, store, client, daemon)
    try:
        yield till, clock
    finally:
        daemon.stop()
        client.close()
        store.close()
        engine.close()


def test_cancellation_before_and_after_the_cut_off(
    clocked_kiosk: tuple[Till, Clock],
    admin: Admin,
    live_hub: LiveHub,
    browser: Browser,
    mailbox: Mailbox,
) -> None:
    kiosk, clock = clocked_kiosk
    exchange(kiosk)
    day = today() + timedelta(days=3)
    first = placed(service(kiosk).order(ADA, ["packed-lunch"], pickup_day=day, slot=SLOTS[0]))
    second = placed(service(kiosk).order(ADA, ["packed-lunch"], pickup_day=day, slot=SLOTS[0]))
    first_code, second_code = code_of(kiosk, first), code_of(kiosk, second)
    exchange(kiosk)

    # Before the cut-off, at the kiosk: refunded by the hub once the entry arrives.
    cancelled = service(kiosk).cancel_order(ADA, first_code)
    assert not isinstance(cancelled, Refused), cancelled
    assert cancelled.state is OrderState.CANCELLED and cancelled.refund_pending
    assert isinstance(service(kiosk).cancel_order(ADA, first_code), Refused)
    exchange(kiosk)
    assert order(admin, first_code)["state"] == "cancelled"
    assert balance_is_sum_of_entries(live_hub, "A1") == 21_000 - 650

    # Bob cannot cancel Ada's order.
    refused = service(kiosk).cancel_order(BOB, second_code)
    assert isinstance(refused, Refused) and refused.reason is RejectReason.ORDER_NOT_YOURS

    # After the cut-off (the day before at 14:00, local time): refused at the kiosk ...
    cutoff = datetime.combine(day - timedelta(days=1), datetime.min.time(), ZONE).replace(hour=14)
    clock.offset = cutoff - datetime.now(UTC) + timedelta(minutes=1)
    late = service(kiosk).cancel_order(ADA, second_code)
    assert isinstance(late, Refused) and late.reason is RejectReason.ORDER_CLOSED
    # ... and in the portal (the hub's clock moved too) ...
    live_hub.service.clock = lambda: datetime.now(UTC) + clock.offset
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    page = browser.get("/portal/commandes")
    assert f'id="cancel-{second_code}"' not in page.text
    refused_page = browser.post_from(
        "/portal/commandes", "/portal/commandes/annuler", code=second_code
    )
    assert refused_page.status_code == 409 and 'id="problem"' in refused_page.text
    assert order(admin, second_code)["state"] == "placed"
    # ... but a manager may, at any time: refunded once.
    done = admin.post(
        f"/v1/admin/sites/S1/orders/{second_code}/cancel", {"reason": "kitchen closed"}
    ).json()
    assert done["state"] == "cancelled"
    admin.post(f"/v1/admin/sites/S1/orders/{second_code}/cancel", {"reason": "again"})
    assert balance_is_sum_of_entries(live_hub, "A1") == 21_000


def test_portal_order_before_the_cut_off_and_its_cancellation(
    orders_site: str, admin: Admin, live_hub: LiveHub, browser: Browser, mailbox: Mailbox
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    day = today() + timedelta(days=3)
    form = browser.get("/portal/commandes/nouvelle")
    assert 'name="qty_packed-lunch"' in form.text
    page = browser.post_from(
        "/portal/commandes/nouvelle",
        "/portal/commandes/nouvelle",
        **{"qty_packed-lunch": "1", "day": day.isoformat(), "slot": SLOTS[1]},
    )
    assert page.status_code == 200, page.text
    docs = admin.http.get("/v1/admin/accounts/A1/orders").json()
    assert [d["state"] for d in docs] == ["placed"]
    code = docs[0]["code"]
    assert balance_is_sum_of_entries(live_hub, "A1") == 21_000 - 650
    # Three when two are left: refused, nothing debited.
    refused = browser.post_from(
        "/portal/commandes/nouvelle",
        "/portal/commandes/nouvelle",
        **{"qty_packed-lunch": "3", "day": day.isoformat(), "slot": SLOTS[1]},
    )
    assert refused.status_code == 409 and 'id="problem"' in refused.text
    assert balance_is_sum_of_entries(live_hub, "A1") == 21_000 - 650
    page = browser.post_from("/portal/commandes", "/portal/commandes/annuler", code=code)
    assert page.status_code == 200 and 'data-state="cancelled"' in page.text
    assert balance_is_sum_of_entries(live_hub, "A1") == 21_000


def test_collecting_another_diners_order_is_refused(
    orders_site: str, admin: Admin, open_till: TillFactory
) -> None:
    kiosk, till = open_till("kiosk"), open_till("till")
    exchange(kiosk)
    result = placed(service(kiosk).order(ADA, ["cake-order"], pickup_day=today(), slot=SLOTS[0]))
    code = code_of(kiosk, result)
    exchange(kiosk)
    exchange(till)
    account, views = service(till).orders_to_collect(BOB)  # type: ignore[misc]
    assert account == "A2" and views == []
    refused = service(till).collect_order(code, "A2")
    assert isinstance(refused, Refused) and refused.reason is RejectReason.ORDER_NOT_YOURS
    # The order's own QR code: whoever shows it collects it.
    found = service(till).orders_to_collect(order_qr(code))
    assert not isinstance(found, Refused)
    assert found[0] is None and [v.code for v in found[1]] == [code]
    assert not isinstance(service(till).collect_order(code), Refused)
    twice = service(till).collect_order(code)
    assert isinstance(twice, Refused) and twice.reason is RejectReason.ORDER_COLLECTED
    exchange(till)
    assert order(admin, code)["state"] == "collected"
    assert order(admin, code)["collected_by"].startswith(till.terminal_id)  # type: ignore[union-attr]


def test_ready_with_the_mail_server_down_is_still_ready(
    orders_site: str, admin: Admin, open_till: TillFactory, mailbox: Mailbox
) -> None:
    kiosk = open_till("kiosk")
    exchange(kiosk)
    result = placed(
        service(kiosk).order(ADA, ["cake-order"], pickup_day=today(), slot=SLOTS[0], notify=True)
    )
    exchange(kiosk)
    mailbox.controller.stop()
    try:
        ready = admin.post(f"/v1/admin/sites/S1/orders/{code_of(kiosk, result)}/ready").json()
    finally:
        mailbox.restart()
    assert ready["state"] == "ready" and ready["ready_at"]
    assert not any(m["To"] == "ada@example.org" for m in mailbox.messages)
    # Marked twice: still ready, nobody mailed twice.
    again = admin.post(f"/v1/admin/sites/S1/orders/{code_of(kiosk, result)}/ready").json()
    assert again == ready
    assert not any(m["To"] == "ada@example.org" for m in mailbox.messages)
