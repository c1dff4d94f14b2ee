"""Cashier actions behind a cashier badge and PIN: cancel the last sale, cash top-up,
reprint (marked duplicate), guest meal, open and close the till (closure summary).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pygame

from kiosk.engine import training
from kiosk.engine.cashiers import Cashier, PinAttempt, PinOutcome, cashier_for
from kiosk.engine.closure import ClosureSummary, close_till, last_sale, open_till
from kiosk.engine.results import Accepted, Identified, Refused, Result
from kiosk.engine.training import MANAGER
from kiosk.ui import screens_payments
from kiosk.ui.events import ACTION, INPUT, BadgeTapped
from kiosk.ui.manager import Screen, ScreenId
from kiosk.ui.model import tray_total
from kiosk.ui.screens_till import sell_items
from kiosk.ui.widgets import Button, Keypad
from kiosk.ui.worker import Done
from sync import phonebadge
from sync.journal import Entry, EntryKind
from sync.money import Money
from sync.protocol.reasons import RejectReason

BACK = ScreenId.CASHIER_MENU
MAX_VISIT_CHOICES = 4  # today's visits offered as buttons; others by their QR code


class CashierLoginScreen(Screen):
    id = ScreenId.CASHIER_LOGIN

    def buttons(self) -> list[Button]:
        layout = self.ui.layout
        return [Button(layout.row(layout.body, 1)[0], self.ui.tr.t("common.back"), "back")]

    def handle_event(self, event: pygame.event.Event) -> None:
        ui = self.ui
        if (event.type == ACTION and event.action == "back") or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
        ):
            self.go(ScreenId.TILL)
        elif event.type == INPUT and isinstance(event.payload, BadgeTapped):
            credential = event.payload.credential

            def then(done: Done) -> None:
                if done.value is None:
                    ui.toasts.show(ui.tr.t("cashier.not_cashier"), "danger")
                else:
                    self.go(ScreenId.CASHIER_PIN, cashier=done.value)

            ui.submit("cashier", lambda: cashier_for(ui.engine.store, credential), then)

    def draw(self, surface: pygame.Surface) -> None:
        layout, painter = self.ui.layout, self.ui.painter
        body = layout.body
        rect = pygame.Rect(body.x, body.y, body.width, body.height - layout.button_h)
        painter.text(
            surface, self.ui.tr.t("cashier.login_hint"), rect, size="large", align="center"
        )


class CashierPinScreen(Screen):
    id = ScreenId.CASHIER_PIN

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.keypad = Keypad(max_digits=8, secret=True)

    def _panes(self) -> tuple[pygame.Rect, pygame.Rect]:
        return self.ui.layout.split(self.ui.layout.body, 0.45)

    def buttons(self) -> list[Button]:
        info, pad = self._panes()
        layout = self.ui.layout
        back = pygame.Rect(info.x, info.bottom - layout.button_h, info.width, layout.button_h)
        return [
            *self.keypad.buttons(pad, self.ui.painter),
            Button(back, self.ui.tr.t("common.cancel"), "back"),
        ]

    def handle_event(self, event: pygame.event.Event) -> None:
        key = self.keypad.key_from_keyboard(event)
        if event.type == ACTION and event.action == "keypad":
            key = event.value
        if key is not None:
            pin = self.keypad.key(key)
            if pin is not None:
                self._check(pin)
        elif (event.type == ACTION and event.action == "back") or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
        ):
            self.go(ScreenId.TILL)

    def _check(self, pin: str) -> None:
        ui, cashier = self.ui, self.params["cashier"]

        def then(done: Done) -> None:
            attempt: PinAttempt = done.value
            if attempt.outcome is PinOutcome.OK:
                ui.session.cashier_id, ui.session.cashier_name = cashier.id, cashier.name
                ui.session.cashier_role = cashier.role
                self.go(ScreenId.CASHIER_MENU)
            elif attempt.outcome is PinOutcome.LOCKED:
                minutes = int(attempt.locked_s // 60) + 1
                ui.toasts.show(ui.tr.t("cashier.pin_locked", minutes=minutes), "danger")
            else:
                ui.toasts.show(ui.tr.t("cashier.bad_pin"), "danger")

        ui.submit("pin", lambda: ui.pin_guard.attempt(cashier.id, pin, ui.now()), then)

    def draw(self, surface: pygame.Surface) -> None:
        layout, painter = self.ui.layout, self.ui.painter
        info, _pad = self._panes()
        line_h = int(layout.font_size("large") * 1.4)
        name = self.params["cashier"].name
        painter.text(
            surface,
            self.ui.tr.t("cashier.pin", name=name),
            pygame.Rect(info.x, info.y, info.width, line_h),
        )
        painter.text(
            surface,
            self.keypad.shown(),
            pygame.Rect(info.x, info.y + line_h, info.width, line_h * 2),
            size="huge",
        )


# What moves money or serves a visit: refused while training mode is on.
MONEY_ACTIONS = frozenset(
    {"cancel_last", "cash_top_up", "card_top_up", "card_visitor", "card_pending", "guest"}
)


class CashierMenuScreen(Screen):
    id = ScreenId.CASHIER_MENU
    ACTIONS = (
        "cancel_last",
        "cash_top_up",
        "card_top_up",
        "card_visitor",
        "card_pending",
        "reprint",
        "guest",
        "open",
        "close",
        "incidents",
        "training",
        "orders",
        "logout",
    )

    def buttons(self) -> list[Button]:
        layout, tr = self.ui.layout, self.ui.tr
        body = layout.body
        line_h = int(layout.font_size("large") * 1.5)
        area = pygame.Rect(
            body.x, body.y + line_h, body.width, body.height - line_h - layout.button_h - layout.gap
        )
        columns = 1 if layout.portrait else 2
        cells = layout.grid(area, len(self.ACTIONS), columns)
        buttons = [
            Button(
                cell,
                tr.t(f"cashier.{action}"),
                action,
                style="danger" if action == "close" else "primary",
            )
            for cell, action in zip(cells, self.ACTIONS, strict=True)
        ]
        buttons.append(Button(layout.row(body, 1)[0], tr.t("common.back"), "back"))
        return buttons

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.go(ScreenId.TILL)
        if event.type != ACTION:
            return
        if self.ui.training and event.action in MONEY_ACTIONS:
            # Training moves no money: only trays are "sold", as training tickets.
            self.ui.toasts.show(self.ui.tr.t("cashier.not_in_training"), "danger")
            return
        handler = getattr(self, f"do_{event.action}", None)
        if handler is not None:
            handler()

    # Actions ---------------------------------------------------------------------

    @property
    def cashier(self) -> str:
        return self.ui.session.cashier_id or "?"

    def do_back(self) -> None:
        self.go(ScreenId.TILL)

    def do_incidents(self) -> None:
        self.go(ScreenId.INCIDENTS)

    def do_orders(self) -> None:
        self.go(ScreenId.ORDERS_DESK)

    def do_logout(self) -> None:
        self.ui.session.cashier_id = self.ui.session.cashier_name = None
        self.ui.session.cashier_role = None
        self.go(ScreenId.TILL)

    def do_training(self) -> None:
        """A manager switches training mode on or off (journalled, with their id)."""
        ui, session = self.ui, self.ui.session
        if session.cashier_role != training.MANAGER:
            ui.toasts.show(ui.tr.t("cashier.training_managers"), "danger")
            return
        manager = Cashier(session.cashier_id or "?", session.cashier_name or "", "", MANAGER)

        def job() -> bool:
            on = not training.is_on(ui.engine)
            training.switch(ui.engine, on, manager)
            return on

        def then(done: Done) -> None:
            if done.error is None:
                ui.training = bool(done.value)
                key = "cashier.training_on" if ui.training else "cashier.training_off"
                ui.toasts.show(ui.tr.t(key), "ok")

        ui.submit("training", job, then)

    def do_cancel_last(self) -> None:
        ui = self.ui

        def job() -> tuple[Entry, str] | None:
            entry = last_sale(ui.engine, uncancelled=True)
            if entry is None:
                return None
            state = ui.engine.store.account(entry.account or "")
            return entry, state.row.display_name if state else "?"

        def then(done: Done) -> None:
            if done.value is None:
                ui.toasts.show(ui.tr.t("cashier.nothing_to_cancel"), "danger")
                return
            entry, name = done.value
            text = ui.tr.t(
                "cashier.confirm_cancel", seq=entry.seq, name=name, amount=Money(-entry.amount)
            )
            self.go(ScreenId.CONFIRM, text=text, back=BACK, on_yes=lambda: self._cancel(entry.seq))

        ui.submit("last_sale", job, then)

    def _cancel(self, seq: int) -> None:
        ui, cashier = self.ui, self.cashier

        def then(done: Done) -> None:
            result = done.value
            if isinstance(result, Accepted):
                ui.toasts.show(ui.tr.t("cashier.cancelled", seq=seq), "ok")
                ui.manager.request(BACK)
            elif isinstance(result, Refused):
                ui.manager.request(ScreenId.REFUSED, result=result, back=BACK)

        ui.submit("cancel", lambda: ui.engine.cancel(seq, cashier, "cancelled at the till"), then)

    def do_cash_top_up(self) -> None:
        ui = self.ui

        def on_badge(credential: str) -> None:
            def then(done: Done) -> None:
                diner = done.value
                if isinstance(diner, Refused):
                    ui.manager.request(
                        ScreenId.REFUSED, result=diner, back=BACK, credential=credential
                    )
                elif isinstance(diner, Identified):
                    title = ui.tr.t("cashier.top_up_amount", name=diner.account.display_name)
                    ui.manager.request(
                        ScreenId.AMOUNT,
                        title=title,
                        back=BACK,
                        on_amount=lambda amount: self._confirm_top_up(diner, amount),
                    )

            ui.submit("present", lambda: ui.engine.present(credential), then)

        self.go(
            ScreenId.BADGE_PROMPT,
            title=ui.tr.t("cashier.top_up_badge"),
            back=BACK,
            on_badge=on_badge,
        )

    def _confirm_top_up(self, diner: Identified, amount: Money) -> None:
        ui, cashier = self.ui, self.cashier
        account = diner.account

        def top_up() -> None:
            def then(done: Done) -> None:
                result = done.value
                if isinstance(result, Accepted):
                    ui.toasts.show(
                        ui.tr.t(
                            "cashier.topped_up",
                            name=account.display_name,
                            amount=amount,
                            balance=result.balance_after,
                        ),
                        "ok",
                    )
                    ui.manager.request(BACK)
                elif isinstance(result, Refused):
                    ui.manager.request(ScreenId.REFUSED, result=result, back=BACK)

            ui.submit("top_up", lambda: ui.engine.top_up(account.id, amount, "cash", cashier), then)

        text = ui.tr.t("cashier.confirm_top_up", amount=amount, name=account.display_name)
        ui.manager.request(ScreenId.CONFIRM, text=text, back=BACK, on_yes=top_up)

    def do_card_top_up(self) -> None:
        screens_payments.card_top_up(self.ui, self.cashier)

    def do_card_visitor(self) -> None:
        screens_payments.visitor_tray(self.ui, self.cashier)

    def do_card_pending(self) -> None:
        self.go(ScreenId.CARD_PENDING)

    def do_reprint(self) -> None:
        ui = self.ui

        def job() -> Entry | None:
            entry = last_sale(ui.engine)
            if entry is not None:
                ui.receipts.print_receipt(entry, duplicate=True)
            return entry

        def then(done: Done) -> None:
            key = "common.printed" if isinstance(done.value, Entry) else "common.nothing_to_print"
            ui.toasts.show(ui.tr.t(key), "ok" if done.value else "danger")

        ui.submit("reprint", job, then)

    def do_guest(self) -> None:
        ui = self.ui
        if not ui.session.tray:
            self.go(ScreenId.REFUSED, result=Refused(RejectReason.EMPTY_TRAY), back=ScreenId.TILL)
            return

        def on_badge(credential: str) -> None:
            sell_items(
                ui,
                credential,
                ui.session.tray,
                kind=EntryKind.GUEST_MEAL,
                details={"mode": "till", "guest": True, "cashier": self.cashier},
                back=ScreenId.TILL,
                on_accepted=lambda _result: ui.session.tray.clear(),
                guest=True,
            )

        def serve(visit: str) -> None:
            """A visit (its QR code, or picked from today's list): one guest at the
            guest tariff, billed as the visit says."""
            items = [item.id for item in ui.session.tray]
            cashier = self.cashier

            def job() -> Result:
                return ui.till.serve_guests(visit, items, 1, cashier=cashier)

            def then(done: Done) -> None:
                result = done.value
                if isinstance(result, Accepted):
                    ui.session.tray.clear()
                    self.go(ScreenId.ACCEPTED, result=result, back=ScreenId.TILL)
                elif isinstance(result, Refused):
                    self.go(ScreenId.REFUSED, result=result, back=ScreenId.TILL)

            ui.submit("guest_visit", job, then)

        def on_code(text: str) -> None:
            if not text.strip().startswith(phonebadge.VISIT_PREFIX):
                ui.toasts.show(ui.tr.t("till.unknown_code", code=text[:24]), "danger")
                return
            serve(text)

        def prompt(done: Done) -> None:
            visits = done.value if isinstance(done.value, list) else []
            choices = [
                (f"{view.doc.visitor} ({view.remaining})", view.id)
                for view in visits
                if view.remaining > 0 and view.doc.meal_included
            ][:MAX_VISIT_CHOICES]
            key = "cashier.guest_visit" if choices else "cashier.guest_badge"
            title = ui.tr.t(key, amount=tray_total(ui.session.tray))
            self.go(
                ScreenId.BADGE_PROMPT,
                title=title,
                back=BACK,
                on_badge=on_badge,
                on_code=on_code,
                choices=choices,
                on_choice=serve,
            )

        ui.submit("visits_today", ui.engine.visits_today, prompt, on_error=prompt)

    def do_open(self) -> None:
        ui = self.ui
        if ui.till_open:
            ui.toasts.show(ui.tr.t("cashier.already_open"), "danger")
            return

        def then(done: Done) -> None:
            ui.till_open = True
            ui.toasts.show(ui.tr.t("cashier.opened"), "ok")

        ui.submit("open", lambda: open_till(ui.engine, self.cashier), then)

    def do_close(self) -> None:
        ui = self.ui

        def then(done: Done) -> None:
            ui.till_open = False
            entry, summary = done.value
            self.go(ScreenId.CLOSURE, summary=summary, entry=entry)

        ui.submit("close", lambda: close_till(ui.engine, self.cashier), then)

    def draw(self, surface: pygame.Surface) -> None:
        layout, painter = self.ui.layout, self.ui.painter
        body = layout.body
        line_h = int(layout.font_size("large") * 1.5)
        name = self.ui.session.cashier_name or ""
        painter.text(
            surface,
            self.ui.tr.t("cashier.menu", name=name),
            pygame.Rect(body.x, body.y, body.width, line_h),
            size="large",
        )


def closure_rows(tr: Any, summary: ClosureSummary) -> list[tuple[str, str]]:
    rows = [
        (tr.t("closure.sales", count=summary.sales_count), ""),
        (tr.t("closure.cancellations", count=summary.cancellations_count), ""),
        (tr.t("closure.net", amount=Money(summary.net_sales)), ""),
        (tr.t("closure.top_ups", amount=Money(summary.top_ups)), ""),
    ]
    for rate, cents in sorted(summary.by_vat.items()):
        if rate.isdigit():
            rows.append((tr.t("closure.vat", rate=tr.rate(rate), amount=Money(cents)), ""))
        else:
            rows.append((tr.t("closure.vat_unknown", amount=Money(cents)), ""))
    for means, cents in sorted(summary.by_means.items()):
        label = tr.label("means", means)
        rows.append((tr.t("closure.means", means=label, amount=Money(cents)), ""))
    rows.append((tr.t("closure.grand_total", amount=Money(summary.grand_total)), ""))
    rows.append((tr.t("closure.grand_total_abs", amount=Money(summary.grand_total_abs)), ""))
    rows.append(
        (
            tr.t(
                "closure.counts",
                duplicates=summary.duplicates_count,
                training=summary.training_count,
            ),
            "",
        )
    )
    return rows


class ClosureScreen(Screen):
    id = ScreenId.CLOSURE

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        # The Z ticket prints at once, as it shows; the print button makes duplicates.
        entry: Entry = self.params["entry"]
        ui = self.ui
        ui.submit("printed", lambda: ui.receipts.print_receipt(entry, duplicate=False))
        self.printed = True

    def buttons(self) -> list[Button]:
        layout, tr = self.ui.layout, self.ui.tr
        print_, export, ok = layout.row(layout.body, 3)
        return [
            Button(print_, tr.t("closure.print"), "print"),
            Button(export, tr.t("closure.export"), "export"),
            Button(ok, tr.t("common.ok"), "ok", style="primary"),
        ]

    def handle_event(self, event: pygame.event.Event) -> None:
        ui = self.ui
        if (event.type == ACTION and event.action == "ok") or (
            event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_ESCAPE)
        ):
            self.go(ScreenId.CASHIER_MENU)
        elif event.type == ACTION and event.action == "print":
            entry: Entry = self.params["entry"]
            duplicate, self.printed = self.printed, True
            ui.submit("printed", lambda: ui.receipts.print_receipt(entry, duplicate=duplicate))
            ui.toasts.show(ui.tr.t("common.printed"), "ok")
        elif event.type == ACTION and event.action == "export":
            seq = self.params["entry"].seq

            def then(done: Done) -> None:
                ui.toasts.show(ui.tr.t("closure.exported", name=done.value.name), "ok")

            ui.submit("export", lambda: ui.till.export_closure(seq), then)

    def draw(self, surface: pygame.Surface) -> None:
        layout, painter, tr = self.ui.layout, self.ui.painter, self.ui.tr
        summary: ClosureSummary = self.params["summary"]
        body = layout.body
        line_h = int(layout.font_size("large") * 1.5)
        painter.text(
            surface,
            tr.t(
                "closure.title", day=date.fromisoformat(summary.business_day).strftime("%d/%m/%Y")
            ),
            pygame.Rect(body.x, body.y, body.width, line_h),
            size="large",
        )
        area = pygame.Rect(
            body.x,
            body.y + line_h,
            body.width,
            body.height - line_h - layout.button_h - layout.gap,
        )
        painter.lines(surface, closure_rows(tr, summary), area)


SCREENS: list[type[Screen]] = [
    CashierLoginScreen,
    CashierPinScreen,
    CashierMenuScreen,
    ClosureScreen,
]
