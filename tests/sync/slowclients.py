"""Slow HTTP clients (a slowloris load) against a hub in its own process.

Used by the load test (``tests/sync/test_hubload.py``) and by
``scripts/bench.py hubload``. ``HubProcess`` runs ``kiosk hub`` as shipped, optionally
under an open-file limit; ``SlowLoad`` opens connections that send a request's first
line and then one header line now and then, never finishing.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.sync.live import free_port


def ensure_open_files(wanted: int) -> None:
    """Raise this process's soft open-file limit to ``wanted`` if the hard one allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        top = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))


@dataclass
class HubProcess:
    """``kiosk hub`` in a child process on a free loopback port; its stderr in a file."""

    db: Path
    open_files: int | None = None  # the child's soft and hard limit, as a unit would set
    options: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.db.with_name("hub.log")

    def start(self, timeout: float = 30.0) -> HubProcess:
        limit = self.open_files

        def limit_files() -> None:
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        command = [sys.executable, "-m", "kiosk.cli", "hub", "--db", str(self.db)]
        command += ["--port", str(self.port), *self.options]
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=limit_files,  # noqa: PLW1509 (no threads hold locks here yet)
                env={**os.environ, "KIOSK_LOG_LEVEL": "INFO"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"kiosk hub exited: {self.log()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"kiosk hub did not answer within {timeout} s: {self.log()}")

    def open_descriptors(self) -> int:
        assert self._proc is not None
        return len(os.listdir(f"/proc/{self._proc.pid}/fd"))

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class SlowLoad:
    """Connections that keep a request's headers coming, one line every ``trickle_s``;
    with ``reconnect``, a connection the hub cuts comes back at once (a persistent
    flood)."""

    def __init__(
        self, host: str, port: int, trickle_s: float = 1.0, *, reconnect: bool = False
    ) -> None:
        self.host, self.port, self.trickle_s = host, port, trickle_s
        self.reconnect = reconnect
        self.opened = 0
        self.failed = 0  # connect refused or reset before it was made
        self.cut = 0  # closed by the hub
        self._tasks: list[asyncio.Task[None]] = []
        self._connected: asyncio.Queue[None] = asyncio.Queue()

    async def open(self, n: int, timeout: float = 60.0) -> None:
        """Start ``n`` slow connections; return once each was made (or failed) once."""
        gate = asyncio.Semaphore(200)  # connect in waves, as a real flood would
        for i in range(n):
            self._tasks.append(asyncio.create_task(self._one(i, gate)))
        async with asyncio.timeout(timeout):
            for _ in range(n):
                await self._connected.get()

    async def _one(self, i: int, gate: asyncio.Semaphore) -> None:
        first = True
        while first or self.reconnect:
            try:
                async with gate:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                    writer.write(b"POST /v1/journal HTTP/1.1\r\nHost: hub\r\n")
                    self.opened += 1
            except OSError:
                self.failed += 1
                if first:
                    self._connected.put_nowait(None)
                    first = False
                await asyncio.sleep(0.05)
                continue
            if first:
                self._connected.put_nowait(None)
                first = False
            await self._trickle(i, reader, writer)

    async def _trickle(
        self, i: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                writer.write(b"X-Slow-%d: %d\r\n" % (i, time.monotonic_ns()))
                await writer.drain()
                try:
                    await asyncio.wait_for(reader.read(4096), self.trickle_s)
                except TimeoutError:
                    continue
                self.cut += 1  # closed, or answered (408, 503): the hub is done with it
                return
        except OSError:
            self.cut += 1
        finally:
            writer.close()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def control_latency(url: str, timeout: float = 30.0) -> float:
    """Seconds for one ``GET /v1/health`` on a new connection (as a terminal makes);
    raises unless it is answered 200 within ``timeout``."""
    address = httpx.URL(url)
    start = time.perf_counter()
    conn = http.client.HTTPConnection(address.host, address.port, timeout=timeout)
    try:
        conn.request("GET", "/v1/health")
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"control request answered {response.status}")
    return time.perf_counter() - start


async def control_under_load(
    url: str, port: int, slow: int, samples: int, settle_s: float = 2.0, *, reconnect: bool = False
) -> tuple[float, list[float], SlowLoad]:
    """Latency of a control request sent as soon as ``slow`` slow clients are connected
    (the hub may still be taking them in from its accept queue), then of ``samples``
    more once they have settled, while they hold on."""
    load = SlowLoad("127.0.0.1", port, reconnect=reconnect)
    await load.open(slow)
    try:
        first = await asyncio.to_thread(control_latency, url)
        await asyncio.sleep(settle_s)
        latencies = [await asyncio.to_thread(control_latency, url) for _ in range(samples)]
    finally:
        await load.close()
    return first, latencies, load
