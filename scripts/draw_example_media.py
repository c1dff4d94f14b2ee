#!/usr/bin/env python3
"""Draw the example site's pictures: ``scripts/draw_example_media.py``.

Writes ``config/media/``: the ACME logo and six dish illustrations (drawn, not
photographed, so that the repository holds no third-party picture) that
``config/example-site.toml`` names for the kiosk's idle screen. Seeded: a rerun draws
the same pictures.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "config" / "media"
FONTS = ROOT / "kiosk" / "ui" / "assets" / "fonts"
W, H, S = 320, 240, 3  # drawn at 3x, then scaled down (smooth edges)
Colour = tuple[int, int, int]
Point = tuple[float, float]


def canvas(background: Colour = (214, 196, 170)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (W * S, H * S), background)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 12) for c in background)
    for x in range(0, W * S, 60 * S):  # a striped tablecloth
        draw.rectangle([x, 0, x + 28 * S, H * S], fill=light)
    return image, draw


def plate(draw: ImageDraw.ImageDraw, r: float = 100) -> None:
    cx, cy = 160, 122
    draw.ellipse(box((cx + 6, cy + 10), (r, r * 0.78)), fill=(150, 135, 115))
    draw.ellipse(box((cx, cy), (r, r * 0.78)), fill=(250, 250, 247))
    draw.ellipse(box((cx, cy), (r * 0.72, r * 0.56)), fill=(240, 240, 236))


def box(centre: Point, radii: Point) -> list[float]:
    (cx, cy), (rx, ry) = centre, radii
    return [(cx - rx) * S, (cy - ry) * S, (cx + rx) * S, (cy + ry) * S]


def blob(
    draw: ImageDraw.ImageDraw, centre: Point, radii: Point, colour: Colour, angle: float = 0.0
) -> None:
    """A filled ellipse turned by ``angle``."""
    (cx, cy), (rx, ry) = centre, radii
    points = []
    for k in range(24):
        t = 2 * math.pi * k / 24
        x, y = rx * math.cos(t), ry * math.sin(t)
        x, y = x * math.cos(angle) - y * math.sin(angle), x * math.sin(angle) + y * math.cos(angle)
        points.append(((cx + x) * S, (cy + y) * S))
    draw.polygon(points, fill=colour)


def save(image: Image.Image, name: str) -> None:
    image.resize((W, H), Image.Resampling.LANCZOS).save(OUT / name, optimize=True)


def salad(rng: random.Random) -> None:
    image, draw = canvas()
    plate(draw)
    greens = [(96, 160, 60), (120, 185, 70), (70, 130, 50), (150, 200, 90)]
    for _ in range(70):
        centre = (160 + rng.gauss(0, 28), 120 + rng.gauss(0, 20))
        radii = (rng.uniform(10, 22), rng.uniform(5, 10))
        blob(draw, centre, radii, rng.choice(greens), rng.uniform(0, math.pi))
    for _ in range(6):
        draw.ellipse(box((160 + rng.gauss(0, 30), 120 + rng.gauss(0, 20)), (9, 9)), (210, 50, 40))
    save(image, "salad.png")


def steak(rng: random.Random) -> None:
    image, draw = canvas()
    plate(draw)
    blob(draw, (130, 118), (48, 30), (110, 60, 35), 0.2)
    blob(draw, (130, 114), (40, 22), (140, 80, 45), 0.2)
    for k in range(5):
        draw.line([(115 + 12 * k) * S, 100 * S, (130 + 12 * k) * S, 135 * S], (95, 50, 30), 3 * S)
    fries = [(240, 200, 80), (230, 185, 60), (250, 215, 110)]
    for _ in range(22):
        centre = (200 + rng.gauss(0, 14), 120 + rng.gauss(0, 22))
        blob(draw, centre, (22, 4), rng.choice(fries), rng.uniform(0, math.pi))
    save(image, "steak.png")


def fish(rng: random.Random) -> None:
    image, draw = canvas()
    plate(draw)
    blob(draw, (150, 122), (62, 26), (245, 238, 225), -0.15)
    for k in range(4):
        arc = [(110 + 18 * k) * S, 100 * S, (140 + 18 * k) * S, 145 * S]
        draw.arc(arc, 250, 290, fill=(220, 210, 195), width=2 * S)
    blob(draw, (215, 100), (18, 12), (250, 220, 50), 0.5)
    for _ in range(12):
        centre = (150 + rng.gauss(0, 30), 95 + rng.gauss(0, 6))
        blob(draw, centre, (4, 2), (60, 130, 50), rng.uniform(0, 3))
    blob(draw, (150, 160), (40, 8), (245, 230, 160))
    save(image, "fish.png")


def lasagne(rng: random.Random) -> None:
    image, draw = canvas()
    plate(draw)
    x0, y0 = 105, 88
    layers = [
        (235, 200, 120), (190, 60, 40), (245, 235, 210), (230, 190, 110),
        (180, 55, 35), (240, 228, 200), (220, 170, 80),
    ]  # fmt: skip
    for k, colour in enumerate(layers):
        draw.rectangle([x0 * S, (y0 + 9 * k) * S, (x0 + 110) * S, (y0 + 9 * k + 9) * S], colour)
    for _ in range(25):
        centre = (x0 + rng.uniform(0, 110), y0 + rng.uniform(-4, 3))
        draw.ellipse(box(centre, (4, 3)), fill=(200, 120, 50))
    save(image, "lasagne.png")


def tart(rng: random.Random) -> None:
    image, draw = canvas()
    plate(draw)
    draw.ellipse(box((160, 122), (80, 62)), fill=(205, 150, 80))
    draw.ellipse(box((160, 122), (70, 54)), fill=(235, 195, 120))
    for rx, ry, count, colour in ((60, 44, 18, (225, 180, 95)), (34, 25, 11, (240, 210, 140))):
        for k in range(count):
            t = 2 * math.pi * k / count
            centre = (160 + rx * math.cos(t), 122 + ry * math.sin(t))
            blob(draw, centre, (13, 5), colour, t + math.pi / 2)
    save(image, "tart.png")


def mousse(rng: random.Random) -> None:
    image, draw = canvas((190, 175, 160))
    draw.ellipse(box((160, 185), (65, 15)), fill=(150, 135, 115))
    glass = [(100, 60), (220, 60), (205, 185), (115, 185)]
    draw.polygon([(x * S, y * S) for x, y in glass], fill=(235, 240, 245))
    inside = [(106, 80), (214, 80), (203, 178), (117, 178)]
    draw.polygon([(x * S, y * S) for x, y in inside], fill=(95, 55, 30))
    draw.ellipse(box((160, 81), (54, 11)), fill=(120, 72, 40))
    for _ in range(14):
        x, y = 160 + rng.gauss(0, 25), 80 + rng.gauss(0, 4)
        draw.rectangle([(x - 3) * S, (y - 2) * S, (x + 3) * S, (y + 2) * S], fill=(60, 30, 15))
    save(image, "mousse.png")


def logo() -> None:
    """An emblem and the firm's name, on a transparent background."""
    k = 4
    image = Image.new("RGBA", (360 * k, 120 * k), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    blue, orange, grey = (26, 92, 170), (214, 128, 0), (105, 112, 122)
    draw.ellipse([6 * k, 6 * k, 114 * k, 114 * k], fill=blue)
    draw.ellipse([22 * k, 22 * k, 98 * k, 98 * k], fill=(255, 255, 255))
    draw.pieslice([22 * k, 22 * k, 98 * k, 98 * k], 200, 340, fill=orange)
    draw.rectangle([56 * k, 50 * k, 64 * k, 96 * k], fill=blue)
    bold = ImageFont.truetype(str(FONTS / "NotoSans-Bold.ttf"), 64 * k)
    draw.text((128 * k, 2 * k), "ACME", font=bold, fill=blue)
    regular = ImageFont.truetype(str(FONTS / "NotoSans-Regular.ttf"), 20 * k)
    draw.text((132 * k, 84 * k), "restaurant d'entreprise", font=regular, fill=grey)
    image.resize((360, 120), Image.Resampling.LANCZOS).save(OUT / "logo.png", optimize=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    for dish in (salad, steak, fish, lasagne, tart, mousse):
        dish(rng)
    logo()
    print(f"pictures written to {OUT}")


if __name__ == "__main__":
    main()
