"""A small sample catalogue for tests, screenshots and the benchmark, until the site
menu (``config/example-site.toml``) is wired through the pricing package."""

from __future__ import annotations

from kiosk.ui.model import Catalogue, Item

SAMPLE_ITEMS = (
    Item("starter-salad", "Salade niçoise", "Entrées", 250, 1000, "3760001000011"),
    Item("starter-soup", "Velouté de légumes", "Entrées", 220, 1000),
    Item("main-fish", "Dos de cabillaud", "Plats", 520, 1000, "3760001000028"),
    Item("main-beef", "Bœuf bourguignon", "Plats", 560, 1000),
    Item("main-veg", "Gratin végétarien", "Plats", 480, 1000),
    Item("dessert-tart", "Tarte aux pommes", "Desserts", 180, 1000),
    Item("dessert-fruit", "Fruit de saison", "Desserts", 90, 1000),
    Item("drink-water", "Eau minérale", "Boissons", 80, 550, "3760001000035"),
    Item("drink-coffee", "Café", "Boissons", 110, 1000),
    Item("drink-wine", "Verre de vin", "Boissons", 300, 2000),
    Item("service-cake", "Gâteau d'anniversaire (commande)", "Services", 1800, 550),
)


def sample_catalogue() -> Catalogue:
    return Catalogue(SAMPLE_ITEMS)
