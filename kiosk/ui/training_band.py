"""The band that training mode shows on every screen: a frame in the warning colour
around the whole window and, along its bottom edge, what the mode means, so that
neither the cashier nor a diner can take a training ticket for a real one."""

from __future__ import annotations

import pygame

from kiosk.ui.theme import Painter

FRAME_PX = 6
BAND_ALPHA = 230


def draw_training_band(surface: pygame.Surface, painter: Painter, text: str) -> pygame.Rect:
    """Draw the frame and the band; the band's rectangle."""
    layout, theme = painter.layout, painter.theme
    width, height = surface.get_size()
    pygame.draw.rect(surface, theme.warning, pygame.Rect(0, 0, width, height), FRAME_PX)
    band_h = max(int(layout.status_h * 0.6), 16)
    band = pygame.Rect(0, height - band_h, width, band_h)
    shade = pygame.Surface(band.size, pygame.SRCALPHA)
    shade.fill((*theme.warning, BAND_ALPHA))
    surface.blit(shade, band.topleft)
    painter.text(
        surface,
        text,
        band.inflate(-2 * layout.gap, -4),
        size="small",
        colour=theme.on_colour,
        align="center",
    )
    return band
