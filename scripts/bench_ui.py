"""UI benchmark: tap-to-screen latency beside the engine's own sale latency.

``scripts/bench.py ui [--quick] [--json]``

On a store of 100,000 accounts (built like ``bench_engine``: ``apply_snapshot`` in
pages) the till UI runs headless at 1280x800 with its real frame pacing. A thread
plays the virtual reader: at a random moment within a frame it puts a badge on the
UI's input queue; the figure is the time from there to the end of the first frame
that draws the accepted screen (the sale runs on the engine worker in between). The
engine's own sale (same tray, same pricer, called directly) is measured in the same
run between taps, as the baseline. Also: the time of one frame of the till screen
while idle (p95; target <= 16 ms), the CPU the waiting till uses (share of one core,
beside a loop that draws every frame at the configured rate, the pacing before the
loop woke on events; target: no more) and the resident memory of the process (target
<= 150 MB). Targets: tap p95 <= 20 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import psutil

from kiosk.engine import Accepted
from kiosk.service import TillService
from kiosk.sitefile import load_site_menu
from kiosk.ui.events import BadgeTapped
from kiosk.ui.manager import ScreenId
from kiosk.ui.model import MemoryReceipts, Mode, UiConfig
from kiosk.ui.shell import Ui

TRAY = ("salad", "fish", "tart", "water")
MENU = load_site_menu(Path(__file__).resolve().parents[1] / "config" / "example-site.toml")


def bench_engine() -> ModuleType:
    """The engine benchmark's store builder and percentile, loaded from its file."""
    path = Path(__file__).resolve().parent / "bench_engine.py"
    spec = importlib.util.spec_from_file_location("bench_engine", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENGINE = bench_engine()  # its store builder, credentials and percentile


def measure_taps(ui: Ui, taps: int, accounts: int) -> tuple[list[float], list[float]]:
    """(tap-to-screen ms, direct engine sale ms), ``taps`` of each."""
    catalogue = ui.catalogue
    items = [item for item in (catalogue.get(i) for i in TRAY) if item is not None]
    ready = threading.Event()
    put_at: list[float] = []
    tap_ms: list[float] = []
    sale_ms: list[float] = []
    frame_s = 1 / ui.config.fps

    def reader() -> None:
        rng = random.Random(7)
        for i in range(taps):
            ready.wait()
            ready.clear()
            time.sleep(rng.uniform(0, frame_s))  # the badge lands anywhere in a frame
            put_at.append(time.perf_counter())
            ui.inputs.put(BadgeTapped(ENGINE.badge(2 * i, accounts)))

    def next_tray() -> None:
        ui.manager.request(ScreenId.TILL)
        ui.manager.apply()
        ui.session.tray[:] = items
        ui.step(0.0)
        ready.set()

    thread = threading.Thread(target=reader, name="bench-reader", daemon=True)
    thread.start()
    next_tray()
    while len(tap_ms) < taps:
        ui.step(ui.next_frame())  # what Ui.run does each frame
        if ui.screen is ScreenId.ACCEPTED and len(put_at) > len(tap_ms):
            tap_ms.append((time.perf_counter() - put_at[len(tap_ms)]) * 1000)
            # The baseline: the same sale straight on the till service, between two taps.
            t = time.perf_counter()
            result = ui.till.sell(
                ENGINE.badge(2 * len(tap_ms) + 1, accounts), TRAY, details={"mode": "till"}
            )
            sale_ms.append((time.perf_counter() - t) * 1000)
            assert isinstance(result, Accepted), result
            next_tray()
        elif ui.screen is ScreenId.REFUSED:
            raise AssertionError(f"refused: {ui.manager.current.params}")  # type: ignore[union-attr]
    thread.join(timeout=5)
    return tap_ms, sale_ms


def measure_frames(ui: Ui, frames: int) -> list[float]:
    """The cost of one frame of the till screen with a tray, nothing happening."""
    ui.manager.request(ScreenId.TILL)
    ui.manager.apply()
    ui.session.tray[:] = [i for i in (ui.catalogue.get(x) for x in TRAY) if i is not None]
    ui.settle()
    samples = []
    for _ in range(frames):
        t = time.perf_counter()
        ui.step(1 / ui.config.fps)
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def measure_idle_cpu(ui: Ui, seconds: float) -> tuple[float, float]:
    """(event-driven loop, fixed-rate loop): CPU % of one core while the till waits
    with a tray and nothing happens, each loop run for ``seconds``."""
    ui.manager.request(ScreenId.TILL)
    ui.manager.apply()
    ui.session.tray[:] = [i for i in (ui.catalogue.get(x) for x in TRAY) if i is not None]
    ui.settle()

    def share(frame: Callable[[], None]) -> float:
        wall, cpu = time.perf_counter(), time.process_time()
        while time.perf_counter() - wall < seconds:
            frame()
        return 100 * (time.process_time() - cpu) / (time.perf_counter() - wall)

    def fixed_rate() -> None:  # wait for the frame, draw it, whatever happened
        time.sleep(1 / ui.config.fps)
        ui.step(1 / ui.config.fps)

    event_driven = share(lambda: ui.step(ui.next_frame()))
    return event_driven, share(fixed_rate)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py ui")
    parser.add_argument("--quick", action="store_true", help="50 taps (< 60 s)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args(argv)
    taps = 50 if args.quick else 200
    frames = 300 if args.quick else 1000
    helpers = ENGINE

    with tempfile.TemporaryDirectory(prefix="bench-ui-", dir=Path.cwd()) as tmp:
        t0 = time.perf_counter()
        engine = helpers.build(Path(tmp), args.accounts)
        build_s = time.perf_counter() - t0
        config = UiConfig(mode=Mode.TILL, width=1280, height=800, sound=False)
        ui = Ui(config, TillService(engine, menu=MENU), receipts=MemoryReceipts())
        try:
            ui.settle()
            frame_ms = measure_frames(ui, frames)
            tap_ms, sale_ms = measure_taps(ui, taps, args.accounts)
            idle_cpu, fixed_cpu = measure_idle_cpu(ui, 3.0 if args.quick else 10.0)
            rss_mb = psutil.Process().memory_info().rss / 2**20
        finally:
            ui.close()
            engine.close()

    pct = helpers.pct
    figures: dict[str, Any] = {
        "accounts": args.accounts,
        "taps": taps,
        "fps": config.fps,
        "build_s": round(build_s, 2),
        "tap_p50_ms": round(pct(tap_ms, 50), 2),
        "tap_p95_ms": round(pct(tap_ms, 95), 2),
        "sale_p50_ms": round(pct(sale_ms, 50), 2),
        "sale_p95_ms": round(pct(sale_ms, 95), 2),
        "frame_p50_ms": round(pct(frame_ms, 50), 2),
        "frame_p95_ms": round(pct(frame_ms, 95), 2),
        "idle_cpu_pct": round(idle_cpu, 2),
        "fixed_rate_cpu_pct": round(fixed_cpu, 2),
        "rss_mb": round(rss_mb, 1),
    }
    if args.json:
        print(json.dumps(figures))
        return 0
    f = figures
    print(
        f"store: {args.accounts} accounts (built in {build_s:.1f} s); {taps} taps at "
        f"{config.fps} fps, 1280x800"
    )
    print(
        f"tap to screen  p50 {f['tap_p50_ms']:7.2f}   p95 {f['tap_p95_ms']:7.2f} ms"
        "   (target p95 <= 20)"
    )
    print(f"engine sale    p50 {f['sale_p50_ms']:7.2f}   p95 {f['sale_p95_ms']:7.2f} ms")
    print(
        f"idle frame     p50 {f['frame_p50_ms']:7.2f}   p95 {f['frame_p95_ms']:7.2f} ms"
        "   (target p95 <= 16)"
    )
    print(
        f"idle CPU       {f['idle_cpu_pct']:.2f} % of a core   (drawing every frame at "
        f"{config.fps} fps: {f['fixed_rate_cpu_pct']:.2f} %; target: no more)"
    )
    print(f"resident memory {f['rss_mb']:.1f} MB   (target <= 150)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
