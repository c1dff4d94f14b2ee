#!/usr/bin/env python3
"""Screenshots of ``kiosk demo``'s real window reaching the cashier menu (F3, F1 taps
the cashier's badge, the printed PIN), in an Xvfb display, into docs/screenshots/.

    .venv/bin/python scripts/demo_window_shots.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.kiosk.demo.window_driver import drive  # noqa: E402
from tests.kiosk.ui.test_xvfb import free_display, wait_for  # noqa: E402


def main() -> int:
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        print("demo_window_shots: needs Xvfb and xdotool (scripts/setup --dev)", file=sys.stderr)
        return 1
    number = free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        socket = Path(f"/tmp/.X11-unix/X{number}")
        wait_for("Xvfb", lambda: socket.exists() or xvfb.poll() is not None)
        out = ROOT / "docs" / "screenshots"
        with tempfile.TemporaryDirectory() as scratch:
            result = drive(f":{number}", Path(scratch) / "demo", out, wrong_pin_first=False)
        for path in result.shots:
            print(path.relative_to(ROOT))
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
