"""``kiosk demo`` serves the diner portal: the diner it prints signs in with the printed
password, sees their balance and tickets, and validates the request waiting for them."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.demo.system import DemoSystem
from sync.server import visits
from tests.sync.portal.conftest import Browser


def test_the_demo_prints_a_diner_who_signs_in_and_approves_a_visit(tmp_path: Path) -> None:
    system = DemoSystem.start(tmp_path / "demo", diners=12)
    try:
        portal = system.portal
        assert portal is not None
        text = portal.text()
        assert portal.url in text and portal.account_id in text and portal.password in text
        assert portal.url == f"{system.hub_thread.url}/portal/"
        with Browser(system.hub_thread.url) as browser:
            home = browser.sign_in(portal.site, portal.account_id, portal.password)
            assert f"Bonjour {portal.name}" in home.text
            balance = re.search(r'id="balance" data-cents="(-?\d+)"', home.text)
            assert balance
            assert int(balance.group(1)) == system.hub.account(portal.account_id).row.balance
            waiting = browser.get("/portal/visites")
            found = re.search(r'id="to-decide".*?data-visit="([0-9a-f]{16})"', waiting.text, re.S)
            assert found, waiting.text
            visit = found.group(1)
            browser.post_from(f"/portal/visites/{visit}", f"/portal/visites/{visit}/valider")
            assert visits.get(system.hub, system.site.code, visit).state == "approved"
            # The site's cost centre is offered for guests' meals.
            assert "Commercial" in browser.get("/portal/visites/nouvelle").text
    finally:
        system.stop()
