"""The app's wiring, end to end: virtual devices -> bridge -> UI -> engine -> printer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.badge.virtual import VirtualBadgeReader
from drivers.config import VirtualReaderConfig
from drivers.events import BadgePresented, BadgeRemoved, CodeScanned, DeviceFault, DeviceReady
from drivers.printer.decode import decode
from drivers.printer.virtual import VirtualPrinter
from drivers.scanner.virtual import VirtualScanner
from kiosk.app import App, to_ui_input
from kiosk.config import load_config
from kiosk.engine import Engine
from kiosk.engine.cashiers import add_cashier
from kiosk.engine.pricing import PricedTicket, price_tray
from kiosk.engine.trays import menu_document
from kiosk.engine.visits import HUB_KEY_META
from kiosk.service import AlreadyPaid
from kiosk.sitefile import load_site_menu
from kiosk.ui import events as ui_events
from kiosk.ui.manager import ScreenId
from kiosk.ui.shell import Ui
from sync import phonebadge
from sync.journal import public_key_text
from sync.protocol.catalogue import SiteMenu
from sync.protocol.ticket import BillingKind, BillTo
from sync.receipt.entry import MEANS_LABELS
from tests.kiosk.engine.test_phone import ALICE_PHONE, PHONE, enrol_phones
from tests.kiosk.engine.test_visits import HUB, TODAY, V1, publish, visit
from tests.kiosk.ui.conftest import CASHIER_BADGE, CASHIER_PIN
from tests.kiosk.ui.helpers import add, press_at, touch
from tests.kiosk.ui.test_cashier import login

from .engine.conftest import FakeClock

MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")


def test_driver_events_become_ui_inputs() -> None:
    kinds = {"acr122": "reader", "cdc0": "scanner", "tm-t20": "printer"}
    assert to_ui_input(BadgePresented("acr122", "nfc:04A1B2C3"), kinds) == (
        ui_events.BadgeTapped("nfc:04A1B2C3", "reader")
    )
    assert to_ui_input(CodeScanned("cdc0", "3017620422003"), kinds) == (
        ui_events.CodeScanned("3017620422003", "scanner")
    )
    # A phone badge's QR code pays like a badge.
    code = "MB1." + "A" * 102
    assert to_ui_input(CodeScanned("cdc0", code + "\r"), kinds) == ui_events.BadgeTapped(
        code, "scanner"
    )
    fault = to_ui_input(DeviceFault("tm-t20", "paper_out", "no paper"), kinds)
    assert fault == ui_events.DeviceFaulted("printer", "paper_out", "no paper")
    ready = to_ui_input(DeviceReady("tm-t20", "printer"), kinds)
    assert ready == ui_events.DeviceReadied("printer")
    # A badge leaving the reader is passed on: the till charges once per presentation.
    assert to_ui_input(BadgeRemoved("acr122", "nfc:04A1B2C3"), kinds) == (
        ui_events.BadgeLifted("nfc:04A1B2C3", "reader")
    )


@pytest.fixture
def app(engine: Engine) -> Iterator[App]:
    config = load_config(
        None,
        environ={},
        overrides={"ui": {"width": 800, "height": 480, "sound": False, "press_guard_s": 0.0}},
    )
    built = App(engine, config, MENU)
    for kind, device in (
        ("reader", VirtualBadgeReader(None, built.events)),
        ("scanner", VirtualScanner(None, built.events)),
        ("printer", VirtualPrinter(None, built.events)),
    ):
        built.add_device(kind, device.start())
    yield built
    built.close()


def until(ui: Ui, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not done():
        assert time.monotonic() < deadline, f"still on {ui.screen}"
        ui.settle()
        time.sleep(0.01)


def started(app: App) -> tuple[Ui, VirtualPrinter]:
    """The app's UI with the devices bridged, once its virtual printer is attached."""
    ui = app.build_ui()
    app.start_bridge()
    printer = app.printer
    assert isinstance(printer, VirtualPrinter)
    until(ui, lambda: printer.attached)
    return ui, printer


def test_tap_on_the_reader_pays_the_tray_at_the_diner_tariff(app: App, engine: Engine) -> None:
    ui, printer = started(app)
    for item in ("salad", "steak", "tart"):
        add(ui, item)
    reader = app.devices["reader"]
    assert isinstance(reader, VirtualBadgeReader)
    reader.tap("04A1B2C3D4E5F6")
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    entry = engine.store.entry(engine.store.last_seq())
    assert entry is not None and entry.kind == "sale" and entry.amount == -740
    assert entry.payload["ticket"]["subsidy_granted"] is True
    assert entry.payload["vat"] == {"1000": 740}
    touch(ui, "print")
    until(ui, lambda: bool(printer.jobs))
    text = decode(printer.jobs[-1]).text()
    assert "Formule complète" in text and "7,40" in text and "Nouveau solde" in text
    ui.close()


def test_phone_badge_through_the_scanner(app: App, engine: Engine, clock: FakeClock) -> None:
    enrol_phones(engine)
    ui = app.build_ui()
    app.start_bridge()
    add(ui, "dish-of-the-day")
    scanner = app.devices["scanner"]
    assert isinstance(scanner, VirtualScanner)
    scanner.scan(phonebadge.mint(PHONE, ALICE_PHONE, clock.now))
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    entry = engine.store.entry(engine.store.last_seq())
    phone = engine.store.credential(ALICE_PHONE)
    assert entry is not None and phone is not None
    # The payload names the phone badge by its opaque id, never by its value.
    assert entry.payload["credential_id"] == phone.ref and ALICE_PHONE not in str(entry.payload)
    ui.close()


def test_printer_out_of_paper_shows_in_the_status_bar(app: App, engine: Engine) -> None:
    ui, printer = started(app)
    printer.paper_out = True
    add(ui, "dish-of-the-day")
    app.inputs.put(ui_events.BadgeTapped("nfc:04A1B2C3D4E5F6"))
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    sale_seq = engine.store.last_seq()
    touch(ui, "print")
    until(ui, lambda: "printer" in ui.faults)
    # The sale stands; the fault is in the journal and the ticket can be printed later.
    entry = engine.store.entry(sale_seq)
    assert entry is not None and entry.kind == "sale"
    kinds = [e.kind for e in engine.store.journal_after(sale_seq, 10)]
    assert "device_fault" in kinds
    ui.close()


def test_visit_code_serves_a_guest_at_the_guest_tariff(app: App, engine: Engine) -> None:
    add_cashier(engine.store, "K1", "Karim Caissier", CASHIER_BADGE, CASHIER_PIN)
    engine.store.set_meta(HUB_KEY_META, public_key_text(HUB.public_key()))
    code = phonebadge.mint_visit(HUB, V1, TODAY)
    publish(engine, {V1: visit(code=code)})
    ui = app.build_ui()
    app.start_bridge()
    for item in ("salad", "dish-of-the-day"):
        add(ui, item)
    login(ui)
    touch(ui, "guest")
    assert ui.screen is ScreenId.BADGE_PROMPT
    scanner = app.devices["scanner"]
    assert isinstance(scanner, VirtualScanner)
    scanner.scan(code)
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    entry = engine.store.entry(engine.store.last_seq())
    assert entry is not None and entry.kind == "guest_meal" and entry.account == "A1"
    # The guest profile's price, not the host's subsidised one.
    guest = price_tray(
        MENU,
        "guest",
        ["salad", "dish-of-the-day"],
        subsidised_today=True,
        bill_to=BillTo(kind=BillingKind.HOST_ACCOUNT, ref="A1"),
    )
    assert isinstance(guest, PricedTicket) and entry.amount == -guest.total
    ui.close()


def test_printed_receipt_is_shown_then_put_away(app: App, tmp_path: Path) -> None:
    app.receipts_dir = tmp_path / "receipts"
    ui, _ = started(app)
    add(ui, "dish-of-the-day")
    app.inputs.put(ui_events.BadgeTapped("nfc:04A1B2C3D4E5F6"))
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    touch(ui, "print")
    until(ui, lambda: ui.receipt_view.image is not None)
    assert [p.suffix for p in app.receipts_dir.iterdir()] == [".png"]
    assert ui.receipt_view.image is not None and ui.receipt_view.image.get_width() >= 576
    # The "printed" toast sits in the status bar: it covers neither the receipt nor a button.
    assert ui.toast_spot is not None and ui.receipt_view.spot is not None
    assert ui.toast_spot.bottom <= ui.layout.status_h
    assert not ui.toast_spot.colliderect(ui.receipt_view.spot)
    assert not any(ui.toast_spot.colliderect(b.rect) for b in ui.manager.current.buttons())  # type: ignore[union-attr]
    press_at(ui, ui.receipt_view.spot.center)  # a touch on the receipt puts it away
    assert ui.receipt_view.image is None and ui.screen is ScreenId.ACCEPTED
    touch(ui, "ok")
    # Still requestable from the till screen until the next sale: now a duplicate.
    touch(ui, "print_last")
    until(ui, lambda: ui.receipt_view.image is not None)
    names = sorted(p.name for p in app.receipts_dir.iterdir())
    assert names == ["ticket-000001-duplicata-1.png", "ticket-000001.png"]
    add(ui, "salad")  # the next diner's first item puts it away, and is added
    assert ui.receipt_view.image is None and [item.id for item in ui.session.tray] == ["salad"]
    ui.close()


def test_guest_of_a_host_badge_pays_the_guest_tariff(app: App, engine: Engine) -> None:
    add_cashier(engine.store, "K1", "Karim Caissier", CASHIER_BADGE, CASHIER_PIN)
    ui = app.build_ui()
    app.start_bridge()
    for item in ("salad", "steak", "tart"):
        add(ui, item)
    login(ui)
    touch(ui, "guest")
    app.inputs.put(ui_events.BadgeTapped("nfc:04A1B2C3D4E5F6"))  # Alice hosts
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    entry = engine.store.entry(engine.store.last_seq())
    assert entry is not None and entry.kind == "guest_meal" and entry.account == "A1"
    guest = price_tray(
        MENU,
        "guest",
        ["salad", "steak", "tart"],
        subsidised_today=True,
        bill_to=BillTo(kind=BillingKind.HOST_ACCOUNT, ref="A1"),
    )
    assert isinstance(guest, PricedTicket) and entry.amount == -guest.total
    assert entry.payload["ticket"]["profile_id"] == "guest"
    assert entry.payload["ticket"]["billed_to"] == {"kind": "host_account", "ref": "A1"}
    ui.close()


def test_cashier_picks_todays_visit_from_the_list(app: App, engine: Engine) -> None:
    add_cashier(engine.store, "K1", "Karim Caissier", CASHIER_BADGE, CASHIER_PIN)
    publish(engine, {V1: visit(guests=1)})
    ui = app.build_ui()
    add(ui, "dish-of-the-day")
    login(ui)
    touch(ui, "guest")
    assert ui.screen is ScreenId.BADGE_PROMPT
    touch(ui, "choice", V1)  # "Élise Fournier (1)"
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    entry = engine.store.entry(engine.store.last_seq())
    assert entry is not None and entry.kind == "guest_meal" and entry.account == "A1"
    # The only guest is served: the visit is no longer offered.
    touch(ui, "ok")
    add(ui, "dish-of-the-day")
    login(ui)
    touch(ui, "guest")
    assert ui.screen is ScreenId.BADGE_PROMPT
    assert [b for b in ui.manager.current.buttons() if b.action == "choice"] == []  # type: ignore[union-attr]
    ui.close()


def tomorrows_menu() -> SiteMenu:
    """Tomorrow's menu: the salad dearer, a gazpacho added."""
    data = MENU.model_dump(mode="json")
    for item in data["items"]:
        if item["id"] == "salad":
            item["price"] = 260
    gazpacho = {"id": "gazpacho", "label": {"fr": "Gaspacho", "en": "Gazpacho"}}
    data["items"].insert(0, {**gazpacho, "category": "starter", "price": 240})
    return SiteMenu.model_validate(data)


def publish_menu(engine: Engine, menu: SiteMenu) -> None:
    """The menu as a pull from the hub stores it."""
    publish(engine, {"site": menu_document(menu)}, kind="catalogue")


def test_a_new_menu_from_the_hub_shows_between_two_diners(app: App, engine: Engine) -> None:
    ui = app.build_ui()
    add(ui, "salad")
    publish_menu(engine, tomorrows_menu())
    ui.step(2.0)  # the next status poll reads the synced menu
    ui.settle()
    assert ui.pending_menu is not None
    salad = ui.catalogue.get("salad")
    assert salad is not None and salad.price == 180  # not under a diner's tray
    assert ui.catalogue.get("gazpacho") is None
    touch(ui, "clear")
    salad = ui.catalogue.get("salad")
    assert salad is not None and salad.price == 260
    assert ui.catalogue.get("gazpacho") is not None
    assert "Carte mise à jour" in ui.toasts.texts()
    add(ui, "gazpacho")
    ui.tap("nfc:04A1B2C3D4E5F6")
    ui.settle()
    assert ui.screen is ScreenId.ACCEPTED
    entry = engine.store.entry(engine.store.last_seq())
    assert entry is not None and entry.payload["items"] == ["gazpacho"]
    assert entry.payload["ticket"]["lines"][0]["unit_price"] == 240  # the new menu priced it
    ui.close()


def test_language_switch_renames_the_items_and_keeps_the_tray(app: App) -> None:
    ui = app.build_ui()
    add(ui, "salad")
    touch(ui, "lang")
    salad = ui.catalogue.get("salad")
    assert salad is not None and salad.label == "Green salad"
    assert [item.label for item in ui.session.tray] == ["Green salad"]
    touch(ui, "lang")
    assert [item.label for item in ui.session.tray] == ["Salade verte"]
    ui.close()


# One charge per presentation, through the real path: drivers -> app queue -> UI ------

ALICE_UID = "04A1B2C3D4E5F6"
WATER_CODE = "3760142001040"  # the next diner's first item, scanned


def reread(app: App, pattern: str) -> None:
    reader = app.devices["reader"]
    assert isinstance(reader, VirtualBadgeReader)
    if pattern == "two reads in one frame":
        antenna = app.devices["antenna"]
        assert isinstance(antenna, VirtualBadgeReader)
        antenna.place(ALICE_UID)
        return
    gap = {"held still": None, "flicker 50 ms": 0.05, "lifted 100 ms": 0.1, "lifted 600 ms": 0.6}
    pause = gap[pattern]
    if pause is None:
        time.sleep(0.3)
        return
    reader.remove()
    time.sleep(pause)
    reader.place(ALICE_UID)


def alice_pays_then_next_tray(app: App, engine: Engine) -> tuple[Ui, int]:
    """Alice's tray paid by her card, which stays on the reader; the cashier scans the
    next diner's first item."""
    app.add_device(
        "antenna", VirtualBadgeReader(VirtualReaderConfig(source="antenna"), app.events).start()
    )
    ui = app.build_ui()
    app.start_bridge()
    for item in ("salad", "steak", "tart"):
        add(ui, item)
    reader = app.devices["reader"]
    assert isinstance(reader, VirtualBadgeReader)
    reader.place(ALICE_UID)
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    first = engine.store.last_seq()
    scanner = app.devices["scanner"]
    assert isinstance(scanner, VirtualScanner)
    scanner.scan(WATER_CODE)
    until(ui, lambda: [item.id for item in ui.session.tray] == ["water"])
    assert ui.screen is ScreenId.TILL
    return ui, first


PATTERNS = (
    "held still",
    "flicker 50 ms",
    "lifted 100 ms",
    "lifted 600 ms",
    "two reads in one frame",
)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_card_read_again_does_not_pay_the_next_diners_tray(
    app: App, engine: Engine, pattern: str
) -> None:
    ui, first = alice_pays_then_next_tray(app, engine)
    reread(app, pattern)
    if pattern == "held still":
        for _ in range(5):
            ui.settle()
            time.sleep(0.05)
        assert ui.screen is ScreenId.TILL
    else:
        until(ui, lambda: ui.screen is ScreenId.ALREADY_PAID)
        paid = ui.manager.current.params["result"]  # type: ignore[union-attr]
        assert isinstance(paid, AlreadyPaid) and paid.previous is not None
        assert paid.previous.seq == first
        assert ui.tr.t("paid.title") == "Déjà payé"
        touch(ui, "ok")
    # Nothing charged: Alice has one sale, and the water waits for its diner.
    sales = [e for e in engine.store.entries_for_account("A1", 10) if e.kind == "sale"]
    assert [e.seq for e in sales] == [first]
    assert ui.screen is ScreenId.TILL and [i.id for i in ui.session.tray] == ["water"]
    app.inputs.put(ui_events.BadgeTapped("nfc:11223344"))  # Bruno pays it
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    entry = engine.store.entry(engine.store.last_seq())
    assert entry is not None and entry.account == "A2" and entry.amount == -90
    ui.close()


def test_already_paid_in_english_and_the_cashier_confirms_a_second_sale(
    app: App, engine: Engine
) -> None:
    ui, first = alice_pays_then_next_tray(app, engine)
    touch(ui, "lang")
    reread(app, "lifted 100 ms")
    until(ui, lambda: ui.screen is ScreenId.ALREADY_PAID)
    assert ui.tr.t("paid.title") == "Already paid"
    assert engine.store.last_seq() == first
    touch(ui, "again")  # the same diner wants the water too
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    entry = engine.store.entry(engine.store.last_seq())
    assert entry is not None and entry.account == "A1" and entry.amount == -90
    assert entry.payload["items"] == ["water"]
    assert ui.session.tray == []
    ui.close()


def test_the_closure_prints_as_a_z_report(app: App, engine: Engine) -> None:
    add_cashier(engine.store, "K1", "Karim Caissier", CASHIER_BADGE, CASHIER_PIN)
    ui, printer = started(app)
    for item in ("salad", "steak", "tart"):
        add(ui, item)
    app.inputs.put(ui_events.BadgeTapped("nfc:04A1B2C3D4E5F6"))
    until(ui, lambda: ui.screen is ScreenId.ACCEPTED)
    touch(ui, "ok")
    login(ui)
    touch(ui, "close")
    assert ui.screen is ScreenId.CLOSURE
    touch(ui, "print")
    until(ui, lambda: bool(printer.jobs))
    text = decode(printer.jobs[-1]).text()
    assert "CLÔTURE DU 26/11/2026" in text and "Grand total perpétuel : 7,40" in text
    touch(ui, "export")  # beside the store unless told otherwise
    exports = engine.store.path.parent / "exports"
    until(ui, lambda: exports.is_dir() and any(exports.iterdir()))
    (csv_file,) = exports.iterdir()
    assert "net_sales;;;;7,40" in csv_file.read_text(encoding="utf-8")
    assert "Ventes nettes" in text and MEANS_LABELS["balance"] in text
    ui.close()
