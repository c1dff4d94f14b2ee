"""Changes pages are bounded in bytes as well as in rows (issue case 9: one page was
149 MB); the client follows the cursor to the end. Over HTTP to a live hub."""

from __future__ import annotations

import pytest

from sync.protocol.messages import MAX_PAGE, MAX_PAGE_BYTES
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, make_site

DOC_BYTES = 300_000


@pytest.fixture
def big_site(admin: Admin) -> dict[str, int]:
    """A site whose catalogue is 20 documents of 300 KB and one of 3 MB, and accounts."""
    make_site(admin, "S1")
    sizes = {}
    for i in range(20):
        doc = {"blob": chr(ord("a") + i) * DOC_BYTES}
        response = admin.http.put(f"/v1/admin/sites/S1/documents/catalogue/d{i:02}", json=doc)
        assert response.status_code == 204, response.text
        sizes[f"d{i:02}"] = DOC_BYTES
    huge = {"blob": "é" * (1_500_000)}  # 3 MB in UTF-8, above the page bound
    response = admin.http.put("/v1/admin/sites/S1/documents/catalogue/huge", json=huge)
    assert response.status_code == 204, response.text
    sizes["huge"] = 3_000_000
    rows = ({"id": f"A{i:04}", "display_name": "D" * 60, "balance": 0} for i in range(300))
    admin.accounts("S1", *rows)
    return sizes


def test_each_page_stays_under_the_byte_bound_and_the_cursor_reaches_the_end(
    big_site: dict[str, int], enrol: EnrolFn
) -> None:
    _, client = enrol("S1")
    http = client._http
    since, pages, documents, accounts = 0, [], set(), set()
    while True:
        response = http.get("/v1/changes", params={"since": since, "limit": MAX_PAGE})
        assert response.status_code == 200, response.text
        page = response.json()
        docs = page["documents"].get("catalogue", {})
        pages.append((len(response.content), sorted(docs)))
        documents |= set(docs)
        accounts |= {a["id"] for a in page["accounts"]}
        since = page["cursor"]
        if not page["more"]:
            break
    assert documents == set(big_site)
    assert len(accounts) == 300
    for size, docs in pages:
        if docs == ["huge"]:
            continue  # a single object bigger than the bound comes alone
        assert size <= MAX_PAGE_BYTES, (size, docs)
    assert [docs for _, docs in pages].count(["huge"]) == 1
    # 20 documents of 300 KB need at least 3 pages of 2 MiB.
    assert len(pages) >= 4


def test_the_client_pages_through_a_big_catalogue(big_site: dict[str, int], enrol: EnrolFn) -> None:
    _, client = enrol("S1")
    since, seen = 0, 0
    while True:
        page = client.changes(since, MAX_PAGE)
        seen += page.rows()
        since = page.cursor
        if not page.more:
            break
    assert seen == len(big_site) + 300
