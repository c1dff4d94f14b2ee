"""A uvicorn server on its own bound socket, served in a background thread.

The socket is bound here (with SO_REUSEADDR), so the same port can be used again
right after ``stop()``; port 0 picks a free one. ``HubThread`` (the hub's API) and
``TestPaymentPageThread`` (the test payment page) are built on it.
"""

from __future__ import annotations

import socket
import threading
from typing import Self

import uvicorn


class ServerThread:
    """Serve ``server`` on ``host:port`` in a daemon thread; ``what`` names it in errors."""

    def __init__(self, server: uvicorn.Server, host: str, port: int, what: str) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host = host
        self.port = int(self._sock.getsockname()[1])
        self._what = what
        self._server = server
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        ready = threading.Event()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"{self._what} did not start on {self.url}")
            ready.wait(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()
