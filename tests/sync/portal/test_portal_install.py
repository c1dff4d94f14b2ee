"""The portal installs on a phone's home screen: every page links a web app manifest
whose icons are real PNG files of the sizes it states, in the diner's language."""

from __future__ import annotations

import io

from PIL import Image

from tests.sync.portal.conftest import Browser


def test_every_page_links_the_manifest_and_its_icons_are_what_it_says(
    site: str, browser: Browser
) -> None:
    page = browser.get("/portal/connexion")
    assert '<link rel="manifest" href="/portal/manifest.webmanifest">' in page.text
    reply = browser.get("/portal/manifest.webmanifest")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/manifest+json")
    manifest = reply.json()
    assert manifest["name"] == "Mon restaurant" and manifest["lang"] == "fr"
    assert (manifest["start_url"], manifest["scope"]) == ("/portal/", "/portal/")
    assert manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        png = browser.get(icon["src"])
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(png.content))
        assert image.format == "PNG"
        assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add(image.width)
    assert {192, 512} <= sizes  # what browsers ask of an installable app


def test_the_manifest_speaks_the_diners_language_and_odd_icons_are_not_found(
    site: str, browser: Browser
) -> None:
    browser.get("/portal/langue/en?next=/portal/connexion")
    manifest = browser.get("/portal/manifest.webmanifest").json()
    assert (manifest["name"], manifest["lang"]) == ("My restaurant", "en")
    assert browser.get("/portal/icons/64.png").status_code == 404
    assert browser.get("/portal/icons/big.png").status_code == 422
