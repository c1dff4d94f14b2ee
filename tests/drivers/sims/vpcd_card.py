"""A contactless card for vsmartcard's virtual reader (vpcd), speaking its socket
protocol: every message is a 2-byte big-endian length and a payload; a 1-byte payload
is a control (0 power off, 1 power on, 2 reset, 4 ask for the ATR: answered with the
ATR), anything else a command APDU answered with a response APDU.

The card answers GET UID (``FF CA 00 00 00``) with its UID and ``90 00``, like the
PC/SC readers do for a contactless card, and ``6D 00`` to anything else. Opening the
socket inserts the card, closing it removes the card.
"""

from __future__ import annotations

import select
import socket
import struct
import threading

# PC/SC part 3 ATR of a contactless storage card (as readers build it for a MIFARE tag)
ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")


class VirtualCard:
    def __init__(
        self, uid: bytes, port: int = 35979, host: str = "127.0.0.1", *, refuse_uid: bool = False
    ) -> None:
        self.uid, self.address = uid, (host, port)
        self.refuse_uid = refuse_uid  # answer GET UID with 6A 81 (function not supported)
        self.apdus: list[bytes] = []
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def insert(self) -> None:
        self._stop.clear()
        self._socket = socket.create_connection(self.address, timeout=5)
        self._thread = threading.Thread(target=self._serve, name="vpcd-card", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._socket is not None:
            self._socket.close()
        self._socket = self._thread = None

    @property
    def inserted(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _receive(self, size: int) -> bytes | None:
        assert self._socket is not None
        data = b""
        while len(data) < size:
            while not select.select([self._socket], [], [], 0.1)[0]:
                if self._stop.is_set():
                    return None
            chunk = self._socket.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _send(self, payload: bytes) -> None:
        assert self._socket is not None
        self._socket.sendall(struct.pack(">H", len(payload)) + payload)

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                header = self._receive(2)
                if header is None:
                    return
                message = self._receive(struct.unpack(">H", header)[0])
                if message is None:
                    return
                if len(message) == 1:
                    if message[0] == 4:
                        self._send(ATR)
                    continue
                self.apdus.append(message)
                if message[:5] == bytes.fromhex("FFCA000000"):
                    self._send(b"\x6a\x81" if self.refuse_uid else self.uid + b"\x90\x00")
                else:
                    self._send(b"\x6d\x00")
        except OSError:
            return
