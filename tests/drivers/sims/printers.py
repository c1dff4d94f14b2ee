"""ESC/POS printer simulators: on a pty (serial printer) and on a TCP port (network
printer, like port 9100). Both record what they receive and answer the real-time
status queries DLE EOT 1, 2 and 4 from their ``paper_out`` and ``cover_open`` flags.
"""

from __future__ import annotations

import os
import select
import socket
import threading
from pathlib import Path

from .pty_devices import PtyPort


class _StatusAnswers:
    paper_out = False
    cover_open = False
    silent = False  # a printer that never answers status queries

    def status_byte(self, n: int) -> int:
        if n == 1:
            return 0x12 | (0x08 if self.paper_out or self.cover_open else 0)
        if n == 2:
            return 0x12 | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
        if n == 4:
            return 0x12 | (0x60 if self.paper_out else 0)
        return 0x12

    def answers(self, pending: bytes) -> tuple[bytes, bytes]:
        """Answers to the complete DLE EOT requests in ``pending``, and what to keep."""
        out = bytearray()
        while (at := pending.find(b"\x10\x04")) >= 0 and at + 2 < len(pending):
            if not self.silent:
                out.append(self.status_byte(pending[at + 2]))
            pending = pending[at + 3 :]
        return bytes(out), pending[-2:]


class PtyPrinter(_StatusAnswers):
    def __init__(self, link: Path) -> None:
        self.port = PtyPort(link)
        self._received = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pty-printer-sim", daemon=True)
        self._thread.start()

    def data(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            master = self.port.master
            try:
                if master is None or not select.select([master], [], [], 0.05)[0]:
                    self._stop.wait(0.01 if master is not None else 0.05)
                    continue
                chunk = os.read(master, 4096)
            except OSError:
                self._stop.wait(0.05)
                continue
            with self._lock:
                self._received += chunk
            # Real-time requests are answered as they arrive, even in the middle of a job.
            reply, pending = self.answers(pending + chunk)
            if reply:
                try:
                    self.port.write(reply)
                except OSError:
                    # Unplugged between the request and the answer: the answer is lost,
                    # as with a real cable pulled; the simulator itself lives on.
                    pending = b""

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.port.close()


class TcpPrinter(_StatusAnswers):
    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._received = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.connections = 0
        self._thread = threading.Thread(target=self._run, name="tcp-printer-sim", daemon=True)
        self._thread.start()

    def data(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def _run(self) -> None:
        clients: list[socket.socket] = []
        pending: dict[socket.socket, bytes] = {}
        while not self._stop.is_set():
            readable = select.select([self._server, *clients], [], [], 0.05)[0]
            for sock in readable:
                if sock is self._server:
                    client, _ = self._server.accept()
                    clients.append(client)
                    pending[client] = b""
                    self.connections += 1
                    continue
                try:
                    chunk = sock.recv(4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    clients.remove(sock)
                    sock.close()
                    continue
                with self._lock:
                    self._received += chunk
                reply, pending[sock] = self.answers(pending[sock] + chunk)
                if reply:
                    sock.sendall(reply)
        for sock in clients:
            sock.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()
