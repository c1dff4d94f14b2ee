"""The passkey routes' refusals over HTTP (the browser test adds and uses a real
one): CSRF, JSON only, sign-in needed to add, and malformed or foreign answers."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.sync.live import LiveHub
from tests.sync.portal.conftest import Browser, Mailbox

JSON = "application/json"


def token(browser: Browser, page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', browser.get(page).text)
    assert found
    return found.group(1)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.usefixtures("site")
def test_passkey_calls_need_the_csrf_token_and_json(live_hub: LiveHub) -> None:
    with Browser(live_hub.url) as anonymous:
        csrf = token(anonymous, "/portal/connexion")
        path = "/portal/cles/options/connexion"
        assert anonymous.http.post(path, json={}).status_code == 403
        form = anonymous.http.post(path, data={"a": "b"}, headers={"X-CSRF-Token": csrf})
        assert form.status_code == 415
        ok = anonymous.http.post(path, json={}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 200
        options = ok.json()
        assert options["rpId"] == "127.0.0.1" and options["userVerification"] == "required"
        # Adding a passkey needs a signed-in session.
        added = anonymous.http.post(
            "/portal/cles/options/ajout", json={}, headers={"X-CSRF-Token": csrf}
        )
        assert added.status_code == 401


@pytest.mark.usefixtures("site")
def test_malformed_and_forged_answers_are_refused(
    live_hub: LiveHub, browser: Browser, mailbox: Mailbox
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    csrf = token(browser, "/portal/appareils")
    headers = {"X-CSRF-Token": csrf}
    options = browser.http.post("/portal/cles/options/ajout", json={}, headers=headers).json()
    assert (
        options["user"]["name"] == "A1"
        and options["authenticatorSelection"]["residentKey"] == "required"
    )
    client_data = {
        "type": "webauthn.create",
        "challenge": options["challenge"],
        "origin": str(live_hub.url),
    }
    forged = {
        "id": b64url(b"k" * 16),
        "rawId": b64url(b"k" * 16),
        "type": "public-key",
        "response": {
            "clientDataJSON": b64url(json.dumps(client_data).encode()),
            "attestationObject": b64url(b"\xa0"),
        },
    }
    for credential in (forged, {"id": "x"}, "not an object"):
        reply = browser.http.post(
            "/portal/cles/ajout", json={"credential": credential}, headers=headers
        )
        assert reply.status_code == 400 and reply.json()["error"] == "bad_passkey", reply.text
    # A challenge the hub never made is refused before anything else.
    client_data["challenge"] = b64url(bytes(40))
    forged["response"]["clientDataJSON"] = b64url(json.dumps(client_data).encode())
    reply = browser.http.post("/portal/cles/ajout", json={"credential": forged}, headers=headers)
    assert reply.status_code == 400
    assert "data-passkey=" not in browser.get("/portal/appareils").text
