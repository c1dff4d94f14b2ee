"""The till's work between the devices and the engine, without any screen.

``TillService`` takes what the drivers report (a badge, a scanned code), sells the
tray through the engine (durably committed first), then prints the receipt when
asked. A printer fault never undoes a sale: it is reported and the ticket stays
reprintable from its signed entry. The pygame UI and the headless demo both drive
the till through this class.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from drivers.errors import DriverError
from drivers.printer.base import ReceiptPrinter
from drivers.printer.preview import render_png
from kiosk.engine import Accepted, Engine, Result
from kiosk.engine.trays import current_menu, sell_tray, serve_visit
from kiosk.receipt import receipt_for
from sync.journal import EntryKind
from sync.protocol.catalogue import SiteMenu

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Printed:
    """What became of a receipt: ``ok``, or the fault in plain words."""

    ok: bool
    error: str | None = None
    png: Path | None = None


class TillService:
    def __init__(
        self,
        engine: Engine,
        *,
        printer: ReceiptPrinter | None = None,
        menu: SiteMenu | None = None,
        site_name: str = "",
        training: bool = False,
        receipts_dir: Path | None = None,
        cashier: str = "",
    ) -> None:
        self.engine = engine
        self.printer = printer
        self._menu = menu
        self.site_name = site_name
        self.training = training
        self.receipts_dir = receipts_dir
        self.cashier = cashier

    @property
    def menu(self) -> SiteMenu | None:
        """The menu synced from the hub, else the one given at start."""
        return current_menu(self.engine) or self._menu

    def sell(self, credential: str | bytes, items: Sequence[str]) -> Result:
        """Sell a tray to the diner behind ``credential`` (badge UID or phone code)."""
        menu = self.menu
        if menu is None:
            raise RuntimeError("no menu on this terminal yet: sync with the hub first")
        return sell_tray(self.engine, credential, items, menu=menu)

    def serve_guests(self, visit: str, items: Sequence[str], guests: int) -> Result:
        menu = self.menu
        if menu is None:
            raise RuntimeError("no menu on this terminal yet: sync with the hub first")
        return serve_visit(self.engine, visit, items, guests, menu=menu, cashier=self.cashier)

    def print_receipt(self, result: Accepted | int, *, duplicate: bool = False) -> Printed:
        """Print the receipt of an accepted operation (or of entry ``seq``).

        Every figure comes from the signed entry, the balance after the sale included,
        so a receipt printed later or again (``duplicate``) shows the same sale."""
        seq = result.seq if isinstance(result, Accepted) else result
        entry = self.engine.store.entry(seq)
        if entry is None:
            return Printed(False, f"no entry {seq}")
        if self.printer is None:
            return Printed(False, "no printer configured")
        settings = self.engine.settings()
        data = receipt_for(
            entry,
            site_name=self.site_name or settings.site_name,
            timezone=settings.timezone,
            duplicate=duplicate,
            training=self.training,
        )
        try:
            raw = self.printer.print_receipt(data, timeout=10)
        except DriverError as exc:
            log.warning("receipt %s not printed: %s", seq, exc)
            self.engine.record_event(
                EntryKind.DEVICE_FAULT,
                {
                    "source": self.printer.source,
                    "fault": "print_failed",
                    "message": str(exc)[:500],
                    "ticket": seq,
                },
            )
            return Printed(False, str(exc))
        png = None
        if self.receipts_dir is not None:
            self.receipts_dir.mkdir(parents=True, exist_ok=True)
            png = self.receipts_dir / f"ticket-{seq:06d}{'-duplicata' if duplicate else ''}.png"
            png.write_bytes(
                render_png(raw, self.printer.profile.columns, self.printer.profile.dots)
            )
        return Printed(True, png=png)
