"""Admin routes of the back office (``sync.server.backoffice``), added by ``create_app``::

POST /v1/admin/sites/{site}/imports                     ImportStart -> 201 ImportStarted
POST /v1/admin/sites/{site}/imports/{id}/rows           ImportChunk -> ImportStaged
POST /v1/admin/sites/{site}/imports/{id}/commit?dry_run -> ImportResult (errors: nothing done)
GET  /v1/admin/sites/{site}/accounts/export             -> [ExportRow]
POST /v1/admin/sites/{site}/menu                        MenuPublish -> 201 MenuVersion
GET  /v1/admin/sites/{site}/menu/versions               -> [MenuVersion]
GET  /v1/admin/sites/{site}/menu/versions/{v}           -> Document (the SiteMenu)
POST /v1/admin/sites/{site}/menu/rollback               MenuRollback -> MenuVersion
GET  /v1/admin/sites/{site}/cashiers                    -> [CashierView]
POST /v1/admin/sites/{site}/cashiers                    CashierAdd -> CashierView
POST /v1/admin/sites/{site}/cashiers/{id}/pin           CashierPin -> CashierView
POST /v1/admin/sites/{site}/cashiers/{id}/disable       -> CashierView (and /enable)
POST /v1/admin/terminals/{id}/rename                    TerminalRename -> 204
GET  /v1/admin/sites/{site}/reports/day?day=YYYY-MM-DD  -> DayReport
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query, Response
from pydantic import BaseModel, TypeAdapter

from sync.protocol import admin as adm
from sync.server import backoffice
from sync.server.app import _ERRORS, ADMIN, AccountId, SiteCode, _list, body_of, json_body, reply
from sync.server.service import Hub

ImportId = Annotated[str, Path(min_length=16, max_length=16, pattern=r"^[0-9a-f]{16}$")]
CashierId = SiteCode
BODY_MODELS: list[type[BaseModel]] = [
    adm.ImportStart,
    adm.ImportChunk,
    adm.MenuPublish,
    adm.MenuRollback,
    adm.CashierAdd,
    adm.CashierPin,
    adm.TerminalRename,
]
_DOCUMENT = TypeAdapter(adm.Document)


def cashier_view(doc: adm.CashierDoc) -> adm.CashierView:
    return adm.CashierView(
        id=doc.id,
        name=doc.name,
        credential=doc.credential,
        role=doc.role,
        active=doc.active,
        has_pin=doc.pin is not None,
    )


def add_routes(app: FastAPI, hub: Hub) -> list[type[BaseModel]]:
    """Add the routes; return the body models for the OpenAPI document."""
    admin = {"tags": ["admin"], "dependencies": ADMIN}

    # Account imports and export -------------------------------------------------------

    @app.post(
        "/v1/admin/sites/{site}/imports",
        status_code=201,
        responses={201: {"model": adm.ImportStarted}, **_ERRORS},
        openapi_extra=json_body(adm.ImportStart),
        **admin,  # type: ignore[arg-type]
    )
    def import_start(
        site: SiteCode, request: Annotated[adm.ImportStart, Depends(body_of(adm.ImportStart))]
    ) -> Response:
        import_id = backoffice.import_start(hub, site, request.total)
        return reply(adm.ImportStarted(import_id=import_id), status=201)

    @app.post(
        "/v1/admin/sites/{site}/imports/{import_id}/rows",
        responses={200: {"model": adm.ImportStaged}, **_ERRORS},
        openapi_extra=json_body(adm.ImportChunk),
        **admin,  # type: ignore[arg-type]
    )
    def import_rows(
        site: SiteCode,
        import_id: ImportId,
        request: Annotated[adm.ImportChunk, Depends(body_of(adm.ImportChunk))],
    ) -> Response:
        staged = backoffice.import_add(hub, site, import_id, request.rows)
        return reply(adm.ImportStaged(staged=staged))

    @app.post(
        "/v1/admin/sites/{site}/imports/{import_id}/commit",
        responses={200: {"model": adm.ImportResult}, **_ERRORS},
        **admin,  # type: ignore[arg-type]
    )
    def import_commit(site: SiteCode, import_id: ImportId, dry_run: bool = False) -> Response:
        return reply(backoffice.import_commit(hub, site, import_id, dry_run=dry_run))

    @app.get(
        "/v1/admin/sites/{site}/accounts/export",
        responses={200: {"model": list[adm.ExportRow]}, **_ERRORS},
        **admin,  # type: ignore[arg-type]
    )
    def export(site: SiteCode) -> Response:
        return _list(adm.ExportRow, backoffice.export(hub, site))

    # Menus --------------------------------------------------------------------------------

    @app.post(
        "/v1/admin/sites/{site}/menu",
        status_code=201,
        responses={201: {"model": adm.MenuVersion}, **_ERRORS},
        openapi_extra=json_body(adm.MenuPublish),
        **admin,  # type: ignore[arg-type]
    )
    def menu_publish(
        site: SiteCode, request: Annotated[adm.MenuPublish, Depends(body_of(adm.MenuPublish))]
    ) -> Response:
        return reply(backoffice.menu_publish(hub, site, request), status=201)

    @app.get(
        "/v1/admin/sites/{site}/menu/versions",
        responses={200: {"model": list[adm.MenuVersion]}, **_ERRORS},
        **admin,  # type: ignore[arg-type]
    )
    def menu_versions(site: SiteCode) -> Response:
        return _list(adm.MenuVersion, backoffice.menu_versions(hub, site))

    @app.get(
        "/v1/admin/sites/{site}/menu/versions/{version}",
        responses=_ERRORS,
        **admin,  # type: ignore[arg-type]
    )
    def menu_version(site: SiteCode, version: Annotated[int, Path(ge=1)]) -> Response:
        hub.settings(site)
        return reply(raw=_DOCUMENT.dump_json(backoffice.menu_body(hub, site, version)))

    @app.post(
        "/v1/admin/sites/{site}/menu/rollback",
        responses={200: {"model": adm.MenuVersion}, **_ERRORS},
        openapi_extra=json_body(adm.MenuRollback),
        **admin,  # type: ignore[arg-type]
    )
    def menu_rollback(
        site: SiteCode, request: Annotated[adm.MenuRollback, Depends(body_of(adm.MenuRollback))]
    ) -> Response:
        return reply(backoffice.menu_rollback(hub, site, request.to_version))

    # Cashiers ------------------------------------------------------------------------------

    @app.get(
        "/v1/admin/sites/{site}/cashiers",
        responses={200: {"model": list[adm.CashierView]}, **_ERRORS},
        **admin,  # type: ignore[arg-type]
    )
    def cashiers(site: SiteCode) -> Response:
        views = [cashier_view(c) for c in backoffice.cashiers(hub, site)]
        return _list(adm.CashierView, views)

    @app.post(
        "/v1/admin/sites/{site}/cashiers",
        responses={200: {"model": adm.CashierView}, **_ERRORS},
        openapi_extra=json_body(adm.CashierAdd),
        **admin,  # type: ignore[arg-type]
    )
    def cashier_add(
        site: SiteCode, request: Annotated[adm.CashierAdd, Depends(body_of(adm.CashierAdd))]
    ) -> Response:
        return reply(cashier_view(backoffice.cashier_add(hub, site, request)))

    @app.post(
        "/v1/admin/sites/{site}/cashiers/{cashier_id}/pin",
        responses={200: {"model": adm.CashierView}, **_ERRORS},
        openapi_extra=json_body(adm.CashierPin),
        **admin,  # type: ignore[arg-type]
    )
    def cashier_pin(
        site: SiteCode,
        cashier_id: CashierId,
        request: Annotated[adm.CashierPin, Depends(body_of(adm.CashierPin))],
    ) -> Response:
        return reply(cashier_view(backoffice.cashier_pin(hub, site, cashier_id, request.pin)))

    @app.post(
        "/v1/admin/sites/{site}/cashiers/{cashier_id}/{action}",
        responses={200: {"model": adm.CashierView}, **_ERRORS},
        **admin,  # type: ignore[arg-type]
    )
    def cashier_active(
        site: SiteCode,
        cashier_id: CashierId,
        action: Annotated[str, Path(pattern="^(enable|disable)$")],
    ) -> Response:
        doc = backoffice.cashier_active(hub, site, cashier_id, action == "enable")
        return reply(cashier_view(doc))

    # Terminals and reports -------------------------------------------------------------------

    @app.post(
        "/v1/admin/terminals/{terminal_id}/rename",
        status_code=204,
        responses=_ERRORS,
        openapi_extra=json_body(adm.TerminalRename),
        **admin,  # type: ignore[arg-type]
    )
    def rename(
        terminal_id: AccountId,
        request: Annotated[adm.TerminalRename, Depends(body_of(adm.TerminalRename))],
    ) -> Response:
        backoffice.rename_terminal(hub, terminal_id, request.name)
        return reply()

    @app.get(
        "/v1/admin/sites/{site}/reports/day",
        responses={200: {"model": adm.DayReport}, **_ERRORS},
        **admin,  # type: ignore[arg-type]
    )
    def day_report(site: SiteCode, day: Annotated[date | None, Query()] = None) -> Response:
        return reply(backoffice.day_report(hub, site, day or backoffice.today(hub, site)))

    @app.get(
        "/v1/admin/terminals/{terminal_id}/entries/{seq}",
        responses={200: {"model": adm.EntryView}, **_ERRORS},
        **admin,  # type: ignore[arg-type]
    )
    def entry(terminal_id: AccountId, seq: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
        return reply(backoffice.entry(hub, terminal_id, seq))

    @app.get(
        "/v1/admin/accounts/{account_id}/movements",
        responses={200: {"model": list[adm.MovementView]}, **_ERRORS},
        **admin,  # type: ignore[arg-type]
    )
    def movements(account_id: AccountId) -> Response:
        hub.account(account_id)
        views = [
            adm.MovementView(kind=m.kind, amount=m.amount, ref=m.ref, note=m.note, ts=m.ts)
            for m in hub.storage.movements(account_id)
        ]
        return _list(adm.MovementView, views)

    return BODY_MODELS
