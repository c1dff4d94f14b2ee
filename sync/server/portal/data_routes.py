"""The diner's "Données personnelles" page under ``/portal``::

    GET  /portal/donnees              what the hub holds about the diner, the retention
                                      periods, and the request to close the account
    GET  /portal/donnees.json         all of it as a JSON file (the back office's
                                      ``kiosk admin diner export`` gives the same)
    POST /portal/donnees/fermeture    ask to close the account (the back office lists
                                      the requests: ``kiosk admin diner requests``)

Every read is the signed-in session's own account (``PersonalData.export``, shared
with the admin API). The form carries the session's CSRF token.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from sync.server.errors import ConflictError
from sync.server.personal_data import MAX_NOTE, PersonalData
from sync.server.portal.data_words import DATA_WORDS
from sync.server.portal.i18n import TEXT
from sync.server.portal.kit import SignedIn
from sync.server.portal.service import Session

for _lang, _words in DATA_WORDS.items():
    TEXT[_lang].update(_words)

Form = dict[str, str]
Handler = Callable[[Request, Session, Form], Response]


def add_data_routes(
    router: APIRouter,
    pages: Any,
    personal: PersonalData,
    *,
    go: Callable[..., Response],
    post: Callable[[str, Handler], None],
) -> None:
    """Add the routes to the portal's router; ``post`` registers a form's handler
    behind the session and CSRF checks."""

    def held(session: Session) -> dict[str, Any]:
        assert session.row.account_id is not None
        return personal.export(session.row.account_id)

    def render(request: Request, session: Session, status: int = 200, **values: Any) -> Response:
        data = held(session)
        settings = personal.hub.settings(data["site"])
        return pages.render(  # type: ignore[no-any-return]
            request, "data.html", session, status, data=data, settings=settings, **values
        )

    @router.get("/donnees")
    def page(request: Request, session: SignedIn) -> Response:
        return render(request, session)

    @router.get("/donnees.json")
    def download(request: Request, session: SignedIn) -> Response:
        data = held(session)
        name = f"donnees-{data['account_id']}.json"
        return Response(
            json.dumps(data, ensure_ascii=False, indent=2),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )

    def ask_closure(request: Request, session: Session, form: Form) -> Response:
        assert session.row.account_id is not None
        note = form.get("note", "").strip()
        if len(note) > MAX_NOTE:
            return render(request, session, 400, problem="close_too_long")
        with contextlib.suppress(ConflictError):  # already asked: the page says when
            personal.request_closure(session.row.account_id, note)
        return go(request, "/donnees", session)

    post("/donnees/fermeture", ask_closure)
