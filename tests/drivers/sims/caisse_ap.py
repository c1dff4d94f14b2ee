"""A bank-card terminal speaking Caisse-AP over IP, on loopback, for the tests.

It is the TCP server, as a real terminal is. Each debit request is handled by the
next behaviour of ``script`` (then ``default``):

- ``APPROVE``: debits the card and answers AE=10 with an authorisation number, a
  masked card number, contactless or contact, and a ticket when asked (CK);
- ``DECLINE``: answers AE=01 with ``decline_reason`` (AF);
- ``ABANDON``: the diner walks away: AE=01, AF=11;
- ``TIMEOUT``: no answer while the client waits (the terminal gives up by itself:
  its last transaction is this one, abandoned, AF=08);
- ``CUT``: the connection drops before the terminal did anything;
- ``LOST_REPLY``: the card is debited, then the connection drops before the answer;
- ``GARBAGE``: the card is debited, and the answer is unreadable bytes;
- ``SPLIT``: approved, the answer in several TCP segments.

Like a terminal, it serves one connection at a time, in the order they came: a
request that reached it is always handled before the next connection is looked at.
``choose`` (when set) picks each debit's behaviour instead of ``script``.

``CD=3`` answers with the last transaction (its CF echoes the till's reference);
``CD=2`` cancels the last approved transaction. ``debited`` is what the terminal
really took (reference -> amount), the truth tests compare the till's journal with.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from drivers.payment import caisse_ap as ap


class Behaviour(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    ABANDON = "abandon"
    TIMEOUT = "timeout"
    CUT = "cut"
    LOST_REPLY = "lost_reply"
    GARBAGE = "garbage"
    SPLIT = "split"


@dataclass
class Transaction:
    reference: str
    amount: int
    status: str  # AE
    reason: str = ""  # AF
    authorisation: str = ""
    contactless: bool = True
    cancelled: bool = False
    ticket: bool = False


class CaisseApSim:
    def __init__(self, *, default: Behaviour = Behaviour.APPROVE, hold: float = 5.0) -> None:
        self.default = default
        self.script: deque[Behaviour] = deque()
        self.decline_reason = ap.Reason.REFUSED.value
        self.hold = hold  # how long TIMEOUT keeps the client waiting
        self.delay = 0.0  # the diner's time at the terminal before any answer
        self.duplicate_supported = True  # False: answers CD=3 with AF=12, as some do
        self.requests: list[dict[str, str]] = []
        self.debited: dict[str, int] = {}
        self.last: Transaction | None = None
        self._auth = itertools.count(184117)
        self._lock = threading.Lock()  # one transaction at a time, as a terminal does
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port: int = self._server.getsockname()[1]
        self.choose: Callable[[], Behaviour] | None = None
        self._accept = threading.Thread(target=self._serve, name="caisse-ap-sim", daemon=True)
        self._accept.start()

    # -- control -------------------------------------------------------------------------
    def then(self, *behaviours: Behaviour) -> CaisseApSim:
        self.script.extend(behaviours)
        return self

    def close(self) -> None:
        self._stop.set()
        self._accept.join(5)
        self._server.close()

    def __enter__(self) -> CaisseApSim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the server ----------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.1)
            data = b""
            try:
                while not ap.complete(data, ap.REQUIRED_IN_REQUEST):
                    if self._stop.is_set():
                        return
                    try:
                        chunk = conn.recv(4096)
                    except TimeoutError:
                        continue
                    if not chunk:
                        return  # a probe, or a client that went away
                    data += chunk
            except ap.CaisseApFormatError:
                self._send(conn, {"CZ": ap.VERSION, "AE": "01", "AF": ap.Reason.FORMAT_ERROR})
                return
            except OSError:
                return
            request = ap.decode(data)
            with self._lock:
                self.requests.append(request)
                self._answer(conn, request)

    def _hold(self, conn: socket.socket) -> None:
        """Say nothing for ``hold`` seconds, or until the client hangs up."""
        deadline = time.monotonic() + self.hold
        while time.monotonic() < deadline and not self._stop.is_set():
            try:
                if conn.recv(1) == b"":
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def _send(self, conn: socket.socket, fields: dict[str, str]) -> None:
        # A client that went away has to find out what happened by itself.
        with contextlib.suppress(OSError):
            conn.sendall(ap.encode(fields))

    def _reply(self, request: dict[str, str], tx: Transaction) -> dict[str, str]:
        fields = {
            "CZ": request["CZ"],
            "CJ": request["CJ"],
            "CA": request["CA"],
            "CB": f"{tx.amount:07d}",  # terminals zero-pad the amount
            "CD": "0",
            "CE": request["CE"],
            "CF": tx.reference,
            "AE": tx.status,
        }
        if tx.reason:
            fields["AF"] = tx.reason
        if tx.status == ap.Status.DONE:
            fields |= {
                "AC": tx.authorisation,
                "AA": "497010######1234",
                "CC": "00B" if tx.contactless else "001",
                "CI": "2" if tx.contactless else "1",
            }
            if tx.ticket:
                euros = f"{tx.amount // 100}.{tx.amount % 100:02d}"
                text = (
                    f"CARTE BANCAIRE\nSANS CONTACT\nMONTANT {euros} EUR\nAUTO {tx.authorisation}\n"
                )
                encoded = base64.b64encode(text.encode("latin-1")).decode()
                fields["ZT"] = f"CK003100AK{len(encoded):03d}{encoded}"
        return fields

    def _answer(self, conn: socket.socket, request: dict[str, str]) -> None:
        missing = [t for t in ap.REQUIRED_IN_REQUEST if t not in request]
        if missing:
            self._send(conn, {"CZ": ap.VERSION, "AE": "01", "AF": ap.Reason.FORMAT_ERROR})
            return
        if request["CE"] != ap.EUR:
            fields = {"CZ": request["CZ"], "CA": request["CA"], "CE": request["CE"]}
            self._send(conn, fields | {"AE": "01", "AF": ap.Reason.CURRENCY_NOT_SUPPORTED})
            return
        action = request["CD"]
        if action == ap.Action.DUPLICATE and not self.duplicate_supported:
            fields = {"CZ": request["CZ"], "CA": request["CA"], "CD": action}
            self._send(conn, fields | {"AE": "01", "AF": ap.Reason.UNKNOWN_ACTION})
            return
        if action == ap.Action.DUPLICATE:
            if self.last is None:
                self._send(conn, {"CZ": request["CZ"], "CA": request["CA"], "AE": "01", "AF": "07"})
            else:
                self._send(conn, self._reply(request, self.last))
            return
        if action == ap.Action.CANCEL:
            last = self.last
            ok = last is not None and last.status == ap.Status.DONE and not last.cancelled
            if ok and last is not None:
                last.cancelled = True
                self.debited.pop(last.reference, None)
            fields = {"CZ": request["CZ"], "CA": request["CA"], "CD": "2", "CE": request["CE"]}
            fields |= {"CB": request["CB"], "AE": "10"} if ok else {"AE": "01", "AF": "07"}
            self._send(conn, fields)
            return
        if action != ap.Action.DEBIT:
            fields = {"CZ": request["CZ"], "CA": request["CA"], "CD": action}
            self._send(conn, fields | {"AE": "01", "AF": ap.Reason.UNKNOWN_ACTION})
            return
        self._debit(conn, request)

    def _debit(self, conn: socket.socket, request: dict[str, str]) -> None:
        if self.choose is not None:
            behaviour = self.choose()
        else:
            behaviour = self.script.popleft() if self.script else self.default
        reference = request.get("CF", "")
        amount = int(request["CB"])
        if behaviour is Behaviour.CUT:
            return  # nothing done; the connection closes
        if self.delay:
            self._stop.wait(self.delay)
        tx = Transaction(reference, amount, "01", ticket="CK" in request)
        if behaviour is Behaviour.DECLINE:
            tx.reason = self.decline_reason
        elif behaviour is Behaviour.ABANDON:
            tx.reason = ap.Reason.OPERATOR_ABANDON
        elif behaviour is Behaviour.TIMEOUT:
            tx.reason = ap.Reason.INPUT_TIMEOUT
            self.last = tx
            self._hold(conn)
            return
        else:
            tx.status = ap.Status.DONE
            tx.authorisation = f"{next(self._auth):06d}"
            tx.contactless = amount <= 5000
            self.debited[reference] = amount
        self.last = tx
        if behaviour is Behaviour.LOST_REPLY:
            return
        if behaviour is Behaviour.GARBAGE:
            with contextlib.suppress(OSError):
                conn.sendall(b"\x00\xff<html>502 Bad Gateway</html>")
            return
        message = ap.encode(self._reply(request, tx))
        if behaviour is Behaviour.SPLIT:
            for part in (message[:7], message[7:40], message[40:]):
                try:
                    conn.sendall(part)
                except OSError:
                    return
                self._stop.wait(0.05)
            return
        self._send(conn, self._reply(request, tx))
