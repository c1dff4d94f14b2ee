"""Browser tests of the diner portal: Playwright driving Debian's chromium.

One chromium per test session (launched by its executable path: no browser download),
a new context per test (cookies, storage and service workers start empty). The hub is
the portal's live hub on loopback (``tests.sync.portal.conftest``), whose activation
codes go to a local SMTP server (``mailbox``); tills are real engines with their sync
daemon (``open_till``).

Fixtures: ``chromium`` (session), ``viewport`` ("mobile" 390x844 by default; a test
parametrises it to run at "desktop" 1280x800 too), ``context``, ``page``,
``new_page`` (another device of the same diner: a context of its own), ``diner``
(a ``Diner`` driving ``page``). ``assert_accessible`` lives in ``accessibility``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Browser, BrowserContext, Page  # noqa: E402

from tests.browser.accessibility import assert_accessible  # noqa: E402
from tests.sync import conftest as sync_fixtures  # noqa: E402
from tests.sync.live import LiveHub  # noqa: E402
from tests.sync.portal import conftest as portal_fixtures  # noqa: E402
from tests.sync.portal.conftest import PASSWORD, Mailbox  # noqa: E402

# The hub, its admin API, tills, the SMTP server and the demo site of the portal's
# own suite, shared as they are.
admin_token = sync_fixtures.admin_token
admin = sync_fixtures.admin
open_till = sync_fixtures.open_till
mailbox = portal_fixtures.mailbox
live_hub = portal_fixtures.live_hub
site = portal_fixtures.site

CHROMIUM = Path("/usr/bin/chromium")
VIEWPORTS = {
    "mobile": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}
TIMEOUT_MS = 10_000

NewPage = Callable[..., Page]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (scripts/setup --dev)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def viewport() -> str:
    return "mobile"


@pytest.fixture
def new_page(chromium: Browser, live_hub: LiveHub) -> Iterator[NewPage]:
    """Open a page in a fresh context (a device of its own) on the live hub."""
    contexts: list[BrowserContext] = []

    def open_page(viewport: str = "mobile") -> Page:
        context = chromium.new_context(
            base_url=live_hub.url,
            viewport=VIEWPORTS[viewport],  # type: ignore[arg-type]
            locale="fr-FR",
            timezone_id="Europe/Paris",
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage, viewport: str) -> Page:
    return new_page(viewport)


class Diner:
    """A diner at the portal's pages, filling the forms as a person would. With
    ``check`` (the default) every page passed through is run through axe-core, once
    per path and width in a test session (tests call ``assert_accessible`` themselves
    for a page in a state of its own)."""

    def __init__(self, page: Page, mailbox: Mailbox, check: bool = True, base: str = "") -> None:
        self.page = page
        self.mailbox = mailbox
        self.check = check
        self.base = base  # another address of the hub than the context's (e.g. localhost)

    # Pages of the sign-in flow already checked in this session, by path and width:
    # axe-core costs about half a second a page, and every test signs in.
    seen: ClassVar[set[tuple[str, int]]] = set()

    def _checked(self) -> None:
        if not self.check:
            return
        size = self.page.viewport_size or {"width": 0}
        key = (urlsplit(self.page.url).path, size["width"])
        if key not in Diner.seen:
            assert_accessible(self.page)
            Diner.seen.add(key)

    def fill_and_send(self, fields: dict[str, str], button: str | None = None) -> None:
        for label, value in fields.items():
            self.page.get_by_label(label, exact=True).fill(value)
        self._checked()
        form = self.page.locator("main form").first
        submit = form.get_by_role("button", name=button) if button else form.locator("button")
        with self.page.expect_navigation():
            submit.first.click()

    def identify(self, site: str, account: str) -> None:
        self.page.goto(self.base + "/portal/")
        assert self.page.url.endswith("/portal/connexion")
        self.fill_and_send({"Code solution": site})
        self.fill_and_send({"Identifiant convive": account})

    def activate(self, site: str, account: str, email: str, password: str = PASSWORD) -> None:
        self.identify(site, account)
        assert self.page.get_by_role("heading", level=1).inner_text() == (
            "Votre compte a été trouvé"
        )
        self.fill_and_send({})
        self.fill_and_send({"Code reçu par e-mail": self.mailbox.last_code(email)})
        self.fill_and_send(
            {"Choisissez un mot de passe": password, "Confirmez le mot de passe": password}
        )
        assert self.page.url.endswith("/portal/")
        self._checked()

    def sign_in(self, site: str, account: str, password: str = PASSWORD) -> None:
        self.identify(site, account)
        self.fill_and_send({"Mot de passe": password})
        self._checked()

    def sign_out(self) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Déconnexion").click()

    def balance_cents(self) -> int:
        return int(self.page.locator("#balance").get_attribute("data-cents") or "")


@pytest.fixture
def diner(page: Page, mailbox: Mailbox) -> Diner:
    return Diner(page, mailbox)
