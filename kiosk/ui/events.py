"""The UI's input events and how they become pygame events.

Device threads (wired in ``kiosk.app``) put ``Input`` objects on a ``queue.Queue``;
each frame ``pump_inputs`` moves them onto pygame's queue as ``INPUT`` events, so the
UI handles a badge exactly like a touch. Widgets post ``ACTION`` events; the engine
worker's results come back as ``RESULT`` events. The UI never calls a driver.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from typing import Any

import pygame

INPUT = pygame.event.custom_type()
ACTION = pygame.event.custom_type()
RESULT = pygame.event.custom_type()


@dataclass(frozen=True, slots=True)
class BadgeTapped:
    credential: str
    source: str = "reader"


@dataclass(frozen=True, slots=True)
class BadgeLifted:
    """The badge left the reader: the till counts presentations with it."""

    credential: str
    source: str = "reader"


@dataclass(frozen=True, slots=True)
class CodeScanned:
    text: str
    source: str = "scanner"


@dataclass(frozen=True, slots=True)
class DeviceFaulted:
    source: str  # "reader", "scanner", "printer", ...
    kind: str  # "disconnected", "paper_out", "error"
    message: str = ""


@dataclass(frozen=True, slots=True)
class DeviceReadied:
    source: str


@dataclass(frozen=True, slots=True)
class ReceiptPrinted:
    """A receipt was printed and kept as a picture (the demo shows it on screen)."""

    png: str


Input = BadgeTapped | BadgeLifted | CodeScanned | DeviceFaulted | DeviceReadied | ReceiptPrinted


def pump_inputs(inputs: queue.Queue[Input], limit: int = 64) -> int:
    """Move waiting device inputs onto pygame's event queue; never blocks."""
    moved = 0
    while moved < limit:
        try:
            item = inputs.get_nowait()
        except queue.Empty:
            break
        pygame.event.post(pygame.event.Event(INPUT, payload=item))
        moved += 1
    return moved


def post_action(action: str, value: Any = None) -> None:
    pygame.event.post(pygame.event.Event(ACTION, action=action, value=value))
