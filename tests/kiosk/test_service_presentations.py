"""One charge per presentation through ``TillService`` (the headless path), with real
virtual readers in their driver threads: a diner pays, the cashier starts the next
diner's tray, and the paid card is read again in each of the ways seen at the till.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from pydantic import ValidationError

from drivers.badge.virtual import VirtualBadgeReader
from drivers.config import VirtualReaderConfig
from drivers.events import BadgePresented, CodeScanned, DeviceReady, Event
from kiosk.engine import Accepted, Engine
from kiosk.presence import Charge
from kiosk.service import AlreadyPaid, Sale, TillService, presentation_key
from sync import phonebadge
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.rows import SiteSettings
from tests.kiosk.engine.conftest import SETTINGS, FakeClock
from tests.kiosk.engine.test_phone import ALICE_PHONE, PHONE, enrol_phones
from tests.kiosk.ui.conftest import MENU

ALICE_UID, BRUNO_UID = "04A1B2C3D4E5F6", "11223344"
ALICE_TRAY = ["salad", "steak", "tart"]
NEXT_TRAY = ["coffee"]  # the next diner's first item, scanned while Alice's card is re-read


class Monotonic:
    """The service's clock: real time plus what the test skips."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.skipped


@dataclass
class Till:
    """A headless till: reader events to the service, each presentation sells the
    current tray (what ``kiosk.demo.headless`` does)."""

    service: TillService
    events: queue.Queue[Event]
    readers: list[VirtualBadgeReader]
    clock: Monotonic
    tray: list[str] = field(default_factory=list)
    sales: list[tuple[str, Sale]] = field(default_factory=list)

    def pump(self, quiet_s: float = 0.3) -> list[Sale]:
        """Handle events until the readers are quiet; the sales they made."""
        made: list[Sale] = []
        while True:
            try:
                event = self.events.get(timeout=quiet_s)
            except queue.Empty:
                return made
            self.service.observe(event)
            if isinstance(event, BadgePresented):
                sale = self.service.sell(event.credential, self.tray)
                made.append(sale)
                self.sales.append((event.credential, sale))

    def start_tray(self, items: list[str]) -> None:
        self.service.start_tray()
        self.tray = list(items)


@pytest.fixture
def till(engine: Engine) -> Iterator[Till]:
    events: queue.Queue[Event] = queue.Queue()
    readers = [
        VirtualBadgeReader(VirtualReaderConfig(source=name), events).start()
        for name in ("desk", "antenna")
    ]
    clock = Monotonic()
    built = Till(TillService(engine, menu=MENU, clock=clock), events, readers, clock)
    deadline = time.monotonic() + 10
    ready = 0
    while ready < len(readers):
        assert time.monotonic() < deadline, "the readers did not start"
        ready += isinstance(events.get(timeout=10), DeviceReady)
    yield built
    for reader in readers:
        reader.close()


def alice_pays(till: Till) -> Accepted:
    till.tray = list(ALICE_TRAY)
    till.readers[0].place(ALICE_UID)
    (sale,) = till.pump()
    assert isinstance(sale, Accepted) and sale.amount.cents == 740  # the site's tariff
    return sale


def flicker(till: Till, gap_s: float) -> None:
    till.readers[0].remove()
    time.sleep(gap_s)
    till.readers[0].place(ALICE_UID)


PATTERNS: dict[str, Callable[[Till], None]] = {
    "held still": lambda till: time.sleep(0.3),
    "flicker 50 ms": lambda till: flicker(till, 0.05),
    "lifted 100 ms": lambda till: flicker(till, 0.1),
    "lifted 600 ms": lambda till: flicker(till, 0.6),
    "two reads in one frame": lambda till: till.readers[1].place(ALICE_UID),
}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_card_read_again_after_the_next_tray_began_is_not_charged(
    till: Till, engine: Engine, pattern: str
) -> None:
    first = alice_pays(till)
    till.start_tray(NEXT_TRAY)  # the cashier scans the next diner's first item
    PATTERNS[pattern](till)
    again = till.pump()
    assert all(isinstance(sale, AlreadyPaid) for sale in again), again
    if pattern != "held still":  # the driver itself debounces a card held still
        assert again, "the card was not read again"
        paid = again[0]
        assert isinstance(paid, AlreadyPaid) and paid.previous == first
        assert paid.since_s < engine.settings().repeat_holdoff_s
    sales = engine.store.entries_for_account("A1", 10)
    assert [(e.kind, e.amount) for e in sales] == [(EntryKind.SALE, -740)]
    # The next diner's badge pays the next tray.
    till.readers[0].remove()
    till.readers[1].remove()
    till.readers[0].place(BRUNO_UID)
    (bruno,) = [sale for sale in till.pump() if not isinstance(sale, AlreadyPaid)]
    assert isinstance(bruno, Accepted) and bruno.account_id == "A2"


def test_lifted_while_the_cashier_scans_is_still_within_the_holdoff(
    till: Till, engine: Engine
) -> None:
    alice_pays(till)
    till.readers[0].remove()
    time.sleep(0.2)
    till.start_tray(NEXT_TRAY)  # scanned while the card is off the reader
    time.sleep(0.4)
    till.readers[0].place(ALICE_UID)
    (again,) = till.pump()
    assert isinstance(again, AlreadyPaid)
    assert len(engine.store.entries_for_account("A1", 10)) == 1


def test_the_same_diner_back_for_a_new_tray_is_charged(till: Till, engine: Engine) -> None:
    alice_pays(till)
    till.readers[0].remove()
    till.pump(0.1)
    till.start_tray(NEXT_TRAY)
    till.clock.skipped += engine.settings().repeat_holdoff_s  # a coffee, a while later
    till.readers[0].place(ALICE_UID)
    (coffee,) = till.pump()
    assert isinstance(coffee, Accepted) and coffee.amount.cents == 80
    assert len(engine.store.entries_for_account("A1", 10)) == 2


def test_the_cashier_may_confirm_a_second_sale(till: Till, engine: Engine) -> None:
    alice_pays(till)
    till.start_tray(NEXT_TRAY)
    flicker(till, 0.1)
    (again,) = till.pump()
    assert isinstance(again, AlreadyPaid)
    second = till.service.sell(again.credential, NEXT_TRAY, confirmed=True)
    assert isinstance(second, Accepted) and second.amount.cents == 80
    assert len(engine.store.entries_for_account("A1", 10)) == 2


def test_a_refused_sale_may_be_retried_after_a_top_up(till: Till, engine: Engine) -> None:
    till.tray = ["cake-order", "cake-order"]  # 48,00 for a diner with 20,00
    till.readers[0].place(ALICE_UID)
    (refused,) = till.pump()
    assert not isinstance(refused, Accepted | AlreadyPaid)
    engine.top_up("A1", Money(5000), "cash", "K1")
    flicker(till, 0.1)  # the diner taps again, the same tray
    (paid,) = till.pump()
    assert isinstance(paid, Accepted) and paid.amount.cents == 4800


def test_the_holdoff_is_the_sites_setting(till: Till, engine: Engine) -> None:
    longer = SETTINGS.model_copy(update={"repeat_holdoff_s": 10.0})
    engine.store.apply_snapshot(
        accounts=[], credentials=[], settings=longer, applied_seq=0, cursor=2
    )  # as a sync brings it; the till follows from its next sale
    alice_pays(till)
    till.readers[0].remove()
    till.pump(0.1)
    till.start_tray(NEXT_TRAY)
    till.clock.skipped += 5.0  # past the default, not past the site's
    till.readers[0].place(ALICE_UID)
    (again,) = till.pump()
    assert isinstance(again, AlreadyPaid)
    till.readers[0].remove()
    till.pump(0.1)
    till.start_tray(NEXT_TRAY)
    till.clock.skipped += 5.0
    till.readers[0].place(ALICE_UID)
    (coffee,) = till.pump()
    assert isinstance(coffee, Accepted)


def test_the_holdoff_setting_is_validated() -> None:
    assert SiteSettings.model_validate_json('{"site_code": "S", "repeat_holdoff_s": 2}')
    for wrong in (-1, 61, "soon"):
        with pytest.raises(ValidationError, match="repeat_holdoff_s"):
            SiteSettings(site_code="S", repeat_holdoff_s=wrong)  # type: ignore[arg-type]


def test_a_sale_that_cannot_run_charges_nothing_and_blocks_nothing(engine: Engine) -> None:
    service = TillService(engine)  # no menu given, none synced yet
    alice = "nfc:" + ALICE_UID
    service.presented(alice, source="desk")
    charge = service.admit(alice)  # as the UI asks before handing the sale to its worker
    assert isinstance(charge, Charge)
    with pytest.raises(RuntimeError, match="no menu"):
        service.sell(alice, ["salad"], charge=charge)
    assert isinstance(service.admit(alice), Charge)  # the failed sale is not a charge
    assert engine.store.entries_for_account("A1", 5) == []


def test_a_phone_badge_is_one_credential_whatever_code_it_shows(
    engine: Engine, clock: FakeClock
) -> None:
    enrol_phones(engine)
    seconds = Monotonic()
    service = TillService(engine, menu=MENU, clock=seconds)
    first = phonebadge.mint(PHONE, ALICE_PHONE, clock.now)
    clock.advance(seconds=30)
    second = phonebadge.mint(PHONE, ALICE_PHONE, clock.now)  # the app's next code
    assert first != second
    assert presentation_key(first) == presentation_key(second) == ALICE_PHONE
    service.observe(CodeScanned("scanner", first))
    paid = service.sell(first, ["coffee"])
    assert isinstance(paid, Accepted)
    service.observe(CodeScanned("scanner", second))  # shown again at once: the same diner
    again = service.sell(second, ["coffee"])
    assert isinstance(again, AlreadyPaid) and again.previous == paid
    service.start_tray()
    seconds.skipped += engine.settings().repeat_holdoff_s
    service.observe(CodeScanned("scanner", second))  # back for the next tray
    assert isinstance(service.sell(second, ["coffee"]), Accepted)
