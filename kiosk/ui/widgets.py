"""Widgets: big touch buttons, a numeric keypad, toasts.

A widget never calls application code: a pressed button posts an ``ACTION`` event
(``action``, ``value``) that the current screen handles on the next pass. Touch
(FINGERDOWN), mouse and keyboard all lead to the same actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pygame

from kiosk.ui.events import post_action
from kiosk.ui.theme import Colour, Painter


def pointer(event: pygame.event.Event, size: tuple[int, int]) -> tuple[int, int] | None:
    """Where a touch or a left click landed, or None for any other event.

    SDL also turns a touch into a synthetic mouse click (``touch=True``); that one is
    ignored so a finger presses once.
    """
    if event.type == pygame.FINGERDOWN:
        return int(event.x * size[0]), int(event.y * size[1])
    if (
        event.type == pygame.MOUSEBUTTONDOWN
        and event.button == 1
        and not getattr(event, "touch", False)
    ):
        return int(event.pos[0]), int(event.pos[1])
    return None


@dataclass(slots=True)
class Button:
    rect: pygame.Rect
    label: str
    action: str
    value: Any = None
    style: str = "secondary"  # primary | secondary | ok | danger
    enabled: bool = True
    size: str = "normal"

    def press_at(self, pos: tuple[int, int]) -> bool:
        if self.enabled and self.rect.collidepoint(pos):
            post_action(self.action, self.value)
            return True
        return False

    def draw(self, surface: pygame.Surface, painter: Painter) -> None:
        theme = painter.theme
        fill: Colour = getattr(theme, self.style) if self.enabled else theme.disabled
        ink = theme.text if self.style == "secondary" else theme.on_colour
        radius = max(4, painter.layout.unit // 2)
        pygame.draw.rect(surface, fill, self.rect, border_radius=radius)
        inner = self.rect.inflate(-painter.layout.gap * 2, 0)
        if "\n" in self.label:  # e.g. a product's name over its price
            first, second = self.label.split("\n", 1)
            top, bottom = inner.copy(), inner.copy()
            top.height = bottom.height = inner.height // 2
            top.bottom, bottom.top = inner.centery + 2, inner.centery - 2
            painter.text(surface, first, top, size=self.size, colour=ink, align="center")
            painter.text(surface, second, bottom, size=self.size, colour=ink, align="center")
            return
        painter.text(surface, self.label, inner, size=self.size, colour=ink, align="center")


def press(buttons: list[Button], event: pygame.event.Event, size: tuple[int, int]) -> bool:
    """Offer a pointer event to the buttons; True when one took it."""
    pos = pointer(event, size)
    return pos is not None and any(b.press_at(pos) for b in buttons)


@dataclass(slots=True)
class Keypad:
    """Digits for PINs and amounts. Keys post ``("keypad", key)``; the screen calls
    ``key()``, which returns the value when OK is pressed."""

    max_digits: int = 6
    secret: bool = False
    value: str = ""
    keys_order: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "OK")

    def key(self, key: str) -> str | None:
        if key.isdigit() and len(self.value) < self.max_digits:
            self.value += key
        elif key == "C":
            self.value = ""
        elif key == "<":
            self.value = self.value[:-1]
        elif key == "OK" and self.value:
            done, self.value = self.value, ""
            return done
        return None

    def key_from_keyboard(self, event: pygame.event.Event) -> str | None:
        if event.type != pygame.KEYDOWN:
            return None
        if event.unicode and event.unicode.isdigit():
            return str(event.unicode)
        if event.key == pygame.K_BACKSPACE:
            return "<"
        if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            return "OK"
        return None

    def shown(self) -> str:
        return "•" * len(self.value) if self.secret else self.value

    def buttons(self, rect: pygame.Rect, painter: Painter) -> list[Button]:
        cells = painter.layout.grid(rect, 12, 3, None)
        return [
            Button(
                cell,
                key,
                "keypad",
                key,
                style="ok" if key == "OK" else "secondary",
                size="large",
            )
            for cell, key in zip(cells, self.keys_order, strict=True)
        ]


@dataclass(slots=True)
class Toasts:
    """Short messages that fade after a few seconds; the newest is shown."""

    items: list[list[Any]] = field(default_factory=list)  # [text, seconds left, style]

    def show(self, text: str, style: str = "primary", seconds: float = 3.0) -> None:
        self.items.append([text, seconds, style])
        del self.items[:-3]

    def update(self, dt: float) -> None:
        for item in self.items:
            item[1] -= dt
        self.items = [i for i in self.items if i[1] > 0]

    def texts(self) -> list[str]:
        return [str(i[0]) for i in self.items]

    def draw(
        self, surface: pygame.Surface, painter: Painter, rect: pygame.Rect
    ) -> pygame.Rect | None:
        """The newest message in ``rect`` (the status bar's banner), the number of
        others after it; where it was drawn, or None when there is none."""
        if not self.items:
            return None
        text, _left, style = self.items[-1]
        if len(self.items) > 1:
            text = f"{text}  (+{len(self.items) - 1})"
        layout = painter.layout
        pygame.draw.rect(
            surface, getattr(painter.theme, style), rect, border_radius=rect.height // 3
        )
        painter.text(
            surface,
            str(text),
            rect.inflate(-layout.gap * 2, 0),
            colour=painter.theme.on_colour,
            align="center",
        )
        return rect
