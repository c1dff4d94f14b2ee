"""The optimiser against the previous one (``previous_optimiser``): same saving and the
very same split (tie-break included) on random classes and formulas, trays larger than
brute force can check. Both implementations are checked: the pure module and the build
compiled from it with mypyc (``native.py``), when this environment has one."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.engine.pricing import native
from kiosk.engine.pricing import optimiser as pure
from kiosk.engine.pricing.optimiser import FormulaShape, ItemClass
from tests.kiosk.pricing import previous_optimiser


def _compiled() -> ModuleType:
    chosen = native.implementation()
    if not chosen.native:
        pytest.skip(f"no compiled optimiser here: {chosen.reason}")
    return chosen.module


@pytest.fixture(scope="module", params=["pure", "compiled"])
def implementation(request: pytest.FixtureRequest) -> ModuleType:
    return pure if request.param == "pure" else _compiled()


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
@given(problem=problems())
def test_same_split_as_the_previous_optimiser(
    implementation: ModuleType, problem: tuple[list[ItemClass], list[FormulaShape]]
) -> None:
    classes, formulas = problem
    new = implementation.best_split(
        [implementation.ItemClass(c.category, c.prices, c.supplements) for c in classes],
        [implementation.FormulaShape(f.price, f.slots) for f in formulas],
    )
    old = previous_optimiser.best_split(
        [previous_optimiser.ItemClass(c.category, c.prices, c.supplements) for c in classes],
        [previous_optimiser.FormulaShape(f.price, f.slots) for f in formulas],
    )
    assert new.saving == old.saving
    assert [(i.formula, i.taken) for i in new.instances] == [
        (i.formula, i.taken) for i in old.instances
    ]
