"""Online top-up on a live hub with the test payment page (Systempay protocol) on
loopback: the diner's browser, the provider's notifications in every order, repeated
and late, forged ones, and admin refunds. Only a signed notification credits, once."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sync.server.payments.simulator import BANNER, TestPaymentPage, TestPaymentPageThread
from sync.server.payments.systempay import sign
from tests.sync.live import Admin, LiveHub, make_site

OPENING = 1000


@pytest.fixture
def page() -> Iterator[TestPaymentPage]:
    simulated = TestPaymentPage()
    served = TestPaymentPageThread(simulated).start()
    simulated.url = served.url  # type: ignore[attr-defined]
    yield simulated
    served.stop()


@pytest.fixture
def site(admin: Admin, live_hub: LiveHub, page: TestPaymentPage) -> str:
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": OPENING})
    url = page.url  # type: ignore[attr-defined]
    response = admin.http.put(
        "/v1/admin/payment-provider",
        json={
            "kind": "simulator",
            "shop_id": page.shop_id,
            "key": page.key,
            "payment_url": f"{url}/vads-payment/",
            "api_url": f"{url}/api-payment/V4/",
            "api_password": page.api_password,
            "notify_url": f"{live_hub.url}/v1/payments/notify",
        },
    )
    assert response.status_code == 204, response.text
    return "S1"


def order(admin: Admin, live_hub: LiveHub, cents: int = 2000) -> dict[str, Any]:
    body = {"amount": cents, "return_url": f"{live_hub.url}/v1/payments/return"}
    response = admin.post("/v1/admin/accounts/A1/online-topups", body, expect=201)
    created: dict[str, Any] = response.json()
    return created


def state(admin: Admin, topup_id: str) -> str:
    return str(admin.http.get(f"/v1/admin/online-topups/{topup_id}").json()["state"])


def consistent(live_hub: LiveHub, admin: Admin) -> int:
    stored, summed = live_hub.service.hub_balance_check("A1")
    assert stored == summed == admin.balance("A1")
    return stored


def test_the_diner_pays_on_the_test_page_and_comes_back(
    site: str, admin: Admin, live_hub: LiveHub, page: TestPaymentPage
) -> None:
    created = order(admin, live_hub)
    form = created["payment"]
    assert form["test"] is True and created["state"] == "created"
    assert form["fields"]["signature"] == sign(form["fields"], page.key)
    assert form["fields"]["vads_amount"] == "2000" and form["fields"]["vads_currency"] == "978"
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        shown = browser.post(form["url"], data=form["fields"])
        assert shown.status_code == 200 and BANNER in shown.text
        token = shown.text.split("name=token value=")[1].split(">")[0]
        back = browser.post(
            f"{page.url}/vads-payment/decide", data={"token": token, "choice": "pay"}
        )  # type: ignore[attr-defined]
    assert back.url.path == "/v1/payments/return"
    assert "crédité de 20,00 €" in back.text
    assert consistent(live_hub, admin) == OPENING + 2000
    [entry] = admin.http.get("/v1/admin/accounts/A1/online-topups").json()
    assert entry["state"] == "paid" and entry["provider_tx"] in page.paid


def test_amounts_within_the_site_limits(site: str, admin: Admin, live_hub: LiveHub) -> None:
    limits = admin.http.get("/v1/admin/sites/S1/online-topup-limits").json()
    assert limits == {"site": "S1", "minimum": 500, "maximum": 15000}
    for cents in (499, 15001):
        response = admin.http.post("/v1/admin/accounts/A1/online-topups", json={"amount": cents})
        assert response.status_code == 422 and "limits" in response.text
    assert admin.http.get("/v1/admin/accounts/A1/online-topups").json() == []


def test_no_provider_no_online_top_up(admin: Admin) -> None:
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": OPENING})
    response = admin.http.post("/v1/admin/accounts/A1/online-topups", json={"amount": 2000})
    assert response.status_code == 503 and "no payment provider" in response.text


def test_coming_back_before_the_notification_credits_nothing(
    site: str, admin: Admin, live_hub: LiveHub, page: TestPaymentPage
) -> None:
    page.hold = True
    created = order(admin, live_hub)
    outgoing = page.decide(created["payment"]["fields"], "pay")
    back = httpx.get(f"{live_hub.url}/v1/payments/return", params={"vads_order_id": created["id"]})
    assert "en cours de confirmation" in back.text
    assert consistent(live_hub, admin) == OPENING
    assert page.send(outgoing) == [200]  # late, but it comes
    assert consistent(live_hub, admin) == OPENING + 2000


def notifications(page: TestPaymentPage, fields: dict[str, str]) -> dict[str, Any]:
    """The notifications a provider may send about one payment (one transaction)."""
    paid = page.notification(fields, "AUTHORISED")
    uuid = paid.fields["vads_trans_uuid"]
    return {
        "waiting": page.notification(fields, "WAITING_AUTHORISATION", uuid),
        "paid": paid,
        "captured": page.notification(fields, "CAPTURED", uuid),
        "refused": page.notification(fields, "REFUSED"),  # an earlier failed attempt
    }


def test_any_order_of_notifications_credits_once(
    site: str, admin: Admin, live_hub: LiveHub, page: TestPaymentPage
) -> None:
    """Every order of: waiting, paid, captured (the same transaction) and the refusal of
    an earlier attempt; one top-up order per ordering, on one hub."""
    orderings = list(itertools.permutations(["waiting", "paid", "captured", "refused"]))
    for names in orderings:
        created = order(admin, live_hub)
        sent = notifications(page, created["payment"]["fields"])
        for name in names:
            assert page.send(sent[name]) == [200]
        assert state(admin, created["id"]) == "paid", names
    assert consistent(live_hub, admin) == OPENING + 2000 * len(orderings)


def test_repeated_notifications_credit_once(
    site: str, admin: Admin, live_hub: LiveHub, page: TestPaymentPage
) -> None:
    page.hold = True
    created = order(admin, live_hub)
    outgoing = page.decide(created["payment"]["fields"], "pay")
    assert page.send(outgoing, times=4) == [200] * 4
    assert consistent(live_hub, admin) == OPENING + 2000
    online = _online(live_hub)
    assert [e for _s, _d, e in online.store.notifications(created["id"])] == [
        "credited",
        "already credited",
        "already credited",
        "already credited",
    ]


def _online(live_hub: LiveHub) -> Any:
    from sync.server.payments.service import OnlineTopUps

    return OnlineTopUps(live_hub.service)


@pytest.mark.parametrize("choice", ["refuse", "abandon"])
def test_refused_or_abandoned_credits_nothing(
    site: str, admin: Admin, live_hub: LiveHub, page: TestPaymentPage, choice: str
) -> None:
    created = order(admin, live_hub)
    page.decide(created["payment"]["fields"], choice)  # type: ignore[arg-type]
    assert state(admin, created["id"]) == {"refuse": "refused", "abandon": "abandoned"}[choice]
    assert consistent(live_hub, admin) == OPENING


def test_forged_and_wrong_notifications_change_nothing(
    site: str, admin: Admin, live_hub: LiveHub, page: TestPaymentPage
) -> None:
    created = order(admin, live_hub)
    fields = dict(page.notification(created["payment"]["fields"], "AUTHORISED").fields)
    url = f"{live_hub.url}/v1/payments/notify"
    forged = fields | {"vads_amount": "15000"}  # the signature no longer matches
    assert httpx.post(url, data=forged).status_code == 422
    other_key = fields | {"signature": sign(fields, "ANOTHERKEY0000")}
    assert httpx.post(url, data=other_key).status_code == 422
    unsigned = {k: v for k, v in fields.items() if k != "signature"}
    assert httpx.post(url, data=unsigned).status_code == 422
    wrong_amount = fields | {"vads_amount": "2500"}
    wrong_amount["signature"] = sign(wrong_amount, page.key)
    assert httpx.post(url, data=wrong_amount).status_code == 422
    unknown = fields | {"vads_order_id": "OTNOPE"}
    unknown["signature"] = sign(unknown, page.key)
    assert httpx.post(url, data=unknown).status_code == 404
    assert httpx.post(url, content=b"\xff\xfe", headers={"content-type": "x"}).status_code == 422
    assert state(admin, created["id"]) == "created"
    assert consistent(live_hub, admin) == OPENING
    assert _online(live_hub).store.notifications(created["id"]) == []


def test_admin_refund_of_an_unused_top_up(
    site: str, admin: Admin, live_hub: LiveHub, page: TestPaymentPage
) -> None:
    created = order(admin, live_hub)
    outgoing = page.decide(created["payment"]["fields"], "pay")
    uuid = outgoing.fields["vads_trans_uuid"]
    path = f"/v1/admin/online-topups/{created['id']}/refund"
    too_much = admin.http.post(path, json={"amount": 2500, "by": "manager"})
    assert too_much.status_code == 422
    partly = admin.post(path, {"amount": 500, "by": "manager", "note": "asked by the diner"})
    assert partly.json()["refunded"] == 500 and partly.json()["state"] == "paid"
    page.refuse_refunds = True
    refused = admin.http.post(path, json={"by": "manager"})
    assert refused.status_code == 502
    assert consistent(live_hub, admin) == OPENING + 1500
    page.refuse_refunds = False
    rest = admin.post(path, {"by": "manager"})
    assert rest.json()["state"] == "refunded" and rest.json()["refunded"] == 2000
    assert page.refunded == {uuid: 2000}
    assert consistent(live_hub, admin) == OPENING
    kinds = [m.kind for m in live_hub.service.storage.movements("A1")]
    assert kinds.count("online_top_up") == 1 and kinds.count("online_refund") == 2
    again = admin.http.post(path, json={"by": "manager"})
    assert again.status_code == 409


def test_a_spent_top_up_is_not_refunded(
    site: str, admin: Admin, live_hub: LiveHub, page: TestPaymentPage
) -> None:
    created = order(admin, live_hub)
    page.decide(created["payment"]["fields"], "pay")
    admin.post("/v1/admin/accounts/A1/adjustments", {"amount": -2900, "note": "meals"})
    response = admin.http.post(f"/v1/admin/online-topups/{created['id']}/refund", json={"by": "m"})
    assert response.status_code == 409 and "unused" in response.text
    assert page.refunded == {}


def test_a_notification_after_a_hub_restart_credits_once(
    site: str, admin: Admin, live_hub: LiveHub, page: TestPaymentPage
) -> None:
    """The provider retries a notification the hub could not take (it was down), and
    again after it was taken: one credit, the order's state survives the restart."""
    page.hold = True
    created = order(admin, live_hub)
    outgoing = page.decide(created["payment"]["fields"], "pay")
    live_hub.stop()
    assert page.send(outgoing) == [0]  # nobody answers: the provider will retry
    live_hub.start()
    assert page.send(outgoing, times=2) == [200, 200]
    assert state(admin, created["id"]) == "paid"
    assert consistent(live_hub, admin) == OPENING + 2000
