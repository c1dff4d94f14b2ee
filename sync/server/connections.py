"""Connection limits of the hub's HTTP server (uvicorn with h11), against slow clients.

uvicorn bounds neither the time a client takes to send its request nor the number of
open connections (its ``limit_concurrency`` answers 503 to every new request once the
count is reached, so slow clients would lock honest ones out). ``GuardedH11Protocol``
adds, per connection:

- a header deadline: the request line and headers must arrive within
  ``header_timeout_s`` of the connection's start (or of the first byte after the
  previous response), else the client gets 408 and the connection is closed;
- a body deadline: the whole body must arrive within ``body_timeout_s`` of the
  headers, else the connection is closed (the route sees a disconnect);
- a send deadline: a client that stops reading its response for ``send_timeout_s``
  (the transport's buffer stays full) is cut, so it cannot hold a connection forever;
- a bound on open connections (``ConnectionGate``): at the bound, a new connection
  evicts the oldest connection still waiting for its request headers (a slow or idle
  client loses nothing), else the oldest still sending its body (nothing has run for
  it yet); when every connection has a complete request in hand, the new one gets 503
  with ``Retry-After`` at once. The bound stays below the open-file limit,
  so the hub never runs out of descriptors (``accept`` failing with EMFILE).

A flood is logged as one summary line a minute, never a line or a traceback per
connection; a client that leaves in the middle of its body is one line
(``LogDisconnects``). ``build_server`` puts it together for ``serve`` and
``HubThread``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
import time
from collections import Counter, OrderedDict
from typing import Any, Protocol, cast

import h11
import uvicorn
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from sync.server.limits import HubLimits

log = logging.getLogger(__name__)

REPORT_EVERY_S = 60.0


def _canned(status: str, body: str, *headers: str) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection, written without the app."""
    lines = [f"HTTP/1.1 {status}", "content-type: text/plain", f"content-length: {len(body)}"]
    lines += [*headers, "connection: close", "", body]
    return "\r\n".join(lines).encode("ascii")


_REFUSED = _canned("503 Service Unavailable", "the hub is at its connection cap", "retry-after: 1")
_TIMED_OUT = _canned("408 Request Timeout", "request headers not received in time")


class ConnectionGate:
    """The open connections of one server, and those a new one may push out, oldest
    first: connections waiting for a request's headers, then connections still
    receiving a body (nothing has run for either yet). Connections whose request is
    complete are never pushed out. Used from the event loop's thread only."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.open = 0
        self._waiting: OrderedDict[Evictable, None] = OrderedDict()
        self._receiving: OrderedDict[Evictable, None] = OrderedDict()
        self.counts: Counter[str] = Counter()
        self.totals: Counter[str] = Counter()
        self._reported = -math.inf

    def admit(self, conn: Evictable) -> bool:
        """Count ``conn`` in, pushing out the oldest waiting (else receiving) connection
        at the bound; False when every open connection has a complete request."""
        if self.open >= self.bound:
            queue = self._waiting or self._receiving
            if not queue:
                self.note("refused")
                return False
            oldest, _ = queue.popitem(last=False)
            self.open -= 1
            oldest.evict()
            self.note("evicted")
        self.open += 1
        self._waiting[conn] = None
        return True

    def waiting(self, conn: Evictable) -> None:
        """``conn`` waits for a request's headers (new, or idle after a response)."""
        self._receiving.pop(conn, None)
        self._waiting[conn] = None
        self._waiting.move_to_end(conn)

    def receiving(self, conn: Evictable) -> None:
        """``conn`` has sent a request's headers and is sending its body."""
        self._waiting.pop(conn, None)
        self._receiving[conn] = None

    def busy(self, conn: Evictable) -> None:
        """``conn``'s request is complete: the hub is working on it."""
        self._waiting.pop(conn, None)
        self._receiving.pop(conn, None)

    def release(self, conn: Evictable) -> None:
        """``conn`` closed (not called for a connection pushed out: already counted)."""
        self.busy(conn)
        self.open -= 1

    def note(self, what: str) -> None:
        """Count an event; log the counts at most once a minute (a flood is one line),
        and at once the first time an event of its kind happens."""
        first = what not in self.totals
        self.counts[what] += 1
        self.totals[what] += 1
        now = time.monotonic()
        if first or now - self._reported >= REPORT_EVERY_S:
            self._reported = now
            summary = ", ".join(f"{n} {name}" for name, n in sorted(self.counts.items()))
            log.warning(
                "hub connections: %s since the last report (%d open, bound %d)",
                summary,
                self.open,
                self.bound,
            )
            self.counts.clear()


class Evictable(Protocol):
    def evict(self) -> None: ...


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with read deadlines and the connection bound; the
    server's ``Config`` must be a ``GuardedConfig``."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        guarded = cast(GuardedConfig, config)
        self.gate = guarded.gate
        self.limits = guarded.limits
        self._timer: asyncio.TimerHandle | None = None
        self._send_timer: asyncio.TimerHandle | None = None
        self._reading: str | None = None  # "headers" or "body" while a deadline runs
        self._received = False  # a byte of the current request arrived
        self._admitted = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self.gate.admit(self):
            transport.write(_REFUSED)
            transport.close()
            return
        self._admitted = True
        self._expect("headers", self.limits.header_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._stop()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None
        if self._admitted:
            self._admitted = False
            self.gate.release(self)

    def data_received(self, data: bytes) -> None:
        self._received = True
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing():
            return
        self._received = False
        if self.conn.their_state is h11.IDLE:
            # uvicorn's keep-alive timer covers the silence before the next request;
            # its first byte starts the header deadline again.
            self._stop()
            if self._admitted:
                self.gate.waiting(self)
        else:
            self._follow()  # a pipelined request was already read

    def pause_writing(self) -> None:
        """The client stopped reading our response: it has ``send_timeout_s`` to resume."""
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.limits.send_timeout_s, self._stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _stalled(self) -> None:
        self._send_timer = None
        if not self.transport.is_closing():
            self.gate.note("send timeouts")
            self.transport.abort()  # the route's remaining sends are dropped

    def evict(self) -> None:
        """Make room for a new connection (the gate no longer counts this one)."""
        self._admitted = False
        self._stop()
        self.transport.abort()

    def _follow(self) -> None:
        """Move the deadline along with the client's side of the HTTP exchange."""
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            if self._reading is None and self._received:
                self._expect("headers", self.limits.header_timeout_s)
        elif state is h11.SEND_BODY:
            if self._reading != "body":
                if self._admitted:
                    self.gate.receiving(self)
                self._expect("body", self.limits.body_timeout_s)
        else:  # the request is complete (or the connection is done)
            self.gate.busy(self)
            self._stop()

    def _expect(self, what: str, within: float) -> None:
        self._stop()
        self._reading = what
        self._timer = self.loop.call_later(within, self._timed_out)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._reading = None, None

    def _timed_out(self) -> None:
        what, self._timer, self._reading = self._reading, None, None
        if self.transport.is_closing():
            return
        self.gate.note(f"{what} timeouts")
        if what == "headers" and self._received and self.conn.their_state is h11.IDLE:
            self.transport.write(_TIMED_OUT)
        # For a body, closing tells the route the client is gone (one line, below).
        self.transport.close()


class GuardedConfig(uvicorn.Config):
    """A uvicorn ``Config`` serving with ``GuardedH11Protocol`` under ``limits``."""

    def __init__(self, app: ASGIApp, limits: HubLimits, **options: Any) -> None:
        super().__init__(
            app,
            http=GuardedH11Protocol,
            timeout_keep_alive=max(1, round(limits.keep_alive_s)),
            h11_max_incomplete_event_size=limits.max_header_bytes,
            # asyncio accepts up to ``backlog`` sockets per turn of its loop before any
            # reaches the gate, and as many as the kernel queues before the first of
            # them does: keep both below the descriptors held in reserve.
            backlog=limits.accept_batch,
            **options,
        )
        self.limits = limits
        self.gate = ConnectionGate(limits.connection_bound())


class GuardedServer(uvicorn.Server):
    """uvicorn's server, with one line (no traceback) for an ``accept`` that fails for
    want of resources, should the bound ever be set above what the system gives."""

    @property
    def gate(self) -> ConnectionGate:
        return cast(GuardedConfig, self.config).gate

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().set_exception_handler(self.loop_error)
        await super().startup(sockets)

    def loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """asyncio logs each failed ``accept`` with a traceback (EMFILE: once a second
        per listening socket, for as long as it lasts): count them instead."""
        if isinstance(context.get("exception"), OSError) and "accept" in str(
            context.get("message", "")
        ):
            self.gate.note("accept failures")
            return
        loop.default_exception_handler(context)


def build_server(app: ASGIApp, limits: HubLimits, **options: Any) -> GuardedServer:
    """A uvicorn server for ``app`` under ``limits`` (``options`` go to ``Config``)."""
    return GuardedServer(GuardedConfig(app, limits, **options))


class LogDisconnects:
    """One log line, not a traceback, for a client that leaves before its whole
    request arrived (a body cut short, or a body deadline)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            host, port = scope.get("client") or ("?", 0)
            log.warning(
                "%s %s: client %s:%s left before sending its whole request",
                scope["method"],
                scope["path"],
                host,
                port,
            )
