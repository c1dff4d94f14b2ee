"""A priced tray: the ticket the engine stores in a sale's journal payload.

Produced by ``kiosk.engine.pricing.price_tray``; read back by the UI, the printer,
the daily closure and the hub. Integers (cents, basis points) and strings only, so
``ticket.model_dump(mode="json")`` has a canonical JSON form (``sync.journal``).

Every amount says which VAT rate it belongs to: an item line has one ``vat_rate``;
formula, subsidy and admission amounts carry ``by_rate`` (or their rate), and ``vat``
is the breakdown per rate whose ``total`` values sum to ``total``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field

from sync.protocol.catalogue import (
    CategoryField,
    Ident,
    Label,
    VatField,
    as_tuple,
    exact_enum,
)
from sync.protocol.rows import Strict


class RateAmount(Strict):
    rate: VatField
    amount: int


RateAmounts = Annotated[tuple[RateAmount, ...], BeforeValidator(as_tuple)]


class ItemLine(Strict):
    """Items sold a-la-carte, grouped by item."""

    item_id: Ident
    label: Label
    category: CategoryField
    quantity: int = Field(ge=1)
    unit_price: int
    vat_rate: VatField
    total: int


class FormulaPart(Strict):
    item_id: Ident
    label: Label
    category: CategoryField
    vat_rate: VatField
    supplement: int = Field(ge=0)


class FormulaLine(Strict):
    """Identical formula instances (same formula, same items), grouped."""

    formula_id: Ident
    label: Label
    quantity: int = Field(ge=1)
    unit_price: int = Field(description="formula price plus supplements, for one instance")
    total: int
    parts: Annotated[tuple[FormulaPart, ...], BeforeValidator(as_tuple)]
    by_rate: RateAmounts = Field(description="total split over the parts' VAT rates")


class AdmissionLine(Strict):
    fee: int = Field(ge=0)
    employer_share: int = Field(ge=0)
    amount: int = Field(ge=0, description="the diner's share, on the ticket")
    vat_rate: VatField


class SubsidyLine(Strict):
    rule_id: Ident
    label: Label
    requested: int = Field(ge=0, description="what the rule gives, capped, before the floor")
    amount: int = Field(le=0, description="negative: what the employer takes over")
    by_rate: RateAmounts


class SubsidyStatus(StrEnum):
    GRANTED = "granted"
    NO_SUBSIDY = "no_subsidy"  # the profile has no subsidy rule
    ALREADY_GRANTED = "already_granted"  # the diner had it earlier today
    NOT_A_MEAL = "not_a_meal"
    NOT_QUALIFYING = "not_qualifying"  # the tray misses the rule's required slots
    AT_FLOOR = "at_floor"  # the diner's share is already at the benefit-in-kind floor


StatusField = Annotated[SubsidyStatus, BeforeValidator(exact_enum(SubsidyStatus, str))]


class VatRow(Strict):
    rate: VatField
    base: int = Field(description="excl. VAT")
    vat: int
    total: int = Field(description="incl. VAT")


class BillingKind(StrEnum):
    HOST_ACCOUNT = "host_account"
    COST_CENTRE = "cost_centre"


class BillTo(Strict):
    """Who pays a guest meal."""

    kind: Annotated[BillingKind, BeforeValidator(exact_enum(BillingKind, str))]
    ref: str = Field(min_length=1, max_length=64)


class PricedTicket(Strict):
    profile_id: Ident
    take_away: bool
    billed_to: BillTo | None = Field(description="guest meals; None: the diner's own account")
    lines: Annotated[tuple[ItemLine, ...], BeforeValidator(as_tuple)]
    formulas: Annotated[tuple[FormulaLine, ...], BeforeValidator(as_tuple)]
    admission: AdmissionLine | None
    subsidy: SubsidyLine | None
    subsidy_status: StatusField
    subsidy_granted: bool = Field(description="the daily subsidy was used by this ticket")
    a_la_carte: int = Field(description="items at the profile's prices, without formulas")
    total: int = Field(ge=0, description="to pay, incl. VAT")
    vat: Annotated[tuple[VatRow, ...], BeforeValidator(as_tuple)]

    def totals_by_rate(self) -> dict[int, int]:
        """Total incl. VAT per rate (basis points), for the daily closure."""
        return {int(row.rate): row.total for row in self.vat}
