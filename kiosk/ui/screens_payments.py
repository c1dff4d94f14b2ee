"""Card payments at the till, from the cashier's menu: a card top-up for a diner,
and the card payments left pending (their outcome unknown), asked of the terminal
again or decided by the cashier from the terminal's own ticket (journalled).

Shared by the till and the kiosk: ``CardWaitScreen`` is the clear screen shown while
the diner pays on the terminal.
"""

from __future__ import annotations

from typing import Any

import pygame

from kiosk.cardpay import CardResult
from kiosk.engine.payments import PaymentRow
from kiosk.engine.results import Identified, Refused
from kiosk.ui.events import ACTION
from kiosk.ui.manager import Screen, ScreenId
from kiosk.ui.shell import Ui
from kiosk.ui.widgets import Button
from kiosk.ui.worker import Done
from sync.journal import parse_ts
from sync.money import Money
from sync.protocol.reasons import RejectReason

BACK = ScreenId.CASHIER_MENU


def _unavailable(ui: Ui) -> bool:
    if ui.cards is not None and ui.cards.available:
        return False
    ui.manager.request(
        ScreenId.REFUSED,
        result=Refused(RejectReason.PAYMENT_UNAVAILABLE, "no payment terminal answering"),
        back=BACK,
    )
    return True


def card_top_up(ui: Ui, cashier: str) -> None:
    """The diner's badge, the amount, then the payment on the terminal."""
    if _unavailable(ui):
        return

    def on_badge(credential: str) -> None:
        def then(done: Done) -> None:
            diner = done.value
            if isinstance(diner, Refused):
                ui.manager.request(ScreenId.REFUSED, result=diner, back=BACK)
            elif isinstance(diner, Identified):
                ui.manager.request(
                    ScreenId.AMOUNT,
                    title=ui.tr.t("cashier.card_top_up_amount", name=diner.account.display_name),
                    back=BACK,
                    on_amount=lambda amount: _pay(ui, diner, amount, cashier),
                )

        ui.submit("present", lambda: ui.engine.present(credential), then)

    ui.manager.request(
        ScreenId.BADGE_PROMPT, title=ui.tr.t("cashier.top_up_badge"), back=BACK, on_badge=on_badge
    )


def _pay(ui: Ui, diner: Identified, amount: Money, cashier: str) -> None:
    cards = ui.cards
    assert cards is not None
    account = diner.account

    def then(done: Done) -> None:
        result: CardResult = done.value
        if result.approved and result.credit is not None:
            ui.receipts.print_receipt(result.credit.entry, duplicate=False)
            ui.toasts.show(
                ui.tr.t(
                    "cashier.topped_up",
                    name=account.display_name,
                    amount=amount,
                    balance=result.credit.balance_after,
                ),
                "ok",
            )
            ui.manager.request(BACK)
            return
        refused = result.refused
        if result.pending or refused is None:
            refused = Refused(RejectReason.PAYMENT_PENDING, result.message)
        ui.manager.request(ScreenId.REFUSED, result=refused, back=BACK)

    ui.manager.request(ScreenId.CARD_WAIT, amount=amount)
    ui.submit(
        "card",
        lambda: cards.top_up(account.id, amount, cashier),
        then,
        on_error=lambda _done: ui.manager.request(BACK),
    )


def visitor_tray(ui: Ui, cashier: str) -> None:
    """The tray on the till paid by a visitor's card (no account, the visitors' tariff)."""
    if _unavailable(ui):
        return
    cards, menu, items = ui.cards, ui.menu, [item.id for item in ui.session.tray]
    assert cards is not None
    if menu is None or not items:
        ui.manager.request(
            ScreenId.REFUSED, result=Refused(RejectReason.EMPTY_TRAY, "no tray"), back=BACK
        )
        return

    def then(done: Done) -> None:
        result: CardResult = done.value
        if result.approved and result.sale is not None:
            ui.receipts.print_receipt(result.sale, duplicate=False)
            ui.session.tray.clear()
            ui.toasts.show(ui.tr.t("kiosk.card_ok"), "ok")
            ui.manager.request(ScreenId.TILL)
            return
        refused = result.refused
        if result.pending or refused is None:
            refused = Refused(RejectReason.PAYMENT_PENDING, result.message)
        ui.manager.request(ScreenId.REFUSED, result=refused, back=BACK)

    total = sum(item.price for item in ui.session.tray)
    ui.manager.request(ScreenId.CARD_WAIT, amount=Money(total))
    ui.submit(
        "card",
        lambda: cards.pay_tray(menu, items, cashier),
        then,
        on_error=lambda _done: ui.manager.request(BACK),
    )


class CardWaitScreen(Screen):
    """'Pay on the terminal': shown while a card payment runs (no button: the diner
    cancels on the terminal)."""

    id = ScreenId.CARD_WAIT

    def draw(self, surface: pygame.Surface) -> None:
        draw_card_wait(self.ui, surface, self.params["amount"])


def draw_card_wait(ui: Ui, surface: pygame.Surface, amount: Money) -> None:
    """The amount, what to do on the terminal, how to cancel; FACTICE on the virtual one."""
    layout, painter, tr = ui.layout, ui.painter, ui.tr
    body = layout.body
    h = int(layout.font_size("huge") * 1.5)
    line = int(layout.font_size("large") * 1.5)
    top = body.y + body.height // 6
    painter.text(
        surface,
        tr.money(amount),
        pygame.Rect(body.x, top, body.width, h),
        size="huge",
        colour=ui.theme.primary,
        align="center",
    )
    painter.text(
        surface,
        tr.t("kiosk.card_steps"),
        pygame.Rect(body.x, top + h, body.width, line),
        size="large",
        align="center",
    )
    painter.text(
        surface,
        tr.t("kiosk.card_cancel_hint"),
        pygame.Rect(body.x, top + h + line, body.width, line),
        colour=ui.theme.muted,
        align="center",
    )
    if ui.cards is not None and ui.cards.test:
        painter.text(
            surface,
            tr.t("kiosk.card_test"),
            pygame.Rect(body.x, top + h + 2 * line, body.width, line),
            colour=ui.theme.danger,
            align="center",
        )


class CardPendingScreen(Screen):
    """The card payments whose outcome is unknown: ask the terminal, or decide."""

    id = ScreenId.CARD_PENDING

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.pending: list[PaymentRow] = []
        self._load()

    def _load(self) -> None:
        ui = self.ui
        if ui.cards is None:
            return
        cards = ui.cards

        def then(done: Done) -> None:
            self.pending = done.value

        ui.submit("card_pending", cards.pending, then)

    @property
    def cashier(self) -> str:
        return self.ui.session.cashier_id or "?"

    def buttons(self) -> list[Button]:
        layout, tr = self.ui.layout, self.ui.tr
        body = layout.body
        row = pygame.Rect(
            body.x, body.bottom - 2 * layout.button_h - layout.gap, body.width, layout.button_h
        )
        ask, approved, not_debited = layout.row(row, 3)
        some = bool(self.pending)
        available = self.ui.cards is not None and self.ui.cards.available
        return [
            Button(ask, tr.t("cashier.card_ask"), "ask", enabled=some and available),
            Button(
                approved, tr.t("cashier.card_was_approved"), "approved", style="ok", enabled=some
            ),
            Button(
                not_debited,
                tr.t("cashier.card_not_debited"),
                "not_debited",
                style="danger",
                enabled=some,
            ),
            Button(layout.row(body, 1)[0], tr.t("common.back"), "back"),
        ]

    def handle_event(self, event: pygame.event.Event) -> None:
        ui = self.ui
        if event.type != ACTION or ui.cards is None:
            if event.type == ACTION and event.action == "back":
                self.go(BACK)
            return
        cards = ui.cards
        if event.action == "back":
            self.go(BACK)
        elif event.action == "ask":
            ui.submit("card_resolve", cards.resolve, lambda _done: self._load())
        elif event.action in ("approved", "not_debited") and self.pending:
            first = self.pending[0]
            approved = event.action == "approved"
            text = ui.tr.t(
                "cashier.card_confirm_approved" if approved else "cashier.card_confirm_not_debited",
                amount=Money(first.amount),
                ref=first.ref,
            )

            def decide() -> None:
                ui.submit(
                    "card_decide",
                    lambda: cards.decide(first.ref, approved, self.cashier),
                    lambda _done: ui.manager.request(ScreenId.CARD_PENDING),
                )

            self.go(ScreenId.CONFIRM, text=text, back=ScreenId.CARD_PENDING, on_yes=decide)

    def draw(self, surface: pygame.Surface) -> None:
        layout, painter, tr = self.ui.layout, self.ui.painter, self.ui.tr
        body = layout.body
        h = int(layout.font_size("large") * 1.5)
        painter.text(
            surface,
            tr.t("cashier.card_pending"),
            pygame.Rect(body.x, body.y, body.width, h),
            size="large",
        )
        visitor = tr.t("cashier.card_visitor_label")
        rows = [
            (
                f"{tr.when(parse_ts(p.created_at))}  {p.ref}  {p.account or visitor}",
                tr.money(p.amount),
            )
            for p in self.pending
        ] or [(tr.t("cashier.card_none_pending"), "")]
        bottom = body.bottom - 2 * layout.button_h - 2 * layout.gap
        painter.lines(
            surface, rows, pygame.Rect(body.x, body.y + h, body.width, bottom - body.y - h)
        )


SCREENS: list[type[Screen]] = [CardWaitScreen, CardPendingScreen]
