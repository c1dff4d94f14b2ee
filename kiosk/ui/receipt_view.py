"""The last printed receipt, shown over the right of the screen for a while (demo
tills print to an image): a touch puts it away, and one on the receipt does nothing
else."""

from __future__ import annotations

import logging

import pygame

from kiosk.ui.theme import Layout, Theme

log = logging.getLogger(__name__)

RECEIPT_SHOWN_S = 8.0


class ReceiptView:
    def __init__(self) -> None:
        self.image: pygame.Surface | None = None
        self.age = 0.0
        self.spot: pygame.Rect | None = None  # where it was drawn
        self._scaled: tuple[tuple[pygame.Surface, int, int], pygame.Surface] | None = None

    def show(self, png: str, surface: pygame.Surface) -> None:
        try:
            self.image, self.age = pygame.image.load(png).convert(surface), 0.0
        except (pygame.error, OSError):
            log.warning("cannot show receipt %s", png)

    def hide(self) -> None:
        self.image = None

    def update(self, dt: float) -> None:
        self.age += dt
        if self.image is not None and self.age > RECEIPT_SHOWN_S:
            self.image = None
        if self.image is None:
            self.spot = None

    def draw(self, surface: pygame.Surface, layout: Layout, theme: Theme) -> None:
        """At the right, scaled to the screen's height."""
        if self.image is None:
            return
        # scaled once per receipt and window size, not at every frame it is shown
        key = (self.image, layout.width, layout.height)
        if self._scaled is None or self._scaled[0] != key:
            room = layout.height - layout.status_h - 2 * layout.gap
            width, height = self.image.get_size()
            scale = min(room / height, (layout.width / 2) / width, 1.0)
            size = (max(1, int(width * scale)), max(1, int(height * scale)))
            self._scaled = (key, pygame.transform.smoothscale(self.image, size))
        image = self._scaled[1]
        spot = image.get_rect(topright=(layout.width - layout.gap, layout.status_h + layout.gap))
        pygame.draw.rect(surface, theme.status, spot.inflate(6, 6))
        surface.blit(image, spot)
        self.spot = spot
