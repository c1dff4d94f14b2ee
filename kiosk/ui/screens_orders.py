"""Orders on screen: at the kiosk, the pickup day and slot of items ordered ahead and
the diner's current orders (with cancel before the cut-off); at the till, the
"Commandes" screen where a badge tap or an order's QR code lists today's orders to
hand over.

The rules and the journal are the till service's (``kiosk.service``, ``kiosk.engine.
orders``); these screens only ask and show.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pygame

from kiosk.engine.orders import OrderView
from kiosk.engine.results import Refused
from kiosk.ui.events import ACTION, INPUT, BadgeTapped, CodeScanned
from kiosk.ui.i18n import Lang
from kiosk.ui.manager import Screen, ScreenId
from kiosk.ui.model import tray_total
from kiosk.ui.orders_view import day_label, order_row, qr_surface
from kiosk.ui.screens_kiosk import DinerScreen, identify, sell_order
from kiosk.ui.widgets import Button
from kiosk.ui.worker import Done
from sync.journal import format_ts
from sync.protocol.orders import (
    OrderState,
    common_slots,
    pickup_days,
    spoken,
)

DAYS_SHOWN = 5


# Kiosk: pickup day and slot ---------------------------------------------------------------


class PickupScreen(DinerScreen):
    """Items ordered ahead: the diner picks the day (and slot) of pickup, then pays."""

    id = ScreenId.PICKUP

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        ui = self.ui
        menu = ui.till.menu
        ids = [item.id for item in ui.session.cart]
        zone = ZoneInfo(ui.engine.settings().timezone)
        self.days = (
            [] if menu is None else pickup_days(menu, ids, ui.engine.now(), zone, DAYS_SHOWN)
        )
        self.slots = () if menu is None else common_slots(menu, ids)
        self.day: date | None = self.days[0] if self.days else None
        self.slot: str | None = self.slots[0] if self.slots else None
        self.notify = False  # an e-mail when the kitchen marks it ready

    def _areas(self) -> tuple[pygame.Rect, pygame.Rect, int]:
        layout = self.ui.layout
        body = layout.body
        h = int(layout.font_size("large") * 1.4)
        tall = int(layout.button_h * 1.3)
        days = pygame.Rect(body.x, body.y + 2 * h, body.width, tall)
        slots = pygame.Rect(body.x, days.bottom + h, body.width, tall)
        return days, slots, h

    def buttons(self) -> list[Button]:
        ui, layout, tr = self.ui, self.ui.layout, self.ui.tr
        days_area, slots_area, _h = self._areas()
        buttons = []
        if self.days:
            cells = layout.grid(days_area, len(self.days), len(self.days), days_area.height)
            buttons += [
                Button(
                    cell,
                    day_label(tr, day),
                    "day",
                    day.isoformat(),
                    style="primary" if day == self.day else "secondary",
                )
                for cell, day in zip(cells, self.days, strict=True)
            ]
        if self.slots:
            cells = layout.grid(slots_area, len(self.slots), len(self.slots), slots_area.height)
            buttons += [
                Button(
                    cell, slot, "slot", slot, style="primary" if slot == self.slot else "secondary"
                )
                for cell, slot in zip(cells, self.slots, strict=True)
            ]
        back, notify, pay = layout.row(layout.body, 3)
        total = tray_total(ui.session.cart)
        notify_key = "kiosk.notify_on" if self.notify else "kiosk.notify_off"
        buttons += [
            Button(back, tr.t("common.back"), "back"),
            Button(
                notify,
                tr.t(notify_key),
                "notify",
                style="primary" if self.notify else "secondary",
            ),
            Button(
                pay,
                tr.t("kiosk.pay", amount=total),
                "pay",
                style="ok",
                enabled=self.day is not None and bool(ui.session.cart),
            ),
        ]
        return buttons

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type != ACTION:
            super().handle_event(event)
            return
        if event.action == "day":
            self.day = date.fromisoformat(event.value)
        elif event.action == "slot":
            self.slot = event.value
        elif event.action == "notify":
            self.notify = not self.notify
        elif event.action == "back":
            self.go(ScreenId.ORDER)
        elif event.action == "pay" and self.day is not None:
            ui = self.ui
            credential = ui.session.diner_credential
            if credential is None:
                return
            order = {
                "pickup_day": self.day,
                "slot": self.slot if self.slots else None,
                "notify": self.notify,
            }
            sell_order(ui, credential, back=ScreenId.ORDER, order=order)

    def draw(self, surface: pygame.Surface) -> None:
        ui, layout, painter, tr = self.ui, self.ui.layout, self.ui.painter, self.ui.tr
        body = layout.body
        days_area, slots_area, h = self._areas()
        painter.text(
            surface,
            tr.t("kiosk.choose_pickup"),
            pygame.Rect(body.x, body.y, body.width, h),
            size="large",
        )
        label = tr.t("kiosk.pickup_day") if self.days else tr.t("kiosk.no_pickup_day")
        painter.text(
            surface,
            label,
            pygame.Rect(body.x, days_area.y - h, body.width, h),
            colour=ui.theme.muted if self.days else ui.theme.danger,
        )
        if self.slots:
            painter.text(
                surface,
                tr.t("kiosk.pickup_slot_title"),
                pygame.Rect(body.x, slots_area.y - h, body.width, h),
                colour=ui.theme.muted,
            )
        counts = Counter(item.label for item in ui.session.cart)
        names = ", ".join(f"{n} x {label}" if n > 1 else label for label, n in counts.items())
        painter.text(
            surface,
            names,
            pygame.Rect(body.x, slots_area.bottom + layout.gap, body.width, h),
            colour=ui.theme.muted,
        )


# Kiosk: the diner's orders ---------------------------------------------------------------


def current_orders(views: list[OrderView]) -> list[OrderView]:
    return [v for v in views if v.state.open]


class MyOrdersScreen(DinerScreen):
    """The diner's current orders, each with its state, pickup and QR code; those not
    yet past their cut-off may be cancelled here."""

    id = ScreenId.MY_ORDERS
    SHOWN = 3
    PAST = 3  # the latest orders collected or cancelled, under the current ones

    def shown(self) -> list[OrderView]:
        return current_orders(self.ui.session.orders)[: self.SHOWN]

    def past(self) -> list[OrderView]:
        return [v for v in self.ui.session.orders if not v.state.open][: self.PAST]

    def _history(self) -> pygame.Rect:
        layout = self.ui.layout
        body = layout.body
        h = int(layout.font_size("normal") * 1.6)
        height = (self.PAST + 1) * h
        return pygame.Rect(body.x, body.bottom - layout.button_h - layout.gap - height,
                           body.width, height)  # fmt: skip

    def _rows(self) -> list[pygame.Rect]:
        layout = self.ui.layout
        body = layout.body
        h = int(layout.font_size("large") * 1.4)
        bottom = self._history().top - layout.gap
        area = pygame.Rect(body.x, body.y + h, body.width, bottom - body.y - h)
        row_h = min(area.height // self.SHOWN, layout.button_h * 2)
        return [
            pygame.Rect(area.x, area.y + i * row_h, area.width, row_h - layout.gap)
            for i in range(self.SHOWN)
        ]

    def _cancellable(self, view: OrderView) -> bool:
        if view.state is not OrderState.PLACED:
            return False
        until = view.doc.cancel_until
        return until is None or format_ts(self.ui.engine.now()) < until

    def buttons(self) -> list[Button]:
        layout, tr = self.ui.layout, self.ui.tr
        buttons = []
        for row, view in zip(self._rows(), self.shown(), strict=False):
            if self._cancellable(view):
                cell = pygame.Rect(row.right - row.width // 4, row.y, row.width // 4, row.height)
                buttons.append(
                    Button(
                        cell,
                        tr.t("kiosk.cancel_order", code=spoken(view.code)),
                        "cancel_order",
                        view.code,
                        style="danger",
                    )
                )
        buttons.append(Button(layout.row(layout.body, 1)[0], tr.t("common.back"), "back"))
        return buttons

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == ACTION and event.action == "back":
            self.go(ScreenId.HOME)
        elif event.type == ACTION and event.action == "cancel_order":
            self._cancel(str(event.value))
        else:
            super().handle_event(event)

    def _cancel(self, code: str) -> None:
        ui = self.ui
        credential = ui.session.diner_credential
        if credential is None or ui.pending("cancel_order"):
            return

        def then(done: Done) -> None:
            result = done.value
            if isinstance(result, Refused):
                ui.toasts.show(ui.tr.reason(result.reason)[0], "danger")
            else:
                ui.toasts.show(ui.tr.t("kiosk.order_cancelled", code=spoken(code)), "ok")
            identify(ui, credential)

        ui.submit("cancel_order", lambda: ui.till.cancel_order(credential, code), then)

    def draw(self, surface: pygame.Surface) -> None:
        ui, layout, painter, tr = self.ui, self.ui.layout, self.ui.painter, self.ui.tr
        body = layout.body
        h = int(layout.font_size("large") * 1.4)
        painter.text(
            surface,
            tr.t("kiosk.current_orders"),
            pygame.Rect(body.x, body.y, body.width, h),
            size="large",
        )
        shown = self.shown()
        if not shown:
            painter.text(
                surface,
                tr.t("kiosk.no_orders"),
                pygame.Rect(body.x, body.y + h, body.width, h),
                colour=ui.theme.muted,
            )
        for row, view in zip(self._rows(), shown, strict=False):
            pygame.draw.rect(surface, ui.theme.panel, row, border_radius=layout.unit // 2)
            side = row.height - layout.gap
            surface.blit(
                qr_surface(f"CMD:{view.code}", side),
                (row.x + layout.gap // 2, row.y + layout.gap // 2),
            )
            text = pygame.Rect(
                row.x + side + layout.gap * 2,
                row.y,
                row.width * 3 // 4 - side - layout.gap * 3,
                row.height,
            )
            left, amount = order_row(tr, view)
            painter.lines(surface, [(left, amount)], text)
        history = self._history()
        past = [order_row(tr, v) for v in self.past()]
        if past:
            line_h = history.height // (self.PAST + 1)
            title = pygame.Rect(history.x, history.y, history.width, line_h)
            painter.text(surface, tr.t("kiosk.order_history"), title, colour=ui.theme.muted)
            rest = pygame.Rect(history.x, title.bottom, history.width, history.height - line_h)
            painter.lines(surface, past, rest, size="small")


# Till: the Commandes screen --------------------------------------------------------------


class OrdersDeskScreen(Screen):
    """Today's orders of the diner who taps (or of the order whose QR is scanned);
    "Remettre" hands one over: journalled here, synced; a second hand-over or another
    diner's order is refused with its reason."""

    id = ScreenId.ORDERS_DESK
    SHOWN = 5

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.account: str | None = None
        self.views: list[OrderView] = []
        self.looked_up = False

    def _rows(self) -> list[pygame.Rect]:
        layout = self.ui.layout
        body = layout.body
        h = int(layout.font_size("large") * 1.4)
        top = body.y + 2 * h
        area = pygame.Rect(
            body.x, top, body.width, body.bottom - top - layout.button_h - layout.gap
        )
        row_h = min(area.height // self.SHOWN, int(layout.button_h * 1.2))
        return [
            pygame.Rect(area.x, area.y + i * row_h, area.width, row_h - layout.gap // 2)
            for i in range(self.SHOWN)
        ]

    def buttons(self) -> list[Button]:
        layout, tr = self.ui.layout, self.ui.tr
        buttons = []
        for row, view in zip(self._rows(), self.views, strict=False):
            cell = pygame.Rect(row.right - row.width // 4, row.y, row.width // 4, row.height)
            buttons.append(
                Button(
                    cell,
                    tr.t("orders.hand_over"),
                    "hand_over",
                    view.code,
                    style="ok",
                    enabled=view.state.open,
                )
            )
        buttons.append(Button(layout.row(layout.body, 1)[0], tr.t("common.back"), "back"))
        return buttons

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == ACTION and event.action == "back":
            self.go(ScreenId.CASHIER_MENU if self.ui.session.cashier_id else ScreenId.TILL)
        elif event.type == ACTION and event.action == "hand_over":
            self._hand_over(str(event.value))
        elif event.type == INPUT and isinstance(event.payload, BadgeTapped):
            self._look_up(event.payload.credential)
        elif event.type == INPUT and isinstance(event.payload, CodeScanned):
            self._look_up(event.payload.text)
        elif event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.go(ScreenId.TILL)

    def _look_up(self, text: str) -> None:
        ui = self.ui

        def then(done: Done) -> None:
            found = done.value
            if isinstance(found, Refused):
                ui.toasts.show(ui.tr.reason(found.reason)[0], "danger")
                return
            self.account, self.views = found
            self.looked_up = True

        ui.submit("orders_lookup", lambda: ui.till.orders_to_collect(text), then)

    def _hand_over(self, code: str) -> None:
        ui = self.ui
        if ui.pending("hand_over"):
            return
        account = self.account

        def then(done: Done) -> None:
            result = done.value
            if isinstance(result, Refused):
                what, then_do = ui.tr.reason(result.reason)
                ui.toasts.show(
                    f"{what} : {then_do}" if ui.tr.lang is Lang.FR else f"{what}: {then_do}",
                    "danger",
                )
                return
            ui.beep()
            ui.toasts.show(ui.tr.t("orders.handed", code=spoken(code)), "ok")
            self.views = [result if v.code == code else v for v in self.views]

        cashier = ui.session.cashier_id

        def job() -> OrderView | Refused:
            return ui.till.collect_order(code, account, cashier=cashier)

        ui.submit("hand_over", job, then)

    def draw(self, surface: pygame.Surface) -> None:
        ui, layout, painter, tr = self.ui, self.ui.layout, self.ui.painter, self.ui.tr
        body = layout.body
        h = int(layout.font_size("large") * 1.4)
        painter.text(
            surface, tr.t("orders.title"), pygame.Rect(body.x, body.y, body.width, h), size="large"
        )
        painter.text(
            surface,
            tr.t("orders.tap"),
            pygame.Rect(body.x, body.y + h, body.width, h),
            colour=ui.theme.primary,
        )
        if self.looked_up and not self.views:
            painter.text(
                surface,
                tr.t("orders.none"),
                pygame.Rect(body.x, body.y + 2 * h, body.width, h),
                colour=ui.theme.muted,
            )
        for row, view in zip(self._rows(), self.views, strict=False):
            pygame.draw.rect(surface, ui.theme.panel, row, border_radius=layout.unit // 2)
            text = pygame.Rect(
                row.x + layout.gap, row.y, row.width * 3 // 4 - layout.gap * 2, row.height
            )
            what = ", ".join(f"{line.qty} x {self._label(line.item)}" for line in view.doc.lines)
            left, amount = order_row(tr, view)
            painter.lines(surface, [(left, amount), (what, "")], text, size="small")

    def _label(self, item_id: str) -> str:
        item = self.ui.catalogue.get(item_id)
        return item_id if item is None else item.label


KIOSK_SCREENS: list[type[Screen]] = [PickupScreen, MyOrdersScreen]
TILL_SCREENS: list[type[Screen]] = [OrdersDeskScreen]
