"""Admin routes for accounts, money and badges, added to the hub's app by ``create_app``::

    POST   /v1/admin/sites/{site}/accounts              AccountImport -> 204
    GET    /v1/admin/sites/{site}/accounts              -> [AccountRow]
    GET    /v1/admin/sites/{site}/flags                 -> [FlagView]
    GET    /v1/admin/accounts/{id}                      -> AccountView
    PATCH  /v1/admin/accounts/{id}                      AccountUpdate -> AccountView
    POST   /v1/admin/accounts/{id}/top-ups              TopUp -> Balance
    POST   /v1/admin/accounts/{id}/adjustments          Adjustment -> Balance
    POST   /v1/admin/accounts/{id}/clear-flags          -> 204
    POST   /v1/admin/credentials                        CredentialAssign -> CredentialRow
    POST   /v1/admin/credentials/{value}/status         CredentialStatusChange -> CredentialRow
    POST   /v1/admin/credentials/{value}/replace        CredentialReplace -> CredentialRow

Their body models are registered in the OpenAPI document by ``create_app``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Response

from sync.protocol import admin as adm
from sync.protocol.rows import AccountRow, CredentialRow
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
from sync.server.records import AccountRecord
from sync.server.service import Hub


def add_account_routes(app: FastAPI, hub: Hub) -> None:
    """Add the routes; their body models are listed by ``create_app``."""

    # Accounts and money ---------------------------------------------------------

    @app.post(
        "/v1/admin/sites/{site}/accounts",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=204,
        responses=_ERRORS,
        openapi_extra=json_body(adm.AccountImport),
    )
    def import_accounts(
        site: SiteCode,
        request: Annotated[adm.AccountImport, Depends(body_of(adm.AccountImport))],
    ) -> Response:
        hub.put_accounts(site, request.accounts, replace=request.replace)
        return reply()

    @app.get(
        "/v1/admin/sites/{site}/accounts",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[AccountRow]}, **_ERRORS},
    )
    def list_accounts(site: SiteCode, flagged: bool = False) -> Response:
        hub.settings(site)
        rows = [r.row for r in hub.storage.list_accounts(site, flagged=flagged)]
        return _list(AccountRow, rows)

    @app.get(
        "/v1/admin/sites/{site}/flags",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[adm.FlagView]}, **_ERRORS},
    )
    def flags(site: SiteCode) -> Response:
        hub.settings(site)
        views = [
            adm.FlagView(
                account_id=f.account_id,
                reason=f.reason,
                terminal_id=f.terminal_id,
                seq=f.seq,
                balance=f.balance,
                created_at=f.created_at,
            )
            for f in hub.storage.open_flags(site)
        ]
        return _list(adm.FlagView, views)

    def account_view(record: AccountRecord) -> Response:
        return reply(
            adm.AccountView(
                account=record.row,
                site=record.site,
                flagged=record.flagged,
                credentials=hub.storage.credentials_of(record.row.id),
            )
        )

    @app.get(
        "/v1/admin/accounts/{account_id}",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": adm.AccountView}, **_ERRORS},
    )
    def get_account(account_id: AccountId) -> Response:
        return account_view(hub.account(account_id))

    @app.patch(
        "/v1/admin/accounts/{account_id}",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": adm.AccountView}, **_ERRORS},
        openapi_extra=json_body(adm.AccountUpdate),
    )
    def patch_account(
        account_id: AccountId,
        update: Annotated[adm.AccountUpdate, Depends(body_of(adm.AccountUpdate))],
    ) -> Response:
        record = hub.account(account_id)
        changes = update.model_dump(exclude_none=True)
        new = AccountRecord(record.row.model_copy(update=changes), record.site, record.flagged)
        hub.update_account(new)
        return account_view(hub.account(account_id))

    @app.post(
        "/v1/admin/accounts/{account_id}/top-ups",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": adm.Balance}, **_ERRORS},
        openapi_extra=json_body(adm.TopUp),
    )
    def top_up(
        account_id: AccountId, request: Annotated[adm.TopUp, Depends(body_of(adm.TopUp))]
    ) -> Response:
        balance = hub.top_up(account_id, request.amount, request.ref, request.note)
        return reply(adm.Balance(account_id=account_id, balance=balance))

    @app.post(
        "/v1/admin/accounts/{account_id}/adjustments",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": adm.Balance}, **_ERRORS},
        openapi_extra=json_body(adm.Adjustment),
    )
    def adjust(
        account_id: AccountId,
        request: Annotated[adm.Adjustment, Depends(body_of(adm.Adjustment))],
    ) -> Response:
        balance = hub.adjust(account_id, request.amount, request.ref, request.note, "adjustment")
        return reply(adm.Balance(account_id=account_id, balance=balance))

    @app.post(
        "/v1/admin/accounts/{account_id}/clear-flags",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=204,
        responses=_ERRORS,
    )
    def clear_flags(account_id: AccountId) -> Response:
        hub.account(account_id)
        hub.storage.clear_flags(account_id, hub.clock())
        return reply()

    # Badges ---------------------------------------------------------

    @app.post(
        "/v1/admin/credentials",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": CredentialRow}, **_ERRORS},
        openapi_extra=json_body(adm.CredentialAssign),
    )
    def assign(
        request: Annotated[adm.CredentialAssign, Depends(body_of(adm.CredentialAssign))],
    ) -> Response:
        row = hub.assign_credential(
            request.value, request.kind, request.account_id, request.public_key
        )
        return reply(row)

    @app.post(
        "/v1/admin/credentials/{value}/status",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": CredentialRow}, **_ERRORS},
        openapi_extra=json_body(adm.CredentialStatusChange),
    )
    def credential_status(
        value: CredValue,
        request: Annotated[
            adm.CredentialStatusChange, Depends(body_of(adm.CredentialStatusChange))
        ],
    ) -> Response:
        return reply(hub.set_credential_status(value, request.status))

    @app.post(
        "/v1/admin/credentials/{value}/replace",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": CredentialRow}, **_ERRORS},
        openapi_extra=json_body(adm.CredentialReplace),
    )
    def replace(
        value: CredValue,
        request: Annotated[adm.CredentialReplace, Depends(body_of(adm.CredentialReplace))],
    ) -> Response:
        return reply(hub.replace_credential(value, request.new_value))
