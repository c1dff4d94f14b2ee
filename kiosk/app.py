"""Wiring: device events -> UI -> till service -> engine, and the printer.

``App`` opens the configured devices through the drivers' registry, bridges their
events onto the UI's input queue (a phone badge's QR code counts as a badge; a badge
leaving the reader is passed on too, for the one-charge-per-presentation rule), and
runs the pygame UI over one ``TillService``: it sells every tray with the site's pricer
and prints receipts (a printer fault never undoes a sale: it is shown in the status
bar and the ticket stays reprintable).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.base import Device
from drivers.events import (
    BadgePresented,
    BadgeRemoved,
    CodeRejected,
    CodeScanned,
    DeviceFault,
    DeviceReady,
    Event,
)
from drivers.payment.base import PaymentTerminal
from drivers.printer.base import ReceiptPrinter
from drivers.registry import open_device
from kiosk.cardpay import CardDesk
from kiosk.config import TerminalConfig
from kiosk.engine import Engine
from kiosk.engine.closures_periodic import CLOSURE_KINDS
from kiosk.service import TillService
from kiosk.ui import events as ui_events
from kiosk.ui.model import Mode
from sync import phonebadge
from sync.journal import Entry
from sync.protocol.catalogue import SiteMenu

if TYPE_CHECKING:
    from kiosk.ui.shell import Ui

log = logging.getLogger(__name__)


def to_ui_input(event: Event, kinds: Mapping[str, str]) -> ui_events.Input | None:
    """A driver event as the UI sees it (None: nothing to show)."""
    if isinstance(event, BadgePresented):
        return ui_events.BadgeTapped(event.credential, kinds.get(event.source, "reader"))
    if isinstance(event, BadgeRemoved):
        return ui_events.BadgeLifted(event.credential, kinds.get(event.source, "reader"))
    if isinstance(event, CodeScanned):
        if event.text.strip().startswith(phonebadge.PHONE_PREFIX):
            return ui_events.BadgeTapped(event.text.strip(), kinds.get(event.source, "scanner"))
        return ui_events.CodeScanned(event.text, kinds.get(event.source, "scanner"))
    if isinstance(event, DeviceFault):
        return ui_events.DeviceFaulted(
            kinds.get(event.source, event.source), event.kind, event.message
        )
    if isinstance(event, DeviceReady):
        return ui_events.DeviceReadied(kinds.get(event.source, str(event.kind)))
    if isinstance(event, CodeRejected):
        log.info("code refused by %s: %s", event.source, event.reason)
    return None


class PrinterReceipts:
    """The UI's receipt sink: print through the till service, report a fault."""

    def __init__(self, till: TillService, inputs: queue.Queue[ui_events.Input]) -> None:
        self.till, self.inputs = till, inputs

    def print_receipt(self, entry: Entry, *, duplicate: bool) -> None:
        if entry.kind in CLOSURE_KINDS:
            printed = self.till.print_closure(entry.seq, duplicate=duplicate)
        else:
            printed = self.till.print_receipt(entry.seq, duplicate=duplicate)
        if not printed.ok:
            self.inputs.put(ui_events.DeviceFaulted("printer", "error", printed.error or ""))
        elif printed.png is not None:
            self.inputs.put(ui_events.ReceiptPrinted(str(printed.png)))


@dataclass
class App:
    engine: Engine
    config: TerminalConfig
    menu: SiteMenu
    events: queue.Queue[Event] = field(default_factory=queue.Queue)
    inputs: queue.Queue[ui_events.Input] = field(default_factory=queue.Queue)
    devices: dict[str, Device] = field(default_factory=dict)
    hotkeys: dict[str, Any] = field(default_factory=dict)
    receipts_dir: Path | None = None  # also keep each printed receipt as a PNG
    exports_dir: Path | None = None  # closures exported as CSV (default: beside the store)
    _stop: threading.Event = field(default_factory=threading.Event)
    _bridge: threading.Thread | None = None
    _wake: Any = None  # wakes the UI's frame loop when a device input arrives

    def open_devices(self) -> None:
        """Open each device of ``[devices]`` (a missing or broken one is reported by
        its own fault events, and retried, without stopping the kiosk)."""
        for kind in ("reader", "scanner", "printer", "payment"):
            options = getattr(self.config.devices, kind)
            if options:
                self.devices[kind] = open_device(kind, options, self.events)

    def add_device(self, kind: str, device: Device) -> None:
        self.devices[kind] = device

    @property
    def printer(self) -> ReceiptPrinter | None:
        device = self.devices.get("printer")
        return device if isinstance(device, ReceiptPrinter) else None

    @property
    def payment(self) -> PaymentTerminal | None:
        """The bank-card terminal of ``[devices.payment]``; None: card payments are off."""
        device = self.devices.get("payment")
        return device if isinstance(device, PaymentTerminal) else None

    def _pump(self) -> None:
        kinds = {device.source: kind for kind, device in self.devices.items()}
        while not self._stop.is_set():
            try:
                event = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            item = to_ui_input(event, kinds)
            if item is not None:
                self.inputs.put(item)
                if self._wake is not None:
                    self._wake()  # shown this frame, not the next one

    def build_ui(self) -> Ui:
        """The UI over this app's engine, menu, printer and input queue."""
        from kiosk.ui.shell import Ui

        till = TillService(
            self.engine,
            printer=self.printer,
            menu=self.menu,
            training=self.config.terminal.training,
            receipts_dir=self.receipts_dir,
            exports_dir=self.exports_dir or self.engine.store.path.parent / "exports",
        )
        ui_config = self.config.ui.model_copy(update={"mode": Mode(self.config.terminal.mode)})
        ui = Ui(
            ui_config,
            till,
            receipts=PrinterReceipts(till, self.inputs),
            cards=CardDesk(self.engine, self.payment),
            inputs=self.inputs,
            hotkeys=self.hotkeys,
        )
        self._wake = ui.worker.ready.set
        return ui

    def start_bridge(self) -> None:
        """Move device events onto the UI's input queue, in a thread of their own."""
        self._bridge = threading.Thread(target=self._pump, name="device-bridge", daemon=True)
        self._bridge.start()

    def run(self) -> None:
        """Open the window and serve until it is closed."""
        ui = self.build_ui()
        self.start_bridge()
        try:
            ui.run()
        finally:
            ui.close()
            self.close()

    def close(self) -> None:
        self._stop.set()
        if self._bridge is not None:
            self._bridge.join(timeout=5)
        for device in self.devices.values():
            device.close()
