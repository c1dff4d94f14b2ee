"""The one sale API between the devices and the engine, without any screen.

Every way to sell goes through ``TillService``: the till's UI and the self-service
kiosk (wired in ``kiosk.app``), the headless service of the demo, guest meals and
orders. It prices each tray with the site's pricer on the synced menu (else the menu
given at start), sells through the engine (durably committed first), then prints the
receipt when asked. A printer fault never undoes a sale: it is reported and the ticket
stays reprintable from its signed entry.

It also keeps one charge per presentation (``kiosk.presence``): the caller reports
what the readers saw (``observe`` for driver events, or ``presented``/``lifted``) and
when a new tray starts (``start_tray``); a credential re-read just after it paid gets
``AlreadyPaid`` with that sale, and nothing is charged unless the cashier confirms.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from drivers.errors import DriverError
from drivers.events import BadgePresented, BadgeRemoved, CodeScanned, Event
from drivers.printer.base import ReceiptPrinter
from drivers.printer.preview import render_png
from kiosk.closure_report import closure_csv, closure_receipt
from kiosk.engine import Accepted, Engine, Refused, Result, duplicates, orders, training
from kiosk.engine.closures_periodic import CLOSURE_KINDS
from kiosk.engine.credentials import MalformedCredential, parse_credential
from kiosk.engine.trays import current_menu, sell_tray, serve_visit
from kiosk.presence import Charge, ChargeGuard, Repeat
from sync import phonebadge
from sync.journal import Entry, EntryKind
from sync.protocol.catalogue import SiteMenu
from sync.protocol.orders import QR_PREFIX, OrderDoc, lines_of, needs_pickup, parse_order_code
from sync.protocol.reasons import RejectReason
from sync.receipt.entry import receipt_for
from sync.receipt.layout import ReceiptData

log = logging.getLogger(__name__)

GUEST_PROFILE = "guest"
_REMEMBERED = 256  # accepted sales kept to show with "already paid"


@dataclass(frozen=True, slots=True)
class Printed:
    """What became of a receipt: ``ok``, or the fault in plain words."""

    ok: bool
    error: str | None = None
    png: Path | None = None


@dataclass(frozen=True, slots=True)
class AlreadyPaid:
    """The credential paid ``since_s`` seconds ago and this is the same presentation:
    nothing was charged. ``previous`` is that sale (None while it is being committed)."""

    credential: str
    previous: Accepted | None
    since_s: float


Sale = Accepted | Refused | AlreadyPaid


def presentation_key(credential: str | bytes) -> str:
    """What identifies a credential across reads: the stored value (a phone shows a
    new code every 30 s, all of them its one credential), else the text as read."""
    try:
        return parse_credential(credential).value
    except MalformedCredential:
        text = (
            credential.decode("utf-8", "replace") if isinstance(credential, bytes) else credential
        )
        return text.strip()


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
        clock: Callable[[], float] = time.monotonic,
        exports_dir: Path | None = None,
    ) -> None:
        self.engine = engine
        self.printer = printer
        self._menu = menu
        self.site_name = site_name
        self.training = training
        self.receipts_dir = receipts_dir
        self.cashier = cashier
        self.clock = clock
        self.exports_dir = exports_dir  # where closures are exported (CSV)
        self._guard = ChargeGuard(engine.settings().repeat_holdoff_s)
        self._lock = threading.Lock()  # the UI thread reports, the engine worker sells
        self._on_reader: dict[str, str] = {}  # reader -> key of the card on it
        self._sales: dict[str, Accepted] = {}  # key -> its last accepted sale

    @property
    def menu(self) -> SiteMenu | None:
        """The menu synced from the hub, else the one given at start."""
        return current_menu(self.engine) or self._menu

    # What the readers saw -------------------------------------------------------------

    def observe(self, event: Event) -> None:
        """A driver event: a badge placed or removed, a phone badge's code scanned."""
        if isinstance(event, BadgePresented):
            self.presented(event.credential, source=event.source)
        elif isinstance(event, BadgeRemoved):
            self.lifted(event.credential, source=event.source)
        elif isinstance(event, CodeScanned) and event.text.strip().startswith(
            phonebadge.PHONE_PREFIX
        ):
            self.presented(event.text, scanned=True)

    def presented(self, credential: str, *, source: str = "", scanned: bool = False) -> None:
        """A credential came to a reader (``scanned``: a code, gone at once)."""
        key = presentation_key(credential)
        with self._lock:
            if scanned:
                self._guard.scanned(key, self.clock())
                return
            if source:
                earlier = self._on_reader.get(source)
                if earlier is not None and earlier != key:  # no removal between two cards
                    self._guard.removed(earlier, self.clock())
                self._on_reader[source] = key
            self._guard.placed(key, self.clock())

    def lifted(self, credential: str = "", *, source: str = "") -> None:
        """A credential left its reader (named by the credential, or by the reader)."""
        with self._lock:
            key = self._on_reader.pop(source, None) if source else None
            if credential:
                key = presentation_key(credential)
            if key is not None:
                self._guard.removed(key, self.clock())

    def start_tray(self) -> None:
        """The cashier began a new tray (the next diner's first item)."""
        with self._lock:
            self._guard.tray_started(self.clock())

    # Selling ---------------------------------------------------------------------------

    def admit(self, credential: str, *, confirmed: bool = False) -> Charge | AlreadyPaid:
        """May this presentation of ``credential`` be charged now? A ``Charge`` is then
        handed to ``sell``; the UI asks here, in the order of its events, before it
        hands the sale to its worker."""
        key = presentation_key(credential)
        with self._lock:
            verdict = self._guard.admit(key, self.clock(), confirmed=confirmed)
            if isinstance(verdict, Repeat):
                previous = self._sales.get(key)
                if previous is not None and previous.seq != verdict.ref:
                    previous = None
                return AlreadyPaid(credential, previous, verdict.since_s)
            return verdict

    def sell(
        self,
        credential: str,
        items: Sequence[str],
        *,
        kind: EntryKind = EntryKind.SALE,
        details: Mapping[str, Any] | None = None,
        take_away: bool = False,
        guest: bool = False,
        confirmed: bool = False,
        charge: Charge | None = None,
    ) -> Sale:
        """Sell a tray (catalogue ids) to the diner behind ``credential`` (badge UID
        or phone code), priced for that diner's tariff profile; ``guest``: the tray of
        the diner's guest, at the guest tariff, billed to the diner.

        ``charge`` is the answer of ``admit`` for this presentation; without it the
        presentation is admitted here. ``confirmed``: the cashier asked for a second
        sale to a diner who has just paid."""
        if charge is None:
            verdict = self.admit(credential, confirmed=confirmed)
            if isinstance(verdict, AlreadyPaid):
                log.info("%s already paid %.1f s ago: not charged", credential, verdict.since_s)
                return verdict
            charge = verdict
        try:
            menu = self.menu
            if menu is None:
                raise RuntimeError("no menu on this terminal yet: sync with the hub first")
            if training.is_on(self.engine):  # a manager chose it: charged to nobody
                result = training.sell(
                    self.engine,
                    credential,
                    items,
                    menu=menu,
                    take_away=take_away,
                    cashier=self.cashier or None,
                )
                self._settle(charge, None)
                return result
            result = sell_tray(
                self.engine,
                credential,
                items,
                menu=menu,
                take_away=take_away,
                kind=kind,
                details=details,
                guest_profile=GUEST_PROFILE if guest else None,
            )
        except BaseException:
            self._settle(charge, None)
            raise
        self._settle(charge, result)
        return result

    def order(
        self,
        credential: str,
        items: Sequence[str],
        *,
        pickup_day: date | None = None,
        slot: str | None = None,
        options: Mapping[str, Sequence[str]] | None = None,
        notify: bool = False,
    ) -> Sale:
        """A self-service order, paid by the diner logged in at the kiosk: pressing
        "pay" is a decision, not a presentation, so it is charged as confirmed.

        Items ordered ahead (``ordering`` in the menu) need a ``pickup_day`` (and a
        ``slot`` when they have slots) and keep the menu's rules (cut-off, days, daily
        limit as far as this kiosk knows); other items are for today. The order's code
        is ``order_code`` of the entry (``orders.order_of``)."""
        details: dict[str, Any] = {"mode": "kiosk"}
        menu = self.menu
        lines = lines_of(items, options)
        if menu is not None and (pickup_day is not None or needs_pickup(menu, items)):
            day = pickup_day or date.fromisoformat(self.engine.business_day())
            refused = orders.placing_refusal(self.engine, menu, lines, day=day, slot=slot)
            if refused is not None:
                return refused
            details.update(pickup_day=day.isoformat(), slot=slot)
        details["lines"] = [line.model_dump(mode="json") for line in lines]
        if notify:
            details["notify"] = True
        return self.sell(credential, items, kind=EntryKind.ORDER, details=details, confirmed=True)

    # Orders after placing ------------------------------------------------------------

    def orders_of(self, account_id: str) -> list[orders.OrderView]:
        """The diner's orders (current and past), the latest pickup first."""
        return orders.orders_of(self.engine, account_id, self.menu)

    def order_notices(self, account_id: str) -> list[OrderDoc]:
        """Orders the hub cancelled and refunded that the diner is told of now, once."""
        return orders.notices(self.engine, account_id)

    def cancel_order(self, credential: str, code: str) -> orders.OrderView | Refused:
        """The diner behind ``credential`` cancels order ``code`` before its cut-off."""
        who = self.engine.present(credential)
        if isinstance(who, Refused):
            return who
        return orders.cancel(self.engine, who, code, self.menu)

    def orders_to_collect(self, text: str) -> tuple[str | None, list[orders.OrderView]] | Refused:
        """What a badge tapped or a QR scanned at the till's Commandes screen names: a
        diner's orders to hand over today (their account id and the orders), or one
        order by its code (no account: whoever shows the code collects it)."""
        code = parse_order_code(text) if text.strip().upper().startswith(QR_PREFIX) else None
        if code is not None:
            view = orders.find(self.engine, code, self.menu)
            if view is None:
                return Refused(RejectReason.ORDER_UNKNOWN, f"no order {code}")
            return None, [view]
        who = self.engine.present(text)
        if isinstance(who, Refused):
            return who
        return who.account.id, orders.todays(self.engine, who.account.id, self.menu)

    def collect_order(
        self, code: str, account_id: str | None = None, *, cashier: str | None = None
    ) -> orders.OrderView | Refused:
        """Hand order ``code`` over (to the diner of ``account_id`` if a badge was
        tapped) by ``cashier`` (default: the till's): journalled here, synced;
        collecting twice or another's is refused."""
        by = self.cashier if cashier is None else cashier
        return orders.collect(self.engine, code, account_id=account_id, cashier=by, menu=self.menu)

    def _settle(self, charge: Charge, result: Result | None) -> None:
        if isinstance(result, Accepted):  # the hold-off follows the hub's settings
            holdoff = self.engine.settings().repeat_holdoff_s
            with self._lock:
                self._guard.holdoff_s = holdoff
        with self._lock:
            if isinstance(result, Accepted):
                self._guard.accepted(charge, result.seq)
                self._sales.pop(charge.key, None)
                self._sales[charge.key] = result
                while len(self._sales) > _REMEMBERED:
                    del self._sales[next(iter(self._sales))]
            else:
                self._guard.released(charge)

    def serve_guests(
        self, visit: str, items: Sequence[str], guests: int, *, cashier: str | None = None
    ) -> Result:
        """Serve ``guests`` meals of a visit (its QR code or id), billed as it says. A
        visit counts its own meals, so it needs no presentation rule."""
        menu = self.menu
        if menu is None:
            raise RuntimeError("no menu on this terminal yet: sync with the hub first")
        by = self.cashier if cashier is None else cashier
        return serve_visit(self.engine, visit, items, guests, menu=menu, cashier=by)

    def print_receipt(self, result: Accepted | int, *, duplicate: bool = False) -> Printed:
        """Print the receipt of an accepted operation (or of entry ``seq``).

        Every figure comes from the signed entry, the balance after the sale included,
        so a receipt printed later or again (``duplicate``) shows the same sale."""
        seq = result.seq if isinstance(result, Accepted) else result
        entry = self.engine.store.entry(seq)
        if entry is None:
            return Printed(False, f"no entry {seq}")
        return self._print_entry(entry, seq, receipt_for, "ticket", duplicate=duplicate)

    def _print_entry(
        self,
        entry: Entry,
        seq: int,
        render: Callable[..., ReceiptData],
        name: str,
        *,
        duplicate: bool,
    ) -> Printed:
        """Print the ticket ``render`` makes of ``entry`` (number ``seq``: a receipt or a Z report),
        kept as ``<name>-<seq>[-duplicata].png`` when pictures are asked for."""
        if self.printer is None:
            return Printed(False, "no printer configured")
        settings = self.engine.settings()
        data = render(
            entry,
            site_name=self.site_name or settings.site_name,
            timezone=settings.timezone,
            duplicate=duplicate,
            training=self.training,
        )
        suffix = "-duplicata" if duplicate else ""
        if duplicate:
            # Every reprint is journalled, numbered, before anything is printed.
            again = duplicates.record(self.engine, seq, self.cashier or None)
            data = replace(data, duplicate_note=again.mark)
            suffix = f"-duplicata-{again.number}"
        return self._send(data, seq, f"{name}-{seq:06d}{suffix}.png")

    def _send(self, data: ReceiptData, seq: int, png_name: str) -> Printed:
        """Print ``data`` (the ticket of entry ``seq``); a fault is journalled and
        reported, never raised; the picture kept as ``png_name`` when asked."""
        assert self.printer is not None
        try:
            raw = self.printer.print_receipt(data, timeout=10)
        except DriverError as exc:
            log.warning("ticket %s not printed: %s", seq, exc)
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
            png = self.receipts_dir / png_name
            png.write_bytes(
                render_png(raw, self.printer.profile.columns, self.printer.profile.dots)
            )
        return Printed(True, png=png)

    # The daily closure -----------------------------------------------------------------

    def print_closure(self, seq: int, *, duplicate: bool = False) -> Printed:
        """Print the Z report of the CLOSURE entry ``seq``."""
        entry = self.engine.store.entry(seq)
        if entry is None or entry.kind not in CLOSURE_KINDS:
            return Printed(False, f"no closure {seq}")
        return self._print_entry(entry, seq, closure_receipt, "cloture", duplicate=duplicate)

    def export_closure(self, seq: int) -> Path:
        """Write the CLOSURE entry ``seq`` as CSV in ``exports_dir``; its path.
        Raises ``LookupError`` for no such closure, ``OSError`` when it cannot be written."""
        entry = self.engine.store.entry(seq)
        if entry is None or entry.kind != EntryKind.CLOSURE:
            raise LookupError(f"no closure {seq}")
        if self.exports_dir is None:
            raise OSError("no export folder configured")
        day = str(entry.payload.get("business_day", "")) or f"{seq:06d}"
        self.exports_dir.mkdir(parents=True, exist_ok=True)
        path = self.exports_dir / f"cloture-{entry.terminal_id}-{day}-{seq:06d}.csv"
        path.write_text(closure_csv(entry), encoding="utf-8")
        return path
