"""``kiosk devices`` for technicians, driven through click against the simulators."""

from __future__ import annotations

import io
import logging
import queue
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from drivers.scanner.keymaps import LAYOUT_TEST_CODE
from kiosk.cli import main

from .sims.printers import TcpPrinter
from .sims.pty_devices import PtyPort


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["devices", *args])
    return result.exit_code, result.output


def test_help_has_examples() -> None:
    for command in ([], ["list"], ["test"]):
        code, output = run(*command, "--help")
        assert code == 0 and "Example" in output


def test_list_runs() -> None:
    code, output = run("list")
    assert code == 0
    assert "PC/SC readers" in output and "Serial ports" in output


def test_preview_renders_a_readable_test_page(tmp_path: Path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    out = tmp_path / "ticket.png"
    code, output = run("test", "printer", "--preview", str(out), "-o", "profile.columns=42")
    assert code == 0, output
    assert "FACTICE" in output and "àâçéèêëîôùû" in output
    with Image.open(io.BytesIO(out.read_bytes())) as picture:
        assert [r.text for r in zxingcpp.read_barcodes(picture)] == ["kiosk-devices-test"]


def test_print_test_page_on_a_network_printer() -> None:
    pytest.importorskip("escpos")
    printer = TcpPrinter()
    try:
        code, output = run("test", "printer", "-o", "backend=network", "-o", "host=127.0.0.1",
                           "-o", f"port={printer.port}", "--timeout", "30")  # fmt: skip
    finally:
        printer.close()
    assert code == 0, output
    assert "test page sent" in output
    assert "printer status: online, paper ok, cover closed" in output


def test_unknown_option_is_refused() -> None:
    code, output = run("test", "reader", "-o", "backend=virtual", "-o", "colour=blue")
    assert code != 0 and "reader.colour: unknown option" in output


def test_nothing_read_is_an_error() -> None:
    code, output = run("test", "reader", "-o", "backend=virtual", "--timeout", "0.5")
    assert code != 0 and "nothing read" in output


def test_scanner_shows_the_code(tmp_path: Path) -> None:
    pytest.importorskip("serial")
    port = PtyPort(tmp_path / "ttyACM9")
    done = threading.Event()

    def keep_scanning() -> None:  # the CLI opens the port at some point: scan until read
        while not done.wait(0.2):
            port.write(b"VISIT-2025-0042\r")

    scanner = threading.Thread(target=keep_scanning)
    scanner.start()
    try:
        code, output = run("test", "scanner", "-o", f"port={port.link}", "--timeout", "30")
    finally:
        done.set()
        scanner.join()
        port.close()
    assert code == 0, output
    assert "code 'VISIT-2025-0042'" in output
    assert LAYOUT_TEST_CODE in output  # the test code to scan, printed first


def test_a_printer_that_never_answers_status_suggests_status_false() -> None:
    pytest.importorskip("escpos")
    printer = TcpPrinter()
    printer.silent = True
    try:
        code, output = run("test", "printer", "-o", "backend=network", "-o", "host=127.0.0.1",
                           "-o", f"port={printer.port}", "-o", "status_timeout=0.3",
                           "--timeout", "30")  # fmt: skip
        assert code != 0 and "never answered the status query" in output
        assert "-o status=false" in output
        code, output = run("test", "printer", "-o", "backend=network", "-o", "host=127.0.0.1",
                           "-o", f"port={printer.port}", "-o", "status=false",
                           "--timeout", "30")  # fmt: skip
    finally:
        printer.close()
    assert code == 0, output
    assert "printer status: not asked (status = false)" in output


def test_no_reader_is_said_at_once() -> None:
    pytest.importorskip("nfc")
    started = time.monotonic()
    code, output = run("test", "reader", "-o", "backend=nfc", "-o", "path=tty:nosuch",
                       "--timeout", "60")  # fmt: skip
    assert code != 0 and "no reader found" in output and "tty:nosuch" in output
    assert "nothing read" not in output
    assert time.monotonic() - started < 30  # not after the 60 s timeout


def test_a_card_the_reader_could_not_read_is_reported() -> None:
    # The PC/SC backend logs a card that refuses GET UID with ``card_unread`` (its
    # own test runs against pcscd); the command turns that into a line for the
    # technician while it waits.
    def refused() -> None:
        logging.getLogger("drivers.badge.pcsc").info(
            "%s: card refused GET UID (status %s)", "pcsc", "6A81", extra={"card_unread": True}
        )

    timer = threading.Timer(0.3, refused)
    timer.start()
    try:
        code, output = run("test", "reader", "-o", "backend=virtual", "--timeout", "1")
    finally:
        timer.cancel()
    assert code != 0 and "nothing read" in output
    assert "card seen but not read: pcsc: card refused GET UID (status 6A81)" in output


def test_layout_verdict_for_a_wedge_scanner(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("evdev")
    from drivers.config import EvdevScannerConfig
    from drivers.scanner.wedge import WedgeScanner
    from kiosk.cli.devices import _layout_verdict

    from .test_wedge import typed

    scanner = WedgeScanner(EvdevScannerConfig(device="/dev/input/none"), queue.Queue())
    for event in typed("qwerty", LAYOUT_TEST_CODE):
        scanner.handle_key(event)  # type: ignore[arg-type]
    _layout_verdict(scanner, LAYOUT_TEST_CODE)
    said = capsys.readouterr().out
    assert 'the scanner types QWERTY, not AZERTY: set layout = "qwerty" in [scanner]' in said
    confirmed = WedgeScanner(EvdevScannerConfig(device="/dev/input/none"), queue.Queue())
    for event in typed("azerty", LAYOUT_TEST_CODE):
        confirmed.handle_key(event)  # type: ignore[arg-type]
    _layout_verdict(confirmed, LAYOUT_TEST_CODE)
    assert "keyboard layout ok: the scanner types AZERTY" in capsys.readouterr().out
