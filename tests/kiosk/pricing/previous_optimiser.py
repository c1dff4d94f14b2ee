"""The optimiser as it was before the bounded search (commit c3cc9a7), kept as the
reference for the tie-break: the fast one must choose the very same split.

The exact split of a tray into formula instances and a-la-carte items.

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
Nor are instances that leave a place empty while an item that could go there with no
supplement is still left: moving such an item into the place (from a-la-carte, or
from a later instance where it costs a supplement of zero or more) never costs more,
so some optimal split, taken in some order, has no such instance.

Instances are added in menu order of their formulas (the state remembers the first
formula still allowed), since a split is a multiset of instances: each multiset is
built along fewer paths.

Cost: the number of states is at most the product over classes of (items + 1), each
trying every fill of every formula. Small for real trays; trays of 30 items with many
categories take much longer (see ``scripts/bench.py pricing``).

Tie-break, deterministic: the largest saving, then the fewest formulas, then the first
found in the menu's formula order and, within a formula, fills with more items first.
A formula that saves nothing is not applied.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import accumulate, product

from kiosk.engine.pricing.optimiser import FormulaShape, Instance, ItemClass, Split

# A fill option: (class index, count, supplement per item) for each class it takes.
_Option = tuple[tuple[int, int, int], ...]
# When it leaves places empty: alternative sets of classes, one of which must be used
# up once it is taken (empty tuple: no condition).
_Needs = tuple[tuple[int, ...], ...]


def _slot_vectors(eligible: list[int], count: int, sizes: list[int]) -> list[dict[int, int]]:
    """Ways to put 0..count items of the eligible classes into one slot."""
    ranges = [range(min(count, sizes[k]) + 1) for k in eligible]
    return [
        {k: m for k, m in zip(eligible, combo, strict=True) if m}
        for combo in product(*ranges)
        if sum(combo) <= count
    ]


@lru_cache(maxsize=4096)
def _fills(
    slots: tuple[tuple[frozenset[str], int], ...],
    signature: tuple[tuple[str, int, int], ...],
) -> tuple[tuple[tuple[tuple[int, int], ...], _Needs], ...]:
    """Every non-empty fill of a formula's slots by classes (category, supplement in
    the formula, items available up to what the formula could take), with what must be
    used up for it to leave places empty. Depends on the shape only: cached, since
    trays of the same make-up come back all day."""
    sizes = [size for _, _, size in signature]
    fills: dict[tuple[tuple[int, int], ...], set[frozenset[int]]] = {(): {frozenset()}}
    for categories, count in slots:
        eligible = [k for k, (category, _, _) in enumerate(signature) if category in categories]
        free = frozenset(k for k in eligible if signature[k][1] == 0)
        vectors = _slot_vectors(eligible, count, sizes)
        grown: dict[tuple[tuple[int, int], ...], set[frozenset[int]]] = {}
        for fill, needs in fills.items():
            base = dict(fill)
            for vector in vectors:
                merged = dict(base)
                for k, m in vector.items():
                    merged[k] = merged.get(k, 0) + m
                if any(m > sizes[k] for k, m in merged.items()):
                    continue
                extra = free if sum(vector.values()) < count else frozenset()
                key = tuple(sorted(merged.items()))
                grown.setdefault(key, set()).update(need | extra for need in needs)
        fills = grown
    result = []
    for fill, needs in sorted(fills.items(), key=lambda kv: (-sum(m for _, m in kv[0]), kv[0])):
        if fill:
            minimal = sorted(
                (tuple(sorted(n)) for n in needs if not any(o < n for o in needs)),
                key=lambda n: (len(n), n),
            )
            result.append((fill, tuple(minimal)))
    return tuple(result)


def _options(
    f_index: int, shape: FormulaShape, classes: list[ItemClass], sizes: list[int]
) -> list[tuple[_Option, _Needs]]:
    """The fills of one formula that can save something with the dearest items."""
    room: dict[str, int] = {}
    for categories, count in shape.slots:
        for category in categories:
            room[category] = room.get(category, 0) + count
    signature = tuple(
        (c.category, c.supplements[f_index], min(sizes[k], room.get(c.category, 0)))
        for k, c in enumerate(classes)
    )
    options = []
    for fill, needs in _fills(shape.slots, signature):
        option = tuple((k, m, classes[k].supplements[f_index]) for k, m in fill)
        best = sum(sum(classes[k].prices[:m]) - m * s for k, m, s in option) - shape.price
        if best > 0:
            options.append((option, needs))
    return options


def best_split(classes: list[ItemClass], formulas: list[FormulaShape]) -> Split:
    """The split with the largest saving (see the module docstring for the tie-break)."""
    sizes = [len(c.prices) for c in classes]
    prefix = [list(accumulate(c.prices, initial=0)) for c in classes]
    table = [
        (shape.price, f_index, options)
        for f_index, shape in enumerate(formulas)
        if (options := _options(f_index, shape, classes, sizes))
    ]
    flat = [
        (price, f_index, option, needs)
        for price, f_index, options in table
        for option, needs in options
    ]
    n_flat = len(flat)
    # a formula's instances may come in any order among themselves: restart at its first
    first: dict[int, int] = {}
    for index, (_, f_index, _, _) in enumerate(flat):
        first.setdefault(f_index, index)
    # (state, first option allowed) -> (saving, formulas used, choice)
    memo: dict[tuple[tuple[int, ...], int], tuple[int, int, tuple[int, int, _Option] | None]] = {}

    def solve(
        state: tuple[int, ...], start: int
    ) -> tuple[int, int, tuple[int, int, _Option] | None]:
        known = memo.get((state, start))
        if known is not None:
            return known
        best: tuple[int, int, tuple[int, int, _Option] | None] = (0, 0, None)
        for index in range(start, n_flat):
            price, f_index, option, needs = flat[index]
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
                if needs[0] and not any(all(after[k] == sizes[k] for k in need) for need in needs):
                    continue
                sub_saving, sub_count, _ = solve(tuple(after), first[f_index])
                saving += sub_saving
                if saving > best[0] or (saving == best[0] and sub_count + 1 < best[1]):
                    best = (saving, sub_count + 1, (index, f_index, option))
        memo[(state, start)] = best
        return best

    state = tuple(0 for _ in classes)
    saving, _, choice = solve(state, 0)
    instances: list[Instance] = []
    while choice is not None:
        index, f_index, option = choice
        instances.append(Instance(f_index, tuple((k, state[k], m) for k, m, _ in option)))
        after = list(state)
        for k, m, _ in option:
            after[k] += m
        state = tuple(after)
        choice = memo[(state, first[f_index])][2]
    return Split(saving, tuple(instances))
