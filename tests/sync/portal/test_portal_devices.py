"""The phone-badge devices over HTTP: registration of a browser's public key as a
phone credential, its refusals, the devices list, revocation onto the deny list, and
that no diner reaches another's device."""

from __future__ import annotations

import base64
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.journal import public_key_text
from sync.protocol.rows import CredentialKind, CredentialStatus
from sync.server.portal.devices import MAX_DEVICES, clean_label
from tests.sync.live import Admin, LiveHub
from tests.sync.portal.conftest import Browser, Mailbox
from tests.sync.portal.test_portal_markup import check

ENROL = "/portal/badge/appareil"


def csrf_of(browser: Browser) -> str:
    found = re.search(r'data-csrf="([^"]+)"', browser.get("/portal/badge").text)
    assert found
    return found.group(1)


def enrol(
    browser: Browser, public_key: str | None = None, label: str = "Pixel", **headers: str
) -> httpx.Response:
    key = public_key or public_key_text(Ed25519PrivateKey.generate().public_key())
    sent = {"Content-Type": "application/json", "X-CSRF-Token": csrf_of(browser), **headers}
    return browser.http.post(ENROL, json={"public_key": key, "label": label}, headers=sent)


@pytest.fixture
def ada(site: str, browser: Browser, mailbox: Mailbox) -> Browser:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    return browser


def test_a_browser_key_becomes_a_phone_credential_of_the_account(
    ada: Browser, live_hub: LiveHub
) -> None:
    key = public_key_text(Ed25519PrivateKey.generate().public_key())
    reply = enrol(ada, key, label="Pixel d'Ada")
    assert reply.status_code == 201, reply.text
    credential = reply.json()["credential"]
    site, row = live_hub.service.credential(credential)
    assert site == "S1" and row.account_id == "A1"
    assert row.kind is CredentialKind.PHONE and row.public_key == key
    assert row.status is CredentialStatus.ACTIVE
    page = ada.get("/portal/appareils")
    assert "Pixel d&#39;Ada" in page.text and f'data-credential="{credential}"' in page.text
    assert ada.get(f"/portal/badge/etat?credential={credential}").json()["status"] == "active"


@pytest.mark.parametrize(
    "key",
    [
        "not base64!",
        base64.b64encode(bytes(31)).decode(),  # too short
        base64.b64encode(bytes(33)).decode(),
        "A" * 200,
    ],
)
def test_a_bad_public_key_is_refused_and_registers_nothing(
    ada: Browser, live_hub: LiveHub, key: str
) -> None:
    reply = enrol(ada, key)
    assert reply.status_code == 400 and reply.json()["error"] == "bad_key"
    assert live_hub.service.storage.credentials_of("A1") == []


def test_enrolment_needs_the_csrf_token_json_and_a_session(ada: Browser, live_hub: LiveHub) -> None:
    key = public_key_text(Ed25519PrivateKey.generate().public_key())
    no_token = ada.http.post(ENROL, json={"public_key": key})
    assert no_token.status_code == 403
    as_form = ada.http.post(ENROL, data={"public_key": key}, headers={"X-CSRF-Token": csrf_of(ada)})
    assert as_form.status_code == 415
    with httpx.Client(base_url=live_hub.url) as stranger:
        assert stranger.post(ENROL, json={"public_key": key}).status_code == 401
        assert stranger.get("/portal/badge").headers["location"] == "/portal/connexion"
    assert live_hub.service.storage.credentials_of("A1") == []


def test_at_most_five_active_devices(ada: Browser) -> None:
    made = [enrol(ada).json()["credential"] for _ in range(MAX_DEVICES)]
    sixth = enrol(ada)
    assert sixth.status_code == 409 and sixth.json()["error"] == "too_many"
    assert "5 appareils" in sixth.json()["message"]
    ada.post_from("/portal/appareils", "/portal/appareils/retirer", credential=made[0])
    assert enrol(ada).status_code == 201


def test_devices_registered_at_once_never_pass_the_limit(ada: Browser, live_hub: LiveHub) -> None:
    csrf = csrf_of(ada)
    cookies = dict(ada.http.cookies)

    def one(_: int) -> int:
        key = public_key_text(Ed25519PrivateKey.generate().public_key())
        with httpx.Client(base_url=live_hub.url, cookies=cookies, timeout=30) as http:
            reply = http.post(
                ENROL, json={"public_key": key, "label": "x"}, headers={"X-CSRF-Token": csrf}
            )
        return reply.status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(one, range(12)))
    assert codes == [201] * MAX_DEVICES + [409] * (12 - MAX_DEVICES)
    assert len(live_hub.service.storage.credentials_of("A1")) == MAX_DEVICES


def test_a_label_is_shown_as_text(ada: Browser) -> None:
    enrol(ada, label="<script>alert(1)</script>")
    page = ada.get("/portal/appareils").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_revoking_marks_the_badge_lost_for_the_tills(ada: Browser, live_hub: LiveHub) -> None:
    credential = enrol(ada).json()["credential"]
    page = ada.post_from("/portal/appareils", "/portal/appareils/retirer", credential=credential)
    assert page.status_code == 200 and "son badge est refusé aux caisses" in page.text
    _, row = live_hub.service.credential(credential)
    assert row.status is CredentialStatus.LOST
    assert ada.get(f"/portal/badge/etat?credential={credential}").json()["status"] == "revoked"
    again = ada.post_from("/portal/appareils", "/portal/appareils/retirer", credential=credential)
    assert again.status_code == 404 and "plus) l&#39;un des vôtres" in again.text


def test_no_diner_reaches_another_diners_device(
    ada: Browser, other_browser: Browser, mailbox: Mailbox, live_hub: LiveHub
) -> None:
    credential = enrol(ada).json()["credential"]
    other_browser.activate("S1", "A2", mailbox, "bob@example.org")
    assert credential not in other_browser.get("/portal/appareils").text
    status = other_browser.get(f"/portal/badge/etat?credential={credential}")
    assert status.json()["status"] == "unknown"
    page = other_browser.post_from(
        "/portal/appareils", "/portal/appareils/retirer", credential=credential
    )
    assert page.status_code == 404
    _, row = live_hub.service.credential(credential)
    assert row.status is CredentialStatus.ACTIVE


def test_revoking_without_the_csrf_token_changes_nothing(ada: Browser, live_hub: LiveHub) -> None:
    credential = enrol(ada).json()["credential"]
    page = ada.http.post("/portal/appareils/retirer", data={"credential": credential})
    assert page.status_code == 403
    assert live_hub.service.credential(credential)[1].status is CredentialStatus.ACTIVE


def test_scripts_are_served_by_name_only(live_hub: LiveHub) -> None:
    with httpx.Client(base_url=live_hub.url) as http:
        worker = http.get("/portal/sw.js")
        assert worker.status_code == 200
        assert worker.headers["service-worker-allowed"] == "/portal/"
        assert worker.headers["content-type"].startswith("text/javascript")
        assert http.get("/portal/static/badge.js").status_code == 200
        assert http.get("/portal/static/vendor/qrcode-generator/qrcode.js").status_code == 200
        for bad in ("../routes.py", "vendor/jsqr/LICENSE", "portal.js", "..%2Fservice.py"):
            assert http.get(f"/portal/static/{bad}").status_code == 404, bad


def test_labels_are_one_printable_line() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 30, tzinfo=UTC)
    assert clean_label("  Pixel\n\t7  de\u200b Ada ", now) == "Pixel 7 de Ada"
    assert clean_label("x" * 100, now) == "x" * 60
    assert clean_label("\x00\x1b", now) == "Appareil du 30/11/2026"


def test_the_device_pages_are_labelled_and_every_form_carries_its_token(
    ada: Browser, live_hub: LiveHub
) -> None:
    enrol(ada)
    for path in ("/portal/", "/portal/badge", "/portal/appareils"):
        check(ada.get(path))
    check(ada.post_from("/portal/appareils", "/portal/appareils/lien"))
    with Browser(live_hub.url) as phone:
        check(phone.get("/portal/scanner"))
        check(phone.get("/portal/lien?jeton=abc"))


def test_an_oversized_form_is_refused_whole(ada: Browser, live_hub: LiveHub) -> None:
    credential = enrol(ada).json()["credential"]
    csrf = ada.csrf("/portal/appareils")
    page = ada.http.post(
        "/portal/appareils/retirer",
        data={"csrf": csrf, "credential": credential, "pad": "x" * 5000},
    )
    assert page.status_code == 413
    assert live_hub.service.credential(credential)[1].status is CredentialStatus.ACTIVE


def test_the_badge_page_speaks_english_too(ada: Browser) -> None:
    ada.get("/portal/langue/en?next=/portal/badge")
    page = ada.get("/portal/badge").text
    assert "<h1>My badge</h1>" in page
    # The script's words come with the page, in its language.
    assert 'data-t-next="New code in {s} s"' in page
    assert "Chrome 137, Firefox 129, Safari 17" in page


def test_a_closed_account_gets_no_new_device_nor_sign_in_code_use(
    ada: Browser, admin: Admin, live_hub: LiveHub
) -> None:
    from tests.sync.portal.test_portal_link import show_link, use_link

    path = show_link(ada)
    admin.http.patch("/v1/admin/accounts/A1", json={"status": "closed"}).raise_for_status()
    reply = enrol(ada)
    assert reply.status_code == 403 and reply.json()["error"] == "closed"
    assert live_hub.service.storage.credentials_of("A1") == []
    with Browser(live_hub.url) as phone:
        page = use_link(phone, path)
        assert page.status_code == 400 and "fermé" in page.text
        assert str(phone.get("/portal/").url).endswith("/portal/connexion")
