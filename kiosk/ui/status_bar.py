"""The status bar across the top of every screen: the clock, the banner (offline time,
device faults, incidents, a closed till, card payments to check, in plain words) or a
toast in its place for its few seconds, and the language button."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.ui.model import Mode
from kiosk.ui.widgets import Button
from sync.money import Money

if TYPE_CHECKING:
    from kiosk.ui.shell import Ui

FAULT_SOURCES = ("reader", "scanner", "printer", "payment")


def status_buttons(ui: Ui) -> list[Button]:
    layout = ui.layout
    width = layout.unit * 6
    rect = pygame.Rect(layout.width - width - layout.gap, 2, width, layout.status_h - 4)
    return [Button(rect, ui.tr.t("lang.other"), "lang", size="small")]


def status_texts(ui: Ui) -> list[str]:
    """The banner: offline time and device faults, in plain words."""
    tr, texts = ui.tr, []
    if ui.journal_behind:
        texts.append(tr.t("status.journal_behind"))
    if ui.never_synced:
        texts.append(tr.t("status.never_synced"))
    elif ui.offline_since is not None:
        since = (ui.now() - ui.offline_since).total_seconds()
        texts.append(tr.t("status.offline", since=tr.duration(since)))
    if ui.offline_cap is not None:
        texts.append(tr.t("status.offline_cap", cap=Money(ui.offline_cap)))
    if ui.incidents and ui.config.mode is Mode.TILL:  # for the cashier, not diners
        texts.append(tr.t("status.incidents", count=ui.incidents))
    for source, fault in sorted(ui.faults.items()):
        words = tr.fault(fault.kind)
        key = f"fault.{source}" if source in FAULT_SOURCES else "fault.other"
        texts.append(tr.t(key, source=source, message=words))
    if ui.config.mode is Mode.TILL and ui.config.require_open_till and ui.till_open is False:
        texts.append(tr.t("status.till_closed"))
    if ui.card_pending:
        texts.append(tr.t("status.card_pending", count=ui.card_pending))
    return texts


def draw_status_bar(ui: Ui, surface: pygame.Surface) -> None:
    layout, theme, painter = ui.layout, ui.theme, ui.painter
    bar = pygame.Rect(0, 0, layout.width, layout.status_h)
    warnings = status_texts(ui)
    buttons = status_buttons(ui)
    pygame.draw.rect(surface, theme.danger if warnings else theme.status, bar)
    text_rect = bar.inflate(-layout.gap * 2, 0)
    clock = ui.tr.when(ui.now())
    shown = painter.text(surface, clock, text_rect, size="small", colour=theme.on_colour)
    text_rect.left = shown.right + layout.gap * 2
    text_rect.width = buttons[0].rect.left - text_rect.left - layout.gap
    # A toast takes the banner's place for its few seconds: in the status bar it
    # covers no button and no receipt.
    ui.toast_spot = ui.toasts.draw(surface, painter, text_rect.inflate(0, -2))
    if ui.toast_spot is None:
        banner = " · ".join(warnings) if warnings else ui.tr.t("status.online")
        painter.text(surface, banner, text_rect, size="small", colour=theme.on_colour)
    for button in buttons:
        button.draw(surface, painter)
