#!/usr/bin/env python3
"""Pictures of closures and training mode: ``scripts/closure_shots.py [--out docs/screenshots]``.

Trades two days of November on a fresh temporary store (the tests' diners, the example
site's menu, a fixed clock), closes the first day at the till and lets the second
close itself when December comes, with the monthly closure. The Z tickets go through
the real path, ``TillService.print_closure`` on the virtual printer, and are decoded
to PNG as the printer would print them (``drivers.printer.preview``):
``z-ticket-daily.png``, ``z-ticket-monthly.png`` and a reprint,
``z-ticket-daily-duplicata.png``. Then a manager switches training mode on at the
till (1280x800, headless) and a tray is "sold": ``till-1280x800-training.png``
shows the band every screen carries, ``ticket-training.png`` its ticket.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import queue
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the tests' helpers and seed live under tests/
    sys.path.insert(0, str(ROOT))

import pygame  # noqa: E402

from drivers.printer.virtual import VirtualPrinter  # noqa: E402
from kiosk.cardpay import CardDesk  # noqa: E402
from kiosk.engine import Accepted, Engine  # noqa: E402
from kiosk.engine.closures_periodic import catch_up, close_day  # noqa: E402
from kiosk.service import TillService  # noqa: E402
from kiosk.sitefile import load_site_file  # noqa: E402
from kiosk.ui.model import MemoryReceipts, Mode, UiConfig  # noqa: E402
from kiosk.ui.shell import Ui  # noqa: E402
from sync.journal import EntryKind  # noqa: E402
from sync.money import Money  # noqa: E402
from sync.protocol.admin import CashierDoc, CashierRole, PinHash  # noqa: E402
from tests.kiosk.engine.conftest import ACCOUNTS, CREDENTIALS, SETTINGS, FakeClock  # noqa: E402
from tests.kiosk.ui.conftest import ALICE, BRUNO, monotonic_of  # noqa: E402
from tests.kiosk.ui.helpers import add, tap, touch, type_digits  # noqa: E402

SITE = load_site_file(ROOT / "config" / "example-site.toml")
MENU = SITE.menu
MANAGER_BADGE, MANAGER_PIN = "nfc:BEEF0001", "2468"
POSTPAID = "nfc:55667788"  # A3, postpaid: no floor


def manager_document() -> dict[str, object]:
    """A manager as the back office sends one (the PIN as a salted scrypt hash)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(MANAGER_PIN.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return CashierDoc(
        id="M1",
        name="Nadia Responsable",
        credential=MANAGER_BADGE,
        role=CashierRole.MANAGER,
        active=True,
        pin=PinHash(n=2**14, r=8, p=1, salt=salt.hex(), hash=digest.hex()),
    ).model_dump(mode="json")


def open_engine(folder: Path, clock: FakeClock) -> Engine:
    engine = Engine.open(
        folder / "kiosk.db", folder / "terminal.key", terminal_id="T1", clock=clock
    )
    assert SITE.site is not None
    settings = SETTINGS.model_copy(
        update={"site_name": SITE.site.site_name, "offline_daily_cap": 10**6}
    )
    engine.store.apply_snapshot(
        accounts=ACCOUNTS,
        credentials=CREDENTIALS,
        settings=settings,
        applied_seq=0,
        cursor=1,
        documents={"cashier": {"M1": manager_document()}},
    )
    engine.store.record_sync_result(ok=True, at=clock())
    return engine


def sold(result: object) -> Accepted:
    assert isinstance(result, Accepted), result
    return result


def sell(till: TillService, credential: str, items: list[str]) -> Accepted:
    """One diner's tray: a new tray, the badge on the reader, sold, taken away."""
    till.start_tray()
    till.presented(credential, source="reader")
    result = sold(till.sell(credential, items))
    till.lifted(credential, source="reader")
    return result


def z_tickets(folder: Path, out: Path) -> list[Path]:
    clock = FakeClock()
    clock.now = datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
    engine = open_engine(folder, clock)
    printer = VirtualPrinter(None, queue.Queue())
    printer.start()
    receipts = folder / "receipts"
    till = TillService(
        engine,
        printer=printer,
        menu=MENU,
        receipts_dir=receipts,
        cashier="K1",
        clock=monotonic_of(clock),
    )
    saved: list[Path] = []
    try:
        first = sell(till, ALICE, ["salad", "steak", "tart", "water"])
        clock.advance(minutes=4)
        sell(till, POSTPAID, ["soup", "fish", "beer"])
        clock.advance(minutes=4)
        mistake = sell(till, BRUNO, ["coffee"])
        sold(engine.cancel(mistake.seq, "K1", "plateau erroné"))
        sold(engine.top_up("A2", Money(2000), "cash", "K1"))
        assert till.print_receipt(first.seq, duplicate=True).ok  # a reprint, journalled
        clock.advance(hours=5)
        daily, _summary = close_day(engine, "K1")
        clock.now = datetime(2026, 11, 27, 11, 40, tzinfo=UTC)
        sell(till, ALICE, ["pasta", "yogurt"])
        sell(till, POSTPAID, ["dish-of-the-day", "camembert", "beer"])
        clock.now = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # nobody closed the 27th
        written = catch_up(engine)
        month = next(e for e in written if e.kind == EntryKind.CLOSURE_MONTH)
        for seq, name, duplicate in (
            (daily.seq, "z-ticket-daily.png", False),
            (month.seq, "z-ticket-monthly.png", False),
            (daily.seq, "z-ticket-daily-duplicata.png", True),
        ):
            printed = till.print_closure(seq, duplicate=duplicate)
            assert printed.ok and printed.png is not None, printed
            saved.append(Path(shutil.copyfile(printed.png, out / name)))
    finally:
        printer.close()
        engine.close()
    return saved


def training(folder: Path, out: Path) -> list[Path]:
    clock = FakeClock()
    engine = open_engine(folder, clock)
    printer = VirtualPrinter(None, queue.Queue())
    printer.start()
    receipts = folder / "receipts"
    config = UiConfig(mode=Mode.TILL, width=1280, height=800, sound=False, press_guard_s=0.0)
    till = TillService(
        engine, printer=printer, menu=MENU, clock=monotonic_of(clock), receipts_dir=receipts
    )
    ui = Ui(config, till, receipts=MemoryReceipts(), cards=CardDesk(engine, None), clock=clock)
    saved = []
    try:
        ui.settle()
        touch(ui, "cashier")
        tap(ui, MANAGER_BADGE)
        type_digits(ui, MANAGER_PIN)
        touch(ui, "keypad", "OK")
        touch(ui, "training")
        touch(ui, "back")
        ui.step(4.0)  # the toast has gone
        ui.settle()
        for item in ("salad", "steak", "tart", "water"):
            add(ui, item)
        tap(ui, ALICE)
        path = out / "till-1280x800-training.png"
        pygame.image.save(ui.surface, str(path))
        saved.append(path)
        last = engine.store.last_seq()
        printed = till.print_receipt(last)
        assert printed.ok and printed.png is not None, printed
        saved.append(Path(shutil.copyfile(printed.png, out / "ticket-training.png")))
    finally:
        ui.close()
        printer.close()
        engine.close()
    return saved


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="closure_shots.py", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="closure-shots-") as tmp:
        folder = Path(tmp)
        (folder / "z").mkdir()
        (folder / "training").mkdir()
        saved = z_tickets(folder / "z", args.out) + training(folder / "training", args.out)
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
