"""Worked examples: trays priced by hand against the small test menu (menus.py).

Each case states the figures a canteen manager would compute on paper; the comments
show the arithmetic. VAT: total * rate / (10000 + rate), rounded half up.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiosk.engine.pricing import BillingKind, BillTo, PricedTicket, PricingRefused, price_tray
from kiosk.engine.pricing.vat import allocate, div_half_up, vat_included
from sync.protocol.catalogue import VatRate
from sync.protocol.reasons import RejectReason
from sync.protocol.ticket import SubsidyStatus
from tests.kiosk.pricing.menus import small_menu

HOST = BillTo(kind=BillingKind.HOST_ACCOUNT, ref="emp-1")


@dataclass(frozen=True)
class Case:
    name: str
    profile: str
    items: list[str]
    total: int
    formulas: list[tuple[str, int]] | None = None
    vat: list[tuple[int, int, int, int]] | None = None  # rate, base, vat, total
    subsidised_today: bool = True  # most cases leave the subsidy out of the way
    take_away: bool = False
    bill_to: BillTo | None = None
    status: SubsidyStatus | None = None
    subsidy: int | None = None  # the negative subsidy line
    admission: int | None = None  # the diner's share on the ticket


CASES = [
    # salad 2,00 + dish 6,00 + tart 2,50 = 10,50 a-la-carte; "full" 7,50; fee 3,00 - 2,00
    Case(
        "formula cheaper than a-la-carte",
        "employee",
        ["salad", "dish", "tart"],
        total=750 + 100,
        formulas=[("full", 1)],
        admission=100,
    ),
    # soup 1,50 + fruit 1,00 + coffee 0,90 = 3,40 < "light" 3,50: not applied
    Case(
        "formula dearer than a-la-carte is not applied",
        "employee",
        ["soup", "fruit", "coffee"],
        total=340 + 100,
        formulas=[],
    ),
    # dish 6,00 + fruit 1,00 = 7,00 = "duo" 7,00: saves nothing, not applied
    Case(
        "formula at the same price is not applied",
        "employee",
        ["dish", "fruit"],
        total=700 + 100,
        formulas=[],
    ),
    # salad + steak + tart = 12,50; "full" 7,50 + steak supplement 1,00 = 8,50 beats
    # "duo" (steak + tart, no supplement) 7,00 + salad 2,00 = 9,00
    Case(
        "supplement in a formula",
        "employee",
        ["salad", "steak", "tart"],
        total=850 + 100,
        formulas=[("full", 1)],
    ),
    # steak + tart: "duo" 7,00 (no supplement) beats "full" with an empty slot 8,50
    Case(
        "the formula without supplement wins",
        "employee",
        ["steak", "tart"],
        total=700 + 100,
        formulas=[("duo", 1)],
    ),
    # two full meals: two "full" instances grouped as one line of quantity 2
    Case(
        "identical formulas grouped",
        "employee",
        ["salad", "dish", "tart"] * 2,
        total=2 * 750 + 100,
        formulas=[("full", 2)],
    ),
    # fee 3,00 of which the employer pays 2,00: the diner's line is 1,00
    Case(
        "admission fee split",
        "employee",
        ["dish"],
        total=600 + 100,
        admission=100,
        vat=[(1000, 636, 64, 700)],
    ),
    # balanced tray, first meal today: full 7,50 + fee 1,00 - subsidy 3,00;
    # 8,50 - 2,75 = 5,75 left above the floor, so the 3,00 are granted in full
    Case(
        "subsidy granted",
        "employee",
        ["salad", "dish", "tart"],
        total=550,
        subsidised_today=False,
        status=SubsidyStatus.GRANTED,
        subsidy=-300,
        vat=[(1000, 500, 50, 550)],
    ),
    Case(
        "subsidy once per day",
        "employee",
        ["salad", "dish", "tart"],
        total=850,
        subsidised_today=True,
        status=SubsidyStatus.ALREADY_GRANTED,
    ),
    # main + one dessert is not balanced (needs two of starter/cheese/dessert)
    Case(
        "tray not qualifying",
        "employee",
        ["dish", "tart"],
        total=700 + 100,
        subsidised_today=False,
        status=SubsidyStatus.NOT_QUALIFYING,
        formulas=[("duo", 1)],
    ),
    # intern: half of tart 2,50 + cheese 1,20 = 1,85 asked; 3,70 - 2,75 = 0,95 allowed
    Case(
        "subsidy floor reached",
        "intern",
        ["tart", "cheese"],
        total=275,
        formulas=[],
        subsidised_today=False,
        status=SubsidyStatus.GRANTED,
        subsidy=-95,
    ),
    # salad + tart fit "light" with its drink slot empty: 3,50 (a ceiling) < 4,50
    Case(
        "formula with an empty slot",
        "employee",
        ["salad", "tart"],
        total=350 + 100,
        formulas=[("light", 1)],
    ),
    # fruit 1,00 + yogurt 0,80 = 1,80 is already below the 2,75 floor: nothing
    Case(
        "subsidy entirely below the floor",
        "intern",
        ["fruit", "yogurt"],
        total=180,
        subsidised_today=False,
        status=SubsidyStatus.AT_FLOOR,
    ),
    # intern: steak + salad + tart in "full" 8,50; half = 4,25 capped at 4,00
    Case(
        "subsidy share capped",
        "intern",
        ["salad", "steak", "tart"],
        total=450,
        subsidised_today=False,
        status=SubsidyStatus.GRANTED,
        subsidy=-400,
    ),
    # the coffee card is neither in a formula nor subsidised; no fee without a meal
    Case(
        "services sold a-la-carte",
        "employee",
        ["coffee-card", "coffee"],
        total=890,
        subsidised_today=False,
        status=SubsidyStatus.NOT_A_MEAL,
    ),
    # guest: dish at the guest override 7,00 + tart 2,50; "duo" 7,00; full fee 3,00
    Case(
        "guest billed to host",
        "guest",
        ["dish", "tart"],
        total=700 + 300,
        bill_to=HOST,
        formulas=[("duo", 1)],
        status=SubsidyStatus.NO_SUBSIDY,
        admission=300,
    ),
    # contractor: coefficient 1.2 on dish 6,00 = 7,20, full fee 3,00
    Case("profile coefficient", "external", ["dish"], total=720 + 300),
    # packaged water and crisps, take-away, no meal: 2,20 at 5,5 %:
    # VAT 2,20 * 550 / 10550 = 0,1147 -> 0,11
    Case(
        "take-away at 5.5 %",
        "employee",
        ["water", "crisps"],
        total=220,
        take_away=True,
        vat=[(550, 209, 11, 220)],
    ),
    # the same on site: 10 %, VAT 2,20 * 1000 / 11000 = 0,20
    Case(
        "same items eaten on site at 10 %",
        "employee",
        ["water", "crisps"],
        total=220,
        vat=[(1000, 200, 20, 220)],
    ),
    # wine 4,00 at 20 % even to take away: VAT 4,00 / 6 = 0,6667 -> 0,67
    Case(
        "alcohol at 20 %",
        "employee",
        ["wine"],
        total=400,
        take_away=True,
        vat=[(2000, 333, 67, 400)],
    ),
    # balanced tray + wine, subsidised: 10 % holds 7,50 + 1,00 - 3,00 = 5,50;
    # the wine stays at 20 % and is not subsidised
    Case(
        "alcohol beside a subsidised meal",
        "employee",
        ["salad", "dish", "tart", "wine"],
        total=950,
        subsidised_today=False,
        subsidy=-300,
        vat=[(1000, 500, 50, 550), (2000, 333, 67, 400)],
    ),
    # take-away "light": salad 2,00 (10 %, not packaged) + yogurt 0,80 + water 1,00 (5,5 %)
    # = 3,80 > 3,50. The 3,50 split 200:180 -> 184,21 / 165,79 -> 184 / 166 (largest
    # remainder). 10 %: 1,84 + fee 1,00 = 2,84, VAT 0,2582 -> 0,26; 5,5 %: 1,66,
    # VAT 0,0865 -> 0,09. Rows sum to 4,50.
    Case(
        "VAT breakdown of a mixed formula sums to the cent",
        "employee",
        ["salad", "yogurt", "water"],
        total=450,
        take_away=True,
        formulas=[("light", 1)],
        vat=[(550, 157, 9, 166), (1000, 258, 26, 284)],
    ),
    # take-away balanced tray: full 7,50 over 10 % 8,00 / 5,5 % 1,00 -> 666,67 / 83,33
    # -> 667 / 83; subsidy 3,00 over 667 / 83 -> 266,8 / 33,2 -> 267 / 33;
    # 10 %: 6,67 + 1,00 - 2,67 = 5,00 (VAT 0,45); 5,5 %: 0,83 - 0,33 = 0,50 (VAT 0,03)
    Case(
        "subsidy split over VAT rates",
        "employee",
        ["salad", "dish", "fruit"],
        total=550,
        take_away=True,
        subsidised_today=False,
        subsidy=-300,
        formulas=[("full", 1)],
        vat=[(550, 47, 3, 50), (1000, 455, 45, 500)],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_worked_example(case: Case) -> None:
    ticket = price_tray(
        small_menu(),
        case.profile,
        case.items,
        subsidised_today=case.subsidised_today,
        take_away=case.take_away,
        bill_to=case.bill_to,
    )
    assert isinstance(ticket, PricedTicket), ticket
    assert ticket.total == case.total
    if case.formulas is not None:
        assert [(f.formula_id, f.quantity) for f in ticket.formulas] == case.formulas
    if case.vat is not None:
        assert [(r.rate, r.base, r.vat, r.total) for r in ticket.vat] == case.vat
    if case.status is not None:
        assert ticket.subsidy_status is case.status
        assert ticket.subsidy_granted == (case.status is SubsidyStatus.GRANTED)
    if case.subsidy is not None:
        assert ticket.subsidy is not None and ticket.subsidy.amount == case.subsidy
    if case.admission is not None:
        assert ticket.admission is not None and ticket.admission.amount == case.admission
    assert ticket.billed_to == case.bill_to
    assert sum(row.total for row in ticket.vat) == ticket.total


def test_supplement_is_shown_on_its_part() -> None:
    ticket = price_tray(small_menu(), "employee", ["salad", "steak", "tart"], subsidised_today=True)
    assert isinstance(ticket, PricedTicket)
    (formula,) = ticket.formulas
    assert {p.item_id: p.supplement for p in formula.parts} == {"salad": 0, "steak": 100, "tart": 0}
    assert formula.unit_price == 850


def test_floor_subsidy_reports_what_the_rule_asked() -> None:
    ticket = price_tray(small_menu(), "intern", ["tart", "cheese"], subsidised_today=False)
    assert isinstance(ticket, PricedTicket) and ticket.subsidy is not None
    assert (ticket.subsidy.requested, ticket.subsidy.amount) == (185, -95)


def test_admission_split_shows_both_shares() -> None:
    ticket = price_tray(small_menu(), "employee", ["dish"], subsidised_today=True)
    assert isinstance(ticket, PricedTicket) and ticket.admission is not None
    assert (ticket.admission.fee, ticket.admission.employer_share) == (300, 200)


@pytest.mark.parametrize(
    ("profile", "items", "bill_to", "reason", "ids"),
    [
        ("employee", [], None, RejectReason.EMPTY_TRAY, ()),
        (
            "employee",
            ["dish", "caviar", "apple"],
            None,
            RejectReason.UNKNOWN_ITEM,
            ("apple", "caviar"),
        ),
        ("director", ["dish"], None, RejectReason.UNKNOWN_PROFILE, ()),
        ("guest", ["dish"], None, RejectReason.GUEST_BILLING, ()),
        ("employee", ["dish"], HOST, RejectReason.GUEST_BILLING, ()),
    ],
)
def test_refusals(
    profile: str,
    items: list[str],
    bill_to: BillTo | None,
    reason: RejectReason,
    ids: tuple[str, ...],
) -> None:
    result = price_tray(small_menu(), profile, items, subsidised_today=False, bill_to=bill_to)
    assert isinstance(result, PricingRefused)
    assert result.reason is reason and result.item_ids == ids and result.detail


def test_cost_centre_billing() -> None:
    centre = BillTo(kind=BillingKind.COST_CENTRE, ref="CC-4410")
    ticket = price_tray(small_menu(), "guest", ["dish"], subsidised_today=False, bill_to=centre)
    assert isinstance(ticket, PricedTicket) and ticket.billed_to == centre


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(3, 2, 2), (5, 2, 3), (-5, 2, -3), (7, 4, 2), (1, 3, 0), (2, 3, 1), (0, 7, 0)],
)
def test_div_half_up(numerator: int, denominator: int, expected: int) -> None:
    assert div_half_up(numerator, denominator) == expected


def test_vat_included_rounds_half_up() -> None:
    # 1,50 at 20 %: 150 / 6 = 25 exactly; 1,53 / 6 = 25,5 -> 26
    assert vat_included(150, VatRate.STANDARD) == 25
    assert vat_included(153, VatRate.STANDARD) == 26


def test_allocate_largest_remainder() -> None:
    weights = {VatRate.INTERMEDIATE: 200, VatRate.REDUCED: 180}
    assert allocate(350, weights) == {VatRate.INTERMEDIATE: 184, VatRate.REDUCED: 166}
    assert allocate(-350, weights) == {VatRate.INTERMEDIATE: -184, VatRate.REDUCED: -166}
    # equal remainders: the larger weight, then the lower rate, gets the cent
    assert allocate(1, {VatRate.INTERMEDIATE: 1, VatRate.REDUCED: 1}) == {
        VatRate.REDUCED: 1,
        VatRate.INTERMEDIATE: 0,
    }
