"""A first accessibility check of every page's markup (the browser tests with axe-core
come later): a language, a title, one main heading, a label for every field, and a
CSRF token in every form."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx

from tests.sync.portal.conftest import PASSWORD, Browser, Mailbox


class Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.title = ""
        self.h1 = 0
        self.labels: set[str] = set()
        self.fields: list[str] = []
        self.forms = 0
        self.tokens = 0
        self.in_title = False
        self.in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "title":
            self.in_title = True
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.labels.add(str(a["for"]))
        elif tag == "form":
            self.forms += 1
        elif tag == "input" and a.get("type") == "hidden":
            self.tokens += a.get("name") == "csrf"
        elif tag == "input" and not self.in_label:
            self.fields.append(str(a.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "label":
            self.in_label -= 1

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data


def check(page: httpx.Response) -> None:
    assert page.status_code == 200, page.url
    markup = Markup()
    markup.feed(page.text)
    where = str(page.url)
    assert markup.lang in {"fr", "en"}, where
    assert markup.title.strip(), where
    assert markup.h1 == 1, where
    assert all(f in markup.labels for f in markup.fields), (where, markup.fields)
    assert markup.tokens == markup.forms, where


def test_every_page_is_labelled_and_every_form_carries_its_token(
    site: str, browser: Browser, mailbox: Mailbox
) -> None:
    check(browser.get("/portal/connexion"))
    check(browser.submit("/portal/connexion", site="S1"))  # the identifier page
    check(browser.submit("/portal/identifiant", identifier="A1"))  # account found
    check(browser.submit("/portal/compte-trouve"))  # the code
    check(browser.submit("/portal/activation/code", code=mailbox.last_code("ada@example.org")))
    home = browser.submit("/portal/activation/mot-de-passe", password=PASSWORD, again=PASSWORD)
    check(home)
    for path in ("/portal/tickets", "/portal/donnees", "/portal/parametres"):
        check(browser.get(path))
    check(browser.get("/portal/langue/en?next=/portal/parametres"))
    browser.http.post("/portal/deconnexion", data={"csrf": browser.csrf("/portal/")})
    check(browser.identify("S1", "A1"))  # the password page
