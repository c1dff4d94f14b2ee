"""The portal's passkey routes (``passkeys``), added to its router::

    POST /portal/cles/options/ajout      (signed in) options to create a passkey
    POST /portal/cles/ajout              (signed in) JSON {credential, label} -> 201
    POST /portal/cles/options/connexion  options to sign in with a passkey
    POST /portal/cles/connexion          JSON {credential} -> {next}, signed in
    POST /portal/cles/retirer            (signed in, form) remove one

The JSON calls carry the session's CSRF token in ``X-CSRF-Token`` and must be
``application/json``; passkeys.js makes them. The relying party is the host the
browser reached, and its origin.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from sync.server.portal.devices_http import small_form
from sync.server.portal.i18n import text
from sync.server.portal.passkeys import PasskeyRefusal, Passkeys
from sync.server.portal.service import Session

if TYPE_CHECKING:
    from sync.server.portal.routes import Pages

MAX_JSON = 16384  # an attestation with its certificates

Handler = Callable[[Request, Session, dict[str, Any]], Awaitable[Response]]


def relying_party(request: Request) -> tuple[str, str]:
    """(rp_id, origin) of the host the diner's browser reached."""
    return request.url.hostname or "localhost", f"{request.url.scheme}://{request.url.netloc}"


def add_passkey_routes(
    router: APIRouter,
    pages: Pages,
    current: Callable[[Request], Session | None],
    lang_of: Callable[[Request], str],
) -> Passkeys:
    portal = pages.portal
    passkeys = Passkeys(portal)

    def refused(request: Request, reason: str, status: int = 400) -> JSONResponse:
        return JSONResponse(
            {"error": reason, "message": text(lang_of(request), f"refuse_{reason}")},
            status_code=status,
        )

    def api(signed_in: bool) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
        """A JSON POST with the session's CSRF token (and, if asked, signed in)."""

        def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
            async def run(request: Request) -> Response:
                session = current(request)
                if session is None or not portal.csrf_ok(
                    session, request.headers.get("x-csrf-token")
                ):
                    return JSONResponse({"error": "csrf"}, status_code=403)
                if signed_in and not session.signed_in:
                    return JSONResponse({"error": "signed_out"}, status_code=401)
                kind = request.headers.get("content-type", "").split(";")[0].strip()
                if kind != "application/json":
                    return JSONResponse({"error": "json_only"}, status_code=415)
                raw = await request.body()
                if len(raw) > MAX_JSON:
                    return JSONResponse({"error": "too_large"}, status_code=413)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    return refused(request, PasskeyRefusal.BAD_RESPONSE.value)
                return await handler(request, session, body)

            return run

        return wrap

    def options(body: str) -> Response:
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})

    async def add_options(request: Request, session: Session, body: dict[str, Any]) -> Response:
        return options(passkeys.registration_options(session, relying_party(request)[0]))

    async def add(request: Request, session: Session, body: dict[str, Any]) -> Response:
        credential, label = body.get("credential"), body.get("label")
        if not isinstance(credential, dict):
            return refused(request, PasskeyRefusal.BAD_RESPONSE.value)
        rp_id, origin = relying_party(request)
        refusal = passkeys.register(
            session, credential, rp_id, origin, label if isinstance(label, str) else ""
        )
        if refusal is not None:
            status = 409 if refusal is PasskeyRefusal.TOO_MANY else 400
            return refused(request, refusal.value, status)
        return JSONResponse({"added": True}, status_code=201)

    async def sign_in_options(request: Request, session: Session, body: dict[str, Any]) -> Response:
        if session.signed_in:
            return JSONResponse({"error": "signed_in"}, status_code=409)
        return options(passkeys.authentication_options(session, relying_party(request)[0]))

    async def sign_in(request: Request, session: Session, body: dict[str, Any]) -> Response:
        credential = body.get("credential")
        if session.signed_in:
            return JSONResponse({"next": "/portal/"})
        if not isinstance(credential, dict):
            return refused(request, PasskeyRefusal.BAD_RESPONSE.value)
        rp_id, origin = relying_party(request)
        result = passkeys.sign_in(session, credential, rp_id, origin)
        if not isinstance(result, Session):
            return refused(request, result.value)
        response = JSONResponse({"next": "/portal/"})
        pages.keep(request, response, result)
        return response

    router.post("/cles/options/ajout")(api(signed_in=True)(add_options))
    router.post("/cles/ajout")(api(signed_in=True)(add))
    router.post("/cles/options/connexion")(api(signed_in=False)(sign_in_options))
    router.post("/cles/connexion")(api(signed_in=False)(sign_in))

    @router.post("/cles/retirer")
    async def remove(request: Request) -> Response:
        form = await small_form(request)
        session = current(request)
        if session is None or not portal.csrf_ok(session, form.get("csrf")):
            return pages.render(request, "message.html", session, 403, message_key="csrf")
        if not session.signed_in:
            return Response(status_code=303, headers={"Location": "/portal/connexion"})
        passkeys.remove(session, form.get("credential_id", ""))
        return Response(status_code=303, headers={"Location": "/portal/appareils"})

    return passkeys
