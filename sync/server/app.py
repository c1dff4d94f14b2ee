"""The hub's HTTP API (FastAPI): thin routes over ``Hub``, errors as ``ErrorBody``.

Bodies are read as bytes and validated with ``model_validate_json`` (strict models
accept enum strings only in JSON mode); their schemas are registered in the OpenAPI
document by hand. A pure ASGI middleware refuses bodies above ``MAX_BODY_BYTES``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.journal import format_ts, parse_ts
from sync.protocol import admin as adm
from sync.protocol.messages import (
    DEFAULT_PAGE,
    MAX_BODY_BYTES,
    MAX_PAGE,
    ChangesPage,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    ErrorCode,
    Health,
    PushRequest,
    PushResponse,
)
from sync.protocol.page_rows import RowForm
from sync.protocol.rows import SiteSettings
from sync.server import metrics
from sync.server.compression import json_reply
from sync.server.connections import LogDisconnects
from sync.server.errors import (
    HubError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    TooLargeError,
)
from sync.server.records import TerminalRecord
from sync.server.service import Hub

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
JSON = "application/json"
SiteCode = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-\.:]+$")]
AccountId = SiteCode
CredValue = Annotated[str, Path(min_length=1, max_length=256)]
DocKind = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9_\-]+$")]
DocId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-\.:]+$")]
_DOCUMENT = TypeAdapter(adm.Document)
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 403, 404, 409, 413, 422, 429, 503)
}


class BodyLimit:
    """Refuse a request body above ``limit`` bytes with 413, before reading it all."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _send_error(send, TooLargeError(f"body above {self.limit} bytes"))
                return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLargeError(f"body above {self.limit} bytes")
            return message

        await self.app(scope, counting, send)


async def _send_error(send: Send, error: HubError) -> None:
    body = error.body().model_dump_json(exclude_none=True).encode()
    headers = [(b"content-type", JSON.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _explain(exc: ValidationError | RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def body_of(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    async def read(request: Request) -> M:
        raw = await request.body()
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            raise InvalidRequestError(_explain(exc)) from exc

    return read


def json_body(model: type[BaseModel] | None) -> dict[str, Any]:
    """OpenAPI ``requestBody`` for a route whose body ``body_of`` reads."""
    name = model.__name__ if model is not None else "Document"
    return {
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    }


def reply(value: BaseModel | None = None, status: int = 200, raw: bytes | None = None) -> Response:
    if value is None and raw is None:
        return Response(status_code=204)
    content = raw if raw is not None else value.model_dump_json().encode()  # type: ignore[union-attr]
    return Response(content=content, status_code=status, media_type=JSON)


def _list(kind: type[Any], items: list[Any]) -> Response:
    return reply(raw=TypeAdapter(list[kind]).dump_json(items))  # type: ignore[valid-type]


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


_bearer = HTTPBearer(auto_error=False)
BearerToken = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _terminal(request: Request, creds: BearerToken) -> TerminalRecord:
    return _hub(request).terminal_for(creds.credentials if creds else None)


def _admin(request: Request, creds: BearerToken) -> None:
    write = request.method not in {"GET", "HEAD", "OPTIONS"}  # writes are rate-limited
    _hub(request).check_admin(creds.credentials if creds else None, write=write)


ThisTerminal = Annotated[TerminalRecord, Depends(_terminal)]
ADMIN = [Depends(_admin)]


async def _read_document(request: Request) -> adm.Document:
    try:
        return _DOCUMENT.validate_json(await request.body())
    except ValidationError as exc:
        raise InvalidRequestError(_explain(exc)) from exc


def create_app(hub: Hub) -> FastAPI:
    app = FastAPI(
        title="Canteen hub",
        version="1",
        description="Sync protocol v1 for canteen terminals, and the admin API.",
    )
    app.state.hub = hub
    app.add_middleware(BodyLimit)
    app.add_middleware(LogDisconnects)
    body_models: list[type[BaseModel]] = [
        EnrolRequest,
        PushRequest,
        SiteSettings,
        adm.AccountImport,
        adm.AccountUpdate,
        adm.TopUp,
        adm.Adjustment,
        adm.CredentialAssign,
        adm.CredentialStatusChange,
        adm.CredentialReplace,
        adm.EnrolmentTokenRequest,
    ]

    @app.exception_handler(HubError)
    async def hub_error(request: Request, exc: HubError) -> Response:
        metrics.refused(exc.code.value)
        if exc.status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc.detail)
        body = exc.body().model_dump_json(exclude_none=True).encode()
        response = reply(raw=body, status=exc.status)
        if isinstance(exc, RateLimitedError):
            response.headers["Retry-After"] = str(exc.retry_after_s)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        metrics.refused(ErrorCode.INVALID.value)
        return reply(InvalidRequestError(_explain(exc)).body(), status=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.INVALID
        metrics.refused(code.value)
        return reply(ErrorBody(reason=code, detail=str(exc.detail)), status=exc.status_code)

    # Terminal API --------------------------------------------------------------------

    @app.get("/v1/health", tags=["terminal"], responses={200: {"model": Health}})
    def health() -> Response:
        return reply(Health(time=format_ts(hub.clock())))

    @app.post(
        "/v1/enrol",
        tags=["terminal"],
        responses={200: {"model": EnrolResponse}, **_ERRORS},
        openapi_extra=json_body(EnrolRequest),
    )
    def enrol(request: Annotated[EnrolRequest, Depends(body_of(EnrolRequest))]) -> Response:
        return reply(hub.enrol(request))

    @app.post(
        "/v1/journal",
        tags=["terminal"],
        responses={200: {"model": PushResponse}, **_ERRORS},
        openapi_extra=json_body(PushRequest),
    )
    def push(
        me: ThisTerminal, request: Annotated[PushRequest, Depends(body_of(PushRequest))]
    ) -> Response:
        with metrics.timed("push"):
            result = hub.push(me, [e.to_entry() for e in request.entries])
        metrics.pushed(result.applied, result.duplicates)
        return reply(result)

    @app.get("/v1/changes", tags=["terminal"], responses={200: {"model": ChangesPage}, **_ERRORS})
    def changes(
        request: Request,
        me: ThisTerminal,
        *,
        since: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        site: Annotated[str | None, Query(max_length=64)] = None,
        rows: Annotated[
            RowForm,
            Query(
                description="`arrays`: each account and credential as an array of "
                "its fields (sync.protocol.page_rows), the sync daemon's form"
            ),
        ] = "objects",
    ) -> Response:
        with metrics.timed("changes"):
            return json_reply(request, hub.changes(me, since, limit, site, rows))

    # Admin API: sites and terminals ------------------------------------------------------

    @app.post(
        "/v1/admin/sites",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=201,
        responses={201: {"model": SiteSettings}, **_ERRORS},
        openapi_extra=json_body(SiteSettings),
    )
    def create_site(
        settings: Annotated[SiteSettings, Depends(body_of(SiteSettings))],
    ) -> Response:
        hub.create_site(settings)
        return reply(settings, status=201)

    @app.get(
        "/v1/admin/sites",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[SiteSettings]}, **_ERRORS},
    )
    def list_sites() -> Response:
        return _list(SiteSettings, hub.storage.list_sites())

    @app.get(
        "/v1/admin/sites/{site}",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": SiteSettings}, **_ERRORS},
    )
    def get_site(site: SiteCode) -> Response:
        return reply(hub.settings(site))

    @app.put(
        "/v1/admin/sites/{site}",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": SiteSettings}, **_ERRORS},
        openapi_extra=json_body(SiteSettings),
    )
    def put_site(
        site: SiteCode, settings: Annotated[SiteSettings, Depends(body_of(SiteSettings))]
    ) -> Response:
        if settings.site_code != site:
            raise InvalidRequestError("site_code must match the path")
        hub.update_settings(settings)
        return reply(settings)

    @app.post(
        "/v1/admin/sites/{site}/enrolment-tokens",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=201,
        responses={201: {"model": adm.EnrolmentToken}, **_ERRORS},
        openapi_extra=json_body(adm.EnrolmentTokenRequest),
    )
    def enrolment_token(
        site: SiteCode,
        request: Annotated[adm.EnrolmentTokenRequest, Depends(body_of(adm.EnrolmentTokenRequest))],
    ) -> Response:
        token, expires = hub.create_enrolment_token(
            site, timedelta(seconds=request.ttl_s), request.mode
        )
        view = adm.EnrolmentToken(token=token, site_code=site, expires_at=format_ts(expires))
        return reply(view, status=201)

    @app.get(
        "/v1/admin/terminals/{terminal_id}/verify",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": adm.JournalCheck}, **_ERRORS},
    )
    def verify_terminal(terminal_id: AccountId) -> Response:
        report = hub.verify_terminal(terminal_id)
        return reply(
            adm.JournalCheck(
                terminal_id=terminal_id,
                ok=report.ok,
                checked=report.checked,
                last_seq=report.last_seq,
                bad_seq=report.bad_seq,
                problem=report.problem,
            )
        )

    @app.get(
        "/v1/admin/sites/{site}/terminals",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[adm.TerminalView]}, **_ERRORS},
    )
    def terminals(site: SiteCode) -> Response:
        hub.settings(site)
        now = hub.clock()
        views = [
            adm.TerminalView(
                id=t.id,
                site=t.site,
                name=t.name,
                applied_seq=t.applied_seq,
                enrolled_at=t.enrolled_at,
                last_seen=t.last_seen,
                lag_s=None
                if t.last_seen is None
                else int((now - parse_ts(t.last_seen)).total_seconds()),
                revoked=t.revoked,
            )
            for t in hub.storage.list_terminals(site)
        ]
        return _list(adm.TerminalView, views)

    @app.post(
        "/v1/admin/terminals/{terminal_id}/revoke",
        tags=["admin"],
        dependencies=ADMIN,
        status_code=204,
        responses=_ERRORS,
    )
    def revoke(terminal_id: AccountId) -> Response:
        if not hub.storage.revoke_terminal(terminal_id):
            raise NotFoundError(f"no terminal {terminal_id}")
        return reply()

    from sync.server.account_routes import add_account_routes  # it imports this module's helpers

    add_account_routes(app, hub)

    # Admin API: documents -----------------------------------------------------------------

    doc_path = "/v1/admin/sites/{site}/documents/{kind}/{doc_id}"

    @app.put(
        doc_path,
        tags=["admin"],
        dependencies=ADMIN,
        status_code=204,
        responses=_ERRORS,
        openapi_extra=json_body(None),
    )
    def put_document(
        site: SiteCode,
        kind: DocKind,
        doc_id: DocId,
        body: Annotated[adm.Document, Depends(_read_document)],
    ) -> Response:
        hub.put_document(site, kind, doc_id, body)
        return reply()

    @app.get(doc_path, tags=["admin"], dependencies=ADMIN, responses=_ERRORS)
    def get_document(site: SiteCode, kind: DocKind, doc_id: DocId) -> Response:
        return reply(raw=_DOCUMENT.dump_json(hub.document(site, kind, doc_id)))

    @app.delete(doc_path, tags=["admin"], dependencies=ADMIN, status_code=204, responses=_ERRORS)
    def delete_document(site: SiteCode, kind: DocKind, doc_id: DocId) -> Response:
        hub.document(site, kind, doc_id)
        hub.put_document(site, kind, doc_id, None)
        return reply()

    from sync.server.visit_routes import add_routes  # it imports this module's helpers

    body_models += add_routes(app, hub)
    from sync.server.token_routes import add_token_routes

    body_models += add_token_routes(app, hub)
    from sync.server.backoffice_routes import add_routes as add_backoffice_routes

    body_models += add_backoffice_routes(app, hub)

    from sync.server.payments.routes import add_routes as add_payment_routes

    body_models += add_payment_routes(app, hub)

    from sync.server import incident_routes  # it imports this module's helpers

    body_models += incident_routes.add_routes(app, hub)
    from sync.server import archive_routes  # it imports this module's helpers

    body_models += archive_routes.add_routes(app, hub)

    from sync.server import order_routes  # it imports this module's helpers

    body_models += order_routes.add_routes(app, hub)

    from sync.server import personal_routes  # it imports this module's helpers

    body_models += personal_routes.add_routes(app, hub)

    from sync.server.portal import add_portal_routes

    add_portal_routes(app, hub)
    from sync.server.portal.visit_rules_routes import add_visit_rules_routes

    body_models += add_visit_rules_routes(app, hub)
    metrics.install(app, hub, _admin)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in body_models:
                found = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(found.pop("$defs", {}))
                components[model.__name__] = found
            components["Document"] = _DOCUMENT.json_schema()
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
