"""An order costs the same wherever it is placed: the kiosk prices it with the site's
pricer (``price_tray``), the portal on the hub with ``sync.protocol.orders.
order_amount``; for every tariff profile and any lines of the items ordered ahead."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kiosk.engine.pricing import PricingRefused, price_tray
from kiosk.sitefile import load_site_menu
from sync.protocol.order_rules import OrderLine
from sync.protocol.orders import items_of, order_amount

MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")
ORDERABLE = [i.id for i in MENU.items if i.orderable]
PROFILES = [p.id for p in MENU.profiles if not p.guest]  # guests do not order

lines = st.lists(
    st.builds(OrderLine, item=st.sampled_from(ORDERABLE), qty=st.integers(1, 9)),
    min_size=1,
    max_size=4,
)


@given(st.sampled_from(PROFILES), lines, st.booleans())
def test_kiosk_and_portal_prices_agree(
    profile: str, order: list[OrderLine], subsidised: bool
) -> None:
    ticket = price_tray(MENU, profile, items_of(order), subsidised_today=subsidised)
    assert not isinstance(ticket, PricingRefused), ticket
    assert ticket.total == order_amount(MENU, profile, order)
