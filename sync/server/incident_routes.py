"""Routes for incidents (``sync.server.incidents``) and a terminal's own journal,
added to the hub's app by ``create_app``::

    GET  /v1/admin/sites/{site}/incidents?state=&kind=&account=   -> [Incident]
    GET  /v1/admin/incidents/{id}                                 -> Incident
    POST /v1/admin/incidents/{id}/clear      IncidentClear        -> Incident
    GET  /v1/journal?since=S&limit=N         (terminal token)     -> JournalPage

The last one gives a terminal back its own signed entries, as the hub holds them,
when its store lost its newest ones (``kiosk journal recover``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Path, Query, Response
from pydantic import BaseModel

from sync.protocol.incidents import Incident, IncidentClear, IncidentKind
from sync.protocol.messages import MAX_BATCH, JournalPage
from sync.server.app import (
    _ERRORS,
    ADMIN,
    AccountId,
    SiteCode,
    ThisTerminal,
    _list,
    body_of,
    json_body,
    reply,
)
from sync.server.errors import NotFoundError
from sync.server.service import Hub

IncidentId = Annotated[int, Path(ge=1, le=2**62)]
BODY_MODELS: list[type[BaseModel]] = [IncidentClear]


def add_routes(app: FastAPI, hub: Hub) -> list[type[BaseModel]]:
    """Add the routes; return the body models for the OpenAPI document."""

    @app.get(
        "/v1/admin/sites/{site}/incidents",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[Incident]}, **_ERRORS},
    )
    def list_incidents(
        site: SiteCode,
        state: Literal["open", "cleared", "all"] = "open",
        kind: IncidentKind | None = None,
        account: Annotated[AccountId | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> Response:
        found = hub.incidents(site, state=state, kind=kind, account_id=account, limit=limit)
        return _list(Incident, found)

    @app.get(
        "/v1/admin/incidents/{incident_id}",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": Incident}, **_ERRORS},
    )
    def get_incident(incident_id: IncidentId) -> Response:
        found = hub.storage.incident(incident_id)
        if found is None:
            raise NotFoundError(f"no incident {incident_id}")
        return reply(found)

    @app.post(
        "/v1/admin/incidents/{incident_id}/clear",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": Incident}, **_ERRORS},
        openapi_extra=json_body(IncidentClear),
    )
    def clear_incident(
        incident_id: IncidentId,
        request: Annotated[IncidentClear, Depends(body_of(IncidentClear))],
    ) -> Response:
        return reply(hub.clear_incident(incident_id, request.reason))

    @app.get("/v1/journal", tags=["terminal"], responses={200: {"model": JournalPage}, **_ERRORS})
    def own_journal(
        me: ThisTerminal,
        since: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_BATCH)] = MAX_BATCH,
    ) -> Response:
        return reply(hub.journal_page(me, since, limit))

    return BODY_MODELS
