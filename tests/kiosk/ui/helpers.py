"""Driving the UI with synthetic touch, mouse and key events, as a finger would."""

from __future__ import annotations

from typing import Any

import pygame

from kiosk.ui.shell import Ui
from kiosk.ui.status_bar import status_buttons
from kiosk.ui.widgets import Button


def find(ui: Ui, action: str, value: Any = None) -> Button:
    screen = ui.manager.current
    buttons: list[Button] = [*getattr(screen, "buttons", list)(), *status_buttons(ui)]
    for button in buttons:
        if button.action == action and (value is None or button.value == value):
            return button
    raise AssertionError(
        f"no button {action}={value!r} on {ui.screen}: {[b.action for b in buttons]}"
    )


def touch(ui: Ui, action: str, value: Any = None) -> None:
    """A finger on the button's centre (FINGERDOWN, normalised coordinates)."""
    press_at(ui, find(ui, action, value).rect.center)


def press_at(ui: Ui, pos: tuple[int, int]) -> None:
    """A finger at ``pos`` (pixels), whatever is drawn there."""
    w, h = ui.surface.get_size()
    pygame.event.post(
        pygame.event.Event(
            pygame.FINGERDOWN,
            x=pos[0] / w,
            y=pos[1] / h,
            dx=0.0,
            dy=0.0,
            touch_id=1,
            finger_id=1,
            pressure=1.0,
        )
    )
    ui.settle()


def drawn_texts(ui: Ui) -> list[str]:
    """Every text the current frame draws (the screen, the status bar, the toasts)."""
    painter = ui.painter
    seen: list[str] = []
    original = painter.text

    def recording(surface: pygame.Surface, text: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(text)
        return original(surface, text, *args, **kwargs)

    painter.text = recording  # type: ignore[method-assign]
    try:
        ui.draw()
    finally:
        del painter.text  # back to the class's method
    return seen


def click(ui: Ui, action: str, value: Any = None) -> None:
    pos = find(ui, action, value).rect.center
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False))
    ui.settle()


def key(ui: Ui, key: int, unicode: str = "") -> None:
    pygame.event.post(
        pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=0, scancode=0)
    )
    ui.settle()


def type_digits(ui: Ui, digits: str) -> None:
    for d in digits:
        touch(ui, "keypad", d)


def tap(ui: Ui, credential: str) -> None:
    ui.tap(credential)
    ui.settle()


def add(ui: Ui, item_id: str) -> None:
    """Pick the item's category, then the item, as the cashier would."""
    item = ui.catalogue.get(item_id)
    assert item is not None
    touch(ui, "category", item.category)
    touch(ui, "add", item_id)
