"""The portal's phone badge and devices pages, added to its router::

    GET  /portal/badge                 the rotating QR code (badge.js signs it here)
    POST /portal/badge/appareil        JSON {public_key, label} -> 201 {credential}
    GET  /portal/badge/etat?credential=  JSON {status: active | revoked | unknown, now_ms}
    GET  /portal/appareils             the diner's devices
    POST /portal/appareils/retirer     revoke one (form: credential)
    GET  /portal/sw.js                 the service worker (keeps the badge offline)
    GET  /portal/static/<file>.js      the pages' scripts and the vendored libraries

and those of ``devices_link_routes`` (sign a new device in from a QR code) and
``passkeys_routes`` (passkeys).

The JSON POST carries the session's CSRF token in ``X-CSRF-Token`` and must be
``application/json`` (no cross-site form can send it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from sync.server.portal import devices_words
from sync.server.portal.devices import DeviceRefusal, Devices
from sync.server.portal.devices_http import small_form
from sync.server.portal.devices_link_routes import add_link_routes
from sync.server.portal.i18n import text
from sync.server.portal.kit import SignedIn
from sync.server.portal.passkeys_routes import add_passkey_routes
from sync.server.portal.service import Portal, Session

if TYPE_CHECKING:
    from sync.server.portal.routes import Pages

HERE = FilePath(__file__).parent
STATIC = HERE / "static"
# Scripts served by name: a fixed list, never a path from the request.
SCRIPTS = {
    "badge.js": STATIC / "badge.js",
    "vendor/qrcode-generator/qrcode.js": STATIC / "vendor" / "qrcode-generator" / "qrcode.js",
    "scan.js": STATIC / "scan.js",
    "passkeys.js": STATIC / "passkeys.js",
    "vendor/jsqr/jsQR.js": STATIC / "vendor" / "jsqr" / "jsQR.js",
}
MAX_JSON = 2048
_STATUS = {
    DeviceRefusal.BAD_KEY: 400,
    DeviceRefusal.TOO_MANY: 409,
    DeviceRefusal.CLOSED: 403,
    DeviceRefusal.UNKNOWN_DEVICE: 404,
    DeviceRefusal.BAD_LINK: 400,
}


def add_badge_routes(
    router: APIRouter,
    pages: Pages,
    cookie: str,
    lang_of: Callable[[Request], str],
) -> Devices:
    """Add the badge and devices routes to the portal's router (prefix ``/portal``):
    ``cookie`` names the session cookie, ``lang_of`` gives a request's language."""
    devices_words.register()
    portal: Portal = pages.portal
    devices = Devices(portal)

    def current(request: Request) -> Session | None:
        return portal.session(request.cookies.get(cookie))

    def signed_in(request: Request) -> Session | None:
        session = current(request)
        return session if session is not None and session.signed_in else None

    passkeys = add_passkey_routes(router, pages, current, lang_of)

    def json_error(request: Request, refusal: DeviceRefusal) -> JSONResponse:
        message = text(lang_of(request), f"refuse_{refusal.value}")
        return JSONResponse(
            {"error": refusal.value, "message": message}, status_code=_STATUS[refusal]
        )

    @router.get("/badge")
    def badge(request: Request, session: SignedIn) -> Response:
        return pages.render(request, "badge.html", session)

    @router.post("/badge/appareil")
    async def enrol(request: Request) -> Response:
        session = signed_in(request)
        if session is None:
            return JSONResponse({"error": "signed_out"}, status_code=401)
        if not portal.csrf_ok(session, request.headers.get("x-csrf-token")):
            return JSONResponse({"error": "csrf"}, status_code=403)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"error": "json_only"}, status_code=415)
        raw = await request.body()
        if len(raw) > MAX_JSON:
            return JSONResponse({"error": "too_large"}, status_code=413)
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("public_key"), str):
            return json_error(request, DeviceRefusal.BAD_KEY)
        label = body.get("label")
        result = devices.register(
            session, body["public_key"], label if isinstance(label, str) else ""
        )
        if isinstance(result, DeviceRefusal):
            return json_error(request, result)
        return JSONResponse(
            {"credential": result.credential, "label": result.label}, status_code=201
        )

    @router.get("/badge/etat")
    def status(request: Request, credential: str = "") -> Response:
        session = signed_in(request)
        if session is None:
            return JSONResponse({"error": "signed_out"}, status_code=401)
        # The hub's time too: the page corrects a phone clock that is off.
        now_ms = int(portal.hub.clock().timestamp() * 1000)
        return JSONResponse(
            {"status": devices.status(session, credential), "now_ms": now_ms},
            headers={"Cache-Control": "no-store"},
        )

    @router.get("/appareils")
    def device_list(request: Request, session: SignedIn) -> Response:
        return pages.render(
            request, "devices.html", session, devices=devices.devices(session),
            passkeys=passkeys.of(session),
        )  # fmt: skip

    @router.post("/appareils/retirer")
    async def revoke(request: Request) -> Response:
        form = await small_form(request)
        session = signed_in(request)
        if session is None or not portal.csrf_ok(session, form.get("csrf")):
            return pages.render(request, "message.html", session, 403, message_key="csrf")
        refusal = devices.revoke(session, form.get("credential", ""))
        listed = devices.devices(session)
        if refusal is not None:
            return pages.render(
                request, "devices.html", session, _STATUS[refusal], devices=listed,
                problem=f"refuse_{refusal.value}",
            )  # fmt: skip
        return pages.render(request, "devices.html", session, devices=listed, done="device_revoked")

    @router.get("/sw.js")
    def service_worker() -> Response:
        # Served from /portal/ so that its scope covers the badge page.
        return FileResponse(
            STATIC / "sw.js",
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/portal/"},
        )

    @router.get("/static/{name:path}")
    def script(name: str) -> Response:
        path = SCRIPTS.get(name)
        if path is None:
            return Response(status_code=404)
        return FileResponse(
            path, media_type="text/javascript", headers={"Cache-Control": "no-cache"}
        )

    add_link_routes(router, pages, devices, current, lang_of)
    return devices
