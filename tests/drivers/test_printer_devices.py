"""Receipt printers through python-escpos: ``Serial`` on a pty with a printer simulator,
``Network`` against a local TCP server; what they received is read back with the
project's decoder and the QR code of the rendered PNG with zxing-cpp."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from drivers.config import NetworkPrinterConfig, PrinterProfile, SerialPrinterConfig
from drivers.errors import PaperOutError, PrinterOfflineError
from drivers.events import DeviceFault, DeviceReady
from drivers.printer.backends import EscposPrinter
from drivers.printer.decode import decode
from drivers.printer.preview import render_png
from sync.receipt.layout import AmountLine, ReceiptData, ReceiptLine, VatRow

from .conftest import Events, wait_until
from .sims.printers import PtyPrinter, TcpPrinter

pytest.importorskip("escpos")
zxingcpp = pytest.importorskip("zxingcpp")

RECEIPT = ReceiptData(
    site_name="RIE Part-Dieu",
    terminal_id="T-0042",
    local_time=datetime(2025, 11, 26, 12, 5),
    ticket_number="000777",
    lines=(ReceiptLine("Plat végétarien", 1, 720, 720, 1000),),
    total=720,
    vat_rows=(VatRow(1000, 655, 65, 720),),
    payments=(AmountLine("Compte prépayé", 720),),
    new_balance=2280,
    verification_id="T-0042-777-9f3a",
)


def qr_texts(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as picture:
        return [result.text for result in zxingcpp.read_barcodes(picture)]


@pytest.fixture
def pty_printer(tmp_path: Path) -> Iterator[PtyPrinter]:
    simulator = PtyPrinter(tmp_path / "ttyUSB-printer")
    yield simulator
    simulator.close()


@pytest.fixture
def tcp_printer() -> Iterator[TcpPrinter]:
    simulator = TcpPrinter()
    yield simulator
    simulator.close()


def test_serial_printer_prints_a_readable_receipt(pty_printer: PtyPrinter, events: Events) -> None:
    config = SerialPrinterConfig(
        port=str(pty_printer.port.link), profile=PrinterProfile(columns=42), status_timeout=2.0
    )
    with EscposPrinter(config, events.queue) as printer:
        events.wait(DeviceReady)
        sent = printer.print_receipt(RECEIPT)
    wait_until(lambda: sent in pty_printer.data())
    received = pty_printer.data()
    assert sent in received  # status queries surround the job on the same line
    decoded = decode(received)
    assert decoded.unknown == []
    assert {1, 2, 4} <= set(decoded.status_queries)
    text = decoded.text()
    assert "RIE Part-Dieu" in text and "Plat végétarien" in text
    assert any(line.text.startswith("TOTAL") and line.bold for line in decoded.lines)
    assert all(line.columns_used <= 42 for line in decoded.lines)
    assert qr_texts(render_png(received, columns=42)) == ["T-0042-777-9f3a"]


def test_paper_out_is_a_fault_and_the_receipt_stays_reprintable(
    pty_printer: PtyPrinter, events: Events
) -> None:
    config = SerialPrinterConfig(
        port=str(pty_printer.port.link), status_interval=0.2, status_timeout=2.0
    )
    with EscposPrinter(config, events.queue) as printer:
        events.wait(DeviceReady)
        pty_printer.paper_out = True
        with pytest.raises(PaperOutError):
            printer.print_receipt(RECEIPT)
        assert events.wait(DeviceFault).kind == "paper_out"  # type: ignore[attr-defined]
        assert b"T-0042-777-9f3a" not in pty_printer.data()
        pty_printer.paper_out = False
        events.wait(DeviceReady)  # the status poll sees the paper back
        sent = printer.print_receipt(RECEIPT)
    wait_until(lambda: sent in pty_printer.data())
    assert [q.data for q in decode(pty_printer.data()).qr_codes] == ["T-0042-777-9f3a"]


def test_cover_open_is_a_fault(pty_printer: PtyPrinter, events: Events) -> None:
    config = SerialPrinterConfig(port=str(pty_printer.port.link), status_timeout=2.0)
    with EscposPrinter(config, events.queue) as printer:
        events.wait(DeviceReady)
        pty_printer.cover_open = True
        with pytest.raises(PrinterOfflineError.__mro__[1]):  # PrinterError
            printer.print_receipt(RECEIPT)
        assert events.wait(DeviceFault).kind == "cover_open"  # type: ignore[attr-defined]


def test_serial_printer_unplugged_then_back(pty_printer: PtyPrinter, events: Events) -> None:
    config = SerialPrinterConfig(
        port=str(pty_printer.port.link),
        status_interval=0.2,
        retry_initial=0.05,
        status_timeout=2.0,  # the simulator is a thread of this busy process, not a printer
    )
    with EscposPrinter(config, events.queue) as printer:
        events.wait(DeviceReady)
        pty_printer.port.unplug()
        fault = events.wait(DeviceFault)
        assert fault.kind in ("disconnected", "offline")  # type: ignore[attr-defined]
        pty_printer.port.plug()
        events.wait(DeviceReady)
        sent = printer.print_receipt(RECEIPT)
    wait_until(lambda: sent in pty_printer.data())
    assert "T-0042-777-9f3a" in decode(pty_printer.data()).text()


def test_network_printer(tcp_printer: TcpPrinter, events: Events) -> None:
    config = NetworkPrinterConfig(host="127.0.0.1", port=tcp_printer.port, status_timeout=2.0)
    with EscposPrinter(config, events.queue) as printer:
        events.wait(DeviceReady)
        sent = printer.print_receipt(RECEIPT)
        wait_until(lambda: sent in tcp_printer.data())
        tcp_printer.paper_out = True
        with pytest.raises(PaperOutError):
            printer.print_receipt(RECEIPT)
    decoded = decode(tcp_printer.data())
    assert len(decoded.cuts) == 1
    assert qr_texts(render_png(tcp_printer.data())) == ["T-0042-777-9f3a"]


def test_network_printer_not_listening(events: Events) -> None:
    from .conftest import free_port

    config = NetworkPrinterConfig(host="127.0.0.1", port=free_port(), timeout=1, retry_initial=0.05)
    with EscposPrinter(config, events.queue) as printer:
        assert events.wait(DeviceFault).kind == "not_found"  # type: ignore[attr-defined]
        with pytest.raises(PrinterOfflineError):
            printer.print_receipt(RECEIPT)
