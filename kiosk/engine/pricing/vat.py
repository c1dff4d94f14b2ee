"""Integer arithmetic for the pricer: rounding, splitting an amount over VAT rates,
and the VAT breakdown of a ticket. The rules are stated in the package docstring."""

from __future__ import annotations

from collections.abc import Mapping

from sync.money import div_half_up, scale, vat_included
from sync.protocol.catalogue import VatRate
from sync.protocol.ticket import VatRow

__all__ = ["allocate", "breakdown", "div_half_up", "scale", "vat_included"]


def allocate(amount: int, weights: Mapping[VatRate, int]) -> dict[VatRate, int]:
    """Split ``amount`` over the rates in proportion to non-negative ``weights``.

    Largest remainder: each rate gets the floor of its exact share, and the cents
    left go one each to the largest remainders (ties: larger weight, then lower rate).
    The parts sum to ``amount`` and, when ``abs(amount)`` is at most the sum of the
    weights, no part exceeds its weight in size.
    """
    rates = sorted(weights)
    if not rates:
        raise ValueError("nothing to allocate over")
    if amount < 0:
        return {rate: -part for rate, part in allocate(-amount, weights).items()}
    whole = sum(weights.values())
    if whole == 0:  # nothing to weigh by: the lowest rate takes it all
        return {rate: (amount if rate == rates[0] else 0) for rate in rates}
    parts = {rate: amount * weights[rate] // whole for rate in rates}
    left = amount - sum(parts.values())
    order = sorted(rates, key=lambda r: (-(amount * weights[r] % whole), -weights[r], r))
    for rate in order[:left]:
        parts[rate] += 1
    return parts


def breakdown(totals: Mapping[VatRate, int]) -> tuple[VatRow, ...]:
    """One row per rate, lowest rate first, rates with a zero total left out."""
    rows = []
    for rate in sorted(totals):
        total = totals[rate]
        if total == 0:
            continue
        vat = vat_included(total, rate)
        rows.append(VatRow(rate=rate, base=total - vat, vat=vat, total=total))
    return tuple(rows)
