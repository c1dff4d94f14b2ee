"""Admin routes for a diner's personal data (``sync.server.personal_data``), added to
the hub's app by ``create_app``::

    GET  /v1/admin/accounts/{id}/personal-data             -> everything held (JSON)
    POST /v1/admin/accounts/{id}/erase      DinerErase     -> ErasureReport
    GET  /v1/admin/sites/{site}/closure-requests?every=     -> [ClosureRequestView]
    POST /v1/admin/sites/{site}/retention                  -> RetentionReport
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, FastAPI, Response
from pydantic import BaseModel

from sync.protocol.personal import (
    ClosureRequestView,
    DinerErase,
    ErasureReport,
    RetentionReport,
)
from sync.server.app import _ERRORS, ADMIN, AccountId, SiteCode, _list, body_of, json_body, reply
from sync.server.personal_data import PersonalData
from sync.server.service import Hub

BODY_MODELS: list[type[BaseModel]] = [DinerErase]


def add_routes(app: FastAPI, hub: Hub) -> list[type[BaseModel]]:
    """Add the routes; return the body models for the OpenAPI document."""
    personal = PersonalData(hub)

    @app.get(
        "/v1/admin/accounts/{account_id}/personal-data",
        tags=["admin"],
        dependencies=ADMIN,
        responses=_ERRORS,
    )
    def export(account_id: AccountId) -> Response:
        held = personal.export(account_id)
        return reply(raw=json.dumps(held, ensure_ascii=False).encode())

    @app.post(
        "/v1/admin/accounts/{account_id}/erase",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": ErasureReport}, **_ERRORS},
        openapi_extra=json_body(DinerErase),
    )
    def erase(
        account_id: AccountId, request: Annotated[DinerErase, Depends(body_of(DinerErase))]
    ) -> Response:
        return reply(personal.erase(account_id, request.reason))

    @app.get(
        "/v1/admin/sites/{site}/closure-requests",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[ClosureRequestView]}, **_ERRORS},
    )
    def closure_requests(site: SiteCode, every: bool = False) -> Response:
        return _list(ClosureRequestView, personal.closure_requests(site, open_only=not every))

    @app.post(
        "/v1/admin/sites/{site}/retention",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": RetentionReport}, **_ERRORS},
    )
    def retention(site: SiteCode) -> Response:
        return reply(personal.run_retention(site))

    return BODY_MODELS
