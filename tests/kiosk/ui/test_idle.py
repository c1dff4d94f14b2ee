"""The kiosk's idle screen: the site's name and logo, today's menu with photos and the
14 regulated allergens, and the ways to identify that still work when a reader is
down (or "hors service" with what to do)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.engine import Engine
from kiosk.sitefile import load_site_file
from kiosk.ui.events import DeviceFaulted, DeviceReadied
from kiosk.ui.idle_board import Identify, ways_to_identify
from kiosk.ui.manager import ScreenId
from kiosk.ui.model import Mode
from kiosk.ui.shell import Ui
from sync.protocol.catalogue import Allergen

from .conftest import UiFactory

ROOT = Path(__file__).resolve().parents[3]
SITE = load_site_file(ROOT / "config" / "example-site.toml")


def shown(ui: Ui, text: str) -> bool:
    """Whether ``text`` was drawn, on one line or cut in two at a space."""
    drawn = ui.painter.rendered()
    cuts = [i for i, ch in enumerate(text) if ch == " "]
    return text in drawn or any(text[:i] in drawn and text[i + 1 :] in drawn for i in cuts)


def kiosk(make_ui: UiFactory, **config: object) -> Ui:
    return make_ui(Mode.KIOSK, **config)


@pytest.fixture
def ui(make_ui: UiFactory) -> Ui:
    return kiosk(make_ui)


def test_the_menu_of_the_day_with_allergens_and_photos(ui: Ui) -> None:
    assert ui.screen is ScreenId.IDLE
    drawn = ui.painter.rendered()
    assert "Menu du jour" in drawn and "Badgez ici" in drawn
    assert "Lasagnes végétariennes" in drawn
    assert "Allergènes : Gluten, Lait, Œufs, Céleri" in drawn  # veggie lasagne
    assert "Sans allergène déclaré" in drawn  # the steak declares none
    board = ui.manager.current.board  # type: ignore[union-attr]
    pictures = {key[0]: image for key, image in board._pictures.items()}
    assert pictures["media/logo.png"] is not None and pictures["media/tart.png"] is not None
    assert not any(image is None for image in pictures.values())


def test_in_english(ui: Ui) -> None:
    ui.switch_language()
    ui.settle()
    drawn = ui.painter.rendered()
    assert "Today's menu" in drawn and "Allergens: Gluten, Milk, Eggs, Celery" in drawn
    assert "EUR 5.00" in drawn


def test_site_name_from_the_settings(engine: Engine, make_ui: UiFactory) -> None:
    settings = engine.settings().model_copy(update={"site_name": "Cantine Lumière"})
    engine.store.apply_snapshot(
        accounts=[], credentials=[], settings=settings, applied_seq=0, cursor=2
    )
    assert "Cantine Lumière" in kiosk(make_ui).painter.rendered()


def test_reader_unplugged_says_the_phone_badge_still_works(ui: Ui) -> None:
    ui.inputs.put(DeviceReadied("scanner"))
    ui.inputs.put(DeviceFaulted("reader", "disconnected", "unplugged"))
    ui.settle()
    assert ways_to_identify(ui) is Identify.QR_ONLY
    assert shown(ui, "Lecteur de badge hors service")
    assert shown(ui, "Montrez le QR code de votre badge dématérialisé au lecteur de QR code")


def test_both_readers_down_is_out_of_order_with_what_to_do(ui: Ui) -> None:
    ui.inputs.put(DeviceFaulted("scanner", "disconnected", "unplugged"))
    ui.inputs.put(DeviceFaulted("reader", "disconnected", "unplugged"))
    ui.settle()
    assert ways_to_identify(ui) is Identify.NONE
    assert shown(ui, "Borne hors service")
    assert shown(ui, "Payez en caisse ; pour recharger, utilisez l'application ou la caisse")
    ui.inputs.put(DeviceReadied("reader"))  # plugged back: badges again
    ui.settle()
    assert ways_to_identify(ui) is Identify.BADGE_ONLY


def test_a_kiosk_without_a_scanner_is_out_of_order_without_its_reader(ui: Ui) -> None:
    ui.inputs.put(DeviceFaulted("reader", "not_found", "no reader"))
    ui.settle()
    assert ways_to_identify(ui) is Identify.NONE


def test_a_missing_picture_is_skipped_and_logged(
    make_ui: UiFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.ui.idle_board")
    ui = kiosk(make_ui, media_dir=str(tmp_path))  # an empty folder
    assert "Menu du jour" in ui.painter.rendered()
    assert "menu picture" in caplog.text and "logo.png" in caplog.text


def test_the_fourteen_allergens_have_words() -> None:
    from kiosk.ui.i18n import ALLERGENS

    assert len(Allergen) == 14 and set(ALLERGENS) == {str(a) for a in Allergen}
