"""The till in a real X window (Xvfb), clicked with xdotool like a mouse would.

The test starts its own Xvfb on a free display, runs the till UI in a subprocess
(``SDL_VIDEODRIVER=x11``) against a seeded store, clicks a product button on the real
window, lets a virtual reader present Alice's badge, and checks the sale in the
journal after the subprocess has exited. The subprocess reports what it shows (screen,
tray, button rectangles) in ``state.json`` and takes a badge from a ``badge`` file,
as a reader thread would put it on the UI's input queue.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.engine import Engine
from sync.journal import EntryKind
from tests.kiosk.engine.conftest import seed
from tests.kiosk.ui.conftest import ALICE

pytestmark = pytest.mark.xvfb

ROOT = Path(__file__).resolve().parents[3]
TITLE = "Canteen kiosk"  # the shell's window caption


def child(folder_name: str) -> None:
    """The UI process: the till at 800x480 until a ``stop`` file appears."""
    from kiosk.service import TillService
    from kiosk.ui.model import Mode, UiConfig
    from kiosk.ui.shell import Ui
    from tests.kiosk.ui.conftest import MENU

    folder = Path(folder_name)
    engine = Engine.open(folder / "kiosk.db", folder / "terminal.key", terminal_id="T1")
    config = UiConfig(mode=Mode.TILL, width=800, height=480, sound=False, press_guard_s=0.0)
    ui = Ui(config, TillService(engine, menu=MENU))
    badge, stop, state = folder / "badge", folder / "stop", folder / "state.json"
    shown = ""
    try:
        while ui.running and not stop.exists():
            ui.step(ui.next_frame())  # Ui.run's frame, with checks in between
            if badge.exists():
                ui.tap(badge.read_text().strip())
                badge.unlink()
            screen = ui.manager.current
            buttons = getattr(screen, "buttons", list)()
            now = json.dumps(
                {
                    "screen": str(ui.screen),
                    "tray": [item.id for item in ui.session.tray],
                    "buttons": [[b.action, b.value, list(b.rect)] for b in buttons],
                }
            )
            if now != shown:
                (folder / "state.tmp").write_text(now)
                os.replace(folder / "state.tmp", state)
                shown = now
    finally:
        ui.close()
        engine.close()


def wait_for(what: str, check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def free_display() -> int:
    for number in range(91, 200):
        if not (
            Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists()
        ):
            return number
    raise AssertionError("no free X display number between :91 and :199")


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (scripts/setup --dev installs them)")
    number = free_display()
    log = (tmp_path / "xvfb.log").open("wb")
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        socket = Path(f"/tmp/.X11-unix/X{number}")
        wait_for(f"Xvfb's socket {socket}", lambda: socket.exists() or xvfb.poll() is not None)
        assert xvfb.poll() is None, (tmp_path / "xvfb.log").read_text()
        yield f":{number}"
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(timeout=5)
        except subprocess.TimeoutExpired:
            xvfb.kill()
            xvfb.wait()
        log.close()


def xdotool(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=10, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def find_window(env: dict[str, str], pid: int) -> str:
    """The window by its title, else by its process: xdotool 3.20160805 (Debian 12)
    does not match the UTF8_STRING title SDL sets, newer ones do."""
    found = xdotool(env, "search", "--name", f"^{TITLE}$") or xdotool(
        env, "search", "--pid", str(pid)
    )
    return found.split("\n")[0]


def test_click_a_real_window_then_badge(display: str, tmp_path: Path) -> None:
    engine = Engine.open(tmp_path / "kiosk.db", tmp_path / "terminal.key", terminal_id="T1")
    seed(engine)
    engine.close()
    env = {
        **os.environ,
        "DISPLAY": display,
        "SDL_VIDEODRIVER": "x11",
        "SDL_AUDIODRIVER": "dummy",
        "PYGAME_HIDE_SUPPORT_PROMPT": "1",
    }
    errors = (tmp_path / "ui.log").open("wb")
    code = "import sys; from tests.kiosk.ui.test_xvfb import child; child(sys.argv[1])"
    ui = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=errors,
        stderr=subprocess.STDOUT,
    )
    state_file = tmp_path / "state.json"

    def state() -> dict[str, Any] | None:
        assert ui.poll() is None, (tmp_path / "ui.log").read_text()
        return json.loads(state_file.read_text()) if state_file.exists() else None

    try:
        window = wait_for("the UI's window", lambda: state() and find_window(env, ui.pid))
        assert xdotool(env, "getwindowname", window) == TITLE
        shown = wait_for("the till screen", lambda: (s := state()) and s["screen"] == "till" and s)
        x, y, w, h = next(
            rect for action, value, rect in shown["buttons"] if action == "add" and value == "salad"
        )
        xdotool(env, "mousemove", "--window", window, str(x + w // 2), str(y + h // 2))
        xdotool(env, "click", "1")
        wait_for("the salad in the tray", lambda: (s := state()) and s["tray"] == ["salad"])
        (tmp_path / "badge").write_text(ALICE)
        wait_for("the accepted screen", lambda: (s := state()) and s["screen"] == "accepted")
        (tmp_path / "stop").touch()
        assert ui.wait(timeout=10) == 0, (tmp_path / "ui.log").read_text()
    finally:
        if ui.poll() is None:
            ui.kill()
            ui.wait()
        errors.close()

    engine = Engine.open(tmp_path / "kiosk.db", tmp_path / "terminal.key", terminal_id="T1")
    try:
        sale = engine.store.entries_for_account("A1", 1)[0]
        assert sale.kind == EntryKind.SALE and sale.amount == -280  # with the admission fee
        assert sale.payload["items"] == ["salad"]
        assert engine.verify().ok
    finally:
        engine.close()
