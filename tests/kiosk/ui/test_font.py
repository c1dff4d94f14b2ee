"""The UI font: shipped with its licence, and words render as words (no letter set
apart from the rest of its word, as pygame's bundled font did: "Tarte au x pommes")."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame

from kiosk.ui.theme import BOLD, FONTS, REGULAR, Layout, Painter, Theme

PHRASES = (
    "Tarte aux pommes",
    "Pavé de bœuf, frites",
    "Crème brûlée maison",
    "Filet de cabillaud",
    "Lasagnes végétariennes",
    "Glace vanille fraise",
)


def blank_runs(image: pygame.Surface) -> list[int]:
    """Widths of the columns without ink between the first and last inked column."""
    width, height = image.get_size()
    inked = [any(image.get_at((x, y))[0] < 160 for y in range(height)) for x in range(width)]
    runs, run, seen = [], 0, False
    for ink in inked:
        if ink:
            if seen and run:
                runs.append(run)
            seen, run = True, 0
        elif seen:
            run += 1
    return runs


def split_words(image: pygame.Surface, spaces: int) -> list[int]:
    """The gaps inside words at least as wide as the narrowest gap between two words.

    The ``spaces`` widest blank runs are the word gaps; any other run as wide as one
    of them reads as a space in the middle of a word.
    """
    runs = sorted(blank_runs(image), reverse=True)
    between, inside = runs[:spaces], runs[spaces:]
    return [run for run in inside if between and run >= min(between)]


@pytest.fixture(scope="module")
def painter() -> Painter:
    pygame.font.init()
    return Painter(Layout(1280, 800), Theme())


def test_font_files_and_licence_are_shipped() -> None:
    assert REGULAR.is_file() and BOLD.is_file()
    licence = (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License, Version 1.1" in licence
    assert "Noto Sans" in licence


@pytest.mark.parametrize("bold", [False, True])
def test_no_word_is_split_at_any_ui_size(painter: Painter, bold: bool) -> None:
    # Every point size the screens use, from the smallest shrink (10) to the portrait
    # kiosk's huge titles (1080 // 24 * 3 = 135).
    black, white = (0, 0, 0), (255, 255, 255)
    for size in range(14, 136, 3):
        for phrase in PHRASES:
            text = painter.font(size, bold).render(phrase, True, black, white)
            assert split_words(text, phrase.count(" ")) == [], (size, bold, phrase)


def test_the_check_catches_pygames_bundled_font() -> None:
    # The font the screens used before: the same check finds split words in it, so a
    # pass above means something.
    pygame.font.init()
    found = []
    for size in range(14, 60):
        font = pygame.font.Font(None, size)
        for phrase in PHRASES:
            image = font.render(phrase, True, (0, 0, 0), (255, 255, 255))
            found += split_words(image, phrase.count(" "))
    assert found


def test_painter_draws_accents_and_the_euro_sign(painter: Painter) -> None:
    # A missing glyph renders as the same "tofu" box whatever the character.
    font = painter.font(40)

    def pixels(char: str) -> tuple[tuple[int, int], bytes]:
        image = font.render(char, True, (0, 0, 0), (255, 255, 255))
        return image.get_size(), pygame.image.tobytes(image, "RGB")

    tofu = pixels("\uffff")
    assert pixels("\ufffe") == tofu  # two missing glyphs look alike
    for char in "éèêàçùœ€ô«»":
        assert pixels(char) != tofu, char
