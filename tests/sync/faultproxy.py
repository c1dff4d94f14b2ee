"""A small HTTP-aware TCP proxy on loopback that injects faults, one per request.

It understands just enough HTTP/1.1 (headers, Content-Length bodies, keep-alive) to
decide per request: pass it, drop the connection before forwarding, forward and then
lose the reply, cut the reply mid-body, answer 500 before or after forwarding, or
delay the reply. ``plan(method, path)`` picks the fault; ``counts`` tallies them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from enum import StrEnum


class Fault(StrEnum):
    PASS = "pass"
    DROP = "drop"  # close before the hub sees the request
    LOSE_REPLY = "lose_reply"  # the hub applied it, the reply never arrives
    CUT_REPLY = "cut_reply"  # half the reply, then close
    ERROR_500 = "error_500"  # a 500 instead of forwarding
    ERROR_500_AFTER = "error_500_after"  # forwarded and applied, then a 500
    DELAY = "delay"  # forwarded, reply held back for `delay_s`


FAULTS = [f for f in Fault if f is not Fault.PASS]
_500 = b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class _Closed(Exception):
    pass


def _read_message(sock: socket.socket, buffer: bytearray) -> bytes:
    """One HTTP message (head + Content-Length body) from ``sock``; keeps leftovers."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise _Closed
        buffer += chunk
    head_end = buffer.index(b"\r\n\r\n") + 4
    length = 0
    for line in bytes(buffer[:head_end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buffer) < head_end + length:
        chunk = sock.recv(65536)
        if not chunk:
            raise _Closed
        buffer += chunk
    message = bytes(buffer[: head_end + length])
    del buffer[: head_end + length]
    return message


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        plan: Callable[[str, str], Fault] | None = None,
        delay_s: float = 0.05,
    ) -> None:
        self.upstream_port = upstream_port
        self.plan = plan or (lambda method, path: Fault.PASS)
        self.delay_s = delay_s
        self.counts: Counter[Fault] = Counter()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    @property
    def injected(self) -> int:
        with self._lock:
            return sum(n for fault, n in self.counts.items() if fault is not Fault.PASS)

    def close(self) -> None:
        self._stopping = True
        # shutdown() wakes a thread blocked in accept() or recv(); close() alone does not.
        with self._lock:
            for sock in [self._listener, *self._open]:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._accepter.join(timeout=5)

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            (self._open.add if add else self._open.discard)(sock)

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        self._track(client, True)
        inbound, outbound = bytearray(), bytearray()
        try:
            while True:
                request = _read_message(client, inbound)
                method, path = request.split(b" ", 2)[:2]
                fault = self.plan(method.decode(), path.decode().split("?")[0])
                with self._lock:
                    self.counts[fault] += 1
                if fault is Fault.DROP:
                    return
                if fault is Fault.ERROR_500:
                    client.sendall(_500)
                    return
                if upstream is None:
                    upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
                    self._track(upstream, True)
                upstream.sendall(request)
                reply = _read_message(upstream, outbound)
                if fault is Fault.LOSE_REPLY:
                    return
                if fault is Fault.CUT_REPLY:
                    client.sendall(reply[: max(1, len(reply) // 2)])
                    return
                if fault is Fault.ERROR_500_AFTER:
                    client.sendall(_500)
                    return
                if fault is Fault.DELAY:
                    time.sleep(self.delay_s)
                client.sendall(reply)
        except (_Closed, OSError):
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    self._track(sock, False)
                    sock.close()
