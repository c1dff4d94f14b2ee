"""The demo window reaches the cashier menu with the cashier the demo registered on
the hub: F3, F1 (the cashier's badge), the PIN it printed at start-up (Xvfb); then a
cash top-up from that menu (a click, F5 for a diner's badge, the amount, Enter)."""

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
    result = drive(display, tmp_path / "demo", shots, top_up_euros=12)
    assert result.locked_after_wrong_pin == 1  # the PIN screen counted a wrong PIN
    assert result.attempts_after_login == 0  # and the right one logged the cashier in
    assert [p.name for p in result.shots] == [
        "demo-window-1280x800-cashier-login.png",
        "demo-window-1280x800-cashier-menu.png",
    ]
    # and the cashier's menu works: a cash top-up, journalled with the hub's cashier
    assert result.top_up == (1200, "K1")
