"""The till's main screen: the cashier composes the tray, the diner taps to pay.

Category buttons (or scanned product codes) fill the tray with a running total at
catalogue prices; the badge hands the tray to the till service, which prices it for
that diner (on the worker thread, inside the sale's transaction), then the accepted
or refused screen shows the outcome. A badge that has just paid and is read again
gets the "already paid" screen, where the cashier may still confirm a second sale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pygame

from kiosk.engine.results import Accepted, Refused
from kiosk.service import AlreadyPaid, Sale
from kiosk.ui import basket
from kiosk.ui.basket import BasketLine, basket_buttons, basket_lines, draw_basket
from kiosk.ui.events import ACTION, INPUT, BadgeTapped, CodeScanned
from kiosk.ui.manager import Screen, ScreenId
from kiosk.ui.model import Item, tray_total
from kiosk.ui.screens_common import (
    ResultScreen,
    catalogue_buttons,
    pick_category,
    ticket_rows,
)
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
    on_accepted: Callable[[Accepted], None] | None = None,
    accepted_screen: ScreenId = ScreenId.ACCEPTED,
    guest: bool = False,
    confirmed: bool = False,
    order: Mapping[str, Any] | None = None,
) -> None:
    """Sell a tray through the till service on the worker; show the accepted, refused
    or "already paid" screen. ``guest``: the tray of the badge holder's guest, at the
    guest tariff. A self-service order is paid by a press, not a presentation; ``order``:
    its pickup day and slot (``TillService.order``)."""
    if ui.pending("sale"):  # a second tap or press while the first sale runs
        return
    if not items:
        ui.manager.request(ScreenId.REFUSED, result=Refused(RejectReason.EMPTY_TRAY), back=back)
        return
    ids = [item.id for item in items]
    till = ui.till
    charge = None
    if kind is not EntryKind.ORDER:
        # Decided here, in the order of the UI's events (a re-read, a removal, a new
        # tray), not when the worker gets to the sale.
        verdict = till.admit(credential, confirmed=confirmed)
        if isinstance(verdict, AlreadyPaid):
            if verdict.previous is not None:  # else its own sale is still being shown

                def again() -> None:
                    sell_items(
                        ui,
                        credential,
                        items,
                        kind=kind,
                        details=details,
                        back=back,
                        on_accepted=on_accepted,
                        accepted_screen=accepted_screen,
                        guest=guest,
                        confirmed=True,
                        order=order,
                    )

                ui.manager.request(ScreenId.ALREADY_PAID, result=verdict, back=back, again=again)
            return
        charge = verdict

    def job() -> Sale:
        if kind is EntryKind.ORDER:
            return till.order(credential, ids, **(order or {}))
        return till.sell(credential, ids, kind=kind, details=details, guest=guest, charge=charge)

    def then(done: Done) -> None:
        result = done.value
        if isinstance(result, Accepted):
            ui.sold(result)
            if on_accepted is not None:
                on_accepted(result)
            ui.manager.request(accepted_screen, result=result, back=back)
        elif isinstance(result, Refused):
            ui.manager.request(ScreenId.REFUSED, result=result, back=back, credential=credential)

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

    def _tray_parts(self) -> tuple[pygame.Rect, int, pygame.Rect, int]:
        """The tray pane's inside, its text line height, the lines' area, the total's y."""
        layout = self.ui.layout
        _menu, tray = self._panes()
        inner = tray.inflate(-layout.gap * 2, -layout.gap * 2)
        line_h = int(layout.font_size("large") * 1.3)
        total_y = inner.bottom - layout.button_h - layout.gap - line_h * 2
        area = pygame.Rect(inner.x, inner.y + line_h, inner.width, total_y - inner.y - line_h)
        return inner, line_h, area, total_y

    def _lines(self) -> list[BasketLine]:
        return basket_lines(self.ui.layout, self._tray_parts()[2], self.ui.session.tray)

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
        remove, clear, receipt, cashier = layout.row(tray, 4)
        buttons += [
            Button(remove, tr.t("till.remove"), "remove", enabled=bool(ui.session.tray)),
            Button(clear, tr.t("till.clear"), "clear", enabled=bool(ui.session.tray)),
            # the last sale's receipt, until the next sale
            Button(receipt, tr.t("till.receipt"), "print_last", enabled=ui.last_sale is not None),
            Button(cashier, tr.t("till.cashier"), "cashier", style="primary"),
            *basket_buttons(layout, self._lines()),
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
                    self.add(item)
            elif event.action == "remove" and tray:
                tray.pop()
            elif event.action in ("less", "more"):
                basket.apply(tray, event.action, event.value, ui.catalogue.get(event.value))
            elif event.action == "clear":
                tray.clear()
            elif event.action == "print_last":
                ui.print_last_sale()
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
                self.add(found)
        elif event.type == INPUT and isinstance(event.payload, BadgeTapped):
            self.pay(event.payload.credential)

    def add(self, item: Item) -> None:
        tray = self.ui.session.tray
        if not tray:  # the next diner's first item: a badge that paid before may pay again
            self.ui.till.start_tray()
            self.ui.receipt_view.hide()  # the last diner's receipt has been taken
        tray.append(item)

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
        inner, line_h, area, total_y = self._tray_parts()
        painter.text(
            surface,
            tr.t("till.tray"),
            pygame.Rect(inner.x, inner.y, inner.width, line_h),
            size="large",
        )
        if ui.session.tray:
            draw_basket(surface, painter, layout, self._lines(), tr.lang)
        else:
            painter.lines(surface, [(tr.t("till.empty_tray"), "")], area)
        total = pygame.Rect(inner.x, total_y, inner.width, line_h)
        # catalogue prices: the diner's formula, admission and subsidy apply at the badge
        painter.text(surface, tr.t("till.total_a_la_carte"), total, size="large")
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


class AlreadyPaidScreen(ResultScreen):
    """A badge read again just after it paid: nothing was charged. Shows that sale;
    the cashier may still charge the tray to the same diner (a second sale)."""

    id = ScreenId.ALREADY_PAID

    @property
    def paid(self) -> AlreadyPaid:
        paid = self.params["result"]
        assert isinstance(paid, AlreadyPaid) and paid.previous is not None
        return paid

    def buttons(self) -> list[Button]:
        tr, layout = self.ui.tr, self.ui.layout
        again, ok = layout.row(layout.body, 2)
        return [
            Button(again, tr.t("paid.again"), "again", style="danger"),
            Button(ok, tr.t("common.ok"), "ok", style="primary"),
        ]

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == ACTION and event.action == "again":
            self.back()
            self.params["again"]()  # its own screen, requested after the way back
        else:
            super().handle_event(event)

    def draw(self, surface: pygame.Surface) -> None:
        ui, tr, layout, painter = self.ui, self.ui.tr, self.ui.layout, self.ui.painter
        body = layout.body
        paid = self.paid
        previous = paid.previous
        assert previous is not None
        mark = pygame.Rect(0, 0, layout.unit * 3, layout.unit * 3)
        mark.midtop = (body.centerx, body.y + layout.gap)
        painter.check_mark(surface, mark, ui.theme.warning)
        y = mark.bottom + layout.gap
        line_h = int(layout.font_size("large") * 1.3)
        painter.text(
            surface,
            tr.t("paid.title"),
            pygame.Rect(body.x, y, body.width, line_h),
            size="large",
            colour=ui.theme.warning,
            align="center",
        )
        y += line_h
        since = tr.t("paid.since", name=previous.display_name, seconds=round(paid.since_s))
        painter.text(surface, since, pygame.Rect(body.x, y, body.width, line_h), align="center")
        y += line_h
        lines = [
            (tr.t("paid.previous", seq=previous.seq), ""),
            *ticket_rows(previous, tr.lang),
        ]
        self.draw_ticket(surface, previous, lines, y)


SCREENS: list[type[Screen]] = [TillScreen, AlreadyPaidScreen]
