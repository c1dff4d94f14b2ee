"""The till's main screen: the cashier composes the tray, the diner taps to pay.

Category buttons (or scanned product codes) fill the tray with a running total at
catalogue prices; the badge reprices it for that diner inside the sale (the pricer
runs in the engine's transaction on the worker thread), then the accepted or refused
screen shows the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pygame

from kiosk.engine.results import Accepted, Refused
from kiosk.ui.events import ACTION, INPUT, BadgeTapped, CodeScanned
from kiosk.ui.manager import Screen, ScreenId
from kiosk.ui.model import Item, Pricer, tray_total
from kiosk.ui.screens_common import catalogue_buttons, pick_category
from kiosk.ui.shell import Ui
from kiosk.ui.widgets import Button
from kiosk.ui.worker import Done
from sync.journal import EntryKind
from sync.protocol.reasons import RejectReason


def sell_items(
    ui: Ui,
    credential: str,
    items: list[Item],
    *,
    kind: EntryKind,
    details: Mapping[str, Any],
    back: ScreenId,
    on_accepted: Any = None,
    accepted_screen: ScreenId = ScreenId.ACCEPTED,
    pricer: Pricer | None = None,
) -> None:
    """Submit a tray sale to the worker; show the accepted or refused screen.
    ``pricer`` replaces the UI's own (a guest's tray is priced at the guest tariff)."""
    price_with = pricer or ui.pricer
    if ui.pending("sale"):  # a second tap or press while the first sale runs
        return
    if not items:
        ui.manager.request(ScreenId.REFUSED, result=Refused(RejectReason.EMPTY_TRAY), back=back)
        return
    frozen = list(items)

    def job() -> Accepted | Refused:
        return ui.engine.sell(
            credential,
            None,  # the pricer decides the amount for this diner
            kind=kind,
            details=details,
            price=lambda diner: price_with(frozen, diner),
        )

    def then(done: Done) -> None:
        result = done.value
        if isinstance(result, Accepted):
            if on_accepted is not None:
                on_accepted(result)
            ui.manager.request(accepted_screen, result=result, back=back)
        else:
            ui.manager.request(ScreenId.REFUSED, result=result, back=back)

    ui.submit("sale", job, then)


class TillScreen(Screen):
    id = ScreenId.TILL

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.category = pick_category(
            getattr(self, "category", None), self.ui.catalogue.categories()
        )

    def _panes(self) -> tuple[pygame.Rect, pygame.Rect]:
        layout = self.ui.layout
        return layout.split(layout.body, 0.6)

    def buttons(self) -> list[Button]:
        ui, layout, tr = self.ui, self.ui.layout, self.ui.tr
        menu, tray = self._panes()
        self.category = pick_category(self.category, ui.catalogue.categories())
        # Two columns of name-over-price buttons in landscape: at three, long names
        # shrank to unreadable sizes at 800x480.
        buttons = catalogue_buttons(
            layout,
            tr,
            menu,
            ui.catalogue,
            self.category,
            category_columns=2 if layout.portrait else 4,
            item_columns=3 if layout.portrait else 2,
        )
        remove, clear, cashier = layout.row(tray, 3)
        buttons += [
            Button(remove, tr.t("till.remove"), "remove", enabled=bool(ui.session.tray)),
            Button(clear, tr.t("till.clear"), "clear", enabled=bool(ui.session.tray)),
            Button(cashier, tr.t("till.cashier"), "cashier", style="primary"),
        ]
        return buttons

    def handle_event(self, event: pygame.event.Event) -> None:
        ui = self.ui
        tray = ui.session.tray
        if event.type == ACTION:
            if event.action == "category":
                self.category = event.value
            elif event.action == "add":
                item = ui.catalogue.get(event.value)
                if item is not None:
                    tray.append(item)
            elif event.action == "remove" and tray:
                tray.pop()
            elif event.action == "clear":
                tray.clear()
            elif event.action == "cashier":
                self.go(ScreenId.CASHIER_MENU if ui.session.cashier_id else ScreenId.CASHIER_LOGIN)
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_BACKSPACE and tray:
                tray.pop()
            elif event.key == pygame.K_F3:
                self.go(ScreenId.CASHIER_MENU if ui.session.cashier_id else ScreenId.CASHIER_LOGIN)
        elif event.type == INPUT and isinstance(event.payload, CodeScanned):
            found = ui.catalogue.by_code(event.payload.text)
            if found is None:
                ui.toasts.show(ui.tr.t("till.unknown_code", code=event.payload.text[:24]), "danger")
            else:
                tray.append(found)
        elif event.type == INPUT and isinstance(event.payload, BadgeTapped):
            self.pay(event.payload.credential)

    def pay(self, credential: str) -> None:
        ui = self.ui
        if self.paying:
            return
        if ui.config.require_open_till and not ui.till_open:
            self.go(ScreenId.REFUSED, result=Refused(RejectReason.TILL_CLOSED), back=ScreenId.TILL)
            return

        def accepted(result: Accepted) -> None:
            ui.session.tray.clear()

        sell_items(
            ui,
            credential,
            ui.session.tray,
            kind=EntryKind.SALE,
            details={"mode": "till"},
            back=ScreenId.TILL,
            on_accepted=accepted,
        )

    @property
    def paying(self) -> bool:
        return self.ui.pending("sale")

    def draw(self, surface: pygame.Surface) -> None:
        ui, layout, painter, tr = self.ui, self.ui.layout, self.ui.painter, self.ui.tr
        _menu, tray = self._panes()
        pygame.draw.rect(surface, ui.theme.panel, tray, border_radius=layout.unit // 2)
        inner = tray.inflate(-layout.gap * 2, -layout.gap * 2)
        line_h = int(layout.font_size("large") * 1.3)
        painter.text(
            surface,
            tr.t("till.tray"),
            pygame.Rect(inner.x, inner.y, inner.width, line_h),
            size="large",
        )
        rows = [(item.label, tr.money(item.price)) for item in ui.session.tray]
        if not rows:
            rows = [(tr.t("till.empty_tray"), "")]
        total_y = inner.bottom - layout.button_h - layout.gap - line_h * 2
        list_rect = pygame.Rect(inner.x, inner.y + line_h, inner.width, total_y - inner.y - line_h)
        painter.lines(
            surface,
            rows[-max(1, list_rect.height // int(layout.font_size("normal") * 1.35)) :],
            list_rect,
        )
        total = pygame.Rect(inner.x, total_y, inner.width, line_h)
        painter.text(surface, tr.t("till.total"), total, size="large")
        painter.text(
            surface, tr.money(tray_total(ui.session.tray)), total, size="large", align="right"
        )
        hint = tr.t("till.paying") if self.paying else tr.t("till.tap_badge")
        painter.text(
            surface,
            hint,
            pygame.Rect(inner.x, total_y + line_h, inner.width, line_h),
            colour=ui.theme.primary,
        )


SCREENS: list[type[Screen]] = [TillScreen]
