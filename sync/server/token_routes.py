"""Admin routes for admin tokens, added to the hub's app by ``create_app``::

    GET    /v1/admin/admin-tokens                  -> [AdminTokenView]
    POST   /v1/admin/admin-tokens                  AdminTokenRequest -> 201 AdminTokenCreated
    POST   /v1/admin/admin-tokens/{id}/revoke      -> 204

A token is shown once, when created; the hub keeps its hash and lists it by id.
``kiosk hub token list|create|revoke`` does the same on the hub's machine.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Path, Response
from pydantic import BaseModel

from sync.protocol.admin import AdminTokenCreated, AdminTokenRequest, AdminTokenView
from sync.server.app import _ERRORS, ADMIN, _list, body_of, json_body, reply
from sync.server.records import AdminTokenRecord
from sync.server.service import Hub, admin_token_id

TokenId = Annotated[str, Path(min_length=12, max_length=12, pattern=r"^[0-9a-f]{12}$")]


def token_view(record: AdminTokenRecord) -> AdminTokenView:
    return AdminTokenView(
        id=record.id,
        label=record.label,
        created_at=record.created_at,
        revoked=record.revoked_at is not None,
        revoked_at=record.revoked_at,
    )


def add_token_routes(app: FastAPI, hub: Hub) -> list[type[BaseModel]]:
    """Add the routes; return the body models for the OpenAPI document."""

    @app.get(
        "/v1/admin/admin-tokens",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[AdminTokenView]}, **_ERRORS},
    )
    def list_tokens() -> Response:
        return _list(AdminTokenView, [token_view(r) for r in hub.list_admin_tokens()])

    @app.post(
        "/v1/admin/admin-tokens",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=201,
        responses={201: {"model": AdminTokenCreated}, **_ERRORS},
        openapi_extra=json_body(AdminTokenRequest),
    )
    def create_token(
        request: Annotated[AdminTokenRequest, Depends(body_of(AdminTokenRequest))],
    ) -> Response:
        token = hub.create_admin_token(request.label)
        created = AdminTokenCreated(id=admin_token_id(token), label=request.label, token=token)
        return reply(created, status=201)

    @app.post(
        "/v1/admin/admin-tokens/{token_id}/revoke",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=204,
        responses=_ERRORS,
    )
    def revoke_token(token_id: TokenId) -> Response:
        hub.revoke_admin_token(token_id)
        return reply()

    return [AdminTokenRequest]
