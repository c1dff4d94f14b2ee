"""The hub's HTTP server against slow and vanishing clients (issue case 8).

Over raw sockets to a hub served in a thread with short deadlines and a small
connection bound (``sync.server.connections``).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync.protocol.rows import SiteSettings
from sync.server import Hub, HubLimits, open_hub
from sync.server.connections import ConnectionGate
from sync.server.thread import HubThread

BOUND = 16  # the smallest bound the hub accepts


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Hub]:
    hub = open_hub(tmp_path / "hub.db")
    try:
        yield hub
    finally:
        hub.storage.close()


def serve(service: Hub, **limits: float) -> HubThread:
    return HubThread(service, limits=HubLimits(**limits)).start()  # type: ignore[arg-type]


@pytest.fixture
def hub_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record of the hub and of uvicorn (whose loggers do not propagate)."""
    caplog.set_level(logging.INFO)
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        uvicorn_log.removeHandler(caplog.handler)


def connect(thread: HubThread) -> socket.socket:
    sock = socket.create_connection((thread.host, thread.port), timeout=5)
    return sock


def read_all(sock: socket.socket, within: float) -> tuple[bytes, float]:
    """Everything the hub sends until it closes, and when it closed (seconds)."""
    start, data = time.monotonic(), b""
    sock.settimeout(within)
    while chunk := sock.recv(4096):
        data += chunk
    return data, time.monotonic() - start


def still_open(sock: socket.socket) -> bool:
    sock.settimeout(0.2)
    try:
        return sock.recv(1) != b""
    except TimeoutError:
        return True
    except ConnectionError:
        return False


def wait_for(predicate: object, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)


def test_headers_trickled_past_the_deadline_get_408_and_a_close(service: Hub) -> None:
    thread = serve(service, header_timeout_s=0.5)
    try:
        with connect(thread) as sock:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: hub\r\n")
            sock.settimeout(0.1)
            start, data = time.monotonic(), b""
            while time.monotonic() - start < 5:  # one header line every 0.1 s
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                    data += sock.recv(4096)
                except TimeoutError:
                    continue
                except ConnectionError:
                    break
                if data:
                    break
            elapsed = time.monotonic() - start
        assert data.startswith(b"HTTP/1.1 408 "), data
        assert elapsed < 3
    finally:
        thread.stop()


def test_a_silent_connection_is_closed_at_the_header_deadline(service: Hub) -> None:
    thread = serve(service, header_timeout_s=0.5)
    try:
        with connect(thread) as sock:
            data, elapsed = read_all(sock, within=5)
        assert data == b""
        assert 0.3 < elapsed < 3
        # An ordinary request is not cut.
        assert httpx.get(f"{thread.url}/v1/health").status_code == 200
    finally:
        thread.stop()


def test_a_body_past_its_deadline_is_cut_with_one_log_line(
    service: Hub, hub_log: pytest.LogCaptureFixture
) -> None:
    thread = serve(service, body_timeout_s=0.5)
    try:
        with connect(thread) as sock:
            port = sock.getsockname()[1]
            sock.sendall(
                b"POST /v1/enrol HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"site_code":'
            )
            data, elapsed = read_all(sock, within=5)
        assert data == b""
        assert elapsed < 3
        wait_for(lambda: any("left before" in r.getMessage() for r in hub_log.records))
    finally:
        thread.stop()
    assert [r.getMessage() for r in hub_log.records if "left before" in r.getMessage()] == [
        f"POST /v1/enrol: client 127.0.0.1:{port} left before sending its whole request"
    ]
    assert not [r for r in hub_log.records if r.exc_info], "a traceback was logged"


def test_a_client_leaving_mid_body_is_one_line_and_no_traceback(
    service: Hub, hub_log: pytest.LogCaptureFixture
) -> None:
    thread = serve(service)
    try:
        for _ in range(3):
            with connect(thread) as sock:
                sock.sendall(
                    b"POST /v1/enrol HTTP/1.1\r\nHost: hub\r\nContent-Length: 5000\r\n\r\n"
                    + b"{" * 1000
                )
                time.sleep(0.05)
        wait_for(lambda: sum("left before" in r.getMessage() for r in hub_log.records) == 3)
        # The hub is none the worse.
        assert httpx.get(f"{thread.url}/v1/health").status_code == 200
    finally:
        thread.stop()
    lines = [r for r in hub_log.records if "left before" in r.getMessage()]
    assert len(lines) == 3
    assert all(r.getMessage().startswith("POST /v1/enrol: client 127.0.0.1:") for r in lines)
    assert not [r for r in hub_log.records if r.exc_info], "a traceback was logged"
    assert not [r for r in hub_log.records if "Exception in ASGI" in r.getMessage()]


def test_at_the_bound_the_oldest_waiting_connection_makes_room(service: Hub) -> None:
    thread = serve(service, max_connections=BOUND)
    idle: list[socket.socket] = []
    try:
        for _ in range(BOUND):
            idle.append(connect(thread))
            time.sleep(0.01)  # accepted in this order
        time.sleep(0.2)
        assert httpx.get(f"{thread.url}/v1/health").status_code == 200
        assert not still_open(idle[0])  # the oldest made room
        assert all(still_open(sock) for sock in idle[2:])
    finally:
        for sock in idle:
            sock.close()
        thread.stop()


def test_a_slow_body_makes_room_when_no_connection_waits(
    service: Hub, hub_log: pytest.LogCaptureFixture
) -> None:
    thread = serve(service, max_connections=BOUND)
    slow: list[socket.socket] = []
    try:
        for _ in range(BOUND):  # each in the middle of sending a body
            sock = connect(thread)
            sock.sendall(b"POST /v1/enrol HTTP/1.1\r\nHost: hub\r\nContent-Length: 1000\r\n\r\n{")
            slow.append(sock)
            time.sleep(0.01)
        time.sleep(0.2)
        assert httpx.get(f"{thread.url}/v1/health").status_code == 200
        assert not still_open(slow[0])
        assert all(still_open(sock) for sock in slow[2:])
        wait_for(lambda: any("left before" in r.getMessage() for r in hub_log.records))
    finally:
        for sock in slow:
            sock.close()
        thread.stop()
    assert not [r for r in hub_log.records if r.exc_info]


class Stub:
    """A connection as the gate sees it."""

    def __init__(self) -> None:
        self.evicted = False

    def evict(self) -> None:
        self.evicted = True


def test_the_gate_refuses_only_when_every_request_is_complete_and_counts_right() -> None:
    gate = ConnectionGate(bound=3)
    a, b, c, d, e = (Stub() for _ in range(5))
    for conn in (a, b, c):
        assert gate.admit(conn)
    gate.busy(a)
    gate.receiving(b)
    assert gate.admit(d)  # c waits: it goes first
    assert (a.evicted, b.evicted, c.evicted) == (False, False, True)
    gate.busy(d)
    assert gate.admit(e)  # then b, still sending its body
    assert b.evicted
    gate.busy(e)
    assert not gate.admit(Stub())  # a, d, e are being worked on
    assert gate.totals == {"evicted": 2, "refused": 1}
    for conn in (a, d, e):
        gate.release(conn)
    assert gate.open == 0  # evicted ones are not counted twice
    assert all(gate.admit(Stub()) for _ in range(3))
    assert gate.totals["evicted"] == 2


def test_the_shipped_unit_lifts_the_open_file_limit_and_hardens_the_hub() -> None:
    import configparser
    import shlex

    import click

    from kiosk.cli.hub import hub

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(Path(__file__).parents[2] / "config/systemd/kiosk-hub.service")
    service = unit["Service"]
    argv = shlex.split(service["ExecStart"])
    context = hub.make_context("hub", argv[2:])  # the options are the real ones
    assert isinstance(context, click.Context)
    bound = HubLimits(max_connections=context.params["max_connections"])
    assert int(service["LimitNOFILE"]) >= bound.max_connections + bound.fd_reserve
    # The database is hub.toml's: the one scripts/install-hub writes from config/hub.toml.
    from kiosk.hubconfig import load_hub_config

    assert str(context.params["config_file"]) == "/etc/kiosk-hub/hub.toml"
    db = load_hub_config(Path(__file__).parents[2] / "config/hub.toml").db
    assert service["ReadWritePaths"] == str(db.parent)
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "PrivateDevices": "yes",
        "UMask": "0077",
        "CapabilityBoundingSet": "",
    }
    assert {key: service.get(key) for key in expected} == expected


def test_headers_above_the_size_bound_get_400(service: Hub) -> None:
    thread = serve(service)
    try:
        with connect(thread) as sock:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: hub\r\nX-Big: " + b"x" * 20_000)
            data, _ = read_all(sock, within=5)
        assert data.startswith(b"HTTP/1.1 400 "), data[:100]
    finally:
        thread.stop()


def test_accept_failures_are_counted_in_one_line_not_tracebacks(
    service: Hub, hub_log: pytest.LogCaptureFixture
) -> None:
    """What filled 100 MB of log: asyncio's traceback for each failed accept (EMFILE)."""
    from sync.server.app import create_app
    from sync.server.connections import build_server

    server = build_server(create_app(service), HubLimits(), log_level="warning")
    loop = asyncio.new_event_loop()
    try:
        error = OSError(errno.EMFILE, "Too many open files")
        for _ in range(500):
            context = {"message": "socket.accept() out of system resource", "exception": error}
            server.loop_error(loop, context)
    finally:
        loop.close()
    assert server.gate.totals["accept failures"] == 500
    lines = [r for r in hub_log.records if r.name.startswith(("sync", "asyncio"))]
    assert len(lines) == 1
    assert "1 accept failures" in lines[0].getMessage()
    assert not lines[0].exc_info


def test_a_client_that_stops_reading_its_answer_is_cut(service: Hub) -> None:
    """A slow reader would otherwise hold its connection (and its slot) for ever."""
    token = service.create_admin_token()
    service.create_site(SiteSettings(site_code="S1"))
    service.put_document("S1", "catalogue", "big", {"blob": "x" * 3_500_000})
    thread = serve(service, send_timeout_s=0.5)
    try:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a tiny window
        sock.connect((thread.host, thread.port))
        with sock:
            sock.sendall(
                b"GET /v1/admin/sites/S1/documents/catalogue/big HTTP/1.1\r\nHost: hub\r\n"
                b"Authorization: Bearer " + token.encode() + b"\r\n\r\n"
            )
            time.sleep(3)  # read nothing while the hub's buffers fill
            data, _ = read_all(sock, within=5)
        assert 0 < len(data) < 3_500_000  # cut before the end
        assert thread._server.gate.totals["send timeouts"] == 1
    finally:
        thread.stop()


@pytest.mark.parametrize("answer", ["_REFUSED", "_TIMED_OUT"])
def test_the_canned_answers_are_well_formed_http(answer: str) -> None:
    import h11

    from sync.server import connections

    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method="GET", target="/", headers=[("Host", "hub")]))
    client.send(h11.EndOfMessage())
    client.receive_data(getattr(connections, answer))
    events = []
    while (event := client.next_event()) not in (h11.NEED_DATA, h11.PAUSED):
        events.append(event)
        if isinstance(event, h11.EndOfMessage):
            break
    assert isinstance(events[0], h11.Response) and events[0].status_code in {408, 503}
    assert isinstance(events[-1], h11.EndOfMessage)
    assert client.trailing_data == (b"", False)  # nothing left over
