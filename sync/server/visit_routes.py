"""Admin routes for visit requests and phone badges (``sync.server.visits``,
``sync.server.phones``), added to the hub's app by ``create_app``::

    POST   /v1/admin/accounts/{account_id}/phones         PhoneRegister -> 201 PhoneBadge
    GET    /v1/admin/phones/{credential}/code             -> PhoneCodeView (virtual phones)
    POST   /v1/admin/sites/{site}/visits                  VisitDeclare -> 201 VisitDoc
    GET    /v1/admin/sites/{site}/visits?day=&state=      -> [VisitDoc]
    GET    /v1/admin/sites/{site}/visits/{id}             -> VisitDoc
    POST   /v1/admin/sites/{site}/visits/{id}/approve     VisitDecision -> VisitDoc
    POST   /v1/admin/sites/{site}/visits/{id}/refuse      VisitDecision -> VisitDoc
    POST   /v1/admin/sites/{site}/visits/{id}/cancel      VisitDecision -> VisitDoc
    DELETE /v1/admin/sites/{site}/visits/{id}             -> 204
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query, Response
from pydantic import BaseModel

from sync.protocol.phones import PhoneBadge, PhoneCodeView, PhoneRegister
from sync.protocol.visits import VisitDecision, VisitDeclare, VisitDoc, VisitState
from sync.server import phones, visits
from sync.server.app import (
    _ERRORS,
    ADMIN,
    AccountId,
    CredValue,
    SiteCode,
    _list,
    body_of,
    json_body,
    reply,
)
from sync.server.service import Hub

VisitId = Annotated[str, Path(min_length=16, max_length=16, pattern=r"^[0-9a-f]{16}$")]
Decision = Callable[[Hub, str, str, str], VisitDoc]
BODY_MODELS: list[type[BaseModel]] = [PhoneRegister, VisitDeclare, VisitDecision]


def add_routes(app: FastAPI, hub: Hub) -> list[type[BaseModel]]:
    """Add the routes; return the body models for the OpenAPI document."""

    @app.post(
        "/v1/admin/accounts/{account_id}/phones",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=201,
        responses={201: {"model": PhoneBadge}, **_ERRORS},
        openapi_extra=json_body(PhoneRegister),
    )
    def register_phone(
        account_id: AccountId,
        request: Annotated[PhoneRegister, Depends(body_of(PhoneRegister))],
    ) -> Response:
        return reply(phones.register(hub, account_id, request.public_key), status=201)

    @app.get(
        "/v1/admin/phones/{credential}/code",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": PhoneCodeView}, **_ERRORS},
    )
    def phone_code(credential: CredValue) -> Response:
        return reply(phones.mint(hub, credential))

    base = "/v1/admin/sites/{site}/visits"

    @app.post(
        base,
        tags=["admin"],
        dependencies=ADMIN,
        status_code=201,
        responses={201: {"model": VisitDoc}, **_ERRORS},
        openapi_extra=json_body(VisitDeclare),
    )
    def declare(
        site: SiteCode, request: Annotated[VisitDeclare, Depends(body_of(VisitDeclare))]
    ) -> Response:
        return reply(visits.declare(hub, site, request), status=201)

    @app.get(
        base,
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[VisitDoc]}, **_ERRORS},
    )
    def list_visits(
        site: SiteCode,
        day: Annotated[date | None, Query()] = None,
        state: Annotated[VisitState | None, Query()] = None,
    ) -> Response:
        return _list(VisitDoc, visits.list_visits(hub, site, day=day, state=state))

    @app.get(
        base + "/{visit_id}",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": VisitDoc}, **_ERRORS},
    )
    def get_visit(site: SiteCode, visit_id: VisitId) -> Response:
        return reply(visits.get(hub, site, visit_id))

    decisions = {"approve": visits.approve, "refuse": visits.refuse, "cancel": visits.cancel}
    for action, decide in decisions.items():
        app.add_api_route(
            f"{base}/{{visit_id}}/{action}",
            _decision_route(hub, decide),
            methods=["POST"],
            name=f"{action}_visit",
            tags=["admin"],
            dependencies=ADMIN,
            responses={200: {"model": VisitDoc}, **_ERRORS},
            openapi_extra=json_body(VisitDecision),
        )

    @app.delete(
        base + "/{visit_id}", tags=["admin"], dependencies=ADMIN, status_code=204, responses=_ERRORS
    )
    def delete_visit(site: SiteCode, visit_id: VisitId) -> Response:
        visits.delete(hub, site, visit_id)
        return reply()

    return BODY_MODELS


def _decision_route(hub: Hub, decide: Decision) -> Callable[..., Response]:
    def route(
        site: SiteCode,
        visit_id: VisitId,
        request: Annotated[VisitDecision, Depends(body_of(VisitDecision))],
    ) -> Response:
        return reply(decide(hub, site, visit_id, request.note))

    return route
