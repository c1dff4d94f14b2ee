"""The optimiser as it was before the bound and cache changes (main at a893492),
kept to check that the faster one chooses the very same splits. Test code only."""

from __future__ import annotations

from itertools import accumulate

from kiosk.engine.pricing.optimiser import (
    FormulaShape,
    Instance,
    ItemClass,
    Split,
    _fills,
    _Needs,
    _Option,
)


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


def _bound_tables(
    classes: list[ItemClass], formulas: list[FormulaShape], useful: list[int]
) -> dict[int, list[list[int]]]:
    """For each formula index f: per class, suffix sums of an upper bound on what each
    item can still save in formulas f and later."""
    # per formula, per class: the least each item pays there (supplement + share)
    charge: list[list[int | None]] = []
    for f_index, shape in enumerate(formulas):
        values = []
        for categories, _ in shape.slots:
            top = 0
            for c in classes:
                if c.category in categories:
                    top = max(top, c.prices[0] - c.supplements[f_index])
            values.append(top)
        total = sum(v * n for v, (_, n) in zip(values, shape.slots, strict=True))
        row: list[int | None] = []
        for c in classes:
            weights = [
                (
                    shape.price * v // total
                    if total
                    else shape.price // sum(n for _, n in shape.slots)
                )
                for v, (categories, _) in zip(values, shape.slots, strict=True)
                if c.category in categories
            ]
            row.append(c.supplements[f_index] + min(weights) if weights else None)
        charge.append(row)
    tables: dict[int, list[list[int]]] = {}
    for f_start in set(useful):
        per_class = []
        for k, c in enumerate(classes):
            charges = [c_f for f in useful if f >= f_start and (c_f := charge[f][k]) is not None]
            low = min(charges) if charges else None
            suffix = [0] * (len(c.prices) + 1)
            for j in range(len(c.prices) - 1, -1, -1):
                gain = 0 if low is None else max(0, c.prices[j] - low)
                suffix[j] = suffix[j + 1] + gain
            per_class.append(suffix)
        tables[f_start] = per_class
    return tables


_Result = tuple[int, int, tuple[int, int, _Option] | None, int]


def best_split(classes: list[ItemClass], formulas: list[FormulaShape]) -> Split:
    """The split with the largest saving (see the module docstring for the tie-break)."""
    sizes = [len(c.prices) for c in classes]
    n_classes = len(classes)
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
    bounds = _bound_tables(classes, formulas, [f for _, f, _ in table])
    # (state, first option allowed) -> (saving, formulas used, choice, fail): exact when
    # fail is 0, else the saving is only known to be below fail
    memo: dict[tuple[tuple[int, ...], int], _Result] = {}

    def solve(state: tuple[int, ...], start: int, alpha: int) -> _Result:
        known = memo.get((state, start))
        if known is not None and (known[3] == 0 or alpha >= known[3]):
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
                table_f = bounds[f_index]
                ceiling = saving
                for k in range(n_classes):
                    ceiling += table_f[k][after[k]]
                target = max(alpha, best[0])
                if ceiling < target or (ceiling == best[0] and best[1] <= 1):
                    continue
                sub_saving, sub_count, _, sub_fail = solve(
                    tuple(after), first[f_index], target - saving
                )
                if sub_fail:
                    continue  # below what could count here
                saving += sub_saving
                if saving > best[0] or (saving == best[0] and sub_count + 1 < best[1]):
                    best = (saving, sub_count + 1, (index, f_index, option))
        result = (*best, 0 if best[0] >= alpha else alpha)
        memo[(state, start)] = result
        return result

    state = tuple(0 for _ in classes)
    saving, _, choice, _ = solve(state, 0, 1)
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
