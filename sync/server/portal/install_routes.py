"""What makes the portal installable on a phone's home screen::

    GET  /portal/manifest.webmanifest   the web app manifest (name, start page, colours,
                                        icons), in the diner's language
    GET  /portal/icons/{size}.png       the app's icon, 192 and 512 pixels square

The icon is drawn once per size with Pillow (a badge on the portal's blue), so that no
binary is kept beside the code. The service worker that keeps the badge offline is
``badge_routes``'s.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import lru_cache

from fastapi import APIRouter, Request, Response
from PIL import Image, ImageDraw

from sync.server.portal.i18n import text

ACCENT = "#005a9c"  # portal.css --accent
BACKGROUND = "#f6f7f9"  # portal.css --bg
ICON_SIZES = (192, 512)


def manifest(lang: str) -> dict[str, object]:
    return {
        "name": text(lang, "app"),
        "short_name": text(lang, "app"),
        "lang": lang,
        "start_url": "/portal/",
        "scope": "/portal/",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": ACCENT,
        "icons": [
            {"src": f"/portal/icons/{size}.png", "sizes": f"{size}x{size}", "type": "image/png"}
            for size in ICON_SIZES
        ]
        + [
            {
                "src": "/portal/icons/512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }


@lru_cache(maxsize=len(ICON_SIZES))
def icon_png(size: int) -> bytes:
    """A white badge with its contactless arcs on the portal's blue, edge to edge (so
    that it also serves as a maskable icon: the badge stays in the safe centre)."""
    image = Image.new("RGB", (size, size), ACCENT)
    draw = ImageDraw.Draw(image)
    unit = size / 16
    draw.rounded_rectangle(
        (4.5 * unit, 4 * unit, 11.5 * unit, 12 * unit), radius=unit, fill="white"
    )
    for step, width in ((1.2, 0.5), (2.2, 0.5)):
        box = (8 - step) * unit, (7 - step) * unit, (8 + step) * unit, (7 + step) * unit
        draw.arc(box, start=220, end=320, fill=ACCENT, width=max(1, round(width * unit)))
    draw.ellipse((7.4 * unit, 6.4 * unit, 8.6 * unit, 7.6 * unit), fill=ACCENT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def add_install_routes(router: APIRouter, lang_of: Callable[[Request], str]) -> None:
    @router.get("/manifest.webmanifest")
    def web_manifest(request: Request) -> Response:
        body = json.dumps(manifest(lang_of(request)), ensure_ascii=False)
        return Response(
            body,
            media_type="application/manifest+json",
            headers={"Cache-Control": "no-cache", "Vary": "Cookie"},
        )

    @router.get("/icons/{size}.png")
    def icon(size: int) -> Response:
        if size not in ICON_SIZES:
            return Response(status_code=404)
        return Response(
            icon_png(size),
            media_type="image/png",
            headers={"Cache-Control": "public, max-age=86400"},
        )
