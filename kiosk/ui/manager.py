"""Screens as state objects named by an enum, and the one manager that switches them.

A screen requests a transition (``self.go(ScreenId.X, **params)``); the manager
applies it after the event pass, calling ``exit`` on the old screen and
``enter(**params)`` on the new one, so no screen ever swaps another one itself.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pygame

if TYPE_CHECKING:
    from kiosk.ui.shell import Ui
    from kiosk.ui.widgets import Button
    from kiosk.ui.worker import Done

log = logging.getLogger(__name__)


class ScreenId(StrEnum):
    # Till
    TILL = "till"
    CASHIER_LOGIN = "cashier_login"
    CASHIER_PIN = "cashier_pin"
    CASHIER_MENU = "cashier_menu"
    CLOSURE = "closure"
    INCIDENTS = "incidents"
    ALREADY_PAID = "already_paid"
    CARD_PENDING = "card_pending"
    CARD_WAIT = "card_wait"
    ORDERS_DESK = "orders_desk"
    # Self-service
    IDLE = "idle"
    HOME = "home"
    TOP_UP = "top_up"
    CARD_PAYMENT = "card_payment"
    ORDER = "order"
    ORDER_DONE = "order_done"
    PICKUP = "pickup"
    MY_ORDERS = "my_orders"
    # Shared
    ACCEPTED = "accepted"
    REFUSED = "refused"
    BADGE_PROMPT = "badge_prompt"
    AMOUNT = "amount"
    CONFIRM = "confirm"


class Screen:
    """Base of every screen. Subclasses set ``id`` and override what they need."""

    id: ScreenId

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.params: dict[str, Any] = {}
        self.elapsed = 0.0

    def enter(self, **params: Any) -> None:
        self.params = params
        self.elapsed = 0.0

    def exit(self) -> None:
        """Called when the manager leaves this screen."""

    def buttons(self) -> list[Button]:
        """The screen's buttons: the shell presses them before ``handle_event`` (a press
        comes back as an ``ACTION`` event) and draws them over ``draw``."""
        return []

    def handle_event(self, event: pygame.event.Event) -> None:
        """Touch, mouse, keys, ``ACTION`` and ``INPUT`` events (not those of a button)."""

    def on_result(self, done: Done) -> None:
        """A finished engine job submitted by this screen."""

    def update(self, dt: float) -> None:
        self.elapsed += dt

    def draw(self, surface: pygame.Surface) -> None:
        """Draw the body (the shell draws the buttons, the status bar and toasts)."""

    def go(self, target: ScreenId, **params: Any) -> None:
        self.ui.manager.request(target, **params)


class ScreenManager:
    def __init__(self) -> None:
        self.screens: dict[ScreenId, Screen] = {}
        self.current: Screen | None = None
        self._pending: tuple[ScreenId, dict[str, Any]] | None = None

    def add(self, screen: Screen) -> None:
        self.screens[screen.id] = screen

    def request(self, target: ScreenId, **params: Any) -> None:
        """Ask for a transition; the last request of a pass wins."""
        if target not in self.screens:
            raise KeyError(f"no screen {target} in this mode")
        self._pending = (target, params)

    def apply(self) -> bool:
        """Apply the pending transition, if any; True when the screen changed."""
        if self._pending is None:
            return False
        target, params = self._pending
        self._pending = None
        if self.current is not None:
            self.current.exit()
        self.current = self.screens[target]
        log.debug("screen -> %s", target)
        self.current.enter(**params)
        return True

    @property
    def current_id(self) -> ScreenId | None:
        return None if self.current is None else self.current.id
