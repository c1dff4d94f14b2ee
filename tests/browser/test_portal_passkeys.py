"""Passkeys in chromium with its virtual authenticator (DevTools protocol): a diner
adds one, signs out, and signs in with it alone; a captured answer replayed from
another session is refused. WebAuthn needs a secure context and a domain, so these
pages are opened at http://localhost rather than 127.0.0.1."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Diner, NewPage
from tests.sync.live import LiveHub
from tests.sync.portal.conftest import Mailbox


def with_authenticator(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


@pytest.mark.usefixtures("site")
def test_a_passkey_signs_in_alone_and_its_answer_serves_once(
    new_page: NewPage, mailbox: Mailbox, live_hub: LiveHub
) -> None:
    base = f"http://localhost:{live_hub.port}"
    page = new_page("mobile")
    with_authenticator(page)
    diner = Diner(page, mailbox, base=base)
    diner.activate("S1", "A1", "ada@example.org")
    page.goto(base + "/portal/appareils")
    page.get_by_label("Nom de la clé").fill("Téléphone d'Ada")
    page.get_by_role("button", name="Ajouter une clé d'accès").click()
    expect(page.locator("[data-passkey]")).to_have_count(1)
    expect(page.locator("[data-passkey] .device-name")).to_have_text("Téléphone d'Ada")
    assert_accessible(page)
    diner.sign_out()

    answers: list[str] = []

    def keep(request: Request) -> None:
        if request.url.endswith("/portal/cles/connexion"):
            answers.append(request.post_data or "")

    page.on("request", keep)
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Ada")
    assert len(answers) == 1

    # The same signed answer, sent again from another session, opens nothing.
    with httpx.Client(base_url=base, follow_redirects=True) as thief:
        form = thief.get("/portal/connexion").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf
        replay = thief.post(
            "/portal/cles/connexion",
            content=answers[0],
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf.group(1)},
        )
        assert replay.status_code == 400 and replay.json()["error"] == "bad_passkey"
        assert str(thief.get("/portal/").url).endswith("/portal/connexion")
    body = json.loads(answers[0])
    assert set(body) == {"credential"}

    # Removed from the devices page, the passkey opens nothing any more.
    page.goto(base + "/portal/appareils")
    page.get_by_role("button", name="Retirer Téléphone d'Ada").click()
    expect(page.locator("[data-passkey]")).to_have_count(0)
    diner.sign_out()
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page.get_by_role("status")).to_contain_text("enregistrée pour aucun compte")


@pytest.mark.usefixtures("site")
def test_an_unknown_passkey_is_refused_plainly(
    new_page: NewPage, mailbox: Mailbox, live_hub: LiveHub
) -> None:
    base = f"http://localhost:{live_hub.port}"
    page = new_page("mobile")
    with_authenticator(page)
    # A passkey made for this site whose registration never reached the hub.
    page.goto(base + "/portal/connexion")
    page.evaluate(
        """async () => {
          await navigator.credentials.create({publicKey: {
            rp: {id: "localhost", name: "x"}, user: {id: new Uint8Array(16), name: "z",
            displayName: "z"}, challenge: new Uint8Array(32),
            pubKeyCredParams: [{type: "public-key", alg: -7}],
            authenticatorSelection: {residentKey: "required"}}});
        }"""
    )
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    expect(page.get_by_role("status")).to_contain_text(
        "cette clé n'est enregistrée pour aucun compte"
    )
    assert page.url.endswith("/portal/connexion")
