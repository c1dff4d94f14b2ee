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
Nor are instances that leave a place empty while an item that could go there with no
supplement is still left: moving such an item into the place (from a-la-carte, or
from a later instance where it costs a supplement of zero or more) never costs more,
so some optimal split, taken in some order, has no such instance.

Instances are added in menu order of their formulas (the state remembers the first
formula still allowed), since a split is a multiset of instances: each multiset is
built along fewer paths.

Bounded search (kept exact). Each state is searched with ``alpha``, the saving below
which its result cannot matter to the caller (what the best split found so far at the
ancestors already beats). An option is skipped when its saving plus an upper bound on
what the items left can still save is below ``max(alpha, best so far)``, or equal to
the best so far when it could not use fewer formulas (a tie needs strictly fewer to
win: one instance at least, two if its own saving falls short). A state whose best falls
below alpha is stored as "below alpha" and searched again if a later caller asks with a
lower alpha; otherwise its stored result is exact. The options are still tried in the
same order and a result is replaced only by a strictly better one, so the split chosen
is the very one the plain search chose (``tests/kiosk/pricing/previous_optimiser.py``
is that search, and ``test_optimiser.py`` checks both choose the same splits).

The upper bound: for each formula, its price is shared among its slots in proportion to
the total value (price less supplement) of the tray's items each slot could hold
(shares rounded down, so they add up to at most the price; any such sharing gives a
valid bound, and weighting by the whole tray rather than by its dearest item puts more
of the price on the slots many items compete for: much closer on large trays). Any
instance holds at most one item per place, so its saving is at most the sum over its
items of (price - supplement - the smallest share of a slot the item could fill). An
item's bound is the largest of these over the formulas still allowed, or 0
(a-la-carte); the bound of a state is the sum over the items left (suffix
sums per class, per first formula allowed, built once per tray). Integers throughout.
In a state, the bound of the items left is summed once per first formula allowed; an
option's ceiling is that, less the bound of the items it takes, plus its saving, and it
is checked before the option's state is built. An option's saving is at most the bound
of the items it takes (each item's share of the price is at least the smallest share
it is charged in the bound, and the shares add up to at most the price), so no ceiling
is above the state's bound; and that bound only falls as the first formula allowed
grows (fewer formulas to take the best of). So a state stops at the first formula whose
bound is below what could count: no later option can count.

The state (how many items of each class the formulas hold) is one list, changed before
and restored after each recursion, and the memo's key is an integer (the state in mixed
radix, times the options, plus the first option allowed): no tuple is built per state.
The options a state cannot afford (more items of a class than are left) are struck out
with bit masks, 60 options a mask, before any is looked at.
The module is plain typed Python so that mypyc can compile it (``native.py``); the
compiled search runs about three times as fast.

Cost: still exponential in the worst case (the number of states is at most the product
over classes of (items + 1)), but the bound cuts most of it; see
``scripts/bench.py pricing`` for figures.

Tie-break, deterministic: the largest saving, then the fewest formulas, then the first
found in the menu's formula order and, within a formula, fills with more items first.
A formula that saves nothing is not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
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
    trays of the same make-up come back all day; the signature holds only the classes
    the formula can take, so trays differing elsewhere share an entry."""
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
    f_index: int,
    shape: FormulaShape,
    classes: list[ItemClass],
    sizes: list[int],
    prefix: list[list[int]],
) -> list[tuple[_Option, _Needs]]:
    """The fills of one formula that can save something with the dearest items."""
    room: dict[str, int] = {}
    for categories, count in shape.slots:
        for category in categories:
            room[category] = room.get(category, 0) + count
    # only the classes the formula can take: the cache then sees the same few shapes
    eligible: list[int] = []
    supplements: list[int] = []
    signature: list[tuple[str, int, int]] = []
    for k, c in enumerate(classes):
        if c.category in room:
            eligible.append(k)
            supplements.append(c.supplements[f_index])
            signature.append((c.category, c.supplements[f_index], min(sizes[k], room[c.category])))
    options: list[tuple[_Option, _Needs]] = []
    for fill, needs in _fills(shape.slots, tuple(signature)):
        best = -shape.price
        for j, m in fill:
            best += prefix[eligible[j]][m] - m * supplements[j]
        if best > 0:
            option = tuple([(eligible[j], m, supplements[j]) for j, m in fill])
            options.append((option, tuple([tuple([eligible[j] for j in n]) for n in needs])))
    return options


def _bound_tables(
    classes: list[ItemClass], formulas: list[FormulaShape], useful: list[int]
) -> dict[int, list[list[int]]]:
    """For each formula index f: per class, suffix sums of an upper bound on what each
    item can still save in formulas f and later."""
    tables: dict[int, list[list[int]]] = {}
    # the least charge (supplement + share) over formulas f and later, per class (-1:
    # none), built from the last formula back; a suffix list is remade only when it changes
    low = [-1] * len(classes)
    suffixes = [[0] * (len(c.prices) + 1) for c in classes]
    for f_index in sorted(useful, reverse=True):
        shape = formulas[f_index]
        # what each class could bring to this formula, then to each of its slots
        brings: list[int] = []
        for c in classes:
            brought = 0
            supplement = c.supplements[f_index]
            for p in c.prices:
                if p > supplement:
                    brought += p - supplement
            brings.append(brought)
        values: list[int] = []
        total = 0
        places = 0
        for categories, count in shape.slots:
            value = 0
            for k, c in enumerate(classes):
                if c.category in categories:
                    value += brings[k]
            values.append(value)
            total += value * count
            places += count
        shares = [shape.price * v // total if total else shape.price // places for v in values]
        per_class: list[list[int]] = []
        for k, c in enumerate(classes):
            share = -1
            for slot, (categories, _) in enumerate(shape.slots):
                if c.category in categories and (share < 0 or shares[slot] < share):
                    share = shares[slot]
            if share >= 0:
                charge = c.supplements[f_index] + share
                if low[k] < 0 or charge < low[k]:
                    low[k] = charge
                    suffix = [0] * (len(c.prices) + 1)
                    for j in range(len(c.prices) - 1, -1, -1):
                        suffix[j] = suffix[j + 1] + max(0, c.prices[j] - charge)
                    suffixes[k] = suffix
            per_class.append(suffixes[k])
        tables[f_index] = per_class
    return tables


_CHUNK = 60  # options per mask: small enough for mypyc's unboxed integers


class _Search:
    """The bounded, memoised search of one tray (see the module docstring). The state
    (items of each class already in formulas) is a mutable list, changed and restored
    around each recursion, and encoded as an integer for the memo's keys."""

    def __init__(self, classes: list[ItemClass], formulas: list[FormulaShape]) -> None:
        sizes = [len(c.prices) for c in classes]
        prefix = [list(accumulate(c.prices, initial=0)) for c in classes]
        useful: list[int] = []
        flat: list[tuple[int, int, _Option, _Needs]] = []
        for f_index, shape in enumerate(formulas):
            options = _options(f_index, shape, classes, sizes, prefix)
            if options:
                useful.append(f_index)
                flat.extend((shape.price, f_index, option, needs) for option, needs in options)
        self.sizes = sizes
        self.n_classes = len(classes)
        self.prefix = prefix
        self.n_flat = len(flat)
        self.prices = [price for price, _, _, _ in flat]
        self.formula_of = [f_index for _, f_index, _, _ in flat]
        self.options = [option for _, _, option, _ in flat]
        self.needs = [needs for _, _, _, needs in flat]
        # a formula's instances may come in any order among themselves: restart at its first
        first: dict[int, int] = {}
        for index, f_index in enumerate(self.formula_of):
            first.setdefault(f_index, index)
        self.first = first
        bounds = _bound_tables(classes, formulas, useful)
        self.bounds = [bounds.get(f_index, []) for f_index in range(len(formulas))]
        # state code: sum of used[k] * radix[k]
        radix: list[int] = []
        step = 1
        for size in sizes:
            radix.append(step)
            step *= size + 1
        self.radix = radix
        # options in chunks of _CHUNK, a bit each: too_many[chunk][k][r] has the options
        # that take more than r items of class k, so a state skips them in a few ORs
        n_chunks = (self.n_flat + _CHUNK - 1) // _CHUNK
        too_many = [[[0] * (size + 1) for size in sizes] for _ in range(n_chunks)]
        for index, option in enumerate(self.options):
            rows = too_many[index // _CHUNK]
            bit = 1 << (index % _CHUNK)
            for k, m, _ in option:
                for r in range(m):
                    rows[k][r] |= bit
        self.too_many = too_many
        self.full = [
            (1 << min(_CHUNK, self.n_flat - chunk * _CHUNK)) - 1 for chunk in range(n_chunks)
        ]
        self.n_chunks = n_chunks
        self.state = [0] * len(classes)
        self.code = 0
        # (code * (n_flat + 1) + first option allowed) -> (saving, formulas used, choice
        # (-1: none), fail): exact when fail is 0, else the saving is only known to be
        # below fail
        self.memo: dict[int, tuple[int, int, int, int]] = {}

    def solve(self, start: int, alpha: int) -> tuple[int, int, int, int]:
        key = self.code * (self.n_flat + 1) + start
        known = self.memo.get(key)
        if known is not None and (known[3] == 0 or alpha >= known[3]):
            return known
        state = self.state
        sizes = self.sizes
        best = (0, 0, -1)  # saving, formulas used, choice (-1: none)
        # the bound of the items left with the formulas from f_index on (options come in
        # formula order): no option's ceiling is above it, and it only falls as f_index
        # grows, so once it is below what could count, no option left can count
        f_index = -1
        here = 0
        chunk = start // _CHUNK
        pending = -1 << (start % _CHUNK)  # the options before start are not allowed
        while chunk < self.n_chunks:
            rows = self.too_many[chunk]
            for k in range(self.n_classes):
                pending &= ~rows[k][sizes[k] - state[k]]
            pending &= self.full[chunk]
            base = chunk * _CHUNK
            chunk += 1
            while pending:
                low = pending & -pending
                pending ^= low
                index = base + low.bit_length() - 1
                if self.formula_of[index] != f_index:
                    f_index = self.formula_of[index]
                    table_f = self.bounds[f_index]
                    here = 0
                    for k in range(self.n_classes):
                        here += table_f[k][state[k]]
                target = alpha if alpha > best[0] else best[0]
                if here < target or (here == best[0] and best[1] <= 1):
                    chunk = self.n_chunks
                    break
                best = self._try(index, alpha, best, here)
            pending = -1
        result = (best[0], best[1], best[2], 0 if best[0] >= alpha else alpha)
        self.memo[key] = result
        return result

    def _try(
        self, index: int, alpha: int, best: tuple[int, int, int], here: int
    ) -> tuple[int, int, int]:
        """One option in a state whose items left are bounded by ``here`` (with the
        option's formula and the later ones): the best (saving, formulas, choice) with it
        considered."""
        best_saving, best_count, _ = best
        state = self.state
        prefix = self.prefix
        option = self.options[index]
        f_index = self.formula_of[index]
        table_f = self.bounds[f_index]
        saving = -self.prices[index]
        taken_bound = 0
        for k, m, s in option:
            used = state[k]
            saving += prefix[k][used + m] - prefix[k][used] - m * s
            taken_bound += table_f[k][used] - table_f[k][used + m]
        if saving <= 0:
            return best
        ceiling = saving + here - taken_bound
        target = alpha if alpha > best_saving else best_saving
        if ceiling < target or (
            ceiling == best_saving and best_count <= (1 if saving >= best_saving else 2)
        ):
            return best
        needs = self.needs[index]
        if needs[0] and not self._used_up_after(option, needs):
            return best
        for k, m, _ in option:
            state[k] += m
            self.code += m * self.radix[k]
        sub_saving, sub_count, _, sub_fail = self.solve(self.first[f_index], target - saving)
        for k, m, _ in option:
            state[k] -= m
            self.code -= m * self.radix[k]
        if sub_fail:
            return best  # below what could count here
        saving += sub_saving
        if saving > best_saving or (saving == best_saving and sub_count + 1 < best_count):
            return saving, sub_count + 1, index
        return best

    def _used_up_after(self, option: _Option, needs: _Needs) -> bool:
        """Whether, once the option is taken, one of the needed sets of classes is used up."""
        taken = {k: m for k, m, _ in option}
        for need in needs:
            if all(self.state[k] + taken.get(k, 0) == self.sizes[k] for k in need):
                return True
        return False

    def best(self) -> Split:
        saving, _, choice, _ = self.solve(0, 1)
        instances: list[Instance] = []
        while choice >= 0:
            option = self.options[choice]
            taken = tuple((k, self.state[k], m) for k, m, _ in option)
            instances.append(Instance(self.formula_of[choice], taken))
            for k, m, _ in option:
                self.state[k] += m
                self.code += m * self.radix[k]
            key = self.code * (self.n_flat + 1) + self.first[self.formula_of[choice]]
            choice = self.memo[key][2]
        return Split(saving, tuple(instances))


def best_split(classes: list[ItemClass], formulas: list[FormulaShape]) -> Split:
    """The split with the largest saving (see the module docstring for the tie-break)."""
    return _Search(classes, formulas).best()
