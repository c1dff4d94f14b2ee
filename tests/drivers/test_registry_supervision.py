"""Opening devices from configuration, missing vendor libraries, and the supervision
shared by every backend (faults, backoff, reattach, prompt close), exercised through
the virtual backends that the demo and the UI tests use."""

from __future__ import annotations

import sys

import pytest

from drivers import open_device
from drivers.badge.virtual import VirtualBadgeReader
from drivers.base import MAX_BACKOFF, RetryPolicy
from drivers.errors import ConfigurationError, DriverUnavailableError, PaperOutError
from drivers.events import (
    BadgePresented,
    BadgeRemoved,
    DeviceFault,
    DeviceReady,
    badge_credential,
)
from drivers.printer.base import ReceiptPrinter
from drivers.printer.decode import decode
from drivers.printer.virtual import VirtualPrinter
from drivers.registry import create_device, parse_config
from sync.receipt.document import Document, Text

from .conftest import Events


def test_credential_normalisation() -> None:
    assert badge_credential(bytes.fromhex("04a1b2c3d4e5f6")) == "nfc:04A1B2C3D4E5F6"
    with pytest.raises(ValueError):
        badge_credential(b"")


def test_unknown_option_is_named() -> None:
    with pytest.raises(ConfigurationError) as error:
        parse_config("reader", {"backend": "nfc", "path": "usb", "speed": 3})
    assert error.value.option == "reader.speed"
    assert "unknown option" in str(error.value)


def test_bad_values_and_backends_are_named() -> None:
    with pytest.raises(ConfigurationError, match=r"printer\.profile\.columns"):
        parse_config("printer", {"backend": "virtual", "profile": {"columns": 40}})
    with pytest.raises(ConfigurationError, match=r"scanner\.backend.*serial, evdev, virtual"):
        parse_config("scanner", {"backend": "bluetooth"})
    with pytest.raises(ConfigurationError, match=r"scanner\.port"):
        parse_config("scanner", {"backend": "serial"})


@pytest.mark.parametrize(
    "case",
    [
        ("reader", {"backend": "nfc"}, "nfc", "nfcpy"),
        ("reader", {"backend": "pcsc"}, "smartcard", "pyscard"),
        ("scanner", {"backend": "serial", "port": "/dev/ttyACM0"}, "serial", "pyserial"),
        ("scanner", {"backend": "evdev", "device": "/dev/input/event3"}, "evdev", "evdev"),
        ("printer", {"backend": "network", "host": "127.0.0.1"}, "escpos", "python-escpos"),
    ],
)
def test_missing_vendor_library_fails_at_open_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, events: Events, case: tuple[str, dict[str, object], str, str]
) -> None:
    kind, options, module, dist = case
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # what an uninstalled package looks like
    with pytest.raises(DriverUnavailableError) as error:
        create_device(kind, options, events.queue)
    assert error.value.missing == dist
    assert "driver unavailable" in str(error.value) and "pip install" in str(error.value)


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(initial=0.2, maximum=60)
    delays = [policy.delay(n) for n in range(12)]
    assert delays[:3] == [0.2, 0.4, 0.8]
    assert max(delays) == MAX_BACKOFF == 5.0


def test_virtual_reader_through_the_registry(events: Events) -> None:
    reader = open_device("reader", {"backend": "virtual", "source": "till-1"}, events.queue)
    try:
        assert isinstance(reader, VirtualBadgeReader)
        assert events.wait(DeviceReady) == DeviceReady("till-1", "reader")
        reader.tap("04:a1:b2:c3:d4:e5:f6")
        assert events.wait(BadgePresented) == BadgePresented("till-1", "nfc:04A1B2C3D4E5F6")
        assert events.wait(BadgeRemoved) == BadgeRemoved("till-1", "nfc:04A1B2C3D4E5F6")
        reader.place("A1B2C3D4", data=b"\xd1")
        reader.place("A1B2C3D4", data=b"\xd1")  # still the same card: no second event
        reader.place("11223344")  # another card replaces it
        assert events.wait(BadgePresented).credential == "nfc:A1B2C3D4"  # type: ignore[attr-defined]
        assert events.wait(BadgeRemoved) == BadgeRemoved("till-1", "nfc:A1B2C3D4")
        assert events.wait(BadgePresented).credential == "nfc:11223344"  # type: ignore[attr-defined]
        with pytest.raises(ValueError, match="4, 7, 8 or 10 bytes"):
            reader.tap("0102")
    finally:
        reader.close()
    assert not reader.running


def test_fault_backoff_and_reattach_without_restart(events: Events) -> None:
    reader = VirtualBadgeReader(None, events.queue)
    with reader:
        events.wait(DeviceReady)
        reader.place("04A1B2C3D4E5F6")
        events.wait(BadgePresented)
        reader.unplug()
        fault = events.wait(DeviceFault)
        assert fault.kind == "disconnected"  # type: ignore[attr-defined]
        # a card cannot stay presented across a disconnection
        assert events.wait(BadgeRemoved).credential == "nfc:04A1B2C3D4E5F6"  # type: ignore[attr-defined]
        reader.plug()
        events.wait(DeviceReady)
        reader.tap("04A1B2C3D4E5F7")
        assert events.wait(BadgePresented).credential == "nfc:04A1B2C3D4E5F7"  # type: ignore[attr-defined]
    # retries while unplugged report the fault once, not at every attempt
    faults = [e for e in events.seen + events.drain() if isinstance(e, DeviceFault)]
    assert len(faults) <= 2


class _BrokenPrinter(ReceiptPrinter):
    """A backend with a bug: supervision must report it, not die."""

    attempts = 0

    def _attach(self) -> None:
        type(self).attempts += 1
        if self.attempts < 3:
            raise KeyError("bug in a driver")


def test_unexpected_errors_are_internal_faults_and_retried(events: Events) -> None:
    with _BrokenPrinter("broken", events.queue, RetryPolicy(initial=0.01)):
        fault = events.wait(DeviceFault)
        assert fault.kind == "internal" and "KeyError" in fault.message  # type: ignore[attr-defined]
        events.wait(DeviceReady)


def test_virtual_printer_keeps_bytes_and_paper_out_is_a_fault(events: Events) -> None:
    printer = open_device("printer", {"backend": "virtual"}, events.queue)
    assert isinstance(printer, VirtualPrinter)
    with printer:
        events.wait(DeviceReady)
        document = Document((Text("Bonjour, ça va ?"),))
        printer.print(document)
        printer.paper_out = True
        with pytest.raises(PaperOutError):
            printer.print(document)
        assert events.wait(DeviceFault).kind == "paper_out"  # type: ignore[attr-defined]
        assert len(printer.jobs) == 1
        printer.paper_out = False
        printer.print(document)  # reprint once the paper is back
        events.wait(DeviceReady)
    assert [decode(job).text() for job in printer.jobs] == ["Bonjour, ça va ?"] * 2
    assert printer.preview_png().startswith(b"\x89PNG")


def test_close_is_prompt_and_idempotent(events: Events) -> None:
    printer = VirtualPrinter(None, events.queue).start()
    events.wait(DeviceReady)
    printer.close()
    printer.close()
    assert not printer.running
    job = printer.submit(Document((Text("late"),)))
    assert job.done and job.error is not None  # a closed printer refuses, never hangs
