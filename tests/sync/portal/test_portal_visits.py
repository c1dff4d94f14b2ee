"""Visit requests in the portal: declared by a diner, validated or refused by an
approver of the site, deleted or cancelled by the host, with the hub's states (the
admin API reads the same visit) and the approved visit's code shown for the guest."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from sync import phonebadge
from tests.sync.live import Admin, LiveHub
from tests.sync.portal.conftest import Browser, Mailbox

VISIT_URL = re.compile(r"/portal/visites/([0-9a-f]{16})$")


def paris_day(days: int = 1) -> str:
    return (datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=days)).isoformat()


def qr_text(page: str) -> str:
    """Decode the page's inline SVG QR code: draw its unit squares, read it with zxing."""
    svg = re.search(r'<svg role="img"[^>]*viewBox="0 0 (\d+) (\d+)"[^>]*>(.*?)</svg>', page, re.S)
    assert svg, page
    size, scale = int(svg.group(1)), 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y in re.findall(r"M(\d+),(\d+)H", svg.group(3)):
        left, top = int(x) * scale, int(y) * scale
        draw.rectangle((left, top, left + scale - 1, top + scale - 1), fill=0)
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1
    return str(codes[0].text)


@pytest.fixture
def rules(site: str, admin: Admin) -> None:
    """Bob (A2) approves S1's requests; meals go to the host or to Marketing (CC1)."""
    admin.accounts("S1", {"id": "CC1", "display_name": "Marketing", "balance": 0})
    response = admin.http.put(
        "/v1/admin/sites/S1/portal/visit-rules",
        json={
            "host_billing": True,
            "cost_centres": [{"account_id": "CC1", "label": "Marketing"}],
            "approvers": ["A2"],
        },
    )
    assert response.status_code == 204, response.text


def declare(browser: Browser, **fields: str) -> httpx.Response:
    values = {
        "day": paris_day(),
        "visitor": "M. Paul Girard",
        "company": "Cabinet Girard",
        "guests": "2",
        "meal": "yes",
        "billing": "host",
        **fields,
    }
    return browser.submit("/portal/visites/nouvelle", **values)


def visit_id(page: httpx.Response) -> str:
    found = VISIT_URL.search(str(page.url))
    assert found, (page.url, page.text)
    return found.group(1)


@pytest.mark.usefixtures("rules")
def test_a_visit_declared_then_validated_by_an_approver_shows_the_guests_code(
    live_hub: LiveHub,
    browser: Browser,
    other_browser: Browser,
    mailbox: Mailbox,
    admin: Admin,
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    form = browser.get("/portal/visites/nouvelle")
    assert 'value="CC1"' in form.text and "Marketing" in form.text
    page = declare(browser, billing="CC1", note="réunion budget")
    vid = visit_id(page)
    assert 'data-state="requested"' in page.text and "<svg" not in page.text
    # The hub's visit API reads the same request, with the same state and billing.
    stored = admin.http.get(f"/v1/admin/sites/S1/visits/{vid}").json()
    assert stored["state"] == "requested" and stored["host_account_id"] == "A1"
    assert stored["billing"] == "cost_centre" and stored["cost_centre"] == "CC1"
    assert stored["guests"] == 2 and stored["meal_included"] is True
    assert stored["day"] == paris_day() and stored["company"] == "Cabinet Girard"
    # Ada is not an approver: her list has no requests to decide, and she cannot validate.
    mine = browser.get("/portal/visites")
    assert f'data-visit="{vid}"' in mine.text and 'id="to-decide"' not in mine.text
    denied = browser.post_from(f"/portal/visites/{vid}", f"/portal/visites/{vid}/valider")
    assert denied.status_code == 404
    assert admin.http.get(f"/v1/admin/sites/S1/visits/{vid}").json()["state"] == "requested"
    # Bob approves the site's requests: he sees Ada's and validates it.
    other_browser.activate("S1", "A2", mailbox, "bob@example.org")
    waiting = other_browser.get("/portal/visites")
    assert 'id="to-decide"' in waiting.text and f'data-visit="{vid}"' in waiting.text
    detail = other_browser.get(f"/portal/visites/{vid}")
    assert 'id="validate"' in detail.text and "Ada" in detail.text and "<svg" not in detail.text
    done = other_browser.post_from(
        f"/portal/visites/{vid}", f"/portal/visites/{vid}/valider", note="ok"
    )
    assert done.status_code == 200 and f'data-visit="{vid}"' not in done.text.split("mine")[0]
    stored = admin.http.get(f"/v1/admin/sites/S1/visits/{vid}").json()
    assert stored["state"] == "approved" and stored["code"]
    # Ada's page shows the guest's code: the hub-signed QR text of this visit.
    page = browser.get(f"/portal/visites/{vid}")
    assert 'data-state="approved"' in page.text and "Validée" in page.text
    text = qr_text(page.text)
    assert text == stored["code"]
    code = phonebadge.parse_visit(text)
    assert code.visit_id == vid and code.day == date.fromisoformat(paris_day())
    assert phonebadge.verify_visit(code, live_hub.service.public_key).reason is None
    # Validated: nobody decides it again.
    again = other_browser.post_from(f"/portal/visites/{vid}", f"/portal/visites/{vid}/refuser")
    assert again.status_code in (404, 409)
    assert admin.http.get(f"/v1/admin/sites/S1/visits/{vid}").json()["state"] == "approved"


@pytest.mark.usefixtures("rules")
def test_refused_deleted_and_cancelled_requests_follow_the_hubs_states(
    browser: Browser, other_browser: Browser, mailbox: Mailbox, admin: Admin
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    other_browser.activate("S1", "A2", mailbox, "bob@example.org")
    first = visit_id(declare(browser, visitor="Invité refusé"))
    refused = other_browser.post_from(
        f"/portal/visites/{first}", f"/portal/visites/{first}/refuser", note="pas ce jour-là"
    )
    assert refused.status_code == 200
    page = browser.get(f"/portal/visites/{first}")
    assert 'data-state="refused"' in page.text and "pas ce jour-là" in page.text
    # The host deletes a refused request: the hub no longer has it.
    gone = browser.post_from(f"/portal/visites/{first}", f"/portal/visites/{first}/supprimer")
    assert gone.status_code == 200 and first not in gone.text
    assert admin.http.get(f"/v1/admin/sites/S1/visits/{first}").status_code == 404
    # An approved visit is cancelled, not deleted: its code stops working at the tills.
    second = visit_id(declare(browser, visitor="Invité annulé"))
    other_browser.post_from(f"/portal/visites/{second}", f"/portal/visites/{second}/valider")
    assert 'id="delete"' in browser.get(f"/portal/visites/{second}").text
    browser.post_from(f"/portal/visites/{second}", f"/portal/visites/{second}/supprimer")
    stored = admin.http.get(f"/v1/admin/sites/S1/visits/{second}").json()
    assert stored["state"] == "cancelled" and stored["code"] is None
    assert 'data-state="cancelled"' in browser.get("/portal/visites").text
    # A waiting request is deleted at once.
    third = visit_id(declare(browser))
    browser.post_from(f"/portal/visites/{third}", f"/portal/visites/{third}/supprimer")
    assert admin.http.get(f"/v1/admin/sites/S1/visits/{third}").status_code == 404


@pytest.mark.usefixtures("rules")
def test_an_approver_never_decides_their_own_request(
    other_browser: Browser, mailbox: Mailbox, admin: Admin
) -> None:
    other_browser.activate("S1", "A2", mailbox, "bob@example.org")
    own = visit_id(declare(other_browser))
    page = other_browser.get(f"/portal/visites/{own}")
    assert 'id="validate"' not in page.text
    assert (
        f'data-visit="{own}"' not in other_browser.get("/portal/visites").text.split('id="mine"')[0]
    )
    tried = other_browser.post_from(f"/portal/visites/{own}", f"/portal/visites/{own}/valider")
    assert tried.status_code == 404
    assert admin.http.get(f"/v1/admin/sites/S1/visits/{own}").json()["state"] == "requested"


BAD_DECLARATIONS = [
    ({"day": paris_day(-1)}, "déjà passé"),
    ({"day": "demain"}, "Indiquez le jour"),
    ({"day": paris_day(400)}, "plus d'un an"),
    ({"visitor": "  "}, "nom de l'invité"),
    ({"visitor": "x" * 201}, "nom de l'invité"),
    ({"guests": "0"}, "de 1 à 50"),
    ({"guests": "51"}, "de 1 à 50"),
    ({"guests": "2.5"}, "de 1 à 50"),
    ({"billing": "CC9"}, "facturer"),
    ({"billing": "A2"}, "facturer"),  # another diner's account is no cost centre
]


@pytest.mark.usefixtures("rules")
def test_a_bad_declaration_is_refused_in_plain_words_and_stores_nothing(
    browser: Browser, mailbox: Mailbox, admin: Admin
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    for fields, says in BAD_DECLARATIONS:
        page = declare(browser, **fields)
        assert page.status_code == 400 and says in html.unescape(page.text), fields
        assert 'id="error"' in page.text and 'name="visitor"' in page.text  # the form again
    assert admin.http.get("/v1/admin/sites/S1/visits").json() == []


def test_a_site_that_bills_only_cost_centres_offers_no_host_billing(
    site: str, browser: Browser, mailbox: Mailbox, admin: Admin
) -> None:
    admin.accounts("S1", {"id": "CC1", "display_name": "Marketing", "balance": 0})
    rules = {"host_billing": False, "cost_centres": [{"account_id": "CC1", "label": "Mkt"}]}
    assert admin.http.put("/v1/admin/sites/S1/portal/visit-rules", json=rules).status_code == 204
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert 'value="host"' not in browser.get("/portal/visites/nouvelle").text
    assert declare(browser, billing="host").status_code == 400
    assert admin.http.get("/v1/admin/sites/S1/visits").json() == []
    assert "requested" in declare(browser, billing="CC1").text


@pytest.mark.usefixtures("site")
def test_the_sites_rules_name_only_its_own_accounts(admin: Admin) -> None:
    put = admin.http.put
    path = "/v1/admin/sites/S1/portal/visit-rules"
    assert put(path, json={"approvers": ["B1"]}).status_code == 422  # a diner of S2
    assert put(path, json={"host_billing": False}).status_code == 422  # nobody to bill
    assert put(path, json={"approvers": ["A2"], "extra": 1}).status_code == 422
    assert put("/v1/admin/sites/S9/portal/visit-rules", json={}).status_code == 404
    assert put(path, json={"approvers": ["A2", "A2"]}).status_code == 204
    assert admin.http.get(path).json() == {
        "host_billing": True,
        "cost_centres": [],
        "approvers": ["A2"],
    }
    assert httpx.get(admin.http.base_url.join(path)).status_code == 401  # no admin token
