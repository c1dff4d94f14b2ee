"""First connection of a new device by scanning, with its camera, the QR code that a
signed-in device shows. The camera is a canvas stream showing a screenshot of the
other device's screen (headless chromium has no camera); the page decodes the frames
with its vendored jsQR (no BarcodeDetector on Linux)."""

from __future__ import annotations

import base64
import io
import json

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Diner, NewPage

# Decoding video frames in JavaScript is the slowest step on a loaded machine.
SCAN_TIMEOUT_MS = 30_000

# getUserMedia answers with a 640x480 stream of the picture given (RGBA pixels: the
# pages' Content-Security-Policy rightly refuses data: images).
FAKE_CAMERA = """
navigator.mediaDevices.getUserMedia = async () => {
  const [w, h, b64] = %s;
  const raw = Uint8ClampedArray.from(atob(b64), (c) => c.charCodeAt(0));
  const canvas = document.createElement("canvas");
  canvas.width = 640;
  canvas.height = 480;
  const ctx = canvas.getContext("2d");
  const paint = () => {
    ctx.fillStyle = "#888";
    ctx.fillRect(0, 0, 640, 480);
    ctx.putImageData(new ImageData(raw, w, h), (640 - w) >> 1, (480 - h) >> 1);
    setTimeout(paint, 100);
  };
  paint();
  return canvas.captureStream(10);
};
"""


def camera_showing(page: Page, picture: bytes) -> None:
    image = Image.open(io.BytesIO(picture)).convert("RGBA")
    image.thumbnail((440, 440))
    pixels = base64.b64encode(image.tobytes()).decode()
    page.add_init_script(FAKE_CAMERA % json.dumps([image.width, image.height, pixels]))


@pytest.mark.usefixtures("site")
def test_a_new_phone_signs_in_by_scanning_the_code_of_a_signed_in_device(
    diner: Diner, new_page: NewPage
) -> None:
    diner.activate("S1", "A1", "ada@example.org")
    computer = diner.page
    computer.goto("/portal/appareils")
    computer.get_by_role("button", name="Afficher le code de connexion").click()
    expect(computer.get_by_role("img", name="Code QR de connexion")).to_be_visible()
    assert_accessible(computer)
    shown = computer.locator("#link-qr svg").screenshot()

    phone = new_page("mobile")
    camera_showing(phone, shown)
    phone.goto("/portal/connexion")
    phone.get_by_role("link", name="Scanner le code d'un autre appareil").click()
    phone.wait_for_url("**/portal/lien?jeton=*", timeout=SCAN_TIMEOUT_MS)
    assert_accessible(phone)
    phone.get_by_role("button", name="Se connecter sur cet appareil").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bonjour Ada")
    # The same code, scanned again, opens nothing.
    again = new_page("mobile")
    camera_showing(again, shown)
    again.goto("/portal/scanner")
    again.wait_for_url("**/portal/lien?jeton=*", timeout=SCAN_TIMEOUT_MS)
    again.get_by_role("button", name="Se connecter sur cet appareil").click()
    expect(again.get_by_role("alert")).to_contain_text("déjà utilisé")


@pytest.mark.usefixtures("site")
def test_a_code_that_is_not_a_sign_in_code_is_not_followed(page: Page) -> None:
    foreign = io.BytesIO()
    qrcode.make("https://example.org/portal/lien?jeton=abc", box_size=6).save(foreign)
    camera_showing(page, foreign.getvalue())
    page.goto("/portal/scanner")
    expect(page.get_by_role("status")).to_have_text(
        "Ce code n'est pas un code de connexion de ce restaurant."
    )
    assert page.url.endswith("/portal/scanner")


@pytest.mark.usefixtures("site")
def test_without_a_camera_the_page_says_what_to_do(page: Page) -> None:
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('denied', 'NotAllowedError'));"
    )
    page.goto("/portal/scanner")
    expect(page.get_by_role("status")).to_contain_text("La caméra n'est pas disponible")
    assert_accessible(page)
