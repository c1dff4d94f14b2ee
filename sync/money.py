"""Money as integer cents in a small value type, with French formatting.

Amounts are never floats. ``Money`` is immutable and only adds, subtracts, negates and
multiplies by whole quantities; anything that divides (VAT, shares) does its own
rounding explicitly and documents it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import SupportsIndex

_AMOUNT = re.compile(r"(?P<sign>[+-]?)(?P<whole>[0-9]*)(?:[.,](?P<frac>[0-9]{1,2}))?")


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount in euro cents (may be negative)."""

    cents: int

    def __post_init__(self) -> None:
        if type(self.cents) is not int:  # bool and float are refused alike
            raise TypeError(f"Money needs integer cents, got {type(self.cents).__name__}")

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def parse(cls, text: str) -> Money:
        """Parse ``"7,90"``, ``"7.90"``, ``"7"`` or ``"-0,5"`` (euros) into cents.

        Raises ValueError with the reason for anything else (more than two decimals,
        letters, empty text).
        """
        raw = text.strip().removesuffix("€").strip()
        for space in ("\u202f", "\u00a0", " "):
            raw = raw.replace(space, "")
        match = _AMOUNT.fullmatch(raw)
        if match is None or not (match["whole"] or match["frac"]):
            raise ValueError(f"not an amount in euros with at most 2 decimals: {text!r}")
        sign = -1 if match["sign"] == "-" else 1
        whole, frac = int(match["whole"] or "0"), int((match["frac"] or "").ljust(2, "0"))
        return cls(sign * (whole * 100 + frac))

    def __add__(self, other: Money) -> Money:
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        return Money(self.cents - other.cents)

    def __neg__(self) -> Money:
        return Money(-self.cents)

    def __mul__(self, quantity: SupportsIndex) -> Money:
        return Money(self.cents * quantity.__index__())

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        return self.cents != 0

    def format(self, symbol: bool = True) -> str:
        """French format: ``1 234,50 €`` (narrow no-break space between thousands)."""
        sign = "-" if self.cents < 0 else ""
        euros, cents = divmod(abs(self.cents), 100)
        grouped = f"{euros:,}".replace(",", "\u202f")
        text = f"{sign}{grouped},{cents:02d}"
        return f"{text}\u00a0€" if symbol else text

    def __str__(self) -> str:
        return self.format()


def div_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))


def vat_included(total: int, rate: int) -> int:
    """The VAT inside ``total`` (incl. VAT) at ``rate`` (basis points), rounded half up
    to the cent: the one rule of the pricer, the receipts and the closures."""
    return div_half_up(total * int(rate), 10_000 + int(rate))


def scale(cents: int, basis_points: int) -> int:
    """``cents`` times a coefficient in basis points (10000 = 1), rounded half up: a
    tariff profile's coefficient on catalogue prices."""
    return div_half_up(cents * basis_points, 10_000)
