"""What a site sells and at what price: the catalogue, formulas, tariff profiles and
subsidy rules, gathered in one ``SiteMenu`` that the hub syncs to its terminals.

Pure data: strict frozen models, unknown keys refused, amounts in integer cents
incl. VAT, VAT rates in basis points (``1000`` = 10 %), never floats. The same models
load from a TOML site file (``kiosk.sitefile``) and from the hub's JSON, so the few
enum fields accept their plain value (``"main"``, ``550``) but nothing looser (not
``550.0``, not ``"550"``); sequences are tuples and accept lists.

Cross references (a profile naming a subsidy rule, a price override naming an item,
a formula supplement naming an item) are checked by ``SiteMenu`` and reported at the
key that holds them, e.g. ``menu.profiles[2].subsidy``.

How these are combined into a price is the pricer's business
(``kiosk.engine.pricing``); the field descriptions below say what each value means.

What a diner reads at the kiosk's idle screen is here too, all optional: each item's
allergens (the 14 of EU regulation 1169/2011, ``Allergen``) and photo, the site's
logo and the items on today's menu (``MenuSettings.today``). Pictures are paths
relative to the terminal's media folder (``ui.media_dir``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum, IntEnum, StrEnum
from typing import Annotated, Any, Self, TypeVar

from pydantic import BeforeValidator, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from sync.protocol.order_rules import OrderRules
from sync.protocol.rows import Strict

E = TypeVar("E", bound=Enum)
T = TypeVar("T")


class Category(StrEnum):
    """Where an item sits on the tray; formula slots and subsidy rules name these."""

    STARTER = "starter"
    MAIN = "main"
    CHEESE = "cheese"
    DESSERT = "dessert"
    DRINK = "drink"
    BREAD = "bread"
    SIDE = "side"
    SNACK = "snack"
    SERVICE = "service"


class Allergen(StrEnum):
    """The 14 allergens a menu must declare (EU regulation 1169/2011, annex II)."""

    GLUTEN = "gluten"  # cereals containing gluten
    CRUSTACEANS = "crustaceans"
    EGGS = "eggs"
    FISH = "fish"
    PEANUTS = "peanuts"
    SOY = "soy"
    MILK = "milk"
    NUTS = "nuts"  # tree nuts
    CELERY = "celery"
    MUSTARD = "mustard"
    SESAME = "sesame"
    SULPHITES = "sulphites"  # sulphur dioxide and sulphites above 10 mg/kg
    LUPIN = "lupin"
    MOLLUSCS = "molluscs"


class VatRate(IntEnum):
    """French VAT rates in basis points (1000 = 10 %)."""

    SUPER_REDUCED = 210  # press, some medicines: not sold in canteens, listed for completeness
    REDUCED = 550  # packaged food that keeps, sold to take away
    INTERMEDIATE = 1000  # food and soft drinks eaten on site or for immediate consumption
    STANDARD = 2000  # alcohol, on site or not

    @property
    def percent_text(self) -> str:
        """``"5,5 %"``, ``"10 %"``: how a ticket prints the rate."""
        whole, frac = divmod(int(self), 100)
        return f"{whole},{frac // 10}\u00a0%" if frac else f"{whole}\u00a0%"


def exact_enum(enum: type[E], plain: type) -> Callable[[Any], Any]:
    """Accept an enum member or exactly its plain value type (no float, no numeric text)."""
    choices = ", ".join(repr(member.value) for member in enum)

    def convert(value: Any) -> Any:
        if isinstance(value, enum) or type(value) is not plain:
            return value  # members pass; other types fail strict validation with their type
        try:
            return enum(value)
        except ValueError:
            raise ValueError(f"{value!r} is not one of {choices}") from None

    return convert


def as_tuple(value: Any) -> Any:
    """Lists (TOML, Python callers) become tuples, so that frozen models stay immutable."""
    return tuple(value) if isinstance(value, list) else value


CategoryField = Annotated[Category, BeforeValidator(exact_enum(Category, str))]
AllergenField = Annotated[Allergen, BeforeValidator(exact_enum(Allergen, str))]
# A picture in the terminal's media folder: a plain relative path, never out of it.
Picture = Annotated[
    str,
    Field(max_length=200, pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.(png|jpg|jpeg)$"),
]
VatField = Annotated[VatRate, BeforeValidator(exact_enum(VatRate, int))]
Cents = Annotated[int, Field(ge=0, le=10_000_000, description="cents incl. VAT")]
BasisPoints = Annotated[int, Field(ge=0, le=100_000, description="10000 = 100 %")]
# Ids travel in CLI arguments (`main:steak*2`) and journal payloads: keep them plain.
Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Categories = Annotated[tuple[CategoryField, ...], BeforeValidator(as_tuple)]


class Label(Strict):
    """A name shown to people, in French (default on screen) and English."""

    fr: str = Field(min_length=1, max_length=120)
    en: str = Field(min_length=1, max_length=120)


class CatalogueItem(Strict):
    id: Ident
    label: Label
    category: CategoryField
    price: Cents
    vat_rate: VatField = Field(
        default=VatRate.INTERMEDIATE, description="rate when eaten on site (or straight away)"
    )
    take_away: bool = Field(
        default=False,
        description="packaged food that keeps: on a take-away ticket it is sold at "
        "take_away_vat_rate; other items keep vat_rate (immediate consumption)",
    )
    take_away_vat_rate: VatField = VatRate.REDUCED
    alcohol: bool = Field(default=False, description="20 % on site or not; never subsidised")
    meal: bool = Field(
        default=True,
        description="part of the meal: may fill formula slots and counts for the subsidy "
        "and the admission fee; false for alcohol, services and orders",
    )
    orderable: bool = Field(
        default=False, description="sold as a product or service at the self-service kiosk"
    )
    code: str | None = Field(
        default=None, pattern=r"^[0-9A-Za-z-]{4,32}$", description="EAN or product code"
    )
    allergens: Annotated[tuple[AllergenField, ...], BeforeValidator(as_tuple)] = Field(
        default=(), description="the regulated allergens the dish contains (EU 1169/2011)"
    )
    image: Picture | None = Field(default=None, description="photo, in the media folder")
    ordering: OrderRules | None = Field(
        default=None,
        description="ordered ahead for a pickup day (cut-off, days, slots, daily limit); "
        "none: an orderable item is sold for now",
    )

    @model_validator(mode="after")
    def _alcohol_rules(self) -> Self:
        if self.ordering is not None and not self.orderable:
            raise ValueError("an item ordered ahead is orderable: set orderable = true")
        if self.alcohol:
            if self.vat_rate is not VatRate.STANDARD:
                raise ValueError("alcohol is sold at 20 % VAT: set vat_rate = 2000")
            if self.take_away and self.take_away_vat_rate is not VatRate.STANDARD:
                raise ValueError("alcohol is sold at 20 % VAT: set take_away_vat_rate = 2000")
            if self.meal:
                raise ValueError("alcohol is never part of the subsidised meal: set meal = false")
        return self


class Slot(Strict):
    """``count`` items taken from any of ``categories`` (e.g. two of starter/dessert)."""

    categories: Categories = Field(min_length=1)
    count: int = Field(default=1, ge=1, le=6)


Slots = Annotated[tuple[Slot, ...], BeforeValidator(as_tuple)]


class Formula(Strict):
    """A named bundle at a fixed price. A slot may be left empty: the price is then a
    ceiling for the items it covers, so taking one more item never costs less."""

    id: Ident
    label: Label
    slots: Slots = Field(min_length=1, max_length=8)
    price: Cents
    supplements: dict[Ident, Annotated[int, Field(gt=0, le=100_000)]] = Field(
        default_factory=dict, description="item id -> extra cents when it fills a slot"
    )


class AdmissionFee(Strict):
    """The *droit d'admission* charged once per meal, possibly shared with the employer."""

    fee: Cents
    employer_share: Cents = 0
    vat_rate: VatField = VatRate.INTERMEDIATE

    @model_validator(mode="after")
    def _share_within_fee(self) -> Self:
        if self.employer_share > self.fee:
            raise ValueError("employer_share cannot exceed fee")
        return self


class SubsidyRule(Strict):
    """The employer's share of a meal: a fixed ``amount`` or a ``share`` of the meal
    price (basis points), optionally capped; granted at most once per diner per day and
    only when the tray holds the ``requires`` slots (empty: any meal qualifies)."""

    id: Ident
    label: Label
    amount: Cents | None = None
    share: BasisPoints | None = Field(default=None, le=10_000)
    cap: Cents | None = None
    requires: Slots = ()

    @model_validator(mode="after")
    def _amount_or_share(self) -> Self:
        if (self.amount is None) == (self.share is None):
            raise ValueError("give exactly one of amount (cents) or share (basis points)")
        return self


class TariffProfile(Strict):
    """A diner category (employee, intern, guest ...): its prices, fee and subsidy."""

    id: Ident
    label: Label
    coefficient: BasisPoints = Field(
        default=10_000, description="applied to catalogue, formula and supplement prices"
    )
    prices: dict[Ident, Cents] = Field(default_factory=dict, description="item price overrides")
    formula_prices: dict[Ident, Cents] = Field(default_factory=dict)
    admission: AdmissionFee | None = None
    subsidy: Ident | None = Field(default=None, description="id of a subsidy rule")
    guest: bool = Field(default=False, description="billed to a host account or cost centre")


class MenuSettings(Strict):
    bik_floor: Cents = Field(
        default=275,
        description="least the diner pays for a subsidised meal: half the benefit-in-kind "
        "value of a meal (URSSAF tolerance), 2.75 EUR in 2026",
    )
    meal_categories: Categories = Field(
        default=(Category.STARTER, Category.MAIN, Category.CHEESE, Category.DESSERT, Category.SIDE),
        min_length=1,
        description="a tray is a meal (admission fee, subsidy) when it holds a meal item "
        "of one of these categories",
    )
    logo: Picture | None = Field(default=None, description="the site's logo, in the media folder")
    today: Annotated[tuple[Ident, ...], BeforeValidator(as_tuple)] = Field(
        default=(),
        max_length=40,
        description="item ids of today's menu, as the kiosk's idle screen shows it "
        "(empty: the starters, mains and desserts of the catalogue)",
    )


def _unique(items: Sequence[Any], field: str, attribute: str) -> list[InitErrorDetails]:
    seen: set[object] = set()
    errors: list[InitErrorDetails] = []
    for index, item in enumerate(items):
        value = getattr(item, attribute)
        if value is None:
            continue
        if value in seen:
            errors.append(_error((field, index, attribute), f"duplicate {attribute} {value!r}"))
        seen.add(value)
    return errors


def _error(loc: tuple[str | int, ...], message: str) -> InitErrorDetails:
    # Pre-formatted text: ids cannot contain the braces of a message template.
    return InitErrorDetails(type=PydanticCustomError("reference", message), loc=loc, input=None)


class SiteMenu(Strict):
    """Everything the pricer needs for one site, synced from the hub as one document."""

    settings: MenuSettings = MenuSettings()
    items: Annotated[tuple[CatalogueItem, ...], BeforeValidator(as_tuple)] = Field(min_length=1)
    formulas: Annotated[tuple[Formula, ...], BeforeValidator(as_tuple)] = ()
    subsidies: Annotated[tuple[SubsidyRule, ...], BeforeValidator(as_tuple)] = ()
    profiles: Annotated[tuple[TariffProfile, ...], BeforeValidator(as_tuple)] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Self:
        errors = [
            *_unique(self.items, "items", "id"),
            *_unique(self.items, "items", "code"),
            *_unique(self.formulas, "formulas", "id"),
            *_unique(self.subsidies, "subsidies", "id"),
            *_unique(self.profiles, "profiles", "id"),
        ]
        items = {item.id: item for item in self.items}
        formulas = {formula.id for formula in self.formulas}
        rules = {rule.id for rule in self.subsidies}
        for f_index, formula in enumerate(self.formulas):
            for item_id in formula.supplements:
                loc: tuple[str | int, ...] = ("formulas", f_index, "supplements", item_id)
                item = items.get(item_id)
                if item is None:
                    errors.append(_error(loc, f"unknown item {item_id!r}"))
                elif not item.meal:
                    errors.append(_error(loc, f"{item_id!r} is not a meal item (meal = false)"))
        for t_index, item_id in enumerate(self.settings.today):
            if item_id not in items:
                loc = ("settings", "today", t_index)
                errors.append(_error(loc, f"unknown item {item_id!r}"))
        for p_index, profile in enumerate(self.profiles):
            for item_id in profile.prices:
                if item_id not in items:
                    loc = ("profiles", p_index, "prices", item_id)
                    errors.append(_error(loc, f"unknown item {item_id!r}"))
            for formula_id in profile.formula_prices:
                if formula_id not in formulas:
                    loc = ("profiles", p_index, "formula_prices", formula_id)
                    errors.append(_error(loc, f"unknown formula {formula_id!r}"))
            if profile.subsidy is not None and profile.subsidy not in rules:
                loc = ("profiles", p_index, "subsidy")
                errors.append(_error(loc, f"unknown subsidy rule {profile.subsidy!r}"))
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def item(self, item_id: str) -> CatalogueItem | None:
        return next((item for item in self.items if item.id == item_id), None)

    def profile(self, profile_id: str) -> TariffProfile | None:
        return next((p for p in self.profiles if p.id == profile_id), None)

    def todays_menu(self) -> tuple[CatalogueItem, ...]:
        """The dishes of the day, in the site's order (``settings.today``), else the
        catalogue's starters, mains and desserts."""
        if self.settings.today:
            items = {item.id: item for item in self.items}
            return tuple(items[item_id] for item_id in self.settings.today)
        shown = (Category.STARTER, Category.MAIN, Category.DESSERT)
        return tuple(i for c in shown for i in self.items if i.category is c and i.meal)
