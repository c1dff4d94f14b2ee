"""Routes of online top-up, added to the hub's app by ``create_app``::

    PUT  /v1/admin/payment-provider                        ProviderSettings -> 204
    GET  /v1/admin/sites/{site}/online-topup-limits        -> TopUpLimits
    POST /v1/admin/accounts/{account_id}/online-topups     OnlineTopUpRequest -> 201 view
    GET  /v1/admin/accounts/{account_id}/online-topups     -> [OnlineTopUpView]
    GET  /v1/admin/online-topups/{id}                      -> OnlineTopUpView
    POST /v1/admin/online-topups/{id}/refund               RefundRequest -> OnlineTopUpView
    POST /v1/payments/notify     the provider's signed notification (form) -> "OK"
    GET  /v1/payments/return     where the diner's browser comes back: a result page

The notification route has no token: its signature is its authentication. The return
page only reads the order's state: a diner coming back never credits anything.
"""

from __future__ import annotations

import html
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from pydantic import BaseModel

from sync.protocol.online_topup import (
    OnlineTopUpRequest,
    OnlineTopUpState,
    OnlineTopUpView,
    ProviderSettings,
    RefundRequest,
    TopUpLimits,
)
from sync.server.app import _ERRORS, ADMIN, AccountId, SiteCode, _list, body_of, json_body, reply
from sync.server.errors import InvalidRequestError
from sync.server.payments.service import OnlineTopUps
from sync.server.service import Hub

TopUpId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")]
BODY_MODELS: list[type[BaseModel]] = [ProviderSettings, OnlineTopUpRequest, RefundRequest]
MAX_FORM = 16_384
_RESULT = {
    OnlineTopUpState.CREATED: "Paiement en cours de confirmation par la banque.",
    OnlineTopUpState.PAID: "Paiement accepté : votre compte est crédité de {amount}.",
    OnlineTopUpState.REFUSED: "Paiement refusé : votre compte n'est pas crédité.",
    OnlineTopUpState.ABANDONED: "Paiement abandonné : votre compte n'est pas crédité.",
    OnlineTopUpState.REFUNDED: "Recharge remboursée.",
}


def result_page(view: OnlineTopUpView) -> str:
    euros = f"{view.amount // 100},{view.amount % 100:02d} €"
    text = _RESULT[view.state].format(amount=euros)
    return (
        "<!doctype html><html lang=fr><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width'>"
        f"<title>Recharge {html.escape(view.id)}</title>"
        f"<h1>Recharge de {html.escape(euros)}</h1><p id=state data-state={view.state.value}>"
        f"{html.escape(text)}</p></html>"
    )


def add_routes(app: FastAPI, hub: Hub) -> list[type[BaseModel]]:
    """Add the routes; return the body models for the OpenAPI document."""
    online = OnlineTopUps(hub)
    app.state.online_topups = online

    @app.put(
        "/v1/admin/payment-provider",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=204,
        responses=_ERRORS,
        openapi_extra=json_body(ProviderSettings),
    )
    def set_provider(
        request: Annotated[ProviderSettings, Depends(body_of(ProviderSettings))],
    ) -> Response:
        online.configure(request)
        return reply()

    @app.get(
        "/v1/admin/sites/{site}/online-topup-limits",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": TopUpLimits}, **_ERRORS},
    )
    def limits(site: SiteCode) -> Response:
        return reply(online.limits(site))

    @app.post(
        "/v1/admin/accounts/{account_id}/online-topups",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=201,
        responses={201: {"model": OnlineTopUpView}, **_ERRORS},
        openapi_extra=json_body(OnlineTopUpRequest),
    )
    def create(
        account_id: AccountId,
        request: Annotated[OnlineTopUpRequest, Depends(body_of(OnlineTopUpRequest))],
    ) -> Response:
        return reply(online.create(account_id, request), status=201)

    @app.get(
        "/v1/admin/accounts/{account_id}/online-topups",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[OnlineTopUpView]}, **_ERRORS},
    )
    def history(account_id: AccountId) -> Response:
        return _list(OnlineTopUpView, online.history(account_id))

    @app.get(
        "/v1/admin/online-topups/{topup_id}",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": OnlineTopUpView}, **_ERRORS},
    )
    def get(topup_id: TopUpId) -> Response:
        return reply(online.view(topup_id))

    @app.post(
        "/v1/admin/online-topups/{topup_id}/refund",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": OnlineTopUpView}, **_ERRORS},
        openapi_extra=json_body(RefundRequest),
    )
    def refund(
        topup_id: TopUpId, request: Annotated[RefundRequest, Depends(body_of(RefundRequest))]
    ) -> Response:
        return reply(online.refund(topup_id, request))

    @app.post("/v1/payments/notify", tags=["payments"], responses=_ERRORS)
    async def notify(request: Request) -> Response:
        raw = await request.body()
        if len(raw) > MAX_FORM:
            raise InvalidRequestError("notification too large")
        try:
            form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidRequestError(f"notification is not a form: {exc}") from exc
        online.notify(form)
        return Response(content="OK", media_type="text/plain")

    @app.get("/v1/payments/return", tags=["payments"], responses=_ERRORS)
    def back(vads_order_id: Annotated[str, Query(min_length=1, max_length=64)]) -> Response:
        return Response(content=result_page(online.view(vads_order_id)), media_type="text/html")

    return BODY_MODELS
