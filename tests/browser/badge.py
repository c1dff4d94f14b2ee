"""Helpers of the phone-badge browser tests: turn the badge on in the page, and read
the QR code it shows as a till's scanner would (a screenshot decoded by zxing-cpp)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

ENROL = "Activer le badge sur cet appareil"


def turn_on_badge(page: Page, label: str = "Téléphone de test") -> str:
    """Open the badge page, make the key and register it; the credential value."""
    page.goto("/portal/badge")
    page.get_by_label("Nom de cet appareil").fill(label)
    page.get_by_role("button", name=ENROL).click()
    expect(page.locator("#badge-qr[data-step]")).to_be_visible()
    credential = page.locator("#badge").get_attribute("data-credential")
    assert credential is not None and credential.startswith("phone:")
    return credential


def shown_step(page: Page) -> int:
    return int(page.locator("#badge-qr").get_attribute("data-step") or "")


def read_code(page: Page) -> str:
    """The text of the QR code on screen, decoded from a screenshot of the page."""
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True)))
    found = zxingcpp.read_barcodes(shot)
    texts = [r.text for r in found if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(texts) == 1, f"{len(texts)} QR codes on the page"
    return texts[0]


def read_step_and_code(page: Page) -> tuple[int, str]:
    """The time step shown and its code, read at one moment (never across a change)."""
    while True:
        step, code, again = shown_step(page), read_code(page), shown_step(page)
        if step == again:
            return step, code


def wait_for_step_after(page: Page, step: int) -> int:
    page.wait_for_function(
        "(s) => Number(document.getElementById('badge-qr').dataset.step) > s", arg=step
    )
    return shown_step(page)
