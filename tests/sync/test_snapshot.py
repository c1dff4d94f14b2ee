"""The first snapshot at scale: gzip on the wire, resumed after a cut, applied in short
transactions with the cursor last, rows read as plain dicts by the same rules."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from kiosk.engine import Store
from kiosk.engine.errors import StoreError
from kiosk.engine.store import SNAPSHOT_CHUNK
from sync.client import HubClient, TransientError
from sync.protocol.messages import ChangesPage
from sync.protocol.page_rows import (
    AccountDict,
    ChangesRows,
    CredentialDict,
    account_params,
    account_values,
    credential_params,
    credential_values,
)
from sync.protocol.rows import AccountRow, CredentialRow
from sync.server.compression import accepts_gzip, gzip_bytes
from tests.sync.conftest import EnrolFn, TillFactory
from tests.sync.faultproxy import Fault, FaultProxy
from tests.sync.live import Admin, LiveHub, make_site

ACCOUNTS = 1200


@pytest.fixture
def big_site(admin: Admin) -> str:
    make_site(admin)
    rows = [{"id": f"A{i:05}", "display_name": f"Diner {i}", "balance": i} for i in range(ACCOUNTS)]
    admin.accounts("S1", *rows)
    admin.badge("nfc:0C0C0C01", "A00001")
    return "S1"


def test_changes_are_gzipped_for_a_client_that_asks(big_site: str, enrol: EnrolFn) -> None:
    _, client = enrol()
    token = client._http.headers["Authorization"]
    bodies = {}
    for encoding in ("gzip", "identity"):
        with httpx.Client(base_url=str(client._http.base_url)) as http:
            response = http.get(
                "/v1/changes",
                params={"since": 0, "limit": 5000},
                headers={"Authorization": token, "Accept-Encoding": encoding},
            )
        assert response.status_code == 200
        assert response.headers.get("content-encoding") == ("gzip" if encoding == "gzip" else None)
        assert "accept-encoding" in response.headers["vary"].lower()
        bodies[encoding] = response.content  # httpx undoes the gzip
        if encoding == "gzip":
            wire = int(response.headers["content-length"])
            assert wire * 5 < len(response.content), "hardly compressed"
    assert bodies["gzip"] == bodies["identity"]
    page = ChangesPage.model_validate_json(bodies["gzip"])
    assert len(page.accounts) == ACCOUNTS and len(page.credentials) == 1
    assert page.accounts[7] == AccountRow(id="A00007", display_name="Diner 7", balance=7)


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("deflate, GZIP;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, identity", False),
        ("identity", False),
        ("", False),
        (None, False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: str | None, gzip_ok: bool) -> None:
    assert accepts_gzip(header) is gzip_ok


def test_a_snapshot_cut_mid_reply_resumes_from_the_last_page_applied(
    big_site: str, live_hub: LiveHub, open_till: TillFactory
) -> None:
    requests: list[str] = []

    def cut_the_second_page(method: str, path: str) -> Fault:
        if path.startswith("/v1/changes"):
            requests.append(path)
            if len(requests) == 2:
                return Fault.CUT_REPLY
        return Fault.PASS

    proxy = FaultProxy(live_hub.port, cut_the_second_page)
    try:
        till = open_till("T1", url=proxy.url, page=500)
        with pytest.raises(TransientError):
            till.daemon.sync_once()
        assert proxy.counts[Fault.CUT_REPLY] == 1
        cursor = till.store.sync_status().cursor
        assert cursor > 0, "the first page was kept"
        kept = till.store.count_accounts()
        assert 0 < kept < ACCOUNTS
        again = till.daemon.sync_once()
        assert again.rows == ACCOUNTS - kept + 1  # the rest and the badge, not all again
        assert till.store.count_accounts() == ACCOUNTS
        assert till.usable("A01199") == 1199
    finally:
        proxy.close()


def test_a_garbled_gzip_reply_is_transient_not_a_crash() -> None:
    def garbled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip")

    transport = httpx.MockTransport(garbled)
    with (
        HubClient("http://hub.invalid", "t" * 20, transport=transport) as client,
        pytest.raises(TransientError, match="garbled"),
    ):
        client.changes_rows(0, 10)


def rows(n: int, bad_at: int | None = None) -> list[AccountDict]:
    made: list[dict[str, Any]] = [
        {"id": f"A{i:05}", "display_name": f"Diner {i}", "balance": 100 * i} for i in range(n)
    ]
    if bad_at is not None:
        made[bad_at]["display_name"] = None  # NOT NULL in the store: the write fails
    return made  # type: ignore[return-value]


def test_a_page_is_applied_in_chunks_and_its_cursor_only_with_the_last(tmp_path: Path) -> None:
    n = 2 * SNAPSHOT_CHUNK + 100
    with Store.open(tmp_path / "t.db") as store:
        with pytest.raises(StoreError):
            store.apply_snapshot(
                accounts=rows(n, bad_at=n - 1),
                credentials=[],
                settings=None,
                applied_seq=0,
                cursor=42,
            )
        # The chunks before the failing one are kept; the cursor is not moved, so the
        # page comes again whole and its rows are written again, alike.
        assert store.count_accounts() == 2 * SNAPSHOT_CHUNK
        assert store.sync_status().cursor == 0
        store.apply_snapshot(
            accounts=rows(n), credentials=[], settings=None, applied_seq=0, cursor=42
        )
        assert store.count_accounts() == n
        assert store.sync_status().cursor == 42


def _schema(kind: Any) -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(kind).json_schema()
    for prop in schema["properties"].values():
        for key in ("title", "description", "default"):
            prop.pop(key, None)
    return {
        "properties": schema["properties"],
        "required": sorted(schema.get("required", [])),
        "extra": schema.get("additionalProperties"),
        "defs": {k: v.get("enum", v) for k, v in schema.get("$defs", {}).items()},
    }


@pytest.mark.parametrize(
    ("model", "plain"), [(AccountRow, AccountDict), (CredentialRow, CredentialDict)]
)
def test_the_plain_rows_follow_the_models_rules(model: Any, plain: Any) -> None:
    assert _schema(plain) == _schema(model)


def test_fields_left_out_take_the_models_defaults() -> None:
    body = {
        "since": 0,
        "cursor": 3,
        "more": False,
        "applied_seq": 0,
        "accounts": [{"id": "A1", "display_name": "Ada", "balance": 5}],
        "credentials": [{"value": "nfc:01", "kind": "nfc", "account_id": "A1"}],
    }
    text = json.dumps(body)
    page, model = ChangesRows.model_validate_json(text), ChangesPage.model_validate_json(text)
    assert account_values(page.accounts[0]) == account_values(model.accounts[0])
    assert credential_values(page.credentials[0]) == credential_values(model.credentials[0])
    assert account_values(page.accounts[0])[2:5] == ("prepaid", "active", "employee")


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "", "display_name": "x", "balance": 1},
        {"id": "A1", "display_name": "x", "balance": 1, "kind": "gift"},
        {"id": "A1", "display_name": "x", "balance": "1"},
        {"id": "A1", "display_name": "x", "balance": 1, "overdraft": -1},
        {"id": "A1", "display_name": "x", "balance": 1, "surprise": 1},
        {"id": "A1", "display_name": "x", "balance": 2**63},
    ],
)
def test_a_bad_row_is_refused_like_the_model_refuses_it(bad: dict[str, Any]) -> None:
    text = json.dumps({"since": 0, "cursor": 1, "more": False, "applied_seq": 0, "accounts": [bad]})
    with pytest.raises(ValidationError):
        ChangesPage.model_validate_json(text)
    with pytest.raises(ValidationError):
        ChangesRows.model_validate_json(text)


def test_the_hubs_gzip_is_standard_gzip() -> None:
    body = json.dumps([{"n": i} for i in range(1000)]).encode()
    assert gzip.decompress(gzip_bytes(body)) == body


def test_rows_in_bulk_read_as_one_at_a_time_from_dicts_and_models() -> None:
    mark = {"day": "2026-11-30", "terminal_id": "T1", "seq": 4}
    body = {
        "since": 0,
        "cursor": 3,
        "more": False,
        "applied_seq": 7,
        "accounts": [
            {"id": "A1", "display_name": "Ada", "kind": "postpaid", "status": "active",
             "profile": "guest", "balance": -5, "overdraft": 0, "subsidy": mark},
            {"id": "A2", "display_name": "Bob", "kind": "prepaid", "status": "closed",
             "profile": "employee", "balance": 9, "overdraft": 300, "subsidy": None},
        ],
        "credentials": [
            {"value": "nfc:01", "kind": "nfc", "status": "lost", "account_id": "A1",
             "public_key": None},
            {"value": "phone:x", "kind": "phone", "status": "active", "account_id": "A2",
             "public_key": "k"},
        ],
    }  # fmt: skip
    text = json.dumps(body)
    plain, model = ChangesRows.model_validate_json(text), ChangesPage.model_validate_json(text)
    expected = [(*account_values(a), 7) for a in model.accounts]
    assert account_params(plain.accounts, 7) == expected
    assert account_params(model.accounts, 7) == expected
    assert expected[0][7] == json.dumps(mark, separators=(",", ":"))
    credentials = [credential_values(c) for c in model.credentials]
    assert credential_params(plain.credentials) == credentials
    assert credential_params(model.credentials) == credentials
    short = ChangesRows.model_validate_json(
        json.dumps({**body, "accounts": [{"id": "A3", "display_name": "C", "balance": 1}]})
    )
    assert account_params(short.accounts, 0) == [
        ("A3", "C", "prepaid", "active", "employee", 1, 0, None, 0)
    ]
