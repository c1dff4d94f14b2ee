"""Properties of the pricer over random trays (example site) and random menus."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.engine.pricing import BillingKind, BillTo, PricedTicket, price_tray
from sync.journal import canonical_json
from sync.protocol.catalogue import SiteMenu
from sync.protocol.ticket import SubsidyStatus
from tests.kiosk.pricing.bruteforce import item_price, lowest_cost
from tests.kiosk.pricing.menus import example_menu

MENU = example_menu()
ITEM_IDS = [item.id for item in MENU.items]
HOST = BillTo(kind=BillingKind.HOST_ACCOUNT, ref="emp-1")


def price(menu: SiteMenu, profile: str, tray: list[str], **options: Any) -> PricedTicket:
    guest = menu.profile(profile)
    bill_to = HOST if guest is not None and guest.guest else None
    ticket = price_tray(menu, profile, tray, bill_to=bill_to, **options)
    assert isinstance(ticket, PricedTicket), ticket
    return ticket


def diner_fee(menu: SiteMenu, profile_id: str) -> int:
    profile = menu.profile(profile_id)
    assert profile is not None
    fee = profile.admission
    return 0 if fee is None else fee.fee - fee.employer_share


profiles = st.sampled_from([p.id for p in MENU.profiles])
trays = st.lists(st.sampled_from(ITEM_IDS), min_size=1, max_size=10)
flags = st.fixed_dictionaries({"subsidised_today": st.booleans(), "take_away": st.booleans()})


@given(profiles, trays, flags)
def test_total_between_zero_and_a_la_carte_plus_fee(
    profile: str, tray: list[str], options: dict[str, bool]
) -> None:
    ticket = price(MENU, profile, tray, **options)
    assert 0 <= ticket.total <= ticket.a_la_carte + diner_fee(MENU, profile)
    catalogue_sum = 0
    for item_id in tray:
        item = MENU.item(item_id)
        assert item is not None
        catalogue_sum += item.price
    if MENU.profile(profile) == MENU.profiles[0]:  # employees pay catalogue prices
        assert ticket.a_la_carte == catalogue_sum


@given(profiles, trays, flags, st.randoms(use_true_random=False))
def test_order_of_the_tray_does_not_matter(
    profile: str, tray: list[str], options: dict[str, bool], rnd: Any
) -> None:
    shuffled = list(tray)
    rnd.shuffle(shuffled)
    assert price(MENU, profile, shuffled, **options) == price(MENU, profile, tray, **options)


@given(profiles, trays, st.sampled_from(ITEM_IDS), flags)
def test_adding_an_item_never_lowers_the_total(
    profile: str, tray: list[str], extra: str, options: dict[str, bool]
) -> None:
    before = price(MENU, profile, tray, **options)
    after = price(MENU, profile, [*tray, extra], **options)
    # Before the subsidy, never. With it, only the step that makes a tray qualify
    # (e.g. the dessert that balances it) may lower the price: that is the rule's aim.
    paid_before = before.total - (before.subsidy.amount if before.subsidy else 0)
    paid_after = after.total - (after.subsidy.amount if after.subsidy else 0)
    assert paid_after >= paid_before
    if not (before.subsidy_status is SubsidyStatus.NOT_QUALIFYING and after.subsidy_granted):
        assert after.total >= before.total


@given(profiles, trays, flags)
def test_vat_breakdown_sums_to_the_total(
    profile: str, tray: list[str], options: dict[str, bool]
) -> None:
    ticket = price(MENU, profile, tray, **options)
    assert sum(row.total for row in ticket.vat) == ticket.total
    for row in ticket.vat:
        assert row.base + row.vat == row.total
        # the VAT is the exact share rounded to the nearest cent
        exact_times = row.total * int(row.rate)
        assert abs(row.vat * (10_000 + int(row.rate)) - exact_times) * 2 <= 10_000 + int(row.rate)
    # every amount on the ticket names its rate, and the rates add up to the rows
    by_rate: dict[int, int] = {}
    amounts = [(line.vat_rate, line.total) for line in ticket.lines]
    amounts += [(part.rate, part.amount) for f in ticket.formulas for part in f.by_rate]
    if ticket.subsidy is not None:
        amounts += [(part.rate, part.amount) for part in ticket.subsidy.by_rate]
    if ticket.admission is not None:
        amounts.append((ticket.admission.vat_rate, ticket.admission.amount))
    for rate, amount in amounts:
        by_rate[int(rate)] = by_rate.get(int(rate), 0) + amount
    assert {r: a for r, a in by_rate.items() if a} == ticket.totals_by_rate()
    assert all(total >= 0 for total in by_rate.values())


@given(profiles, trays, flags)
def test_ticket_has_a_canonical_json_form(
    profile: str, tray: list[str], options: dict[str, bool]
) -> None:
    ticket = price(MENU, profile, tray, **options)
    payload = ticket.model_dump(mode="json")
    canonical_json(payload)  # refuses floats
    assert PricedTicket.model_validate(payload) == ticket
    assert PricedTicket.model_validate_json(ticket.model_dump_json()) == ticket


@settings(max_examples=150)
@given(profiles, st.lists(st.sampled_from(ITEM_IDS), min_size=1, max_size=8), flags)
def test_optimiser_equals_brute_force_on_the_example_site(
    profile: str, tray: list[str], options: dict[str, bool]
) -> None:
    ticket = price(MENU, profile, tray, **options)
    sold = sum(line.total for line in ticket.lines) + sum(f.total for f in ticket.formulas)
    assert sold == lowest_cost(MENU, profile, tray)


CATEGORIES = ["starter", "main", "cheese", "dessert", "drink", "bread"]


@st.composite
def random_menus(draw: st.DrawFn) -> tuple[SiteMenu, list[str]]:
    """A menu with random items, formulas and supplements, and a tray of up to 8."""
    n_items = draw(st.integers(2, 7))
    items = [
        {
            "id": f"i{k}",
            "label": {"fr": f"i{k}", "en": f"i{k}"},
            "category": draw(st.sampled_from(CATEGORIES)),
            "price": draw(st.integers(0, 900)),
            "meal": draw(st.sampled_from([True, True, True, False])),
        }
        for k in range(n_items)
    ]
    meal_ids = [item["id"] for item in items if item["meal"]]
    formulas = []
    for f in range(draw(st.integers(1, 4))):
        slots = [
            {
                "categories": draw(
                    st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2, unique=True)
                ),
                "count": draw(st.integers(1, 2)),
            }
            for _ in range(draw(st.integers(1, 3)))
        ]
        supplemented = draw(st.lists(st.sampled_from(meal_ids), unique=True)) if meal_ids else []
        formulas.append(
            {
                "id": f"f{f}",
                "label": {"fr": f"f{f}", "en": f"f{f}"},
                "slots": slots,
                "price": draw(st.integers(0, 1500)),
                "supplements": {i: draw(st.integers(1, 300)) for i in supplemented},
            }
        )
    profile = {
        "id": "p",
        "label": {"fr": "p", "en": "p"},
        "coefficient": draw(st.sampled_from([10_000, 8_500, 12_345])),
        "prices": draw(
            st.dictionaries(
                st.sampled_from([i["id"] for i in items]), st.integers(0, 900), max_size=2
            )
        ),
    }
    menu = SiteMenu.model_validate({"items": items, "formulas": formulas, "profiles": [profile]})
    tray = draw(st.lists(st.sampled_from([i["id"] for i in items]), min_size=1, max_size=8))
    return menu, tray


@settings(max_examples=300)
@given(random_menus())
def test_optimiser_equals_brute_force_on_random_menus(drawn: tuple[SiteMenu, list[str]]) -> None:
    menu, tray = drawn
    ticket = price(menu, "p", tray, subsidised_today=False)
    sold = sum(line.total for line in ticket.lines) + sum(f.total for f in ticket.formulas)
    assert sold == lowest_cost(menu, "p", tray)
    profile = menu.profiles[0]
    for formula in ticket.formulas:  # an applied formula always saves something
        a_la_carte = 0
        for part in formula.parts:
            item = menu.item(part.item_id)
            assert item is not None
            a_la_carte += item_price(profile, item)
        assert formula.unit_price < a_la_carte
