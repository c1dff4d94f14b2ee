"""The optimiser against the previous one (``previous_optimiser``): same saving and the
very same split (tie-break included) on random classes and formulas, trays larger than
brute force can check."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.engine.pricing.optimiser import FormulaShape, ItemClass, best_split
from tests.kiosk.pricing import previous_optimiser

CATEGORIES = ["starter", "main", "cheese", "dessert", "drink"]


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[ItemClass], list[FormulaShape]]:
    n_formulas = draw(st.integers(1, 5))
    formulas = [
        FormulaShape(
            price=draw(st.integers(0, 1500)),
            slots=tuple(
                (
                    frozenset(draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2))),
                    draw(st.integers(1, 2)),
                )
                for _ in range(draw(st.integers(1, 4)))
            ),
        )
        for _ in range(n_formulas)
    ]
    classes = []
    for category in CATEGORIES:
        for _ in range(draw(st.integers(0, 2))):
            prices = draw(st.lists(st.integers(0, 900), min_size=1, max_size=4))
            supplements = tuple(draw(st.sampled_from([0, 0, 50, 150])) for _ in range(n_formulas))
            classes.append(
                ItemClass(
                    category=category,
                    prices=tuple(sorted(prices, reverse=True)),
                    supplements=supplements,
                )
            )
    return classes, formulas


@settings(max_examples=300, deadline=None)
@given(problems())
def test_same_split_as_the_previous_optimiser(
    problem: tuple[list[ItemClass], list[FormulaShape]],
) -> None:
    classes, formulas = problem
    new = best_split(classes, formulas)
    old = previous_optimiser.best_split(
        [previous_optimiser.ItemClass(c.category, c.prices, c.supplements) for c in classes],
        [previous_optimiser.FormulaShape(f.price, f.slots) for f in formulas],
    )
    assert new.saving == old.saving
    assert [(i.formula, i.taken) for i in new.instances] == [
        (i.formula, i.taken) for i in old.instances
    ]
