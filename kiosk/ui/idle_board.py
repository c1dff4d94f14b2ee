"""The self-service kiosk's idle board: the site's name and logo, today's menu with
each dish's photo (where the site gives one) and its allergens (the 14 of EU
regulation 1169/2011), and how to identify: "Badgez ici", or, with the badge reader
out of order, the ways that still work (the phone badge's QR code on the scanner) or
"hors service" with what to do instead.

Landscape: the menu at the left, the badge panel at the right. Portrait: the menu
fills the height and the badge panel sits at the bottom, where the reader is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from sync.protocol.catalogue import CatalogueItem, Label

if TYPE_CHECKING:
    from kiosk.ui.shell import Ui

log = logging.getLogger(__name__)

PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "config"
MAX_DISHES = 12


class Identify(Enum):
    """Which ways to identify work at the kiosk right now."""

    BADGE_AND_QR = "badge_and_qr"
    BADGE_ONLY = "badge_only"  # the QR code scanner is faulted
    QR_ONLY = "qr_only"  # the badge reader is faulted, the scanner works
    NONE = "none"  # out of order


def ways_to_identify(ui: Ui) -> Identify:
    """From the device faults: a kiosk without a working reader still takes phone
    badges when its scanner works."""
    if "reader" not in ui.faults:
        return Identify.BADGE_ONLY if "scanner" in ui.faults else Identify.BADGE_AND_QR
    scanner_ok = "scanner" in ui.devices and "scanner" not in ui.faults
    return Identify.QR_ONLY if scanner_ok else Identify.NONE


@dataclass
class IdleBoard:
    """Draws the idle screen; keeps the pictures it loaded, scaled, between frames."""

    site_name: str = ""
    _pictures: dict[tuple[str, int, int], pygame.Surface | None] = field(default_factory=dict)

    def picture(self, ui: Ui, path: str, width: int, height: int) -> pygame.Surface | None:
        """The picture at ``path`` (in the media folder) fitted into width x height,
        or None when it cannot be read (logged once)."""
        key = (path, width, height)
        if key not in self._pictures:
            folder = Path(ui.config.media_dir) if ui.config.media_dir else PROJECT_CONFIG
            try:
                image = pygame.image.load(str(folder / path))
            except (pygame.error, OSError, FileNotFoundError) as exc:
                log.warning("menu picture %s not shown: %s", folder / path, exc)
                self._pictures[key] = None
            else:
                scale = min(width / image.get_width(), height / image.get_height())
                size = (
                    max(1, int(image.get_width() * scale)),
                    max(1, int(image.get_height() * scale)),
                )
                self._pictures[key] = pygame.transform.smoothscale(image, size)
        return self._pictures[key]

    def draw(self, ui: Ui, surface: pygame.Surface) -> None:
        layout = ui.layout
        body = layout.body
        header = pygame.Rect(body.x, body.y, body.width, int(layout.unit * 3.2))
        self._header(ui, surface, header)
        rest = pygame.Rect(
            body.x, header.bottom + layout.gap, body.width, body.bottom - header.bottom - layout.gap
        )
        dishes = ui.menu.todays_menu()[:MAX_DISHES] if ui.menu is not None else ()
        if not dishes:
            self._badge_panel(ui, surface, rest)
            return
        if layout.portrait:
            panel_h = int(rest.height * 0.28)
            menu = pygame.Rect(rest.x, rest.y, rest.width, rest.height - panel_h - layout.gap)
            badge = pygame.Rect(rest.x, menu.bottom + layout.gap, rest.width, panel_h)
        else:
            menu, badge = layout.split(rest, 0.7)
        self._menu(ui, surface, menu, dishes)
        self._badge_panel(ui, surface, badge)

    def _header(self, ui: Ui, surface: pygame.Surface, rect: pygame.Rect) -> None:
        layout, painter = ui.layout, ui.painter
        x = rect.x
        logo_path = ui.menu.settings.logo if ui.menu is not None else None
        if logo_path:
            logo = self.picture(ui, logo_path, rect.height * 3, rect.height)
            if logo is not None:
                surface.blit(logo, logo.get_rect(midleft=(rect.x, rect.centery)))
                x += logo.get_width() + layout.gap * 2
        lines = _lines(ui, self.site_name, "large", rect.right - x) if self.site_name else []
        for index, part in enumerate(lines):
            height = rect.height // len(lines)
            painter.text(
                surface,
                part,
                pygame.Rect(x, rect.y + index * height, rect.right - x, height),
                size="large",
                colour=ui.theme.text,
            )

    def _menu(
        self, ui: Ui, surface: pygame.Surface, rect: pygame.Rect, dishes: tuple[CatalogueItem, ...]
    ) -> None:
        layout, painter, tr, theme = ui.layout, ui.painter, ui.tr, ui.theme
        radius = max(4, layout.unit // 2)
        pygame.draw.rect(surface, theme.panel, rect, border_radius=radius)
        inner = rect.inflate(-layout.gap * 2, -layout.gap * 2)
        title_h = int(layout.font_size("large") * 1.3)
        painter.text(
            surface,
            tr.t("kiosk.menu_of_the_day"),
            pygame.Rect(inner.x, inner.y, inner.width, title_h),
            size="large",
            colour=theme.primary,
        )
        area = pygame.Rect(inner.x, inner.y + title_h, inner.width, inner.height - title_h)
        line = int(layout.font_size("normal") * 1.3)
        small = int(layout.font_size("small") * 1.3)
        # Two columns in landscape when one cannot hold the whole menu.
        fits = max(1, area.height // (line + small + layout.gap))
        columns = 2 if len(dishes) > fits and not layout.portrait else 1
        rows = -(-len(dishes) // columns)
        row_h = max(line + small, min(area.height // rows, int(layout.unit * 3.5)))
        col_w = (area.width - (columns - 1) * layout.gap * 2) // columns
        shown = dishes[: columns * max(1, area.height // row_h)]
        for index, dish in enumerate(shown):
            column, place = divmod(index, rows)
            x = area.x + column * (col_w + layout.gap * 2)
            row = pygame.Rect(x, area.y + place * row_h, col_w, row_h - layout.gap // 2)
            self._dish(ui, surface, row, dish, (line, small))

    def _dish(
        self,
        ui: Ui,
        surface: pygame.Surface,
        row: pygame.Rect,
        dish: CatalogueItem,
        heights: tuple[int, int],
    ) -> None:
        layout, painter, tr, theme = ui.layout, ui.painter, ui.tr, ui.theme
        line, small = heights  # the name's line, the allergens' line
        text_x = row.x
        photo_w = min(int(row.height * 4 / 3), row.width // 4)
        if dish.image:
            photo = self.picture(ui, dish.image, photo_w, row.height)
            if photo is not None:
                surface.blit(photo, photo.get_rect(midleft=(row.x, row.centery)))
        text_x += photo_w + layout.gap  # dishes line up, with or without a photo
        top = row.centery - (line + small) // 2
        words = pygame.Rect(text_x, top, row.right - text_x, line)
        price = painter.text(surface, tr.money(dish.price), words, align="right")
        words.width = max(0, price.left - words.x - layout.gap)
        painter.text(surface, _label(dish.label, tr.lang.value), words)
        names = [tr.allergen(str(a)) for a in dish.allergens]
        allergens = (
            tr.t("kiosk.allergens", names=", ".join(names)) if names else tr.t("kiosk.no_allergens")
        )
        painter.text(
            surface,
            allergens,
            pygame.Rect(text_x, top + line, row.right - text_x, small),
            size="small",
            colour=theme.warning if names else theme.muted,
        )

    def _badge_panel(self, ui: Ui, surface: pygame.Surface, rect: pygame.Rect) -> None:
        layout, painter, tr, theme = ui.layout, ui.painter, ui.tr, ui.theme
        radius = max(4, layout.unit // 2)
        ways = ways_to_identify(ui)
        title, hint, colour = {
            Identify.BADGE_AND_QR: ("kiosk.idle", "kiosk.idle_hint", theme.primary),
            Identify.BADGE_ONLY: ("kiosk.idle", "kiosk.idle_badge_only", theme.primary),
            Identify.QR_ONLY: ("kiosk.reader_down", "kiosk.use_phone_qr", theme.warning),
            Identify.NONE: ("kiosk.out_of_order", "kiosk.out_of_order_hint", theme.danger),
        }[ways]
        pygame.draw.rect(surface, theme.panel, rect, border_radius=radius)
        inner = rect.inflate(-layout.gap * 2, -layout.gap * 2)
        size = "huge" if ways in (Identify.BADGE_AND_QR, Identify.BADGE_ONLY) else "large"
        titles = _lines(ui, tr.t(title), size, inner.width)
        hints = _lines(ui, tr.t(hint), "normal", inner.width)
        title_h = int(layout.font_size(size) * 1.25)
        hint_h = int(layout.font_size("normal") * 1.3)
        words_h = title_h * len(titles) + layout.gap + hint_h * len(hints)
        mark = min(inner.width // 3, inner.height - words_h - layout.gap * 3, layout.unit * 6)
        y = inner.y + max(0, (inner.height - words_h - max(0, mark)) // 2)
        for part in titles:
            painter.text(
                surface,
                part,
                pygame.Rect(inner.x, y, inner.width, title_h),
                size=size,
                colour=colour,
                align="center",
            )
            y += title_h
        y += layout.gap
        for part in hints:
            painter.text(
                surface,
                part,
                pygame.Rect(inner.x, y, inner.width, hint_h),
                colour=theme.muted if ways is not Identify.NONE else theme.text,
                align="center",
            )
            y += hint_h
        if mark > layout.unit:
            spot = pygame.Rect(0, 0, mark, mark)
            spot.midtop = (inner.centerx, y + layout.gap)
            width = max(3, layout.unit // 4)
            if ways is Identify.NONE:
                painter.cross_mark(surface, spot, theme.danger)
            elif ways is Identify.QR_ONLY:
                _qr_mark(surface, spot, colour)
            else:
                pygame.draw.circle(surface, colour, spot.center, mark // 2, width)
                pygame.draw.circle(surface, colour, spot.center, mark // 4, width)


def _label(label: Label, lang: str) -> str:
    return label.en if lang == "en" else label.fr


def _lines(ui: Ui, text: str, size: str, width: int) -> list[str]:
    """``text`` on one line when it fits ``width`` at ``size``, else on two, cut at the
    space nearest the middle (the painter shrinks what still does not fit)."""
    font = ui.painter.font(ui.layout.font_size(size), size in ("large", "huge"))
    if font.size(text)[0] <= width:
        return [text]
    middle = len(text) // 2
    cut = min(
        (i for i, ch in enumerate(text) if ch == " "), key=lambda i: abs(i - middle), default=-1
    )
    return [text] if cut < 0 else [text[:cut], text[cut + 1 :]]


def _qr_mark(surface: pygame.Surface, rect: pygame.Rect, colour: tuple[int, int, int]) -> None:
    """A stylised QR code: three finder squares and a few modules."""
    cell = max(2, rect.width // 7)
    for cx, cy in ((0, 0), (4, 0), (0, 4)):
        outer = pygame.Rect(rect.x + cx * cell, rect.y + cy * cell, 3 * cell, 3 * cell)
        pygame.draw.rect(surface, colour, outer, max(2, cell // 2))
        pygame.draw.rect(surface, colour, outer.inflate(-cell * 2 + 2, -cell * 2 + 2))
    for mx, my in ((4, 4), (5, 5), (6, 4), (4, 6), (6, 6), (3, 5), (5, 3)):
        pygame.draw.rect(surface, colour, (rect.x + mx * cell, rect.y + my * cell, cell, cell))
