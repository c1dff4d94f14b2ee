"""Code scanners: framing rules (with Hypothesis), the serial scanner on a pseudo-terminal
(garbage, overlong codes, unplug and replug), and the virtual scanner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.config import SerialScannerConfig, VirtualScannerConfig
from drivers.events import CodeRejected, CodeScanned, DeviceFault, DeviceReady
from drivers.scanner.base import Framer
from drivers.scanner.serial import SerialScanner
from drivers.scanner.virtual import VirtualScanner

from .conftest import Events
from .sims.pty_devices import PtyPort

codes = st.text(
    alphabet=st.characters(
        min_codepoint=0x20, exclude_characters="\x7f", exclude_categories=("Cs",)
    ),
    min_size=1,
    max_size=40,
)


@given(
    texts=st.lists(codes, min_size=1, max_size=8),
    suffix=st.sampled_from(["\r", "\n", "\r\n"]),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=10),
)
def test_framing_is_independent_of_read_boundaries(
    texts: list[str], suffix: str, cuts: list[int]
) -> None:
    stream = "".join(t + suffix for t in texts).encode("utf-8")
    framer = Framer("any", max_length=200)
    frames = []
    last = 0
    for cut in [*sorted({min(c, len(stream)) for c in cuts}), len(stream)]:
        frames += list(framer.feed(stream[last:cut]))
        last = cut
    assert [f.text for f in frames] == texts


def test_refusals_and_recovery() -> None:
    framer = Framer("cr", max_length=10)
    frames = list(framer.feed(b"ok\r\xff\xfe\rABCDEFGHIJKLMNOP"))
    frames += list(framer.feed(b"QRST\rnext\rbad\x07bell\r"))
    assert [(f.text, f.reason) for f in frames] == [
        ("ok", None),
        (None, "not_utf8"),
        (None, "too_long"),  # reported once, the rest up to CR skipped
        ("next", None),
        (None, "control_characters"),
    ]


def test_gs1_separator_is_kept() -> None:
    frames = list(Framer("lf").feed(b"0103012345678900\x1d10ABC\n"))
    assert frames[0].text == "0103012345678900\x1d10ABC"


@pytest.fixture
def port(tmp_path: Path) -> Iterator[PtyPort]:
    pty = PtyPort(tmp_path / "ttyACM-scanner")
    yield pty
    pty.close()


def test_serial_scanner_on_a_pty(port: PtyPort, events: Events) -> None:
    config = SerialScannerConfig(port=str(port.link), max_length=64, retry_initial=0.05)
    with SerialScanner(config, events.queue):
        events.wait(DeviceReady)
        port.write(b"https://kiosk.example/v/12")
        port.write(b"34\r\n")
        assert events.wait(CodeScanned).text == "https://kiosk.example/v/1234"  # type: ignore[attr-defined]
        port.write(b"\x80\x81garbage\r")
        assert events.wait(CodeRejected).reason == "not_utf8"  # type: ignore[attr-defined]
        port.write(b"X" * 100 + b"\r")
        assert events.wait(CodeRejected).reason == "too_long"  # type: ignore[attr-defined]
        port.write("Café-42\r".encode())
        assert events.wait(CodeScanned).text == "Café-42"  # type: ignore[attr-defined]


def test_serial_scanner_unplugged_and_replugged(port: PtyPort, events: Events) -> None:
    config = SerialScannerConfig(port=str(port.link), retry_initial=0.05)
    with SerialScanner(config, events.queue):
        events.wait(DeviceReady)
        port.write(b"PARTIAL-CODE-CUT")  # never completed: must not leak into the next code
        port.unplug()
        fault = events.wait(DeviceFault)
        assert fault.kind == "disconnected"  # type: ignore[attr-defined]
        port.plug()
        events.wait(DeviceReady)
        port.write(b"AFTER\r")
        assert events.wait(CodeScanned).text == "AFTER"  # type: ignore[attr-defined]


def test_serial_port_missing_is_not_found(tmp_path: Path, events: Events) -> None:
    config = SerialScannerConfig(port=str(tmp_path / "nothing"), retry_initial=0.05)
    with SerialScanner(config, events.queue) as scanner:
        assert events.wait(DeviceFault).kind == "not_found"  # type: ignore[attr-defined]
        assert not scanner.attached


def test_virtual_scanner_same_rules(events: Events) -> None:
    with VirtualScanner(VirtualScannerConfig(max_length=8), events.queue) as scanner:
        events.wait(DeviceReady)
        scanner.scan("QR-1")
        scanner.scan("much-too-long")
        scanner.send_bytes(b"\xc3\x28\r")
        assert events.wait(CodeScanned).text == "QR-1"  # type: ignore[attr-defined]
        assert events.wait(CodeRejected).reason == "too_long"  # type: ignore[attr-defined]
        assert events.wait(CodeRejected).reason == "not_utf8"  # type: ignore[attr-defined]
        scanner.unplug()
        assert events.wait(DeviceFault).kind == "disconnected"  # type: ignore[attr-defined]
        scanner.plug()
        events.wait(DeviceReady)
        scanner.scan("QR-2")
        assert events.wait(CodeScanned).text == "QR-2"  # type: ignore[attr-defined]
