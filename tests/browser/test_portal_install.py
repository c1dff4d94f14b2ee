"""Chromium itself reads the portal's web app manifest: no parse error, and nothing in
it that keeps the portal from being installed on a phone's home screen."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import Diner


def test_chromium_finds_the_portal_installable(site: str, diner: Diner, page: Page) -> None:
    diner.activate("S1", "A1", "ada@example.org")
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/portal/manifest.webmanifest")
    assert manifest["errors"] == []
    assert '"display": "standalone"' in manifest["data"]
    found = cdp.send("Page.getInstallabilityErrors")
    # Chromium may ask for a moment (a service worker still starting) but never
    # complains of the manifest or its icons.
    bad = {
        e["errorId"]
        for e in found["installabilityErrors"]
        if "manifest" in e["errorId"] or "icon" in e["errorId"]
    }
    assert bad == set(), found
