"""Run the hub's HTTP API in a background thread (for ``kiosk demo``, tests, benchmarks).

The listening socket is bound here (with SO_REUSEADDR), so the same port can be used
again right after ``stop()``; port 0 picks a free one. The server runs under the same
connection limits as ``kiosk hub`` (``sync.server.connections``).
"""

from __future__ import annotations

from sync.server.app import create_app
from sync.server.connections import build_server
from sync.server.limits import HubLimits
from sync.server.loopback import ServerThread
from sync.server.service import Hub


class HubThread(ServerThread):
    """The hub's API on loopback; ``stop()`` stops serving (the hub's storage stays
    open: close it yourself)."""

    def __init__(
        self, hub: Hub, host: str = "127.0.0.1", port: int = 0, limits: HubLimits | None = None
    ) -> None:
        self.hub = hub
        server = build_server(
            create_app(hub),
            limits or HubLimits(),
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        super().__init__(server, host, port, "the hub")
