"""What the UI works on, without pygame: settings, the catalogue shown, the lines of a
priced ticket, the printer interface the app wires in, and the session state.

The UI prices nothing itself: every sale goes through ``kiosk.service.TillService``,
which prices the tray for the diner with the site's pricer and the synced menu.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from kiosk.engine.pricing import PricedTicket
from kiosk.engine.results import Identified
from sync.journal import Entry
from sync.money import Money
from sync.protocol.catalogue import SiteMenu


class Mode(StrEnum):
    TILL = "till"  # cashier + diner at the counter
    KIOSK = "kiosk"  # self-service


class UiConfig(BaseModel):
    """The UI's settings (``[ui]`` of the terminal config)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Mode = Mode.TILL
    width: int = Field(default=1280, ge=320)
    height: int = Field(default=800, ge=320)
    fullscreen: bool = False
    lang: Literal["fr", "en"] = "fr"
    idle_logout_s: float = Field(default=20.0, gt=0)
    result_screen_s: float = Field(default=4.0, gt=0)
    require_open_till: bool = False
    top_up_choices: tuple[int, ...] = (1000, 2000, 5000)  # cents
    fps: int = Field(default=30, ge=5, le=120)
    sound: bool = True
    # The menu's pictures (logo, dish photos) are paths relative to this folder; ""
    # is the project's config/ folder, where the example site's pictures are.
    media_dir: str = ""
    # A press this soon after the screen changed is ignored: it was meant for the
    # screen that just went away (a late "print" must not land on "clear").
    press_guard_s: float = Field(default=0.5, ge=0, le=5)


@dataclass(frozen=True, slots=True)
class Item:
    """A catalogue item as the UI shows it; ``price`` in cents, ``vat`` in basis points."""

    id: str
    label: str
    category: str
    price: int
    vat: int = 1000
    code: str | None = None  # barcode / QR text that adds it to the tray
    orderable: bool = False  # offered by the self-service kiosk's "order" screen


class Catalogue:
    def __init__(self, items: Sequence[Item]) -> None:
        self.items = list(items)
        self._by_id = {i.id: i for i in self.items}
        self._by_code = {i.code: i for i in self.items if i.code}

    def categories(self) -> list[str]:
        return list(dict.fromkeys(i.category for i in self.items))

    def in_category(self, category: str) -> list[Item]:
        return [i for i in self.items if i.category == category]

    def get(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def for_order(self) -> Catalogue:
        """What the self-service kiosk offers to order: the items marked orderable
        (products and services), or everything when none is marked."""
        marked = [i for i in self.items if i.orderable]
        return Catalogue(marked) if marked else self

    def by_code(self, code: str) -> Item | None:
        return self._by_code.get(code.strip()) or self._by_id.get(code.strip())


@dataclass(frozen=True, slots=True)
class TicketLine:
    label: str
    amount: int  # cents, negative for a subsidy


@dataclass(frozen=True, slots=True)
class TrayTicket:
    """A priced tray as the accepted screen and the receipt show it."""

    lines: tuple[TicketLine, ...]
    subsidy: int
    total: int
    vat: dict[str, int]


def tray_ticket(ticket: PricedTicket, lang: str = "fr") -> TrayTicket:
    """The lines the accepted screen shows for a priced ticket."""

    def label(text: Any) -> str:
        return str(text.en if lang == "en" else text.fr)

    lines = [
        TicketLine(
            f"{line.quantity} x {label(line.label)}" if line.quantity > 1 else label(line.label),
            line.total,
        )
        for line in ticket.lines
    ]
    for formula in ticket.formulas:
        parts = ", ".join(label(part.label) for part in formula.parts)
        lines.append(TicketLine(f"{label(formula.label)} ({parts})", formula.total))
    if ticket.admission is not None and ticket.admission.amount:
        lines.append(
            TicketLine(
                "Droit d'admission" if lang != "en" else "Admission fee", ticket.admission.amount
            )
        )
    subsidy = -ticket.subsidy.amount if ticket.subsidy is not None else 0  # shown as a deduction
    vat = {str(rate): total for rate, total in ticket.totals_by_rate().items()}
    return TrayTicket(tuple(lines), subsidy, ticket.total, vat)


def phone_on_reader(credential: str | None) -> bool:
    """Whether an NFC read is a phone rather than a badge: a phone shows a random
    4-byte UID, which ISO/IEC 14443-3 starts with 08h, never the same twice."""
    if credential is None or not credential.lower().startswith("nfc:08"):
        return False
    return len(credential) == len("nfc:") + 8


def catalogue_from_menu(menu: SiteMenu, lang: str = "fr") -> Catalogue:
    """The items a cashier can put on a tray, in the menu's order."""
    return Catalogue(
        [
            Item(
                id=item.id,
                label=item.label.en if lang == "en" else item.label.fr,
                category=str(item.category),
                price=item.price,
                vat=int(item.vat_rate),
                code=item.code,
                orderable=item.orderable,
            )
            for item in menu.items
        ]
    )


def tray_total(items: Sequence[Item]) -> Money:
    return Money(sum(i.price for i in items))


class ReceiptSink(Protocol):
    """Where receipts go (the app wires the printer driver; printing runs off the UI)."""

    def print_receipt(self, entry: Entry, *, duplicate: bool) -> None: ...


class MemoryReceipts:
    """Keeps receipts in memory: tests, screenshots, and tills without a printer."""

    def __init__(self) -> None:
        self.printed: list[tuple[int, bool]] = []
        self._lock = threading.Lock()

    def print_receipt(self, entry: Entry, *, duplicate: bool) -> None:
        with self._lock:
            self.printed.append((entry.seq, duplicate))


@dataclass(slots=True)
class Session:
    """Who is in front of the screen and what they are doing."""

    tray: list[Item] = field(default_factory=list)
    cart: list[Item] = field(default_factory=list)
    diner: Identified | None = None
    diner_credential: str | None = None
    recent: list[Entry] = field(default_factory=list)
    orders: list[Any] = field(default_factory=list)  # the diner's OrderViews (kiosk.engine.orders)
    cashier_id: str | None = None
    cashier_name: str | None = None
    cashier_role: str | None = None  # "manager" may choose training mode
    idle_s: float = 0.0

    def logout_diner(self) -> None:
        self.diner = None
        self.diner_credential = None
        self.recent = []
        self.orders = []
        self.cart = []
