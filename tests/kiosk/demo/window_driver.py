"""Drive ``kiosk demo``'s real window in an X display (Xvfb) with xdotool keys: F3
opens the cashier screen, F1 taps the cashier's badge, the PIN printed at start-up is
typed on the keyboard. Used by ``test_demo_window`` and by
``scripts/demo_window_shots.py`` (which keeps the screenshots in docs/screenshots)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.kiosk.ui.test_xvfb import find_window, wait_for, xdotool

ROOT = Path(__file__).resolve().parents[3]
PIN_LINE = re.compile(r"caissier : .*code (\d{4,8})")


@dataclass
class Drive:
    pin: str = ""
    shots: list[Path] = field(default_factory=list)
    locked_after_wrong_pin: int = 0  # pin_attempts failures seen after a wrong PIN
    attempts_after_login: int = -1  # rows left in pin_attempts after the right PIN
    top_up: tuple[int, str] | None = None  # (cents, cashier) of the cash top-up made


def _failures(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as raw:
        row = raw.execute("SELECT coalesce(sum(failures), 0) FROM pin_attempts").fetchone()
    return int(row[0])


def _rows(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as raw:
        return int(raw.execute("SELECT count(*) FROM pin_attempts").fetchone()[0])


def _top_up(db: Path) -> tuple[int, str] | None:
    import json
    import sqlite3

    with sqlite3.connect(db) as raw:
        row = raw.execute(
            "SELECT amount, payload FROM journal WHERE kind = 'top_up' ORDER BY seq DESC"
        ).fetchone()
    return None if row is None else (int(row[0]), str(json.loads(row[1])["cashier"]))


# Where the cash top-up button sits in the 1280x800 cashier menu (second column, first
# row, as the screenshot shows it).
TOP_UP_BUTTON = (956, 198)


def drive(
    display: str,
    folder: Path,
    shots: Path | None = None,
    *,
    wrong_pin_first: bool = True,
    top_up_euros: int | None = None,
) -> Drive:
    """Open the demo window, reach the cashier menu (after a wrong PIN, unless told
    otherwise: its message would show on the screenshots), close it."""
    env = {
        **os.environ,
        "DISPLAY": display,
        "SDL_VIDEODRIVER": "x11",
        "SDL_AUDIODRIVER": "dummy",
        "PYGAME_HIDE_SUPPORT_PROMPT": "1",
        "PYTHONPATH": str(ROOT),
    }
    log = (folder.parent / f"{folder.name}.log").open("w")
    demo = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "demo", "--folder", str(folder)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True,
    )  # fmt: skip
    result = Drive()
    db = folder / "terminal" / "kiosk.db"
    try:
        assert demo.stdout is not None
        for line in demo.stdout:
            if found := PIN_LINE.search(line):
                result.pin = found.group(1)
                break
        assert result.pin, "the demo printed no cashier PIN"
        window = wait_for("the demo window", lambda: find_window(env, demo.pid), timeout=60)
        time.sleep(1.5)  # the first frames

        def key(*names: str) -> None:
            xdotool(env, "windowfocus", "--sync", window)
            xdotool(env, "key", "--delay", "80", *names)
            time.sleep(0.8)

        def shot(name: str) -> None:
            if shots is None:
                return
            from PIL import ImageGrab

            path = shots / f"demo-window-1280x800-{name}.png"
            ImageGrab.grab(xdisplay=display).crop((0, 0, 1280, 800)).save(path)
            result.shots.append(path)

        key("F3")
        shot("cashier-login")
        key("F1")
        if wrong_pin_first:
            key("0", "0", "0", "0", "Return")
            result.locked_after_wrong_pin = wait_for(
                "the wrong PIN counted", lambda: _failures(db), timeout=10
            )
        else:
            shot("cashier-pin")
        key(*result.pin, "Return")
        wait_for("the right PIN accepted", lambda: _rows(db) == 0, timeout=10)
        result.attempts_after_login = _rows(db)
        time.sleep(0.5)
        shot("cashier-menu")
        if top_up_euros is not None:
            x, y = TOP_UP_BUTTON
            xdotool(env, "mousemove", "--window", window, str(x), str(y))
            xdotool(env, "click", "1")
            time.sleep(0.8)
            key("F5")  # the first demo diner taps a badge
            key(*str(top_up_euros), "Return")  # the amount received in cash
            key("Return")  # confirmed
            result.top_up = wait_for("the cash top-up", lambda: _top_up(db), timeout=10)
    finally:
        demo.terminate()
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
        if demo.stdout is not None:
            demo.stdout.close()
        log.close()
    return result
