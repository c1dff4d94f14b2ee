"""Menus for the pricing tests: a small hand-made one whose figures the worked
examples compute by hand, and the shipped example site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.sitefile import load_site_menu
from sync.protocol.catalogue import SiteMenu

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_SITE = ROOT / "config" / "example-site.toml"


def _item(item_id: str, category: str, price: int, **extra: Any) -> dict[str, Any]:
    label = {"fr": item_id.capitalize(), "en": item_id.capitalize()}
    return {"id": item_id, "label": label, "category": category, "price": price, **extra}


def _label(text: str) -> dict[str, str]:
    return {"fr": text, "en": text}


SMALL_MENU: dict[str, Any] = {
    "settings": {"bik_floor": 275},
    "items": [
        _item("salad", "starter", 200),
        _item("soup", "starter", 150),
        _item("steak", "main", 800),
        _item("dish", "main", 600),
        _item("cheese", "cheese", 120),
        _item("tart", "dessert", 250),
        _item("fruit", "dessert", 100, take_away=True),
        _item("yogurt", "dessert", 80, take_away=True),
        _item("water", "drink", 100, take_away=True),
        _item("coffee", "drink", 90),
        _item("wine", "drink", 400, vat_rate=2000, alcohol=True, meal=False),
        _item("bread", "bread", 20),
        _item("coffee-card", "service", 800, meal=False, orderable=True),
        _item("crisps", "snack", 120, take_away=True, meal=False),
    ],
    "formulas": [
        {
            "id": "full",
            "label": _label("Full"),
            "price": 750,
            "slots": [
                {"categories": ["starter"]},
                {"categories": ["main"]},
                {"categories": ["cheese", "dessert"]},
            ],
            "supplements": {"steak": 100},
        },
        {
            "id": "duo",
            "label": _label("Duo"),
            "price": 700,
            "slots": [{"categories": ["main"]}, {"categories": ["cheese", "dessert"]}],
        },
        {
            "id": "light",
            "label": _label("Light"),
            "price": 350,
            "slots": [
                {"categories": ["starter"]},
                {"categories": ["dessert"]},
                {"categories": ["drink"]},
            ],
        },
    ],
    "subsidies": [
        {
            "id": "fixed",
            "label": _label("Employer"),
            "amount": 300,
            "requires": [
                {"categories": ["main"]},
                {"categories": ["starter", "cheese", "dessert"], "count": 2},
            ],
        },
        {"id": "half", "label": _label("Half"), "share": 5000, "cap": 400},
    ],
    "profiles": [
        {
            "id": "employee",
            "label": _label("Employee"),
            "admission": {"fee": 300, "employer_share": 200},
            "subsidy": "fixed",
        },
        {"id": "intern", "label": _label("Intern"), "subsidy": "half"},
        {
            "id": "external",
            "label": _label("External"),
            "coefficient": 12000,
            "admission": {"fee": 300},
        },
        {
            "id": "guest",
            "label": _label("Guest"),
            "guest": True,
            "admission": {"fee": 300},
            "prices": {"dish": 700},
        },
    ],
}


def small_menu() -> SiteMenu:
    return SiteMenu.model_validate(SMALL_MENU)


def example_menu() -> SiteMenu:
    return load_site_menu(EXAMPLE_SITE)
