"""Run the hub's HTTP API in a background thread (for ``kiosk demo``, tests, benchmarks).

The listening socket is bound here (with SO_REUSEADDR), so the same port can be used
again right after ``stop()``; port 0 picks a free one. The server runs under the same
connection limits as ``kiosk hub`` (``sync.server.connections``).
"""

from __future__ import annotations

import socket
import threading

from sync.server.app import create_app
from sync.server.connections import build_server
from sync.server.limits import HubLimits
from sync.server.service import Hub


class HubThread:
    def __init__(
        self, hub: Hub, host: str = "127.0.0.1", port: int = 0, limits: HubLimits | None = None
    ) -> None:
        self.hub = hub
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host = host
        self.port = int(self._sock.getsockname()[1])
        self._server = build_server(
            create_app(hub),
            limits or HubLimits(),
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> HubThread:
        self._thread.start()
        ready = threading.Event()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the hub did not start on {self.url}")
            ready.wait(0.01)
        return self

    def stop(self) -> None:
        """Stop serving (the hub's storage stays open: close it yourself)."""
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()
