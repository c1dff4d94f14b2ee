"""The cashier's list of the site's open incidents (overdrafts, double subsidies) that
the hub found and sent through the changes feed: who, how much, which tills."""

from __future__ import annotations

import pygame

from kiosk.ui.events import ACTION
from kiosk.ui.manager import Screen, ScreenId
from kiosk.ui.widgets import Button
from kiosk.ui.worker import Done
from sync.money import Money
from sync.protocol.incidents import Incident

SHOWN = 8  # lines on one screen: the rest is for the back office


class IncidentsScreen(Screen):
    id = ScreenId.INCIDENTS

    def enter(self, **params: object) -> None:
        super().enter(**params)
        self.found: list[tuple[Incident, str]] | None = None
        ui = self.ui

        def job() -> list[tuple[Incident, str]]:
            rows = []
            for incident in ui.engine.store.incidents():
                state = ui.engine.store.account(incident.account_id)
                rows.append((incident, state.row.display_name if state else incident.account_id))
            return rows

        def then(done: Done) -> None:
            self.found = done.value

        ui.submit("incidents", job, then)

    def buttons(self) -> list[Button]:
        layout = self.ui.layout
        return [Button(layout.row(layout.body, 1)[0], self.ui.tr.t("common.back"), "back")]

    def handle_event(self, event: pygame.event.Event) -> None:
        if (event.type == ACTION and event.action == "back") or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
        ):
            self.go(ScreenId.CASHIER_MENU)

    def lines(self) -> list[str]:
        tr = self.ui.tr
        if self.found is None:
            return []
        if not self.found:
            return [tr.t("incidents.none")]
        return [
            tr.t(
                f"incidents.{incident.kind.value}",
                name=name,
                amount=Money(incident.amount),
                tills=", ".join(incident.terminals),
            )
            for incident, name in self.found[:SHOWN]
        ]

    def draw(self, surface: pygame.Surface) -> None:
        layout, painter, tr = self.ui.layout, self.ui.painter, self.ui.tr
        body = layout.body
        line_h = int(layout.font_size("large") * 1.5)
        painter.text(
            surface, tr.t("incidents.title"), pygame.Rect(body.x, body.y, body.width, line_h),
            size="large",
        )  # fmt: skip
        for i, line in enumerate(self.lines()):
            rect = pygame.Rect(body.x, body.y + line_h * (i + 1), body.width, line_h)
            painter.text(surface, line, rect, size="normal")


SCREENS: list[type[Screen]] = [IncidentsScreen]
