"""Online top-up from the portal, over the hub's flow and the test payment page on
loopback: the diner pays and comes back to the portal, the account is credited once
by the provider's signed notification; amounts outside the site's limits, a hub
without a provider, and another diner's order are refused."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from sync.server.payments.simulator import BANNER, TestPaymentPage, TestPaymentPageThread
from tests.sync.live import Admin, LiveHub
from tests.sync.portal.conftest import Browser, Mailbox

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def page(live_hub: LiveHub, admin: Admin) -> Iterator[TestPaymentPage]:
    simulated = TestPaymentPage()
    served = TestPaymentPageThread(simulated).start()
    url = served.url
    response = admin.http.put(
        "/v1/admin/payment-provider",
        json={
            "kind": "simulator",
            "shop_id": simulated.shop_id,
            "key": simulated.key,
            "payment_url": f"{url}/vads-payment/",
            "api_url": f"{url}/api-payment/V4/",
            "api_password": simulated.api_password,
            "notify_url": f"{live_hub.url}/v1/payments/notify",
        },
    )
    assert response.status_code == 204, response.text
    simulated.url = url  # type: ignore[attr-defined]
    yield simulated
    served.stop()


@pytest.mark.usefixtures("site")
def test_the_diner_tops_up_online_and_comes_back_to_the_portal(
    page: TestPaymentPage, browser: Browser, other_browser: Browser, mailbox: Mailbox, admin: Admin
) -> None:
    home = browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert 'href="/portal/recharge"' in home.text
    assert 'href="/portal/recharge"' in browser.get("/portal/services").text
    form = browser.get("/portal/recharge")
    assert "de 5,00\u00a0€ à 150,00\u00a0€" in form.text and 'value="20,00"' in form.text
    pay = browser.submit("/portal/recharge", amount="10,00", other="20")
    assert pay.status_code == 200 and 'data-cents="2000"' in pay.text
    assert "form-action 'self' http://127.0.0.1:" in pay.headers["content-security-policy"]
    action = re.search(r'<form method="post" action="([^"]+)" id="pay-form">', pay.text)
    assert action and action.group(1) == f"{page.url}/vads-payment/"  # type: ignore[attr-defined]
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(pay.text)}
    assert fields["vads_amount"] == "2000"
    # The diner's browser on the provider's page, then back to the portal.
    shown = browser.http.post(action.group(1), data=fields)
    assert BANNER in shown.text
    token = shown.text.split("name=token value=")[1].split(">")[0]
    back = browser.http.post(
        f"{page.url}/vads-payment/decide",  # type: ignore[attr-defined]
        data={"token": token, "choice": "pay"},
    )
    assert back.url.path == "/portal/recharge/retour"
    assert 'data-state="paid"' in back.text and "crédité de 20,00" in back.text
    assert admin.balance("A1") == 1000 + 2000
    home = browser.get("/portal/")
    assert 'id="balance" data-cents="3000"' in home.text
    # Bob cannot read Ada's order by its URL.
    other_browser.activate("S1", "A2", mailbox, "bob@example.org")
    theirs = other_browser.get(back.url.raw_path.decode())
    assert theirs.status_code == 404 and "20,00" not in theirs.text


@pytest.mark.usefixtures("site")
def test_amounts_outside_the_site_limits_order_nothing(
    page: TestPaymentPage, browser: Browser, mailbox: Mailbox, admin: Admin
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    for typed in ("4,99", "150,01", "abc", "-10"):
        refused = browser.submit("/portal/recharge", other=typed)
        assert refused.status_code == 400, typed
        assert "dans les limites du restaurant" in html.unescape(refused.text)
    assert admin.http.get("/v1/admin/accounts/A1/online-topups").json() == []


@pytest.mark.usefixtures("site")
def test_without_a_payment_provider_top_up_is_not_offered(
    live_hub: LiveHub, browser: Browser, mailbox: Mailbox
) -> None:
    home = browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert 'href="/portal/recharge"' not in home.text
    assert "Pas encore proposé en ligne" in browser.get("/portal/services").text
    assert 'id="topup-off"' in browser.get("/portal/recharge").text
    assert browser.submit("/portal/recharge", other="20").status_code == 409
    with httpx.Client(base_url=live_hub.url) as stranger:
        assert stranger.get("/portal/recharge/retour?vads_order_id=OTX").status_code == 303
