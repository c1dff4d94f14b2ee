"""``kiosk devices``: find and try readers, scanners, printers and payment terminals
(for technicians).

A thin layer over ``drivers``: ``list`` enumerates what the system sees, ``test``
opens one device from options exactly as the kiosk would and reports what it reads,
in words a technician acts on: a device that is not there is said at once, a card
the reader saw but could not read is reported, the scanner test prints a test code
that tells the scanner's keyboard layout, the printer's status is spelt out; for a
payment terminal, a 0.01 EUR payment the technician confirms, then its cancellation.
"""

from __future__ import annotations

import contextlib
import glob
import io
import logging
import queue
import socket
import time
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from drivers import open_device
from drivers.errors import DriverError
from drivers.events import (
    BadgePresented,
    CodeRejected,
    CodeScanned,
    DeviceFault,
    DeviceReady,
    Event,
    FaultKind,
)
from drivers.scanner.keymaps import LAYOUT_TEST_CODE
from kiosk.ui.i18n import Lang, Translator

DEFAULT_BACKEND = {"reader": "nfc", "scanner": "serial", "printer": "usb", "payment": "caisse-ap"}
CAISSE_AP_PORT = 8888


@click.group()
def devices() -> None:
    """Detect and test badge readers, code scanners, receipt printers and payment terminals.

    \b
    Examples:
      kiosk devices list
      kiosk devices list --payment 192.168.1.60
      kiosk devices test reader -o backend=pcsc
      kiosk devices test printer --preview ticket.png
      kiosk devices test payment -o host=192.168.1.60
    """


def _section(title: str, rows: list[str]) -> None:
    click.secho(title, bold=True)
    for row in rows or ["(none found)"]:
        click.echo(f"  {row}")


def _serial_ports() -> list[str]:
    try:
        from serial.tools import list_ports
    except ImportError:
        return ["pyserial not installed"]
    links_of: dict[Path, list[str]] = {}
    for link in glob.glob("/dev/serial/by-id/*"):
        links_of.setdefault(Path(link).resolve(), []).append(link)
    rows = []
    for port in list_ports.comports():
        links = links_of.get(Path(port.device), [])
        rows.append(f"{port.device}  {port.description}  {' '.join(links)}".rstrip())
    return rows


def _pcsc_readers() -> list[str]:
    try:
        from smartcard.System import readers
    except ImportError:
        return ["pyscard not installed"]
    try:
        return [str(r) for r in readers()]
    except Exception as exc:  # pyscard raises its own tree, or a plain error without pcscd
        return [f"pcscd not reachable: {exc}"]


def _usb_devices() -> tuple[list[str], list[str]]:
    """(nfcpy readers, USB printers) seen on the bus, without opening them."""
    try:
        import usb1  # type: ignore[import-untyped]
        from nfc.clf.device import usb_device_map
    except ImportError:
        return ["nfcpy/libusb1 not installed"], []
    readers, printers = [], []
    with usb1.USBContext() as context:
        for dev in context.getDeviceIterator(skip_on_error=True):
            ids = (dev.getVendorID(), dev.getProductID())
            where = f"usb:{dev.getBusNumber():03d}:{dev.getDeviceAddress():03d}"
            name = f"{ids[0]:04x}:{ids[1]:04x}"
            if ids in usb_device_map:
                readers.append(f"{where}  {name}  nfcpy driver {usb_device_map[ids]}")
            with contextlib.suppress(Exception):
                classes = {s.getClass() for c in dev for i in c for s in i}
                if 7 in classes:
                    printers.append(f"{where}  vendor_id=0x{ids[0]:04x} product_id=0x{ids[1]:04x}")
    printers += [f"{lp}  (backend=file path={lp})" for lp in sorted(glob.glob("/dev/usb/lp*"))]
    return readers, printers


def _input_devices() -> list[str]:
    try:
        import evdev
    except ImportError:
        return ["evdev not installed"]
    rows = []
    for path in evdev.list_devices():
        with contextlib.suppress(OSError):
            device = evdev.InputDevice(path)
            rows.append(f"{path}  {device.name}")
            device.close()
    return rows


def _payment_terminals(addresses: tuple[str, ...]) -> list[str]:
    """Whether each HOST[:PORT] answers on TCP (a Caisse-AP terminal listens, 8888 by
    default); nothing is sent."""
    rows = []
    for address in addresses:
        host, _, port_text = address.partition(":")
        port = int(port_text) if port_text.isdigit() else CAISSE_AP_PORT
        try:
            with socket.create_connection((host, port), timeout=3):
                rows.append(f"{host}:{port}  answers (backend=caisse-ap host={host} port={port})")
        except OSError as exc:
            rows.append(f"{host}:{port}  not answering: {exc}")
    if not rows:
        rows.append("on the network: give --payment HOST[:PORT] to check one")
    return rows


@devices.command("list")
@click.option(
    "--payment",
    "payment",
    multiple=True,
    metavar="HOST[:PORT]",
    help="A payment terminal's address to check (Caisse-AP over IP, port 8888 by default).",
)
def list_devices(payment: tuple[str, ...]) -> None:
    """List serial ports, PC/SC readers, nfcpy readers, USB printers, input devices and
    the payment terminals asked for.

    \b
    Examples:
      kiosk devices list
      kiosk devices list --payment 192.168.1.60 --payment 192.168.1.61:5000
    """
    nfc_readers, printers = _usb_devices()
    _section("Serial ports (scanners, serial printers, tty: NFC readers)", _serial_ports())
    _section("PC/SC readers (pcscd)", _pcsc_readers())
    _section("NFC readers for nfcpy (usb:)", nfc_readers)
    _section("USB printers", printers)
    _section("Input devices (keyboard-wedge scanners)", _input_devices())
    _section("Payment terminals (Caisse-AP over IP)", _payment_terminals(payment))


def _value(text: str) -> Any:
    """``9600`` -> 9600, ``true`` -> True, ``["106A"]`` -> list, anything else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _options(kind: str, pairs: tuple[str, ...], config: Path | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if config is not None:
        with config.open("rb") as file:
            options.update(tomllib.load(file).get(kind, {}))
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="-o")
        target = options
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = _value(value)
    options.setdefault("backend", DEFAULT_BACKEND[kind])
    return options


def test_receipt() -> Any:
    from sync.receipt.layout import AmountLine, ReceiptData, ReceiptLine, VatRow

    return ReceiptData(
        site_name="Page de test",
        terminal_id="TEST",
        local_time=datetime.now(),
        ticket_number="000000",
        lines=(ReceiptLine("Accents : àâçéèêëîôùû €", 1, 100, 100, 1000),),
        total=100,
        vat_rows=(VatRow(1000, 91, 9, 100),),
        payments=(AmountLine("Test", 100),),
        verification_id="kiosk-devices-test",
        training=True,
    )


@contextlib.contextmanager
def _opened(kind: str, options: dict[str, Any], events: queue.Queue[Event]) -> Iterator[Any]:
    try:
        device = open_device(kind, options, events)
    except DriverError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        yield device
    finally:
        device.close()


def _next_event(events: queue.Queue[Event], deadline: float) -> Event | None:
    with contextlib.suppress(queue.Empty):
        return events.get(timeout=max(0.0, deadline - time.monotonic()))
    return None


@devices.command("test")
@click.argument("kind", type=click.Choice(["reader", "scanner", "printer", "payment"]))
@click.option(
    "-o",
    "--option",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="A device option (repeatable), e.g. backend=pcsc, port=/dev/ttyACM0.",
)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A TOML file with [reader], [scanner], [printer] or [payment] tables.",
)
@click.option("--yes", is_flag=True, help="Payment: send the 0.01 EUR test without asking.")
@click.option(
    "--timeout", default=30.0, show_default=True, help="Seconds to wait for a tap or scan."
)
@click.option(
    "--preview",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Printer: render the test page to this PNG instead of printing.",
)
def test_device(
    kind: str,
    *,
    pairs: tuple[str, ...],
    config: Path | None,
    yes: bool,
    timeout: float,
    preview: Path | None,
) -> None:
    """Open a device and show what it reads, or print a test page.

    \b
    Examples:
      kiosk devices test reader                       (nfcpy, first USB reader)
      kiosk devices test reader -o backend=pcsc -o reader=ACR122
      kiosk devices test scanner -o port=/dev/ttyACM0
      kiosk devices test scanner -o backend=evdev -o device=/dev/input/event5
      kiosk devices test printer -o backend=network -o host=192.168.1.50
      kiosk devices test printer --preview ticket.png
      kiosk devices test payment -o host=192.168.1.60 -o port=8888
    """
    options = _options(kind, pairs, config)
    if kind == "printer" and preview is not None:
        _preview(preview, options)
        return
    events: queue.Queue[Event] = queue.Queue()
    deadline = time.monotonic() + timeout
    with _opened(kind, options, events) as device:
        if kind == "printer":
            _print_test_page(device, events, deadline)
            return
        if kind == "payment":
            _test_payment(device, events, deadline, yes)
            return
        if kind == "scanner":
            _show_test_code()
        click.echo(f"Waiting {timeout:.0f} s for a {'badge' if kind == 'reader' else 'code'}...")
        with _unread_cards():
            _read_one(kind, device, events, deadline)


def _read_one(kind: str, device: Any, events: queue.Queue[Event], deadline: float) -> None:
    ready = False
    while (event := _next_event(events, deadline)) is not None:
        if isinstance(event, DeviceReady):
            ready = True
            click.echo(f"{event.source}: ready")
        elif isinstance(event, DeviceFault):
            if not ready and event.kind in _NOT_THERE:
                # Retrying until the timeout would only repeat this: say it now.
                raise click.ClickException(f"no {kind} found: {event.message}\n{_HINTS[kind]}")
            click.echo(f"{event.source}: {WORDS.fault(event.kind)}: {event.message}", err=True)
        elif isinstance(event, BadgePresented):
            click.echo(f"badge {event.credential}")
            if event.data:
                click.echo(f"  data: {event.data.hex(' ').upper()}")
            return
        elif isinstance(event, CodeScanned):
            click.echo(f"code {event.text!r}")
            _layout_verdict(device, event.text)
            return
        elif isinstance(event, CodeRejected):
            click.echo(f"code refused: {WORDS.code_rejected(event.reason)}")
            if event.reason == "unknown_key":
                click.echo(
                    f"  the scanner typed keys the {getattr(device, 'layout', '?')} layout "
                    "does not have: scan the test code above to find its layout"
                )
            return
    raise click.ClickException("nothing read before the timeout")


_NOT_THERE = {str(FaultKind.NOT_FOUND), str(FaultKind.UNAVAILABLE)}
WORDS = Translator(Lang.EN)  # technicians read English; codes never reach them raw
_HINTS = {
    "reader": "Check the cable and `kiosk devices list`; give the reader with "
    "-o path=usb:BUS:DEV (nfc) or -o backend=pcsc -o reader=NAME.",
    "scanner": "Check the cable and `kiosk devices list`; give the scanner with "
    "-o port=/dev/serial/by-id/... or -o backend=evdev -o device=/dev/input/by-id/...",
}


def _show_test_code() -> None:
    """The layout test code as a QR code in the terminal, and as text."""
    import qrcode

    code = qrcode.QRCode(border=2)
    code.add_data(LAYOUT_TEST_CODE)
    picture = io.StringIO()
    code.print_ascii(out=picture, invert=True)
    click.echo(picture.getvalue().rstrip("\n"))
    click.echo(f"Scan this test code ({LAYOUT_TEST_CODE}) to check the keyboard layout.")


def _layout_verdict(device: Any, text: str) -> None:
    """For a keyboard-wedge scanner: which layout it types in, and what to set."""
    layout = getattr(device, "layout", None)
    if layout is None:  # a serial scanner sends characters, not keys: no layout
        return
    configured = device.configured_layout
    if text != LAYOUT_TEST_CODE:
        click.echo(f"  decoded as {layout.upper()}: scan the test code to check the layout")
    elif layout == configured:
        click.echo(f"  keyboard layout ok: the scanner types {layout.upper()}")
    else:
        click.echo(
            f"  the scanner types {layout.upper()}, not {configured.upper()}: set "
            f'layout = "{layout}" in [scanner] (here: -o layout={layout})'
        )


class _UnreadCardEcho(logging.Handler):
    """A card the reader saw but could not read (a card that refuses the GET UID
    command, one that does not answer): the backends log it with ``card_unread``."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "card_unread", False):
            click.echo(
                f"card seen but not read: {record.getMessage()}; this card cannot serve "
                "as a badge on this reader",
                err=True,
            )


@contextlib.contextmanager
def _unread_cards() -> Iterator[None]:
    handler = _UnreadCardEcho(logging.INFO)
    logger = logging.getLogger("drivers")
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _preview(path: Path, options: dict[str, Any]) -> None:
    from drivers.config import PrinterProfile
    from drivers.printer.decode import decode
    from drivers.printer.escpos import Encoder
    from drivers.printer.preview import render_png
    from sync.receipt.layout import layout

    try:
        profile = PrinterProfile.model_validate(options.get("profile", {}))
    except ValueError as exc:
        raise click.ClickException(f"printer.profile: {exc}") from exc
    data = Encoder(profile).encode(layout(test_receipt(), profile.columns))
    path.write_bytes(render_png(data, profile.columns, profile.dots))
    click.echo(decode(data).text())
    click.echo(f"preview written to {path}")


def _print_test_page(device: Any, events: queue.Queue[Event], deadline: float) -> None:
    while not device.attached:
        event = _next_event(events, min(deadline, time.monotonic() + 0.2))
        if isinstance(event, DeviceFault):
            found = "no printer found" if event.kind in _NOT_THERE else "printer fault"
            raise click.ClickException(f"{found}: {event.message}")
        if time.monotonic() > deadline:
            raise click.ClickException("printer not ready before the timeout")
    try:
        sent = device.print_receipt(test_receipt(), timeout=max(1.0, deadline - time.monotonic()))
    except DriverError as exc:
        status = device.last_status
        hint = ""
        if status is not None and status.silent:
            hint = (
                "\nThe printer never answered the status query (DLE EOT). If it cannot "
                "report its status, set status = false in [printer] (here: -o status=false)."
            )
        raise click.ClickException(f"test page not printed: {exc}{hint}") from exc
    click.echo(f"test page sent ({len(sent)} bytes)")
    click.echo(f"printer status: {status_words(device.last_status)}")


def status_words(status: Any) -> str:
    """``PrinterStatus`` for a person: "online, paper ok, cover closed"."""
    if status is None:
        return "not asked (status = false)"
    if status.silent:
        return "no answer to the status query"
    words = ["online" if status.online else "offline"]
    if status.paper_out:
        words.append("out of paper")
    elif status.paper_low:
        words.append("paper low")
    else:
        words.append("paper ok")
    words.append("cover open" if status.cover_open else "cover closed")
    return ", ".join(words)


def _test_payment(device: Any, events: queue.Queue[Event], deadline: float, yes: bool) -> None:
    """A 0.01 EUR payment the technician confirms, then its cancellation."""
    from drivers.payment.base import PaymentOutcome, PaymentStatus

    while not device.available:
        event = _next_event(events, min(deadline, time.monotonic() + 0.2))
        if isinstance(event, DeviceFault):
            raise click.ClickException(f"{event.kind}: {event.message}")
        if time.monotonic() > deadline:
            raise click.ClickException("payment terminal not answering before the timeout")
    click.echo(f"{device.source}: answering")
    if device.virtual:
        click.echo("virtual payment terminal: demo and tests only, no real payment (FACTICE)")
    if not yes and not click.confirm(
        "Send a 0.01 EUR test payment (cancelled right after)? Have a card ready", default=True
    ):
        raise click.ClickException("test payment not sent")
    reference = f"TEST-{int(time.time())}"

    def show(what: str, outcome: PaymentOutcome) -> None:
        click.echo(
            f"{what}: {outcome.status}" + (f" ({outcome.message})" if outcome.message else "")
        )
        for label, value in (
            ("authorisation", outcome.authorisation),
            ("card", outcome.card),
            ("read", str(outcome.read_mode)),
            ("application", outcome.application),
        ):
            if value:
                click.echo(f"  {label}: {value}")
        for line in outcome.ticket:
            click.echo(f"  | {line}")

    paid = device.pay(reference, 1)
    show("payment", paid)
    if paid.status is PaymentStatus.UNKNOWN:
        paid = device.last_transaction(reference, 1)
        show("asked again (last transaction)", paid)
    if paid.status is PaymentStatus.UNKNOWN:
        raise click.ClickException(
            "no clear answer from the terminal: read its own ticket, and cancel the test "
            "payment from its menu if it was approved"
        )
    if not paid.approved:
        raise click.ClickException("the test payment was not approved (nothing was debited)")
    cancelled = device.cancel_last(reference, 1)
    show("cancellation", cancelled)
    if not cancelled.approved:
        raise click.ClickException(
            "the terminal did not cancel the test payment: cancel it from the terminal's "
            "menu (or refund 0.01 EUR)"
        )
    click.echo("payment terminal OK")
