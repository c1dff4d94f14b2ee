"""``kiosk devices`` for technicians, driven through click against the simulators."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

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
    assert "test page sent" in output and "online=True" in output


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
