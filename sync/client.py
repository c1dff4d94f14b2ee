"""The terminal's HTTP client for the hub (httpx), with errors sorted by what to do.

Exception tree (httpx errors never leave this module untranslated)::

    SyncError
     ├── InvalidInputError     a value that cannot be sent (e.g. a malformed token)
     ├── TransientError        network error, timeout, 5xx, 408/429, a concurrent push,
     │                         a reply cut short or garbled: try again later
     ├── RefusedError          a 4xx the hub would repeat: status, reason, detail
     │    └── SequenceGapError the hub wants the journal from ``expected_seq``
     └── JournalBehindError    the hub holds entries of this terminal that its journal
                               lost (or holds differently): stop selling and recover

TLS is verified by default; ``ca_file`` trusts a private CA instead of the system's.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sync.journal import Entry, parse_ts
from sync.protocol.archives import ArchiveReceipt, TerminalCertificate
from sync.protocol.messages import (
    MAX_BATCH,
    ChangesPage,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    ErrorCode,
    Health,
    JournalPage,
    PushRequest,
    PushResponse,
    WireEntry,
)
from sync.protocol.page_rows import ChangesRows

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class SyncError(Exception):
    """Base of every error of the sync client and daemon."""


class InvalidInputError(SyncError):
    """The caller's value does not fit the protocol; nothing was sent."""


class TransientError(SyncError):
    """Worth retrying later with backoff."""


class RefusedError(SyncError):
    """The hub refused the request and would refuse it again."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(f"hub refused ({status} {reason}): {detail}")
        self.status, self.reason, self.detail = status, reason, detail


class SequenceGapError(RefusedError):
    def __init__(self, status: int, detail: str, expected_seq: int) -> None:
        super().__init__(status, ErrorCode.SEQUENCE_GAP, detail)
        self.expected_seq = expected_seq


class JournalBehindError(SyncError):
    """The hub holds this terminal's entries up to ``hub_seq`` that its journal lacks
    or holds differently (a store restored from an older copy, a lost WAL)."""

    def __init__(self, hub_seq: int, local_seq: int, detail: str) -> None:
        super().__init__(
            f"the hub holds this terminal's journal up to entry {hub_seq}, this store "
            f"up to {local_seq}: {detail}; selling is stopped until "
            "`kiosk journal recover` gets the missing entries back from the hub"
        )
        self.hub_seq, self.local_seq = hub_seq, local_seq


_RETRYABLE_4XX = {408, 425, 429}


class HubClient:
    """Calls of the sync protocol v1 (see ``sync.protocol.messages``)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        verify: bool = True,
        ca_file: Path | str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        keepalive: bool = True,
    ) -> None:
        tls: bool | ssl.SSLContext = verify
        if ca_file is not None:
            try:
                tls = ssl.create_default_context(cafile=str(ca_file))
            except (OSError, ssl.SSLError) as exc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise InvalidInputError(f"ca_file {ca_file}: cannot be used: {why}") from exc
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        limits = httpx.Limits(max_keepalive_connections=5 if keepalive else 0)
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            verify=tls,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            limits=limits,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Calls ------------------------------------------------------------------------------

    def enrol(self, site_code: str, token: str, public_key: str, name: str = "") -> EnrolResponse:
        try:
            request = EnrolRequest(
                site_code=site_code, token=token, public_key=public_key, name=name
            )
        except ValidationError as exc:
            problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
            raise InvalidInputError(f"cannot enrol: {problems}") from exc
        return self._call("POST", "/v1/enrol", EnrolResponse, content=request.model_dump_json())

    def health(self) -> Health:
        return self._call("GET", "/v1/health", Health)

    def clock_skew(self) -> timedelta:
        """The hub's clock minus this machine's, read at the middle of the round trip."""
        sent = time.monotonic()
        local = datetime.now(UTC)
        reply = self.health()
        half = timedelta(seconds=(time.monotonic() - sent) / 2)
        try:
            hub_time = parse_ts(reply.time)
        except ValueError as exc:
            raise TransientError(f"GET /v1/health: malformed hub time {reply.time!r}") from exc
        return hub_time - (local + half)

    def push(self, entries: Sequence[Entry]) -> PushResponse:
        request = PushRequest.model_construct(entries=[WireEntry.of(e) for e in entries])
        body = request.model_dump_json()
        return self._call("POST", "/v1/journal", PushResponse, content=body)

    def changes(self, since: int, limit: int) -> ChangesPage:
        params = {"since": since, "limit": limit}
        return self._call("GET", "/v1/changes", ChangesPage, params=params)

    def changes_rows(self, since: int, limit: int) -> ChangesRows:
        """``changes`` with its rows as arrays of values: what the daemon applies (much
        faster to read for a first snapshot; same checks)."""
        params: dict[str, int | str] = {"since": since, "limit": limit, "rows": "arrays"}
        return self._call("GET", "/v1/changes", ChangesRows, params=params)

    def own_journal(self, since: int, limit: int = MAX_BATCH) -> JournalPage:
        """This terminal's entries after ``since`` as the hub holds them."""
        params = {"since": since, "limit": limit}
        return self._call("GET", "/v1/journal", JournalPage, params=params)

    def certificate(self) -> TerminalCertificate:
        """The hub's signed statement that this terminal's key is its own."""
        return self._call("GET", "/v1/certificate", TerminalCertificate)

    def upload_archive(self, data: bytes) -> ArchiveReceipt:
        """Give the hub a signed archive (``sync.archive``); it verifies and keeps it."""
        return self._call("POST", "/v1/archives", ArchiveReceipt, content=data)

    # Plumbing ---------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        content: str | bytes | None = None,
        params: Mapping[str, int | str] | None = None,
    ) -> M:
        headers = None
        if content is not None:  # bytes: an archive, JSON Lines
            kind = "application/x-ndjson" if isinstance(content, bytes) else "application/json"
            headers = {"Content-Type": kind}
        try:
            response = self._http.request(
                method, path, content=content, params=params, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise TransientError(f"{method} {path}: timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        except httpx.DecodingError as exc:  # a gzipped reply that does not inflate
            raise TransientError(f"{method} {path}: reply garbled: {exc}") from exc
        status = response.status_code
        if status >= 400:
            raise _refusal(method, path, response)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise TransientError(f"{method} {path}: malformed reply ({status})") from exc


def _refusal(method: str, path: str, response: httpx.Response) -> SyncError:
    status = response.status_code
    try:
        body: ErrorBody | None = ErrorBody.model_validate_json(response.content)
    except ValidationError:
        body = None
    where = f"{method} {path}"
    if status >= 500 or status in _RETRYABLE_4XX or (body is None and status == 409):
        detail = body.detail if body is not None else response.reason_phrase
        return TransientError(f"{where}: hub answered {status}: {detail}")
    if body is None:
        return RefusedError(status, ErrorCode.INVALID, f"{where}: {response.reason_phrase}")
    if body.reason is ErrorCode.SEQUENCE_GAP and body.expected_seq is not None:
        return SequenceGapError(status, body.detail, body.expected_seq)
    if body.reason is ErrorCode.CONFLICT:
        return TransientError(f"{where}: {body.detail}")
    return RefusedError(status, body.reason, body.detail)
