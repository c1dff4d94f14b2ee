"""Admin routes for orders (``sync.server.orders``), added to the hub's app by
``create_app``; the back office (``kiosk admin orders``) and the kitchen use them::

    GET  /v1/admin/sites/{site}/orders?day=YYYY-MM-DD     -> OrdersOfDay
    GET  /v1/admin/sites/{site}/orders/{code}             -> OrderDoc
    POST /v1/admin/sites/{site}/orders/{code}/ready       -> OrderDoc (mails the diner
                                                             who asked, through the
                                                             portal's SMTP settings)
    POST /v1/admin/sites/{site}/orders/{code}/cancel      ManagerCancel -> OrderDoc
    GET  /v1/admin/accounts/{account_id}/orders           -> [OrderDoc]
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from pydantic import BaseModel

from sync.protocol.orders import (
    ORDER_CODE_PATTERN,
    ManagerCancel,
    OrderDoc,
    OrdersOfDay,
    production,
)
from sync.server import orders
from sync.server.app import _ERRORS, ADMIN, AccountId, SiteCode, _list, body_of, json_body, reply
from sync.server.errors import NotFoundError
from sync.server.service import Hub

log = logging.getLogger(__name__)

Code = Annotated[str, Path(pattern=ORDER_CODE_PATTERN)]
BODY_MODELS: list[type[BaseModel]] = [ManagerCancel]


def add_routes(app: FastAPI, hub: Hub) -> list[type[BaseModel]]:
    """Add the routes; return the body models for the OpenAPI document."""

    @app.get(
        "/v1/admin/sites/{site}/orders",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": OrdersOfDay}, **_ERRORS},
    )
    def orders_of_day(site: SiteCode, day: Annotated[date, Query()]) -> Response:
        hub.settings(site)
        docs = hub.storage.orders_of_day(site, day.isoformat())
        found = OrdersOfDay(
            day=day.isoformat(), orders=tuple(docs), production=tuple(production(docs))
        )
        return reply(found)

    @app.get(
        "/v1/admin/sites/{site}/orders/{code}",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": OrderDoc}, **_ERRORS},
    )
    def get_order(site: SiteCode, code: Code) -> Response:
        found = hub.storage.order(site, code)
        if found is None:
            raise NotFoundError(f"no order {code} on {site}")
        return reply(found)

    @app.post(
        "/v1/admin/sites/{site}/orders/{code}/ready",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": OrderDoc}, **_ERRORS},
    )
    def ready(request: Request, site: SiteCode, code: Code) -> Response:
        hub.settings(site)
        with hub.storage.order_tx(site, hub.clock()) as tx:
            before = tx.by_code(code)
            doc = orders.mark_ready(tx, code)
        if doc.notify and before is not None and before.state != doc.state:
            _notify(request, site, doc)
        return reply(doc)

    @app.post(
        "/v1/admin/sites/{site}/orders/{code}/cancel",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": OrderDoc}, **_ERRORS},
        openapi_extra=json_body(ManagerCancel),
    )
    def cancel(
        site: SiteCode,
        code: Code,
        request: Annotated[ManagerCancel, Depends(body_of(ManagerCancel))],
    ) -> Response:
        hub.settings(site)
        with hub.storage.order_tx(site, hub.clock()) as tx:
            doc = orders.cancel_by_manager(tx, code, request.reason)
        return reply(doc)

    @app.get(
        "/v1/admin/accounts/{account_id}/orders",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[OrderDoc]}, **_ERRORS},
    )
    def orders_of_account(account_id: AccountId) -> Response:
        hub.account(account_id)
        return _list(OrderDoc, hub.storage.orders_of_account(account_id))

    return BODY_MODELS


def _notify(request: Request, site: str, doc: OrderDoc) -> None:
    """Tell the diner their order is ready, by mail through the portal's settings; a
    mail that cannot go is logged, never a failure of the kitchen's action."""
    portal = getattr(request.app.state, "portal", None)
    if portal is None:
        return
    from sync.server.portal.orders_routes import notify_ready

    notify_ready(portal, site, doc)
