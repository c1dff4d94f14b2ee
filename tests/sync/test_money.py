"""Money: integer cents, parsing and French formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.money import Money


@pytest.mark.parametrize(
    ("text", "cents"),
    [("7,90", 790), ("7.9", 790), ("7", 700), ("-0,5", -50), (" 12,05 € ", 1205), (",5", 50)],
)
def test_parse(text: str, cents: int) -> None:
    assert Money.parse(text) == Money(cents)


@pytest.mark.parametrize("text", ["", "abc", "1,234", "1.2.3", "--1", "1e3", "€"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        Money.parse(text)


def test_format_is_french() -> None:
    assert Money(123450).format() == "1\u202f234,50\u00a0€"
    assert Money(-5).format(symbol=False) == "-0,05"


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]


@given(st.integers(-(10**9), 10**9))
def test_format_parses_back(cents: int) -> None:
    assert Money.parse(Money(cents).format()) == Money(cents)
