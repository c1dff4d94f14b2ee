"""The frame loop wakes on events: a badge, an engine result or a touch starts the
next frame at once instead of waiting for it; with nothing happening it draws slowly."""

from __future__ import annotations

import threading
import time

import pygame
import pytest

from kiosk.ui import shell
from kiosk.ui.events import BadgeTapped
from kiosk.ui.model import Mode

from .conftest import ALICE, UiFactory

# Quiet, the next frame is due in one second (IDLE_FPS = 1), and at 5 fps it would be
# 0.2 s: a frame that starts well under that was woken.
WOKEN_S = 0.1


@pytest.fixture
def slow_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell, "IDLE_FPS", 1)


def wait_for_frame(ui: shell.Ui) -> float:
    t = time.perf_counter()
    ui.next_frame()
    return time.perf_counter() - t


def test_a_badge_from_the_reader_thread_starts_the_frame(
    make_ui: UiFactory, slow_idle: None
) -> None:
    ui = make_ui(Mode.TILL, fps=5)
    ui.step(ui.next_frame())
    assert ui.quiet()
    reader = threading.Thread(target=ui.inputs.put, args=(BadgeTapped(ALICE),))
    reader.start()
    reader.join()
    assert wait_for_frame(ui) < WOKEN_S
    assert not ui.inputs.empty()  # taken by the frame that starts now


def test_an_engine_result_starts_the_frame(make_ui: UiFactory, slow_idle: None) -> None:
    ui = make_ui(Mode.TILL, fps=5)
    ui.step(ui.next_frame())
    ui.submit("quick", lambda: None)
    ui.worker.wait_idle()
    assert wait_for_frame(ui) < WOKEN_S


def test_a_touch_starts_the_frame(make_ui: UiFactory, slow_idle: None) -> None:
    ui = make_ui(Mode.TILL, fps=5)
    ui.step(ui.next_frame())
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(5, 5)))
    assert wait_for_frame(ui) < WOKEN_S


def test_a_quiet_screen_waits_for_the_idle_frame(make_ui: UiFactory) -> None:
    ui = make_ui(Mode.TILL, fps=60)
    ui.step(ui.next_frame())
    ui.step(ui.next_frame())
    assert ui.quiet()
    # at 60 fps a frame is 17 ms; quiet, the loop draws at IDLE_FPS
    assert wait_for_frame(ui) >= 0.8 / shell.IDLE_FPS


def test_a_toast_keeps_the_full_frame_rate(make_ui: UiFactory) -> None:
    ui = make_ui(Mode.TILL, fps=60)
    ui.toasts.show("hello")
    assert not ui.quiet()
