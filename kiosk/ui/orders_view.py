"""How an order reads on screen (its row, pickup day, state) and its QR code; shared by
the kiosk's home and order screens and the till's Commandes screen. No engine calls."""

from __future__ import annotations

from datetime import date

import pygame
import qrcode

from kiosk.engine.orders import OrderView
from kiosk.ui.i18n import Lang, Translator
from sync.protocol.orders import spoken

_WEEKDAYS = {
    Lang.FR: ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    Lang.EN: ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def day_label(tr: Translator, day: date | str) -> str:
    """``mar. 01/12``: the pickup day as a diner reads it."""
    found = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{_WEEKDAYS[tr.lang][found.weekday()]} {found:%d/%m}"


def pickup_text(tr: Translator, day: str, slot: str | None) -> str:
    if slot:
        return tr.t("kiosk.pickup_slot", day=day_label(tr, day), slot=slot)
    return tr.t("kiosk.pickup", day=day_label(tr, day))


def state_text(tr: Translator, view: OrderView) -> str:
    return (
        tr.t("order.pending")
        if view.pending and view.state.open
        else tr.t(f"order.{view.state.value}")
    )


def order_row(tr: Translator, view: OrderView) -> tuple[str, str]:
    left = tr.t(
        "kiosk.order_line",
        code=spoken(view.code),
        state=state_text(tr, view),
        pickup=pickup_text(tr, view.doc.pickup_day, view.doc.slot),
    )
    return left, tr.money(view.doc.amount)


def qr_surface(text: str, side: int) -> pygame.Surface:
    """The QR code of ``text``, ``side`` pixels square (black on white)."""
    code = qrcode.QRCode(border=2, box_size=1)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    small = pygame.Surface((len(matrix), len(matrix)))
    small.fill((255, 255, 255))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                small.set_at((x, y), (0, 0, 0))
    return pygame.transform.scale(small, (side, side))
