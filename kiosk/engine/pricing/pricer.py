"""``price_tray``: from a site menu, a tariff profile and a tray to a priced ticket.

The rules are listed in the package docstring; this module applies them in order:
profile prices, formula split, admission fee, subsidy, VAT breakdown.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.engine.pricing.native import FormulaShape, ItemClass, best_split
from kiosk.engine.pricing.vat import allocate, breakdown, scale
from sync.protocol.catalogue import (
    CatalogueItem,
    Category,
    SiteMenu,
    Slot,
    SubsidyRule,
    TariffProfile,
    VatRate,
)
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import Strict
from sync.protocol.ticket import (
    AdmissionLine,
    BillTo,
    FormulaLine,
    FormulaPart,
    ItemLine,
    PricedTicket,
    RateAmount,
    SubsidyLine,
    SubsidyStatus,
)


class PricingRefused(Strict):
    """A tray that cannot be priced; ``reason`` is what the engine refuses with."""

    reason: RejectReason
    detail: str
    item_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Prices:
    """A profile's view of the menu: effective prices in cents."""

    items: dict[str, int]
    formulas: tuple[int, ...]
    supplements: tuple[dict[str, int], ...]  # per formula: item id -> cents
    # what the optimiser needs, made once per menu: the formulas at this profile's
    # prices, and each meal item's class key (category, supplement in every formula)
    shapes: list[FormulaShape]
    class_keys: dict[str, tuple[str, tuple[int, ...]]]


@dataclass(frozen=True, slots=True)
class _Compiled:
    items: dict[str, CatalogueItem]
    order: dict[str, int]  # item id -> position in the menu
    profiles: dict[str, TariffProfile]
    rules: dict[str, SubsidyRule]
    prices: dict[str, _Prices]


# Compiled lookups for the last few menus seen; a terminal uses one menu at a time.
# Keyed by id() and holding the menu itself so that the id cannot be reused meanwhile.
_CACHE: OrderedDict[int, tuple[SiteMenu, _Compiled]] = OrderedDict()
_CACHE_SIZE = 4
_CATEGORY_RANK = {str(c): rank for rank, c in enumerate(Category)}


def _compile(menu: SiteMenu) -> _Compiled:
    hit = _CACHE.get(id(menu))
    if hit is not None and hit[0] is menu:
        _CACHE.move_to_end(id(menu))
        return hit[1]
    slots = [
        tuple((frozenset(str(c) for c in s.categories), s.count) for s in f.slots)
        for f in menu.formulas
    ]
    prices: dict[str, _Prices] = {}
    for profile in menu.profiles:
        coefficient = profile.coefficient
        formula_prices = tuple(
            profile.formula_prices.get(f.id, scale(f.price, coefficient)) for f in menu.formulas
        )
        supplements = tuple(
            {item_id: scale(cents, coefficient) for item_id, cents in f.supplements.items()}
            for f in menu.formulas
        )
        prices[profile.id] = _Prices(
            items={
                item.id: profile.prices.get(item.id, scale(item.price, coefficient))
                for item in menu.items
            },
            formulas=formula_prices,
            supplements=supplements,
            shapes=[
                FormulaShape(price=price, slots=shape)
                for price, shape in zip(formula_prices, slots, strict=True)
            ],
            class_keys={
                item.id: (str(item.category), tuple(s.get(item.id, 0) for s in supplements))
                for item in menu.items
                if item.meal
            },
        )
    compiled = _Compiled(
        items={item.id: item for item in menu.items},
        order={item.id: index for index, item in enumerate(menu.items)},
        profiles={profile.id: profile for profile in menu.profiles},
        rules={rule.id: rule for rule in menu.subsidies},
        prices=prices,
    )
    _CACHE[id(menu)] = (menu, compiled)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return compiled


def vat_rate_of(item: CatalogueItem, take_away: bool) -> VatRate:
    """Packaged food that keeps is at its take-away rate on a take-away ticket; any other
    item keeps its on-site rate (immediate consumption is taxed like eating on site)."""
    return item.take_away_vat_rate if take_away and item.take_away else item.vat_rate


def fills_slots(slots: Iterable[Slot], counts: Counter[Category]) -> bool:
    """Can distinct items, counted by category, fill every slot completely?"""
    pending = list(slots)
    if not pending:
        return True
    first, rest = pending[0], pending[1:]

    def take(categories: list[Category], need: int, left: Counter[Category]) -> bool:
        if need == 0:
            return fills_slots(rest, left)
        if not categories:
            return False
        head, tail = categories[0], categories[1:]
        for used in range(min(need, left[head]), -1, -1):
            after = left.copy()
            after[head] -= used
            if take(tail, need - used, after):
                return True
        return False

    return take(list(dict.fromkeys(first.categories)), first.count, counts)


def price_tray(
    menu: SiteMenu,
    profile_id: str,
    items: Iterable[str],
    *,
    subsidised_today: bool,
    take_away: bool = False,
    bill_to: BillTo | None = None,
) -> PricedTicket | PricingRefused:
    """Price a tray (item ids, in any order, repeated for quantities) for a diner of
    ``profile_id``; ``subsidised_today``: the diner already had the subsidy today."""
    compiled = _compile(menu)
    profile = compiled.profiles.get(profile_id)
    if profile is None:
        return PricingRefused(
            reason=RejectReason.UNKNOWN_PROFILE, detail=f"unknown tariff profile {profile_id!r}"
        )
    if profile.guest != (bill_to is not None):
        detail = (
            f"profile {profile_id!r} is for guests: give a host account or a cost centre"
            if profile.guest
            else f"profile {profile_id!r} is not a guest profile: it cannot be billed to another"
        )
        return PricingRefused(reason=RejectReason.GUEST_BILLING, detail=detail)
    tray = Counter(items)
    if not tray:
        return PricingRefused(reason=RejectReason.EMPTY_TRAY, detail="the tray is empty")
    unknown = sorted(item_id for item_id in tray if item_id not in compiled.items)
    if unknown:
        return PricingRefused(
            reason=RejectReason.UNKNOWN_ITEM,
            detail="unknown item " + ", ".join(repr(i) for i in unknown),
            item_ids=tuple(unknown),
        )
    prices = compiled.prices[profile.id]
    ordered = sorted(tray, key=compiled.order.__getitem__)
    catalogue = [compiled.items[item_id] for item_id in ordered]
    rates = {item.id: vat_rate_of(item, take_away) for item in catalogue}

    # Formula split over the meal items (only they may fill slots).
    meal = [item for item in catalogue if item.meal]
    groups: dict[tuple[str, tuple[int, ...]], list[tuple[int, int, str]]] = {}
    for item in meal:
        key = prices.class_keys[item.id]
        entry = (-prices.items[item.id], compiled.order[item.id], item.id)
        groups.setdefault(key, []).extend([entry] * tray[item.id])
    keys = sorted(groups, key=lambda k: (_CATEGORY_RANK[k[0]], k[1]))
    members = [sorted(groups[key]) for key in keys]  # dearest first, then menu order
    classes = [
        ItemClass(category=key[0], prices=tuple(-e[0] for e in entries), supplements=key[1])
        for key, entries in zip(keys, members, strict=True)
    ]
    split = best_split(classes, prices.shapes)

    left = Counter(tray)
    formula_lines: dict[tuple[int, tuple[str, ...]], list[int]] = {}
    for instance in split.instances:
        ids = tuple(
            members[k][position][2]
            for k, start, count in instance.taken
            for position in range(start, start + count)
        )
        left.subtract(ids)
        ids = tuple(sorted(ids, key=compiled.order.__getitem__))
        formula_lines.setdefault((instance.formula, ids), [0])[0] += 1

    lines = [
        ItemLine(
            item_id=item.id,
            label=item.label,
            category=item.category,
            quantity=left[item.id],
            unit_price=prices.items[item.id],
            vat_rate=rates[item.id],
            total=left[item.id] * prices.items[item.id],
        )
        for item in catalogue
        if left[item.id] > 0
    ]
    by_rate: Counter[VatRate] = Counter()
    meal_by_rate: Counter[VatRate] = Counter()
    for line in lines:
        by_rate[line.vat_rate] += line.total
        if compiled.items[line.item_id].meal:
            meal_by_rate[line.vat_rate] += line.total

    built = []
    for (f_index, ids), (quantity,) in sorted(formula_lines.items()):
        formula = menu.formulas[f_index]
        supplements = prices.supplements[f_index]
        weights: Counter[VatRate] = Counter()
        extras: Counter[VatRate] = Counter()
        for item_id in ids:
            weights[rates[item_id]] += prices.items[item_id]
            extras[rates[item_id]] += supplements.get(item_id, 0)
        shares = allocate(prices.formulas[f_index], weights)
        unit_by_rate = {rate: shares[rate] + extras[rate] for rate in shares}
        unit = sum(unit_by_rate.values())
        for rate, amount in unit_by_rate.items():
            by_rate[rate] += amount * quantity
            meal_by_rate[rate] += amount * quantity
        built.append(
            FormulaLine(
                formula_id=formula.id,
                label=formula.label,
                quantity=quantity,
                unit_price=unit,
                total=unit * quantity,
                parts=tuple(
                    FormulaPart(
                        item_id=item_id,
                        label=compiled.items[item_id].label,
                        category=compiled.items[item_id].category,
                        vat_rate=rates[item_id],
                        supplement=supplements.get(item_id, 0),
                    )
                    for item_id in ids
                ),
                by_rate=tuple(
                    RateAmount(rate=rate, amount=amount * quantity)
                    for rate, amount in sorted(unit_by_rate.items())
                    if amount
                ),
            )
        )

    meal_categories = set(menu.settings.meal_categories)
    is_meal = any(item.category in meal_categories for item in meal)
    admission = None
    if profile.admission is not None and is_meal:
        fee = profile.admission
        admission = AdmissionLine(
            fee=fee.fee,
            employer_share=fee.employer_share,
            amount=fee.fee - fee.employer_share,
            vat_rate=fee.vat_rate,
        )
        by_rate[fee.vat_rate] += admission.amount

    status, subsidy = _subsidy(
        menu,
        compiled,
        profile,
        meal=meal,
        tray=tray,
        meal_by_rate=meal_by_rate,
        admission=admission,
        is_meal=is_meal,
        subsidised_today=subsidised_today,
    )
    if subsidy is not None:
        for part in subsidy.by_rate:
            by_rate[part.rate] += part.amount
    total = sum(by_rate.values())
    return PricedTicket(
        profile_id=profile.id,
        take_away=take_away,
        billed_to=bill_to,
        lines=tuple(lines),
        formulas=tuple(built),
        admission=admission,
        subsidy=subsidy,
        subsidy_status=status,
        subsidy_granted=subsidy is not None,
        a_la_carte=sum(prices.items[item_id] * n for item_id, n in tray.items()),
        total=total,
        vat=breakdown(by_rate),
    )


def _subsidy(
    menu: SiteMenu,
    compiled: _Compiled,
    profile: TariffProfile,
    *,
    meal: list[CatalogueItem],
    tray: Counter[str],
    meal_by_rate: Counter[VatRate],
    admission: AdmissionLine | None,
    is_meal: bool,
    subsidised_today: bool,
) -> tuple[SubsidyStatus, SubsidyLine | None]:
    if profile.subsidy is None:
        return SubsidyStatus.NO_SUBSIDY, None
    if subsidised_today:
        return SubsidyStatus.ALREADY_GRANTED, None
    if not is_meal:
        return SubsidyStatus.NOT_A_MEAL, None
    rule = compiled.rules[profile.subsidy]
    counts: Counter[Category] = Counter()
    for item in meal:
        counts[item.category] += tray[item.id]
    if not fills_slots(rule.requires, counts):
        return SubsidyStatus.NOT_QUALIFYING, None
    base = sum(meal_by_rate.values())
    wanted = rule.amount if rule.amount is not None else scale(base, rule.share or 0)
    if rule.cap is not None:
        wanted = min(wanted, rule.cap)
    diner_meal = base + (admission.amount if admission is not None else 0)
    amount = min(wanted, base, max(0, diner_meal - menu.settings.bik_floor))
    if amount <= 0:
        return (SubsidyStatus.AT_FLOOR if wanted > 0 else SubsidyStatus.NO_SUBSIDY), None
    parts = allocate(-amount, meal_by_rate)
    return SubsidyStatus.GRANTED, SubsidyLine(
        rule_id=rule.id,
        label=rule.label,
        requested=wanted,
        amount=-amount,
        by_rate=tuple(RateAmount(rate=r, amount=a) for r, a in sorted(parts.items()) if a),
    )
