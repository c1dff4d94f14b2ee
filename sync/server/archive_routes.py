"""Routes for terminals' archives (``sync.server.archives``), added to the hub's app by
``create_app``::

    GET  /v1/certificate                          (terminal token) -> TerminalCertificate
    POST /v1/archives      the archive's bytes    (terminal token) -> ArchiveReceipt
    GET  /v1/admin/sites/{site}/archives?terminal=T                -> [ArchiveInfo]
    GET  /v1/admin/archives/{id}                  the archive's bytes (JSON Lines)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from sync.protocol.archives import MAX_ARCHIVE_BYTES, ArchiveInfo
from sync.server.app import _ERRORS, ADMIN, SiteCode, ThisTerminal, _list, reply
from sync.server.archives import certificate_for, receive_archive
from sync.server.errors import NotFoundError, TooLargeError
from sync.server.service import Hub

ArchiveId = Annotated[int, Path(ge=1, le=2**62)]
ARCHIVE_MEDIA = "application/x-ndjson"  # what a download is
UPLOAD_MEDIA = "application/octet-stream"  # what an upload is sent as


def add_routes(app: FastAPI, hub: Hub) -> list[type[BaseModel]]:
    """Add the routes; return the body models for the OpenAPI document."""

    @app.get("/v1/certificate", tags=["terminal"], responses=_ERRORS)
    def certificate(me: ThisTerminal) -> Response:
        return reply(certificate_for(hub, me))

    @app.post(
        "/v1/archives",
        tags=["terminal"],
        responses=_ERRORS,
        # The archive's bytes as signed (JSON Lines): read raw, whatever the type says.
        openapi_extra={
            "requestBody": {
                "content": {UPLOAD_MEDIA: {"schema": {"type": "string", "format": "binary"}}}
            }
        },
    )
    async def upload(me: ThisTerminal, request: Request) -> Response:
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_ARCHIVE_BYTES:
                raise TooLargeError(f"an archive is at most {MAX_ARCHIVE_BYTES} bytes")
        # Verifying signs thousands of entries: off the event loop.
        receipt = await run_in_threadpool(receive_archive, hub, me, bytes(data))
        return reply(receipt, status=201 if receipt.new else 200)

    @app.get(
        "/v1/admin/sites/{site}/archives",
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": list[ArchiveInfo]}, **_ERRORS},
    )
    def list_archives(
        site: SiteCode, terminal: Annotated[str | None, Query(max_length=64)] = None
    ) -> Response:
        return _list(ArchiveInfo, hub.storage.list_archives(site, terminal))

    @app.get(
        "/v1/admin/archives/{archive_id}", tags=["admin"], dependencies=ADMIN, responses=_ERRORS
    )
    def download(archive_id: ArchiveId) -> Response:
        found = hub.storage.archive_data(archive_id)
        if found is None:
            raise NotFoundError(f"no archive {archive_id}")
        info, data = found
        name = f"{info.terminal_id}-{info.period}.jsonl"
        return Response(
            data,
            media_type=ARCHIVE_MEDIA,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return []
