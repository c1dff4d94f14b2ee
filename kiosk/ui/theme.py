"""Colours, fonts and the layout grid, computed from the window size.

Everything is sized from one unit (``min(width, height) / 24``) so the same screens
hold at 800x480, 1024x600, 1280x800 and in portrait at 1080x1920. Text uses Noto Sans
(SIL Open Font License, shipped in ``kiosk/ui/assets/fonts`` with its licence): pygame's
own ``freesansbold`` split words apart at some sizes ("Tarte au x pommes").
"""

from __future__ import annotations

import atexit
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import pygame

Colour = tuple[int, int, int]

FONTS = Path(__file__).resolve().parent / "assets" / "fonts"
REGULAR = FONTS / "NotoSans-Regular.ttf"
BOLD = FONTS / "NotoSans-Bold.ttf"
# Sizes stay those the screens were laid out with: pygame scaled its default font to
# 0.6875 of the size asked, and Noto Sans at that scale has the same cap height.
_SCALE = 0.6875
_BOLD_SIZES = ("large", "huge")


@dataclass(frozen=True, slots=True)
class Theme:
    background: Colour = (245, 246, 248)
    panel: Colour = (255, 255, 255)
    text: Colour = (28, 32, 38)
    muted: Colour = (105, 112, 122)
    primary: Colour = (26, 92, 170)
    secondary: Colour = (222, 228, 236)
    ok: Colour = (22, 140, 72)
    danger: Colour = (196, 40, 40)
    warning: Colour = (214, 128, 0)
    on_colour: Colour = (255, 255, 255)
    status: Colour = (40, 46, 56)
    disabled: Colour = (190, 194, 200)


class Layout:
    """Rectangles and sizes for one window size."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.portrait = height > width
        self.unit = max(12, min(width, height) // 24)
        self.gap = max(4, self.unit // 3)
        self.status_h = int(self.unit * 1.6)
        self.button_h = int(self.unit * 2.6)
        self.body = pygame.Rect(
            self.gap,
            self.status_h + self.gap,
            width - 2 * self.gap,
            height - self.status_h - 2 * self.gap,
        )

    def font_size(self, name: str) -> int:
        scale = {"small": 0.9, "normal": 1.2, "large": 1.9, "huge": 3.0}[name]
        return max(10, int(self.unit * scale))

    def split(self, rect: pygame.Rect, share: float) -> tuple[pygame.Rect, pygame.Rect]:
        """Two panes side by side (landscape) or stacked (portrait)."""
        if self.portrait:
            first = int(rect.height * share)
            top = pygame.Rect(rect.x, rect.y, rect.width, first - self.gap // 2)
            bottom = pygame.Rect(
                rect.x,
                rect.y + first + self.gap // 2,
                rect.width,
                rect.height - first - self.gap // 2,
            )
            return top, bottom
        first = int(rect.width * share)
        left = pygame.Rect(rect.x, rect.y, first - self.gap // 2, rect.height)
        right = pygame.Rect(
            rect.x + first + self.gap // 2, rect.y, rect.width - first - self.gap // 2, rect.height
        )
        return left, right

    def grid(
        self, rect: pygame.Rect, count: int, columns: int, row_h: int | None = None
    ) -> list[pygame.Rect]:
        """``count`` cells in ``columns`` columns from the top of ``rect``."""
        if count == 0:
            return []
        rows = -(-count // columns)
        height = row_h or min(self.button_h, (rect.height - (rows - 1) * self.gap) // max(rows, 1))
        width = (rect.width - (columns - 1) * self.gap) // columns
        return [
            pygame.Rect(
                rect.x + (i % columns) * (width + self.gap),
                rect.y + (i // columns) * (height + self.gap),
                width,
                height,
            )
            for i in range(count)
        ]

    def row(self, rect: pygame.Rect, count: int) -> list[pygame.Rect]:
        """``count`` buttons in one row along the bottom of ``rect``."""
        bar = pygame.Rect(rect.x, rect.bottom - self.button_h, rect.width, self.button_h)
        return self.grid(bar, count, count, self.button_h)


_PAINTERS: weakref.WeakSet[Painter] = weakref.WeakSet()


@atexit.register
def _forget_fonts() -> None:
    # Registered after pygame's own exit hook, so it runs first: a Font freed after
    # pygame has quit crashes SDL_ttf.
    for painter in list(_PAINTERS):
        painter.forget()


class Painter:
    """Draws text with a cache of fonts and rendered strings (a frame renders little)."""

    def __init__(self, layout: Layout, theme: Theme) -> None:
        self.layout, self.theme = layout, theme
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._texts: OrderedDict[tuple[str, int, Colour, bool], pygame.Surface] = OrderedDict()
        _PAINTERS.add(self)

    def forget(self) -> None:
        self._texts.clear()
        self._fonts.clear()

    def rendered(self) -> set[str]:
        """The strings rendered lately (the cache): what the last frames drew."""
        return {key[0] for key in self._texts}

    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (size, bold)
        if key not in self._fonts:
            path = BOLD if bold else REGULAR
            self._fonts[key] = pygame.font.Font(path, max(6, round(size * _SCALE)))
        return self._fonts[key]

    def render(self, text: str, size: int, colour: Colour, bold: bool = False) -> pygame.Surface:
        key = (text, size, colour, bold)
        found = self._texts.get(key)
        if found is None:
            found = self.font(size, bold).render(text, True, colour)
            self._texts[key] = found
            if len(self._texts) > 600:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(key)
        return found

    def text(
        self,
        surface: pygame.Surface,
        text: str,
        rect: pygame.Rect,
        *,
        size: str = "normal",
        colour: Colour | None = None,
        align: str = "left",
        valign: str = "center",
    ) -> pygame.Rect:
        """Draw one line inside ``rect``, shrinking the font until it fits."""
        points = self.layout.font_size(size)
        ink = colour or self.theme.text
        bold = size in _BOLD_SIZES
        image = self.render(text, points, ink, bold)
        while image.get_width() > rect.width and points > 10:
            points = int(points * 0.9)
            image = self.render(text, points, ink, bold)
        place = image.get_rect()
        if align == "center":
            place.centerx = rect.centerx
        elif align == "right":
            place.right = rect.right
        else:
            place.left = rect.left
        if valign == "top":
            place.top = rect.top
        else:
            place.centery = rect.centery
        surface.blit(image, place)
        return place

    def lines(
        self,
        surface: pygame.Surface,
        rows: list[tuple[str, str]],
        rect: pygame.Rect,
        *,
        size: str = "normal",
    ) -> None:
        """Rows of (left text, right text), e.g. ticket lines and amounts."""
        height = int(self.layout.font_size(size) * 1.35)
        for i, (left, right) in enumerate(rows):
            line = pygame.Rect(rect.x, rect.y + i * height, rect.width, height)
            if line.bottom > rect.bottom:
                break
            if right:
                shown = self.text(surface, right, line, size=size, align="right")
                line.width = max(0, shown.left - line.x - self.layout.gap)
            self.text(surface, left, line, size=size)

    def check_mark(self, surface: pygame.Surface, rect: pygame.Rect, colour: Colour) -> None:
        """A tick drawn with lines (the bundled font has no check-mark glyph)."""
        pygame.draw.circle(surface, colour, rect.center, rect.width // 2)
        w = max(4, rect.width // 10)
        points = [
            (rect.x + rect.width * 0.28, rect.y + rect.height * 0.52),
            (rect.x + rect.width * 0.44, rect.y + rect.height * 0.68),
            (rect.x + rect.width * 0.74, rect.y + rect.height * 0.34),
        ]
        pygame.draw.lines(surface, self.theme.on_colour, False, points, w)

    def cross_mark(self, surface: pygame.Surface, rect: pygame.Rect, colour: Colour) -> None:
        pygame.draw.circle(surface, colour, rect.center, rect.width // 2)
        w = max(4, rect.width // 10)
        inset = rect.inflate(-rect.width // 2, -rect.height // 2)
        pygame.draw.line(surface, self.theme.on_colour, inset.topleft, inset.bottomright, w)
        pygame.draw.line(surface, self.theme.on_colour, inset.topright, inset.bottomleft, w)
