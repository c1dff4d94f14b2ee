"""The exact split of a tray into formula instances and a-la-carte items.

The problem: each item is either sold a-la-carte at its price, or put in a slot of a
formula instance, which costs the formula's price plus the item's supplement in that
formula. An instance may leave slots empty but holds at least one item. Find the split
with the lowest total (the largest *saving* over a-la-carte).

Method: items are grouped into *classes* of the same category and the same supplement
in every formula; inside a class only the price differs. Exchange argument: if a
cheaper item of a class sits in a formula while a dearer one of the same class is
a-la-carte, swapping them saves the price difference (supplements being equal). So
some optimal split puts the dearest items of each class into formulas, and a split
is described by how many items of each class the formulas took: a dynamic programme
over those counts (not over subsets of the tray), memoised, whose transitions add one
formula instance taking the dearest remaining items of the classes it fills.

Pruning that keeps it exact: an instance of an optimal split saves strictly more than
nothing even when placed last (with the cheapest items it holds), otherwise dropping
it would be as cheap with fewer formulas; an instance placed earlier takes dearer
items and saves at least as much. So transitions that do not save are never tried.

Tie-break, deterministic: the largest saving, then the fewest formulas, then the first
found in the menu's formula order and, within a formula, fills with more items first.
A formula that saves nothing is not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate, product


@dataclass(frozen=True, slots=True)
class ItemClass:
    """Items of one category with the same supplement in every formula."""

    category: str
    prices: tuple[int, ...]  # dearest first
    supplements: tuple[int, ...]  # per formula, in menu order (0: none)


@dataclass(frozen=True, slots=True)
class FormulaShape:
    price: int
    slots: tuple[tuple[frozenset[str], int], ...]  # (categories, count)


@dataclass(frozen=True, slots=True)
class Instance:
    formula: int  # index into the formulas
    taken: tuple[tuple[int, int, int], ...]  # (class index, first position, count)


@dataclass(frozen=True, slots=True)
class Split:
    saving: int
    instances: tuple[Instance, ...]


# A fill option: (class index, count, supplement per item) for each class it takes.
_Option = tuple[tuple[int, int, int], ...]


def _slot_vectors(eligible: list[int], count: int, sizes: list[int]) -> list[dict[int, int]]:
    """Ways to put 0..count items of the eligible classes into one slot."""
    ranges = [range(min(count, sizes[k]) + 1) for k in eligible]
    return [
        {k: m for k, m in zip(eligible, combo, strict=True) if m}
        for combo in product(*ranges)
        if sum(combo) <= count
    ]


def _options(
    f_index: int, shape: FormulaShape, classes: list[ItemClass], sizes: list[int]
) -> list[_Option]:
    """Every non-empty fill of the formula that can save something with the dearest items."""
    fills: set[tuple[tuple[int, int], ...]] = {()}
    for categories, count in shape.slots:
        eligible = [k for k, c in enumerate(classes) if c.category in categories]
        vectors = _slot_vectors(eligible, count, sizes)
        grown: set[tuple[tuple[int, int], ...]] = set()
        for fill in fills:
            base = dict(fill)
            for vector in vectors:
                merged = dict(base)
                for k, m in vector.items():
                    merged[k] = merged.get(k, 0) + m
                if all(m <= sizes[k] for k, m in merged.items()):
                    grown.add(tuple(sorted(merged.items())))
        fills = grown
    options: list[tuple[int, tuple[tuple[int, int], ...], _Option]] = []
    for fill in fills:
        if not fill:
            continue
        option = tuple((k, m, classes[k].supplements[f_index]) for k, m in fill)
        best = sum(sum(classes[k].prices[:m]) - m * s for k, m, s in option) - shape.price
        if best > 0:
            options.append((-sum(m for _, m in fill), fill, option))
    options.sort()
    return [option for _, _, option in options]


def best_split(classes: list[ItemClass], formulas: list[FormulaShape]) -> Split:
    """The split with the largest saving (see the module docstring for the tie-break)."""
    sizes = [len(c.prices) for c in classes]
    prefix = [list(accumulate(c.prices, initial=0)) for c in classes]
    table = [
        (shape.price, f_index, _options(f_index, shape, classes, sizes))
        for f_index, shape in enumerate(formulas)
    ]
    table = [row for row in table if row[2]]
    # state (consumed count per class) -> (saving, formulas used, choice)
    memo: dict[tuple[int, ...], tuple[int, int, tuple[int, _Option] | None]] = {}

    def solve(state: tuple[int, ...]) -> tuple[int, int, tuple[int, _Option] | None]:
        known = memo.get(state)
        if known is not None:
            return known
        best: tuple[int, int, tuple[int, _Option] | None] = (0, 0, None)
        for price, f_index, options in table:
            for option in options:
                saving = -price
                for k, m, s in option:
                    used = state[k]
                    if used + m > sizes[k]:
                        break
                    saving += prefix[k][used + m] - prefix[k][used] - m * s
                else:
                    if saving <= 0:
                        continue
                    after = list(state)
                    for k, m, _ in option:
                        after[k] += m
                    sub_saving, sub_count, _ = solve(tuple(after))
                    saving += sub_saving
                    if saving > best[0] or (saving == best[0] and sub_count + 1 < best[1]):
                        best = (saving, sub_count + 1, (f_index, option))
        memo[state] = best
        return best

    state = tuple(0 for _ in classes)
    saving, _, choice = solve(state)
    instances: list[Instance] = []
    while choice is not None:
        f_index, option = choice
        instances.append(Instance(f_index, tuple((k, state[k], m) for k, m, _ in option)))
        after = list(state)
        for k, m, _ in option:
            after[k] += m
        state = tuple(after)
        choice = memo[state][2]
    return Split(saving, tuple(instances))
