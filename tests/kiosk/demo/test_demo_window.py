"""The demo window reaches the cashier menu with the cashier the demo registered on
the hub: F3, F1 (the cashier's badge), the PIN it printed at start-up (Xvfb)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kiosk.demo.window_driver import drive
from tests.kiosk.ui.test_xvfb import display

__all__ = ["display"]


@pytest.mark.slow
def test_cashier_menu_is_reachable_in_the_demo_window(display: str, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    result = drive(display, tmp_path / "demo", shots)
    assert result.locked_after_wrong_pin == 1  # the PIN screen counted a wrong PIN
    assert result.attempts_after_login == 0  # and the right one logged the cashier in
    assert [p.name for p in result.shots] == [
        "demo-window-1280x800-cashier-login.png",
        "demo-window-1280x800-cashier-menu.png",
    ]
