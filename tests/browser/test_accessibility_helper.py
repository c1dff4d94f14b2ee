"""``assert_accessible`` itself: it must fail on a page that breaks WCAG badly, or a
clean run of it proves nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.accessibility import assert_accessible, violations


def test_a_critical_violation_fails_and_names_the_rule(page: Page) -> None:
    page.set_content(
        '<!doctype html><html lang="fr"><title>t</title><main>'
        '<button id="mute"></button><img src="x.png"></main></html>'
    )
    with pytest.raises(AssertionError, match=r"button-name \(critical\).*#mute"):
        assert_accessible(page)
    assert {v["id"] for v in violations(page)} >= {"button-name", "image-alt"}


def test_a_minor_finding_alone_passes(page: Page) -> None:
    # A page without a <main> landmark is a moderate finding, not a blocking one.
    page.set_content('<!doctype html><html lang="fr"><title>t</title><p>Bonjour</p></html>')
    assert_accessible(page)
