"""A tray or cart as lines of one item each with its quantity, and - / + buttons on
every line: the till's tray and the self-service kiosk's cart share it.

Buttons post ``("less", item_id)`` and ``("more", item_id)``; ``apply`` turns them into
the new list of items. The newest lines stay in view when the list is longer than
its pane.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from kiosk.ui.i18n import Lang, display_money
from kiosk.ui.model import Item
from kiosk.ui.theme import Layout, Painter
from kiosk.ui.widgets import Button


@dataclass(frozen=True, slots=True)
class BasketLine:
    item: Item
    quantity: int
    rect: pygame.Rect

    @property
    def label(self) -> str:
        return self.item.label if self.quantity == 1 else f"{self.quantity} x {self.item.label}"

    @property
    def amount(self) -> int:
        return self.item.price * self.quantity


def grouped(items: list[Item]) -> list[tuple[Item, int]]:
    """The items by id, in the order each was first added, with their quantities."""
    counts: dict[str, int] = {}
    first: dict[str, Item] = {}
    for item in items:
        counts[item.id] = counts.get(item.id, 0) + 1
        first.setdefault(item.id, item)
    return [(first[item_id], count) for item_id, count in counts.items()]


def line_height(layout: Layout) -> int:
    """Tall enough for a finger on its buttons, and for the text."""
    return max(int(layout.button_h * 0.8), int(layout.font_size("normal") * 1.6))


def basket_lines(layout: Layout, area: pygame.Rect, items: list[Item]) -> list[BasketLine]:
    """The lines that fit in ``area``, the newest ones when they do not all fit."""
    height = line_height(layout)
    step = height + layout.gap // 2
    fits = max(1, (area.height + layout.gap // 2) // step)
    shown = grouped(items)[-fits:]
    return [
        BasketLine(item, quantity, pygame.Rect(area.x, area.y + i * step, area.width, height))
        for i, (item, quantity) in enumerate(shown)
    ]


def _button_rects(layout: Layout, line: BasketLine) -> tuple[pygame.Rect, pygame.Rect]:
    side = line.rect.height
    plus = pygame.Rect(line.rect.right - side, line.rect.y, side, side)
    minus = pygame.Rect(plus.x - layout.gap - side, line.rect.y, side, side)
    return minus, plus


def basket_buttons(layout: Layout, lines: list[BasketLine]) -> list[Button]:
    buttons = []
    for line in lines:
        minus, plus = _button_rects(layout, line)
        buttons.append(Button(minus, "-", "less", line.item.id, size="large"))
        buttons.append(Button(plus, "+", "more", line.item.id, size="large"))
    return buttons


def draw_basket(
    surface: pygame.Surface,
    painter: Painter,
    layout: Layout,
    lines: list[BasketLine],
    lang: Lang = Lang.FR,
) -> None:
    """Each line's label and amount (in the language shown), left of its buttons."""
    for line in lines:
        minus, _plus = _button_rects(layout, line)
        room = pygame.Rect(
            line.rect.x, line.rect.y, minus.x - layout.gap - line.rect.x, minus.height
        )
        shown = painter.text(surface, display_money(line.amount, lang), room, align="right")
        room.width = max(0, shown.left - room.x - layout.gap)
        painter.text(surface, line.label, room)


def apply(items: list[Item], action: str, item_id: str, catalogue_item: Item | None) -> bool:
    """A - or + press on the line of ``item_id``: change ``items`` in place; True when
    it changed."""
    if action == "more" and catalogue_item is not None:
        items.append(catalogue_item)
        return True
    if action == "less":
        for index in range(len(items) - 1, -1, -1):
            if items[index].id == item_id:
                del items[index]
                return True
    return False
