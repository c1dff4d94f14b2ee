"""The site file: the shipped example loads, and bad files are refused with the
file, the key and the reason."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from kiosk.configfile import ConfigError
from kiosk.sitefile import load_site_file, load_site_menu
from sync.protocol.catalogue import Category, SiteMenu, VatRate
from tests.kiosk.pricing.menus import EXAMPLE_SITE, SMALL_MENU


def test_example_site_is_a_realistic_canteen() -> None:
    site = load_site_file(EXAMPLE_SITE)
    assert site.site is not None and site.site.site_code
    menu = site.menu
    assert len(menu.items) >= 25 and len(menu.formulas) >= 4
    assert {"employee", "manager", "intern", "external", "guest"} <= {p.id for p in menu.profiles}
    assert any(p.guest for p in menu.profiles)
    drinks = [item for item in menu.items if item.category is Category.DRINK]
    assert [i.id for i in drinks if i.alcohol and i.vat_rate is VatRate.STANDARD]
    packaged = [i for i in menu.items if i.take_away and i.take_away_vat_rate is VatRate.REDUCED]
    assert len(packaged) >= 3 and any(i.code for i in packaged)
    assert len([i for i in menu.items if i.orderable]) >= 3
    assert menu.settings.bik_floor == 275
    # the CLI example of the issue must work on it
    assert {menu.item(i) is not None for i in ("salad", "steak", "tart")} == {True}


def write(tmp_path: Path, data: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(data, encoding="utf-8")
    return path


def example_with(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE_SITE.read_text(encoding="utf-8")
    assert old in text
    return write(tmp_path, text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (
            'id = "salad"\n',
            'id = "salad"\ncolour = "green"\n',
            "menu.items[0].colour",
            "unknown key",
        ),
        ("price = 180", "price = 1.80", "menu.items[0].price", "valid integer"),
        ("price = 180", "price = -180", "menu.items[0].price", "greater than or equal to 0"),
        ("vat_rate = 2000", "vat_rate = 20.0", "menu.items", "instance of VatRate"),
        ("vat_rate = 2000", 'vat_rate = "2000"', "menu.items", "instance of VatRate"),
        ("vat_rate = 2000", "vat_rate = 700", "menu.items", "not one of"),
        ("vat_rate = 2000\nalcohol = true", "alcohol = true", "menu.items", "20 % VAT"),
        ('category = "starter"', 'category = "starters"', "menu.items[0].category", "not one of"),
        ('id = "grated-carrots"', 'id = "salad"', "menu.items[1].id", "duplicate id"),
        (
            'subsidy = "balanced"',
            'subsidy = "generous"',
            "menu.profiles[0].subsidy",
            "unknown subsidy rule",
        ),
        (
            "prices = { coffee = 100 }",
            "prices = { tea = 100 }",
            "menu.profiles[4].prices.tea",
            "unknown item",
        ),
        (
            "supplements = { steak = 150, fish = 50 }",
            "supplements = { beer = 150 }",
            "menu.formulas[0].supplements.beer",
            "not a meal item",
        ),
        ("amount = 300", "amount = 300\nshare = 1000", "menu.subsidies[0]", "exactly one"),
        (
            "employer_share = 190",
            "employer_share = 390",
            "menu.profiles[0].admission",
            "cannot exceed fee",
        ),
        (
            'allergens = ["mustard"]',
            'allergens = ["mustard", "nut"]',
            "menu.items[0].allergens[1]",
            "not one of",
        ),
        (
            'image = "media/salad.png"',
            'image = "../../etc/passwd.png"',
            "menu.items[0].image",
            "pattern",
        ),
        (
            'image = "media/salad.png"',
            'image = "media/salad.gif"',
            "menu.items[0].image",
            "pattern",
        ),
        ('today = ["salad",', 'today = ["caviar",', "menu.settings.today[0]", "unknown item"),
        ('logo = "media/logo.png"', 'logo = "/srv/logo.png"', "menu.settings.logo", "pattern"),
        (
            'site_code = "ACME-LYON"',
            'site_code = "ACME-LYON"\nsite_colour = 1',
            "site.site_colour",
            "unknown key",
        ),
    ],
)
def test_bad_site_files_name_file_key_and_reason(
    tmp_path: Path, old: str, new: str, key: str, reason: str
) -> None:
    path = example_with(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_site_menu(path)
    assert info.value.key.startswith(key), info.value
    assert reason in info.value.reason, info.value
    assert str(path) in str(info.value)


def test_not_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_site_menu(write(tmp_path, "[menu\n"))


def test_menu_round_trips_through_json_for_the_hub() -> None:
    menu = load_site_menu(EXAMPLE_SITE)
    assert SiteMenu.model_validate_json(menu.model_dump_json()) == menu
    assert SiteMenu.model_validate(menu.model_dump(mode="json")) == menu


def test_models_are_frozen() -> None:
    menu = SiteMenu.model_validate(SMALL_MENU)
    with pytest.raises(ValueError, match="frozen"):
        menu.items[0].price = 1  # type: ignore[misc]
    assert isinstance(menu.items, tuple)


def test_example_file_is_plain_toml_for_other_tools() -> None:
    data: dict[str, Any] = tomllib.loads(EXAMPLE_SITE.read_text(encoding="utf-8"))
    assert set(data) == {"site", "menu"}


def test_example_site_declares_allergens_photos_and_todays_menu() -> None:
    menu = load_site_menu(EXAMPLE_SITE)
    today = menu.todays_menu()
    assert [item.id for item in today] == list(menu.settings.today)
    assert any(item.image for item in today) and any(not item.image for item in today)
    assert all((EXAMPLE_SITE.parent / item.image).is_file() for item in today if item.image)
    assert menu.settings.logo and (EXAMPLE_SITE.parent / menu.settings.logo).is_file()
    veggie = menu.item("veggie")
    assert veggie is not None and {str(a) for a in veggie.allergens} >= {"gluten", "milk"}
    # Without a list, the idle screen shows the starters, mains and desserts.
    plain = menu.model_copy(update={"settings": menu.settings.model_copy(update={"today": ()})})
    assert {str(i.category) for i in plain.todays_menu()} == {"starter", "main", "dessert"}
