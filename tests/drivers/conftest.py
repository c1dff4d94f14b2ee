"""Fixtures for the driver tests: an event queue with a waiting helper, the NFC tag
emulator process, the PC/SC environment (one shared pcscd, serialised by a lock),
and a check that no device thread outlives its test."""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.events import Event

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0  # generous: the suite must not fail because the machine is busy


class Events:
    """The device's queue plus ``wait`` for the next event of a type."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Event] = queue.Queue()
        self.seen: list[Event] = []

    def wait(
        self, kind: type, timeout: float = WAIT, where: Callable[[Event], bool] | None = None
    ) -> Event:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind.__name__} within {timeout} s; saw {self.seen}")
            try:
                event = self.queue.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(event)
            if isinstance(event, kind) and (where is None or where(event)):
                return event

    def drain(self) -> list[Event]:
        out = []
        while True:
            try:
                out.append(self.queue.get_nowait())
            except queue.Empty:
                self.seen.extend(out)
                return out


@pytest.fixture
def events() -> Events:
    return Events()


_DEVICE_THREAD_PREFIXES = ("reader:", "scanner:", "printer:", "payment:")


@pytest.fixture(autouse=True)
def no_leaked_device_threads() -> Iterator[None]:
    yield
    deadline = time.monotonic() + 10
    while True:
        alive = [
            t.name for t in threading.enumerate() if t.name.startswith(_DEVICE_THREAD_PREFIXES)
        ]
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not alive, f"device threads left running: {alive}"


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait for another thread or process to catch up (never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.01)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- NFC tag emulator ---------------------------------------------------------------------
def _udp_bound(port: int) -> bool:
    suffix = f":{port:04X}"
    lines = Path("/proc/net/udp").read_text().splitlines()[1:]
    return any(line.split()[1].endswith(suffix) for line in lines)


class TagEmulator:
    def __init__(self) -> None:
        self.port = free_port(socket.SOCK_DGRAM)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, kind: str, ident: str, text: str = "") -> None:
        option = "--idm" if kind == "tt3" else "--uid"
        command = [sys.executable, "-m", "tests.drivers.sims.nfc_tags", "--port", str(self.port)]
        command += ["--text", text, kind, option, ident]
        self.process = subprocess.Popen(command, cwd=ROOT)
        # The reader must find the emulator listening when it first polls.
        deadline = time.monotonic() + WAIT
        while not _udp_bound(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tag emulator did not start (exit {self.process.poll()})")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def tag_emulator() -> Iterator[TagEmulator]:
    emulator = TagEmulator()
    yield emulator
    emulator.stop()


# -- PC/SC --------------------------------------------------------------------------------
PCSC_LOCK = Path("/tmp/kiosk-pcsc-tests.lock")


def pcscd(action: str) -> tuple[int, str]:
    done = subprocess.run(
        [str(ROOT / "scripts/test-pcscd"), action], capture_output=True, text=True, check=False
    )
    return done.returncode, (done.stdout + done.stderr).strip()


@pytest.fixture(scope="module")
def pcsc_env() -> Iterator[None]:
    """Hold the machine-wide PC/SC lock and make sure pcscd runs with our reader."""
    pytest.importorskip("smartcard", reason="pyscard not installed")
    if not shutil.which("pcscd") or not Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists():
        pytest.skip("pcscd or vsmartcard-vpcd not installed (scripts/setup --dev as root)")
    with PCSC_LOCK.open("a") as lock:
        deadline = time.monotonic() + 240
        while True:  # other checkouts may be running their PC/SC tests right now
            with contextlib.suppress(BlockingIOError):
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            if time.monotonic() > deadline:
                pytest.fail(f"{PCSC_LOCK} held by another test run for 4 minutes")
            time.sleep(0.2)
        try:
            code, output = pcscd("start")
            if code != 0:
                if os.geteuid() != 0 or code == 2:
                    pytest.skip(f"PC/SC tests need pcscd with the virtual reader: {output}")
                pytest.fail(f"cannot start pcscd for the PC/SC tests: {output}")
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
