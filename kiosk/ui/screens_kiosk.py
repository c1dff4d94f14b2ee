"""Self-service kiosk: idle, the diner's home (balance, last tickets), top-up through
the payment terminal, ordering from the catalogue, and logout after inactivity or on
the next tap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pygame

from kiosk.cardpay import CardResult
from kiosk.engine.results import Accepted, Identified, Refused
from kiosk.ui import basket
from kiosk.ui.basket import BasketLine, basket_buttons, basket_lines, draw_basket
from kiosk.ui.events import ACTION, INPUT, BadgeTapped
from kiosk.ui.i18n import Translator
from kiosk.ui.idle_board import IdleBoard
from kiosk.ui.manager import Screen, ScreenId
from kiosk.ui.model import tray_total
from kiosk.ui.orders_view import order_row, pickup_text, qr_surface
from kiosk.ui.screens_common import catalogue_buttons, pick_category
from kiosk.ui.screens_payments import draw_card_wait
from kiosk.ui.screens_till import sell_items
from kiosk.ui.shell import Ui
from kiosk.ui.widgets import Button
from kiosk.ui.worker import Done
from sync.journal import Entry, EntryKind, parse_ts
from sync.money import Money
from sync.protocol.orders import needs_pickup, order_code, order_qr, spoken, terminal_origin
from sync.protocol.reasons import RejectReason

RECENT = 5


def identify(ui: Ui, credential: str) -> None:
    """Who is this, their balance and last tickets; then the home (or refused) screen."""

    def job() -> tuple[Identified | Refused, list[Entry], list[Any], list[Any]]:
        found = ui.engine.present(credential)
        if isinstance(found, Refused):
            return found, [], [], []
        account = found.account.id
        recent = ui.engine.store.entries_for_account(account, RECENT)
        # Orders the hub cancelled (quantity reached) are told once, at the next tap.
        return found, recent, ui.till.orders_of(account), ui.till.order_notices(account)

    def then(done: Done) -> None:
        found, recent, orders, notices = done.value
        if isinstance(found, Refused):
            ui.session.logout_diner()
            ui.manager.request(
                ScreenId.REFUSED, result=found, back=ScreenId.IDLE, credential=credential
            )
            return
        ui.session.diner, ui.session.diner_credential, ui.session.recent = found, credential, recent
        ui.session.orders = orders
        for doc in notices:
            ui.toasts.show(ui.tr.t("kiosk.order_sold_out", code=spoken(doc.code)), "danger")
        ui.manager.request(ScreenId.HOME)

    ui.submit("identify", job, then)


def sell_order(
    ui: Ui, credential: str, *, back: ScreenId, order: Mapping[str, Any] | None = None
) -> None:
    """Pay the diner's self-service cart as an order (``order``: its pickup day, slot
    and e-mail wish, for items ordered ahead); the cart empties once it is accepted."""
    sell_items(
        ui,
        credential,
        ui.session.cart,
        kind=EntryKind.ORDER,
        details={"mode": "kiosk"},
        back=back,
        on_accepted=lambda _result: ui.session.cart.clear(),
        accepted_screen=ScreenId.ORDER_DONE,
        order=order,
    )


class DinerScreen(Screen):
    """A screen with a diner logged in: logout after inactivity and on the next tap."""

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == INPUT and isinstance(event.payload, BadgeTapped):
            ui = self.ui
            previous = ui.session.diner_credential
            ui.session.logout_diner()
            self.go(ScreenId.IDLE)
            if event.payload.credential != previous:
                identify(ui, event.payload.credential)

    def update(self, dt: float) -> None:
        super().update(dt)
        if self.ui.session.idle_s >= self.ui.config.idle_logout_s:
            self.ui.session.logout_diner()
            self.go(ScreenId.IDLE)


class IdleScreen(Screen):
    """Between diners: the site, today's menu with allergens, and how to identify."""

    id = ScreenId.IDLE

    def __init__(self, ui: Ui) -> None:
        super().__init__(ui)
        self.board = IdleBoard()

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.ui.session.logout_diner()
        ui = self.ui

        def then(done: Done) -> None:
            self.board.site_name = done.value

        ui.submit("site_name", lambda: ui.engine.settings().site_name, then)

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == INPUT and isinstance(event.payload, BadgeTapped):
            identify(self.ui, event.payload.credential)

    def draw(self, surface: pygame.Surface) -> None:
        self.board.draw(self.ui, surface)


class HomeScreen(DinerScreen):
    id = ScreenId.HOME

    def buttons(self) -> list[Button]:
        layout, tr = self.ui.layout, self.ui.tr
        body = layout.body
        if layout.portrait:
            # One column of tall buttons under the balance, in reach of a thumb.
            tall = int(layout.button_h * 1.4)
            height = 5 * tall + 4 * layout.gap
            area = pygame.Rect(body.x, body.bottom - height, body.width, height)
            cells = layout.grid(area, 5, 1, tall)
        else:
            cells = layout.row(body, 5)
        actions = (
            ("top_up", "kiosk.top_up", "ok"),
            ("order", "kiosk.order", "primary"),
            ("my_orders", "kiosk.my_orders", "primary"),
            ("print", "kiosk.print_last", "secondary"),
            ("done", "common.done", "secondary"),
        )
        offered = card_top_up_offered(self.ui)
        has_ticket = any(entry.amount < 0 for entry in self.ui.session.recent)
        enabled = {"top_up": offered, "print": has_ticket}
        return [
            Button(cell, tr.t(key), action, style=style, enabled=enabled.get(action, True))
            for cell, (action, key, style) in zip(cells, actions, strict=True)
        ]

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == ACTION:
            if event.action == "top_up":
                self.go(ScreenId.TOP_UP)
            elif event.action == "order":
                self.go(ScreenId.ORDER)
            elif event.action == "my_orders":
                self.go(ScreenId.MY_ORDERS)
            elif event.action == "done":
                self.go(ScreenId.IDLE)
            elif event.action == "print":
                self._print_last()
            return
        super().handle_event(event)

    def _print_last(self) -> None:
        ui = self.ui
        recent = [e for e in ui.session.recent if e.amount < 0]
        if not recent:
            ui.toasts.show(ui.tr.t("common.nothing_to_print"), "danger")
            return
        entry = recent[0]
        ui.submit("printed", lambda: ui.receipts.print_receipt(entry, duplicate=False))
        ui.toasts.show(ui.tr.t("common.printed"), "ok")

    def draw(self, surface: pygame.Surface) -> None:
        ui, layout, painter, tr = self.ui, self.ui.layout, self.ui.painter, self.ui.tr
        diner = ui.session.diner
        if diner is None:
            return
        body = layout.body
        h = int(layout.font_size("large") * 1.4)
        painter.text(
            surface,
            tr.t("kiosk.hello", name=diner.account.display_name),
            pygame.Rect(body.x, body.y, body.width, h),
            size="large",
        )
        painter.text(
            surface,
            tr.t("kiosk.balance", amount=diner.balance),
            pygame.Rect(body.x, body.y + h, body.width, int(h * 1.5)),
            size="huge",
            colour=ui.theme.ok if diner.balance.cents >= 0 else ui.theme.danger,
        )
        y = body.y + int(h * 2.7)
        buttons_top = min(b.rect.top for b in self.buttons())
        current = [v for v in ui.session.orders if v.state.open][:3]
        if current:  # "Commandes en cours", with state and pickup, before the tickets
            painter.text(
                surface,
                tr.t("kiosk.current_orders"),
                pygame.Rect(body.x, y, body.width, h),
                colour=ui.theme.primary,
            )
            shown = pygame.Rect(body.x, y + h, body.width, len(current) * h)
            painter.lines(surface, [order_row(tr, v) for v in current], shown)
            y = shown.bottom + layout.gap
        painter.text(
            surface,
            tr.t("kiosk.last_tickets"),
            pygame.Rect(body.x, y, body.width, h),
            colour=ui.theme.muted,
        )
        rows = [
            (f"{tr.when(_ts(e))}  {_kind_label(tr, e.kind)}", tr.money(e.amount))
            for e in ui.session.recent
        ] or [(tr.t("kiosk.no_tickets"), "")]
        painter.lines(
            surface, rows, pygame.Rect(body.x, y + h, body.width, buttons_top - y - h - layout.gap)
        )


def _ts(entry: Entry) -> datetime:
    return parse_ts(entry.ts)


def _kind_label(tr: Translator, kind: str) -> str:
    return tr.label("kind", kind)


def card_top_up_offered(ui: Ui) -> bool:
    """Card top-ups are offered only when a payment terminal is configured and answering."""
    return ui.cards is not None and ui.cards.available


def top_up_limits(ui: Ui) -> tuple[Money, Money]:
    settings = ui.engine.settings()
    return Money(settings.top_up_min), Money(settings.top_up_max)


class TopUpScreen(DinerScreen):
    """Preset amounts within the site's limits, another amount on the keypad, back."""

    id = ScreenId.TOP_UP

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        if not card_top_up_offered(self.ui):
            self.ui.toasts.show(self.ui.tr.t("kiosk.card_unavailable"), "danger")
            self.go(ScreenId.HOME)

    def choices(self) -> list[int]:
        low, high = top_up_limits(self.ui)
        return [c for c in self.ui.config.top_up_choices if low.cents <= c <= high.cents]

    def _header_h(self) -> int:
        lines = 3.6 if self.ui.cards is not None and self.ui.cards.test else 2.6
        return int(self.ui.layout.font_size("large") * lines)

    def buttons(self) -> list[Button]:
        layout, tr = self.ui.layout, self.ui.tr
        body = layout.body
        h = self._header_h()
        choices = self.choices()
        area = pygame.Rect(
            body.x, body.y + h, body.width, body.height - h - layout.button_h - layout.gap
        )
        count = len(choices) + 1
        cells = layout.grid(
            area, count, 1 if layout.portrait else count, int(layout.button_h * 1.5)
        )
        buttons = [
            Button(cell, tr.money(c), "amount", c, style="ok", size="large")
            for cell, c in zip(cells, choices, strict=False)
        ]
        buttons.append(Button(cells[-1], tr.t("kiosk.other_amount"), "other", style="primary"))
        buttons.append(Button(layout.row(body, 1)[0], tr.t("common.back"), "back"))
        return buttons

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == ACTION and event.action == "amount":
            self.go(ScreenId.CARD_PAYMENT, amount=Money(event.value))
        elif event.type == ACTION and event.action == "other":
            self.go(
                ScreenId.AMOUNT,
                title=self.ui.tr.t("kiosk.choose_amount"),
                back=ScreenId.TOP_UP,
                on_amount=self._other,
            )
        elif event.type == ACTION and event.action == "back":
            self.go(ScreenId.HOME)
        else:
            super().handle_event(event)

    def _other(self, amount: Money) -> None:
        ui = self.ui
        low, high = top_up_limits(ui)
        if not low.cents <= amount.cents <= high.cents:
            ui.toasts.show(ui.tr.t("kiosk.amount_out_of_limits", low=low, high=high), "danger")
            return
        ui.manager.request(ScreenId.CARD_PAYMENT, amount=amount)

    def draw(self, surface: pygame.Surface) -> None:
        ui, layout, painter, tr = self.ui, self.ui.layout, self.ui.painter, self.ui.tr
        body = layout.body
        h = int(layout.font_size("large") * 1.4)
        painter.text(
            surface,
            tr.t("kiosk.choose_amount"),
            pygame.Rect(body.x, body.y, body.width, h),
            size="large",
        )
        low, high = top_up_limits(ui)
        note = tr.t("kiosk.top_up_limits", low=tr.money(low), high=tr.money(high))
        painter.text(
            surface, note, pygame.Rect(body.x, body.y + h, body.width, h), colour=ui.theme.muted
        )
        if ui.cards is not None and ui.cards.test:
            painter.text(
                surface,
                tr.t("kiosk.card_test"),
                pygame.Rect(body.x, body.y + 2 * h, body.width, h),
                colour=ui.theme.danger,
            )


class CardPaymentScreen(Screen):
    """A clear screen while the diner pays on the terminal; the payment is one worker
    job (journalled as pending before the terminal is asked, see ``kiosk.cardpay``)."""

    id = ScreenId.CARD_PAYMENT

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        ui, amount = self.ui, params["amount"]
        diner, cards = ui.session.diner, ui.cards
        if diner is None or cards is None:
            self.go(ScreenId.IDLE if diner is None else ScreenId.HOME)
            return
        account = diner.account.id

        def then(done: Done) -> None:
            result: CardResult = done.value
            if result.approved:
                ui.toasts.show(ui.tr.t("kiosk.topped_up", amount=amount), "ok")
                credential = ui.session.diner_credential
                if credential:
                    identify(ui, credential)
                else:
                    ui.manager.request(ScreenId.HOME)
                return
            refused = result.refused
            if result.pending or refused is None:
                refused = Refused(RejectReason.PAYMENT_PENDING, result.message)
            ui.manager.request(ScreenId.REFUSED, result=refused, back=ScreenId.HOME)

        ui.submit(
            "card",
            lambda: cards.top_up(account, amount, "kiosk"),
            then,
            on_error=lambda _done: ui.manager.request(ScreenId.HOME),
        )

    def draw(self, surface: pygame.Surface) -> None:
        draw_card_wait(self.ui, surface, self.params["amount"])


class OrderScreen(DinerScreen):
    id = ScreenId.ORDER

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.category = pick_category(None, self.ui.catalogue.for_order().categories())

    def _panes(self) -> tuple[pygame.Rect, pygame.Rect]:
        return self.ui.layout.split(self.ui.layout.body, 0.6)

    def _cart_parts(self) -> tuple[pygame.Rect, int, pygame.Rect]:
        """The cart pane's inside, its title's height, the lines' area."""
        layout = self.ui.layout
        _menu, cart = self._panes()
        inner = cart.inflate(-layout.gap * 2, -layout.gap * 2)
        h = int(layout.font_size("large") * 1.3)
        area = pygame.Rect(
            inner.x, inner.y + h, inner.width, inner.height - h - layout.button_h - layout.gap
        )
        return inner, h, area

    def _lines(self) -> list[BasketLine]:
        return basket_lines(self.ui.layout, self._cart_parts()[2], self.ui.session.cart)

    def buttons(self) -> list[Button]:
        ui, layout, tr = self.ui, self.ui.layout, self.ui.tr
        menu, cart = self._panes()
        catalogue = ui.catalogue.for_order()
        self.category = pick_category(self.category, catalogue.categories())
        portrait = layout.portrait  # menu above, cart below: bigger buttons, fewer columns
        buttons = catalogue_buttons(
            layout,
            tr,
            menu,
            catalogue,
            self.category,
            category_columns=3 if portrait else 4,
            item_columns=2,
            item_h=int(layout.button_h * 1.6) if portrait else None,
        )
        back, pay = layout.row(cart, 2)
        total = tray_total(ui.session.cart)
        buttons += [
            Button(back, tr.t("common.back"), "back"),
            Button(
                pay,
                tr.t("kiosk.pay", amount=total),
                "pay",
                style="ok",
                enabled=bool(ui.session.cart),
            ),
            *basket_buttons(layout, self._lines()),
        ]
        return buttons

    def handle_event(self, event: pygame.event.Event) -> None:
        ui = self.ui
        if event.type != ACTION:
            super().handle_event(event)
            return
        if event.action == "category":
            self.category = event.value
        elif event.action == "add" and (item := ui.catalogue.get(event.value)) is not None:
            ui.session.cart.append(item)
        elif event.action in ("less", "more"):
            basket.apply(ui.session.cart, event.action, event.value, ui.catalogue.get(event.value))
        elif event.action == "back":
            ui.session.cart.clear()
            self.go(ScreenId.HOME)
        elif event.action == "pay":
            self.pay()

    def pay(self) -> None:
        ui = self.ui
        credential = ui.session.diner_credential
        if credential is None:
            return
        if not ui.session.cart:
            self.go(ScreenId.REFUSED, result=Refused(RejectReason.EMPTY_TRAY), back=ScreenId.ORDER)
            return

        menu = ui.till.menu
        if menu is not None and needs_pickup(menu, [item.id for item in ui.session.cart]):
            self.go(ScreenId.PICKUP)  # items ordered ahead: their day (and slot) first
            return
        sell_order(ui, credential, back=ScreenId.HOME)

    def draw(self, surface: pygame.Surface) -> None:
        ui, layout, painter, tr = self.ui, self.ui.layout, self.ui.painter, self.ui.tr
        _menu, cart = self._panes()
        pygame.draw.rect(surface, ui.theme.panel, cart, border_radius=layout.unit // 2)
        inner, h, _area = self._cart_parts()
        painter.text(
            surface, tr.t("kiosk.cart"), pygame.Rect(inner.x, inner.y, inner.width, h), size="large"
        )
        draw_basket(surface, painter, layout, self._lines(), tr.lang)


class OrderDoneScreen(DinerScreen):
    id = ScreenId.ORDER_DONE

    @staticmethod
    def number(result: Accepted) -> str:
        """The order's code, to read out at the counter (``sync.protocol.orders``)."""
        return spoken(order_code(terminal_origin(result.entry.terminal_id, result.seq)))

    def buttons(self) -> list[Button]:
        layout = self.ui.layout
        ok = layout.row(layout.body, 1)[0]
        return [Button(ok, self.ui.tr.t("common.ok"), "ok", style="primary")]

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == ACTION and event.action == "ok":
            self._home()
        else:
            super().handle_event(event)

    def _home(self) -> None:
        credential = self.ui.session.diner_credential
        if credential:
            identify(self.ui, credential)
        else:
            self.go(ScreenId.IDLE)

    def update(self, dt: float) -> None:
        super().update(dt)
        if self.elapsed >= self.ui.config.result_screen_s and self.ui.manager.current is self:
            self.elapsed = -1e9  # once
            self._home()

    def draw(self, surface: pygame.Surface) -> None:
        ui, layout, painter, tr = self.ui, self.ui.layout, self.ui.painter, self.ui.tr
        result: Accepted = self.params["result"]
        body = layout.body
        buttons_top = min(b.rect.top for b in self.buttons())
        # The order's QR code (for the till's Commandes screen): beside the words in
        # landscape, under them in portrait.
        code = order_code(terminal_origin(result.entry.terminal_id, result.seq))
        if layout.portrait:
            side = min(body.width // 2, layout.unit * 12)
            spot = pygame.Rect(0, 0, side, side)
            spot.midbottom = (body.centerx, buttons_top - layout.gap)
            words = pygame.Rect(body.x, body.y, body.width, spot.top - body.y)
        else:
            side = min(buttons_top - body.y - 2 * layout.gap, body.width // 3)
            spot = pygame.Rect(0, 0, side, side)
            spot.topright = (body.right, body.y + layout.gap)
            words = pygame.Rect(body.x, body.y, body.width - side - layout.gap, body.height)
        surface.blit(qr_surface(order_qr(code), side), spot)
        mark = pygame.Rect(0, 0, layout.unit * 4, layout.unit * 4)
        mark.midtop = (words.centerx, words.y + layout.gap)
        painter.check_mark(surface, mark, ui.theme.ok)
        h = int(layout.font_size("large") * 1.6)
        painter.text(
            surface,
            tr.t("kiosk.order_done", number=self.number(result)),
            pygame.Rect(words.x, mark.bottom + layout.gap, words.width, h),
            size="large",
            align="center",
            colour=ui.theme.ok,
        )
        day = result.entry.payload.get("pickup_day")
        slot = result.entry.payload.get("slot")
        hint = tr.t("kiosk.order_hint")
        if isinstance(day, str):
            hint = pickup_text(tr, day, slot if isinstance(slot, str) else None)
        rows = [
            hint,
            tr.t("kiosk.order_code_hint"),
            tr.t("accepted.balance") + " : " + tr.money(result.balance_after),
        ]
        for index, text in enumerate(rows):
            y = mark.bottom + layout.gap + h * (index + 1)
            painter.text(surface, text, pygame.Rect(words.x, y, words.width, h), align="center")


SCREENS: list[type[Screen]] = [
    IdleScreen,
    HomeScreen,
    TopUpScreen,
    CardPaymentScreen,
    OrderScreen,
    OrderDoneScreen,
]
