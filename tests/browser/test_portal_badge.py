"""The phone badge made in a real browser: its QR code, decoded from a screenshot, is
sold against by a till's engine with the hub stopped, refused when replayed, refused
once the revoked device's deny-list entry has synced; and the page keeps rotating its
codes with the browser offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from kiosk.engine import Accepted, Identified, Refused
from sync import phonebadge
from sync.money import Money
from sync.protocol.reasons import RejectReason
from tests.browser.accessibility import assert_accessible
from tests.browser.badge import (
    read_code,
    read_step_and_code,
    turn_on_badge,
    wait_for_step_after,
)
from tests.browser.conftest import Diner
from tests.sync.conftest import TillFactory
from tests.sync.live import Admin, LiveHub


@pytest.mark.usefixtures("site")
def test_till_takes_the_browser_badge_offline_once_and_refuses_it_once_revoked(
    diner: Diner, page: Page, open_till: TillFactory, live_hub: LiveHub, admin: Admin
) -> None:
    till = open_till("T1")
    page.clock.install()  # real time, which the test may jump forward
    diner.activate("S1", "A1", "ada@example.org")
    credential = turn_on_badge(page, "Téléphone d'Ada")
    assert_accessible(page)
    code = read_code(page)
    assert phonebadge.parse(code).credential_value == credential
    till.daemon.sync_once()  # the tills learn the device's public key
    held = live_hub.service.storage.credential(credential)
    assert held is not None
    ref = held[1].ref  # the opaque id by which the journal names this device

    live_hub.stop()  # the till verifies offline
    sold = till.engine.sell(code, Money(450))
    assert isinstance(sold, Accepted) and sold.account_id == "A1", sold
    assert sold.entry.payload["credential_id"] == ref
    assert credential not in json.dumps(sold.entry.payload)  # no device key in the journal
    replay = till.engine.sell(code, Money(450))
    assert isinstance(replay, Refused) and replay.reason is RejectReason.QR_REPLAYED

    live_hub.start()
    # The page's next code (30 s later) names the same device and is good...
    page.clock.fast_forward("00:30")
    wait_for_step_after(page, phonebadge.parse(code).step)
    later = read_code(page)
    assert later != code
    assert isinstance(till.engine.present(later), Identified)
    # ... until the diner revokes the device from another tab.
    devices = page.context.new_page()
    devices.goto("/portal/appareils")
    devices.get_by_role("button", name="Retirer Téléphone d'Ada").click()
    expect(devices.locator("#done")).to_contain_text("retiré")
    expect(devices.locator(f'[data-credential="{credential}"]')).to_have_attribute(
        "data-state", "revoked"
    )
    assert_accessible(devices)
    assert isinstance(till.engine.present(later), Identified)  # not synced yet
    till.daemon.sync_once()  # pushes the offline sale, pulls the deny list
    refused = till.engine.sell(later, Money(450))
    assert isinstance(refused, Refused) and refused.reason is RejectReason.LOST_BADGE
    assert admin.balance("A1") == 550
    # Back on the badge page, the device learns it was revoked and offers a new key.
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("a été retiré")
    expect(page.get_by_role("button", name="Activer le badge sur cet appareil")).to_be_visible()


def test_the_badge_page_rotates_its_codes_offline(
    site: str, diner: Diner, page: Page, live_hub: LiveHub
) -> None:
    page.clock.install()
    diner.activate("S1", "A1", "ada@example.org")
    credential = turn_on_badge(page)
    expect(page.locator("#badge[data-offline=ready]")).to_be_attached()
    page.context.set_offline(True)
    page.reload()  # served by the service worker
    expect(page.get_by_role("status")).to_have_text("Hors ligne : le badge fonctionne toujours.")
    step, first = read_step_and_code(page)
    page.clock.fast_forward("00:30")
    wait_for_step_after(page, step)
    later, second = read_step_and_code(page)
    assert later in {step + 1, step + 2}  # +2 only if real time crossed a step meanwhile
    _, row = live_hub.service.credential(credential)
    now = datetime.now(UTC)
    codes = [phonebadge.parse(first), phonebadge.parse(second)]
    assert [c.step for c in codes] == [step, later]
    for c in codes:
        assert c.credential_value == credential
        assert phonebadge.verify(c, row.public_key, now, window_steps=2).ok
    # Offline, opening the app's home opens on the badge.
    page.goto("/portal/")
    expect(page.locator("#badge-qr[data-step]")).to_be_visible()
    assert phonebadge.parse(read_code(page)).credential_value == credential


# What a browser without Ed25519 in WebCrypto does (Chrome before 137, Safari before 17).
NO_ED25519 = """
const original = crypto.subtle.generateKey.bind(crypto.subtle);
crypto.subtle.generateKey = (algorithm, ...rest) => {
  const name = typeof algorithm === "string" ? algorithm : algorithm.name;
  if (name === "Ed25519") {
    return Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError"));
  }
  return original(algorithm, ...rest);
};
"""


def test_a_browser_without_ed25519_is_told_so_plainly(
    site: str, diner: Diner, page: Page, live_hub: LiveHub
) -> None:
    page.add_init_script(NO_ED25519)
    diner.activate("S1", "A1", "ada@example.org")
    page.goto("/portal/badge")
    expect(page.get_by_role("status")).to_contain_text(
        "Ce navigateur ne sait pas créer la clé Ed25519 du badge dématérialisé"
    )
    expect(page.locator("#badge-qr")).to_be_hidden()
    expect(page.get_by_role("button", name="Activer le badge sur cet appareil")).to_be_hidden()
    assert_accessible(page)
    assert live_hub.service.storage.credentials_of("A1") == []


def test_signing_out_drops_the_page_kept_for_offline_use(
    site: str, diner: Diner, page: Page
) -> None:
    diner.activate("S1", "A1", "ada@example.org")
    turn_on_badge(page)
    expect(page.locator("#badge[data-offline=ready]")).to_be_attached()
    diner.sign_out()
    kept = page.evaluate("async () => Boolean(await caches.match('/portal/badge'))")
    assert kept is False
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError, match=r"ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto("/portal/badge")


@pytest.mark.usefixtures("site")
def test_a_phone_whose_clock_is_off_still_shows_a_code_the_till_takes(
    diner: Diner, page: Page, open_till: TillFactory
) -> None:
    till = open_till("T1")
    page.clock.install(time=datetime.now(UTC) - timedelta(minutes=5))
    diner.activate("S1", "A1", "ada@example.org")
    turn_on_badge(page)
    code = read_code(page)
    till.daemon.sync_once()
    sold = till.engine.sell(code, Money(100))
    assert isinstance(sold, Accepted), sold
