"""Screens both modes use: accepted, refused, badge prompt, amount keypad, confirm.

Prompt screens take their continuation as a parameter (``on_badge``, ``on_amount``,
``on_yes``) so the cashier and kiosk flows reuse them; ``back`` names the screen to
return to.
"""

from __future__ import annotations

from typing import Any

import pygame

from kiosk.engine.pricing import PricedTicket
from kiosk.engine.results import Accepted, Refused
from kiosk.ui.events import ACTION, INPUT, BadgeTapped, CodeScanned
from kiosk.ui.i18n import Lang, Translator, display_money
from kiosk.ui.manager import Screen, ScreenId
from kiosk.ui.model import Catalogue, phone_on_reader, tray_ticket
from kiosk.ui.theme import Layout
from kiosk.ui.widgets import Button, Keypad
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.reasons import RejectReason


def ticket_rows(result: Accepted, lang: Lang = Lang.FR) -> list[tuple[str, str]]:
    """The lines of an accepted sale as (label, amount) rows."""
    ticket = result.ticket
    if isinstance(ticket, PricedTicket):
        shown = tray_ticket(ticket, lang.value)
        return [(line.label, display_money(line.amount, lang)) for line in shown.lines]
    return []


def subsidy_of(result: Accepted) -> int:
    ticket = result.ticket
    return tray_ticket(ticket).subsidy if isinstance(ticket, PricedTicket) else 0


def fit_rows(
    layout: Layout, height: int, lines: list[tuple[str, str]], totals: list[tuple[str, str]]
) -> tuple[str, list[tuple[str, str]]]:
    """Ticket lines then totals in ``height`` pixels: a smaller font first, then the
    middle lines folded into one, so the total and the new balance always show."""
    rows = lines + totals
    for size in ("normal", "small"):
        fits = height // int(layout.font_size(size) * 1.35)
        if len(rows) <= fits:
            return size, rows
    keep = max(0, fits - len(totals) - 1)
    return "small", [*lines[:keep], (f"… (+{len(lines) - keep})", ""), *totals]


def pick_category(current: str | None, categories: list[str]) -> str:
    """The category to show: the current one while the catalogue has it (a new menu from
    the hub may not), else the first."""
    if current in categories:
        return str(current)
    return categories[0] if categories else ""


def catalogue_buttons(
    layout: Layout,
    tr: Translator,
    pane: pygame.Rect,
    catalogue: Catalogue,
    category: str,
    *,
    category_columns: int,
    item_columns: int,
    item_h: int | None = None,
) -> list[Button]:
    """Category buttons, then the name-over-price buttons of ``category``'s items that fit
    (``item_h`` tall, e.g. for a thumb on a portrait screen)."""
    categories = catalogue.categories()
    columns = max(1, min(category_columns, len(categories)))
    cat_cells = layout.grid(pane, len(categories), columns)
    buttons = [
        Button(
            cell,
            tr.category(name),
            "category",
            name,
            style="primary" if name == category else "secondary",
        )
        for cell, name in zip(cat_cells, categories, strict=True)
    ]
    top = (cat_cells[-1].bottom + layout.gap * 2) if cat_cells else pane.y
    area = pygame.Rect(pane.x, top, pane.width, pane.bottom - top)
    items = catalogue.in_category(category)
    cells = layout.grid(area, len(items), item_columns, item_h)
    for cell, item in zip(cells, items, strict=True):
        if cell.bottom <= area.bottom:
            buttons.append(Button(cell, f"{item.label}\n{tr.money(item.price)}", "add", item.id))
    return buttons


class ResultScreen(Screen):
    """Shared by accepted and refused: returns to ``back`` on a touch or after a while."""

    def back(self) -> None:
        self.go(self.params.get("back", ScreenId.TILL))

    def buttons(self) -> list[Button]:
        return [
            Button(
                self.ui.layout.row(self.ui.layout.body, 1)[0],
                self.ui.tr.t("common.ok"),
                "ok",
                style="primary",
            )
        ]

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == ACTION and event.action == "ok":
            self.back()
        elif event.type == ACTION and event.action == "print":
            self._print()
        elif event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_ESCAPE):
            self.back()
        elif event.type == INPUT and isinstance(event.payload, BadgeTapped | CodeScanned):
            # The next diner is already there: go back and let that screen take it, next
            # frame, before any later input (``again``: the till has counted this one).
            self.back()
            pygame.event.post(pygame.event.Event(INPUT, payload=event.payload, again=True))

    def _print(self) -> None:
        pass

    def update(self, dt: float) -> None:
        super().update(dt)
        if self.elapsed >= self.ui.config.result_screen_s:
            self.back()

    def draw_ticket(
        self, surface: pygame.Surface, result: Accepted, lines: list[tuple[str, str]], y: int
    ) -> None:
        """``lines`` then the subsidy, total and balance after of ``result``, from ``y``
        down to the buttons, in the middle three quarters of the body."""
        tr, layout, body = self.ui.tr, self.ui.layout, self.ui.layout.body
        totals = []
        if subsidy := subsidy_of(result):
            totals.append((tr.t("accepted.subsidy"), tr.money(-subsidy)))
        totals.append((tr.t("accepted.total"), tr.money(result.amount)))
        totals.append((tr.t("accepted.balance"), tr.money(result.balance_after)))
        area = pygame.Rect(
            body.x + body.width // 8,
            y,
            body.width * 3 // 4,
            body.bottom - layout.button_h - layout.gap - y,
        )
        size, rows = fit_rows(layout, area.height, lines, totals)
        self.ui.painter.lines(surface, rows, area, size=size)


class AcceptedScreen(ResultScreen):
    id = ScreenId.ACCEPTED

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.ui.beep()

    @property
    def result(self) -> Accepted:
        result = self.params["result"]
        assert isinstance(result, Accepted)
        return result

    def buttons(self) -> list[Button]:
        tr, layout = self.ui.tr, self.ui.layout
        ok, print_ = layout.row(layout.body, 2)
        return [
            Button(print_, tr.t("accepted.print"), "print"),
            Button(ok, tr.t("common.ok"), "ok", style="ok"),
        ]

    def _print(self) -> None:
        ui = self.ui
        if ui.last_sale is not self.result:
            ui.sold(self.result)  # e.g. a visit's meal: its receipt, from now on
        ui.print_last_sale()

    def draw(self, surface: pygame.Surface) -> None:
        ui, tr, layout, painter = self.ui, self.ui.tr, self.ui.layout, self.ui.painter
        body = layout.body
        result = self.result
        mark = pygame.Rect(0, 0, layout.unit * 4, layout.unit * 4)
        mark.midtop = (body.centerx, body.y + layout.gap)
        painter.check_mark(surface, mark, ui.theme.ok)
        y = mark.bottom + layout.gap
        line_h = int(layout.font_size("large") * 1.3)
        training = result.entry.kind == EntryKind.TRAINING_SALE  # nobody was charged
        title = self.params.get("title") or tr.t(
            "accepted.training" if training else "accepted.title"
        )
        painter.text(
            surface,
            title,
            pygame.Rect(body.x, y, body.width, line_h),
            size="large",
            colour=ui.theme.ok,
            align="center",
        )
        y += line_h
        painter.text(
            surface,
            tr.t("accepted.thanks", name=result.display_name),
            pygame.Rect(body.x, y, body.width, line_h),
            align="center",
        )
        y += line_h
        self.draw_ticket(surface, result, ticket_rows(result, tr.lang), y)


class RefusedScreen(ResultScreen):
    id = ScreenId.REFUSED

    def draw(self, surface: pygame.Surface) -> None:
        ui, tr, layout, painter = self.ui, self.ui.tr, self.ui.layout, self.ui.painter
        body = layout.body
        result = self.params["result"]
        assert isinstance(result, Refused)
        mark = pygame.Rect(0, 0, layout.unit * 4, layout.unit * 4)
        mark.midtop = (body.centerx, body.y + layout.gap)
        painter.cross_mark(surface, mark, ui.theme.danger)
        y = mark.bottom + layout.gap
        line_h = int(layout.font_size("large") * 1.3)
        what, then = tr.reason(result.reason)
        if result.reason is RejectReason.UNKNOWN_CREDENTIAL and phone_on_reader(
            self.params.get("credential")
        ):
            what, then = tr.t("refused.phone"), tr.t("refused.phone_then")
        painter.text(
            surface,
            what,
            pygame.Rect(body.x, y, body.width, line_h),
            size="large",
            colour=ui.theme.danger,
            align="center",
        )
        y += line_h
        if result.display_name:
            painter.text(
                surface,
                result.display_name,
                pygame.Rect(body.x, y, body.width, line_h),
                align="center",
            )
            y += line_h
        if result.shortfall is not None:
            painter.text(
                surface,
                tr.t("refused.shortfall", amount=result.shortfall),
                pygame.Rect(body.x, y, body.width, line_h),
                size="large",
                align="center",
            )
            y += line_h
        if result.balance is not None:
            painter.text(
                surface,
                tr.t("refused.balance", amount=result.balance),
                pygame.Rect(body.x, y, body.width, line_h),
                align="center",
            )
            y += line_h
        painter.text(
            surface,
            then,
            pygame.Rect(body.x, y, body.width, line_h),
            colour=ui.theme.muted,
            align="center",
        )


class BadgePromptScreen(Screen):
    """'Tap the badge of ...': calls ``on_badge(credential)``."""

    id = ScreenId.BADGE_PROMPT

    def buttons(self) -> list[Button]:
        layout = self.ui.layout
        body = layout.body
        buttons = [Button(layout.row(body, 1)[0], self.ui.tr.t("common.cancel"), "cancel")]
        choices = self.params.get("choices") or []  # e.g. today's visits, by name
        if choices:
            area = pygame.Rect(body.x, body.y + body.height // 3, body.width, body.height // 2)
            cells = layout.grid(area, len(choices), min(2, len(choices)))
            buttons += [
                Button(cell, label, "choice", value)
                for cell, (label, value) in zip(cells, choices, strict=True)
            ]
        return buttons

    def handle_event(self, event: pygame.event.Event) -> None:
        if (event.type == ACTION and event.action == "cancel") or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
        ):
            self.go(self.params["back"])
        elif event.type == ACTION and event.action == "choice":
            self.params["on_choice"](event.value)
        elif event.type == INPUT and isinstance(event.payload, BadgeTapped):
            self.params["on_badge"](event.payload.credential)
        elif event.type == INPUT and isinstance(event.payload, CodeScanned):
            on_code = self.params.get("on_code")  # e.g. a visit's QR code for guests
            if on_code is not None:
                on_code(event.payload.text)

    def draw(self, surface: pygame.Surface) -> None:
        layout, painter = self.ui.layout, self.ui.painter
        body = layout.body
        height = body.height // 3 if self.params.get("choices") else body.height - layout.button_h
        text_rect = pygame.Rect(body.x, body.y, body.width, height)
        painter.text(surface, self.params["title"], text_rect, size="large", align="center")


class AmountScreen(Screen):
    """An amount in euros on the keypad (whole euros or cents with ``cents=True``)."""

    id = ScreenId.AMOUNT

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.keypad = Keypad(max_digits=5)

    def value(self) -> Money:
        return Money(int(self.keypad.value or "0") * 100)

    def _panes(self) -> tuple[pygame.Rect, pygame.Rect]:
        layout = self.ui.layout
        return layout.split(layout.body, 0.45)

    def buttons(self) -> list[Button]:
        info, pad = self._panes()
        layout = self.ui.layout
        cancel = pygame.Rect(info.x, info.bottom - layout.button_h, info.width, layout.button_h)
        return [
            *self.keypad.buttons(pad, self.ui.painter),
            Button(cancel, self.ui.tr.t("common.cancel"), "cancel"),
        ]

    def handle_event(self, event: pygame.event.Event) -> None:
        key = self.keypad.key_from_keyboard(event)
        if event.type == ACTION and event.action == "keypad":
            key = event.value
        if key is not None:
            before = self.value()
            if self.keypad.key(key) is not None and before.cents > 0:
                self.params["on_amount"](before)
        elif (event.type == ACTION and event.action == "cancel") or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
        ):
            self.go(self.params["back"])

    def draw(self, surface: pygame.Surface) -> None:
        layout, painter = self.ui.layout, self.ui.painter
        info, _pad = self._panes()
        line_h = int(layout.font_size("large") * 1.4)
        painter.text(surface, self.params["title"], pygame.Rect(info.x, info.y, info.width, line_h))
        painter.text(
            surface,
            self.ui.tr.money(self.value()),
            pygame.Rect(info.x, info.y + line_h, info.width, line_h * 2),
            size="huge",
        )


class ConfirmScreen(Screen):
    id = ScreenId.CONFIRM

    def buttons(self) -> list[Button]:
        layout, tr = self.ui.layout, self.ui.tr
        no, yes = layout.row(layout.body, 2)
        return [
            Button(no, tr.t("common.cancel"), "no"),
            Button(yes, tr.t("common.confirm"), "yes", style="ok"),
        ]

    def handle_event(self, event: pygame.event.Event) -> None:
        if (event.type == ACTION and event.action == "yes") or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_RETURN
        ):
            self.params["on_yes"]()
        elif (event.type == ACTION and event.action == "no") or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
        ):
            self.go(self.params["back"])

    def draw(self, surface: pygame.Surface) -> None:
        layout, painter = self.ui.layout, self.ui.painter
        body = layout.body
        painter.text(
            surface,
            self.params["text"],
            pygame.Rect(body.x, body.y, body.width, body.height - layout.button_h),
            size="large",
            align="center",
        )


SCREENS: list[type[Screen]] = [
    AcceptedScreen,
    RefusedScreen,
    BadgePromptScreen,
    AmountScreen,
    ConfirmScreen,
]
