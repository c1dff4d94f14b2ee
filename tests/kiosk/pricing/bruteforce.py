"""The lowest a-la-carte + formula cost of a tray by exhaustive search, written
independently of the optimiser: every way to cut the meal items into groups, each
group sold either a-la-carte or as one formula it fits in (slots may stay empty).
Exponential: for trays of a few items only."""

from __future__ import annotations

from fractions import Fraction
from functools import cache

from sync.protocol.catalogue import CatalogueItem, Formula, SiteMenu, TariffProfile


def _half_up(value: Fraction) -> int:
    # Profile coefficients round half up; prices are never negative here.
    return int(value + Fraction(1, 2))


def item_price(profile: TariffProfile, item: CatalogueItem) -> int:
    if item.id in profile.prices:
        return profile.prices[item.id]
    return _half_up(Fraction(item.price * profile.coefficient, 10_000))


def _fits(formula: Formula, group: list[CatalogueItem]) -> bool:
    """Can the items go into distinct slot places of the formula?"""
    places = [s.categories for s in formula.slots for _ in range(s.count)]

    def place(index: int, free: tuple[bool, ...]) -> bool:
        if index == len(group):
            return True
        return any(
            free[p]
            and group[index].category in places[p]
            and place(index + 1, (*free[:p], False, *free[p + 1 :]))
            for p in range(len(places))
        )

    return place(0, tuple(True for _ in places))


def lowest_cost(menu: SiteMenu, profile_id: str, tray: list[str]) -> int:
    profile = menu.profile(profile_id)
    assert profile is not None
    items = [menu.item(item_id) for item_id in tray]
    assert all(item is not None for item in items)
    catalogue = [item for item in items if item is not None]
    fixed = sum(item_price(profile, item) for item in catalogue if not item.meal)
    meal = [item for item in catalogue if item.meal]
    n = len(meal)

    @cache
    def group_cost(mask: int) -> int:
        group = [meal[i] for i in range(n) if mask >> i & 1]
        best = sum(item_price(profile, item) for item in group)
        for formula in menu.formulas:
            if _fits(formula, group):
                price = profile.formula_prices.get(
                    formula.id, _half_up(Fraction(formula.price * profile.coefficient, 10_000))
                )
                extra = sum(
                    _half_up(
                        Fraction(formula.supplements.get(i.id, 0) * profile.coefficient, 10_000)
                    )
                    for i in group
                )
                best = min(best, price + extra)
        return best

    @cache
    def best(mask: int) -> int:
        if mask == 0:
            return 0
        low = mask & -mask
        result = None
        sub = mask
        while sub:  # every group holding the lowest item left, then the rest
            if sub & low:
                cost = group_cost(sub) + best(mask ^ sub)
                result = cost if result is None else min(result, cost)
            sub = (sub - 1) & mask
        assert result is not None
        return result

    return fixed + best((1 << n) - 1)
