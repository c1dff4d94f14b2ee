"""Signing a new device in from a QR code shown by a device already signed in::

    POST /portal/appareils/lien   (signed in) a fresh single-use code, shown as a QR
                                  code of the address below, valid two minutes
    GET  /portal/lien?jeton=...   on the new device: "sign in here?"  POST: sign in
    GET  /portal/scanner          the camera page that reads that QR code (scan.js)

The QR code is an address of the portal, so that a phone's own camera app opens it
as well as the portal's scanner. Opening it changes nothing: the token is spent only
by the POST (a link previewer cannot use it up), which replaces the new device's
anonymous session with a signed-in one.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import qrcode
from fastapi import APIRouter, Request, Response

from sync.journal import format_ts
from sync.server.portal.devices import Devices
from sync.server.portal.devices_http import small_form
from sync.server.portal.i18n import text
from sync.server.portal.service import Refusal, Session

if TYPE_CHECKING:
    from sync.server.portal.routes import Pages

LINK_PATH = "/portal/lien"


def qr_svg(text: str, label: str) -> str:
    """The QR code of ``text`` as an SVG image named ``label`` (black on white,
    4-module margin)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    size = len(matrix)
    cells = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img" aria-label="{html.escape(label)}">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{cells}" fill="#000"/></svg>'
    )


def add_link_routes(
    router: APIRouter,
    pages: Pages,
    devices: Devices,
    current: Callable[[Request], Session | None],
    lang_of: Callable[[Request], str],
) -> None:
    """Add the routes; ``current`` gives a request's session, if any."""
    portal = devices.portal

    def go(to: str) -> Response:
        return Response(status_code=303, headers={"Location": to})

    @router.post("/appareils/lien")
    async def show_link(request: Request) -> Response:
        form = await small_form(request)
        session = current(request)
        if session is None or not session.signed_in:
            return go("/portal/connexion")
        if not portal.csrf_ok(session, form.get("csrf")):
            return pages.render(request, "message.html", session, 403, message_key="csrf")
        code = devices.link_code(session)
        query = urlencode({"jeton": code.token})
        address = str(request.base_url).rstrip("/") + LINK_PATH + "?" + query
        seconds = int((code.expires_at - portal.hub.clock()).total_seconds())
        return pages.render(
            request,
            "link.html",
            session,
            qr=qr_svg(address, text(lang_of(request), "link_qr")),
            address=address,
            expires=format_ts(code.expires_at),
            seconds=seconds,
        )

    def anonymous(request: Request) -> Session:
        return current(request) or portal.new_session()

    @router.get("/lien")
    def confirm(request: Request, jeton: str = "") -> Response:
        session = anonymous(request)
        if session.signed_in:
            return go("/portal/")
        return pages.render(request, "link_confirm.html", session, token=jeton[:64])

    @router.post("/lien")
    async def use_link(request: Request) -> Response:
        form = await small_form(request)
        session = current(request)
        if session is None or not portal.csrf_ok(session, form.get("csrf")):
            return pages.render(request, "message.html", session, 403, message_key="csrf")
        if session.signed_in:
            return go("/portal/")
        token = form.get("jeton", "")
        found = devices.take_link(token)
        if found is None:
            return pages.render(
                request, "link_confirm.html", session, 400, token="", problem="refuse_bad_link"
            )
        result = portal.open_session(session, *found)
        if isinstance(result, Refusal):
            return pages.render(
                request, "link_confirm.html", session, 400, token="",
                problem=f"refuse_{result.value}",
            )  # fmt: skip
        response = go("/portal/")
        pages.keep(request, response, result)
        return response

    @router.get("/scanner")
    def scanner(request: Request) -> Response:
        session = anonymous(request)
        if session.signed_in:
            return go("/portal/")
        return pages.render(request, "scan.html", session)
