"""The first snapshot at scale: gzip on the wire, resumed after a cut, applied in short
transactions with the cursor last, rows read as arrays of values by the same rules."""

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
    ACCOUNT_FIELDS,
    CREDENTIAL_FIELDS,
    AccountValues,
    ChangesRows,
    CredentialValues,
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


def test_the_arrays_page_holds_the_objects_pages_rows(big_site: str, enrol: EnrolFn) -> None:
    """What the daemon reads (``rows=arrays``) is what any client reads (objects),
    page for page, cursor for cursor."""
    _, client = enrol()
    token = client._http.headers["Authorization"]
    with httpx.Client(base_url=str(client._http.base_url)) as http:
        for since, limit in ((0, 5000), (0, 7), (600, 100)):
            got = {}
            for form in ("objects", "arrays"):
                reply = http.get(
                    "/v1/changes",
                    params={"since": since, "limit": limit, "rows": form},
                    headers={"Authorization": token},
                )
                assert reply.status_code == 200, reply.text
                got[form] = reply.content
            model = ChangesPage.model_validate_json(got["objects"])
            arrays = ChangesRows.model_validate_json(got["arrays"])
            assert arrays.accounts and len(got["arrays"]) < len(got["objects"])
            assert (arrays.cursor, arrays.more) == (model.cursor, model.more)
            assert account_params(arrays.accounts, 0) == account_params(model.accounts, 0)
            assert credential_params(arrays.credentials) == credential_params(model.credentials)
        refused = http.get(
            "/v1/changes", params={"rows": "tuples"}, headers={"Authorization": token}
        )
    assert refused.status_code == 422 and "rows" in refused.text


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


def rows(n: int, bad_at: int | None = None) -> list[AccountValues]:
    made: list[Any] = [
        (f"A{i:05}", f"Diner {i}", "prepaid", "active", "employee", 100 * i, 0, None)
        for i in range(n)
    ]
    if bad_at is not None:  # NOT NULL in the store: the write fails
        made[bad_at] = (made[bad_at][0], None, *made[bad_at][2:])
    return made


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


def _model_fields(model: Any) -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(model).json_schema()
    fields = {}
    for name, prop in schema["properties"].items():
        fields[name] = {
            k: v for k, v in prop.items() if k not in {"title", "description", "default"}
        }
    return _resolved(fields, schema.get("$defs", {}))


def _array_fields(kind: Any, names: tuple[str, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(kind).json_schema()
    assert schema["minItems"] == schema["maxItems"] == len(names)  # no more, no fewer
    return _resolved(dict(zip(names, schema["prefixItems"], strict=True)), schema.get("$defs", {}))


def _resolved(fields: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The fields' schemas with each reference replaced by what it names (enums as
    their values), so that both forms compare whatever their definitions are called."""
    text = json.dumps(fields, sort_keys=True)
    for name, definition in defs.items():
        named = json.dumps(definition.get("enum", definition), sort_keys=True)
        text = text.replace(json.dumps({"$ref": f"#/$defs/{name}"}), named)
    return dict(json.loads(text))


@pytest.mark.parametrize(
    ("model", "values", "names"),
    [
        (AccountRow, AccountValues, ACCOUNT_FIELDS),
        (CredentialRow, CredentialValues, CREDENTIAL_FIELDS),
    ],
)
def test_the_arrays_follow_the_models_fields_and_rules(
    model: Any, values: Any, names: tuple[str, ...]
) -> None:
    assert tuple(model.model_fields) == names
    assert _array_fields(values, names) == _model_fields(model)


def _as_array(row: dict[str, Any], model: Any) -> list[Any]:
    """An object row as the hub writes it in an array: every field, defaults too, and
    any field the model does not have after them."""
    full = model.model_construct().model_dump(mode="json") | row
    return [full[name] for name in model.model_fields] + [
        v for k, v in row.items() if k not in model.model_fields
    ]


def test_an_array_of_the_wrong_length_is_refused() -> None:
    good = _as_array({"id": "A1", "display_name": "x", "balance": 1}, AccountRow)
    head = {"since": 0, "cursor": 1, "more": False, "applied_seq": 0}
    assert ChangesRows.model_validate_json(json.dumps({**head, "accounts": [good]})).accounts
    for bad in (good[:-1], [*good, None]):
        with pytest.raises(ValidationError):
            ChangesRows.model_validate_json(json.dumps({**head, "accounts": [bad]}))


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
    head = {"since": 0, "cursor": 1, "more": False, "applied_seq": 0}
    with pytest.raises(ValidationError):
        ChangesPage.model_validate_json(json.dumps({**head, "accounts": [bad]}))
    with pytest.raises(ValidationError):
        ChangesRows.model_validate_json(
            json.dumps({**head, "accounts": [_as_array(bad, AccountRow)]})
        )


def test_the_hubs_gzip_is_standard_gzip() -> None:
    body = json.dumps([{"n": i} for i in range(1000)]).encode()
    assert gzip.decompress(gzip_bytes(body)) == body


def test_rows_in_bulk_read_as_one_at_a_time_from_arrays_and_models() -> None:
    mark = {"day": "2026-11-30", "terminal_id": "T1", "seq": 4}
    accounts = [
        {
            "id": "A1",
            "display_name": "Ada",
            "kind": "postpaid",
            "status": "active",
            "profile": "guest",
            "balance": -5,
            "overdraft": 0,
            "subsidy": mark,
        },
        {
            "id": "A2",
            "display_name": "Bob",
            "kind": "prepaid",
            "status": "closed",
            "profile": "employee",
            "balance": 9,
            "overdraft": 300,
            "subsidy": None,
        },
    ]
    credentials = [
        {"value": "nfc:01", "kind": "nfc", "status": "lost", "account_id": "A1",
         "public_key": None, "ref": "00112233aabbccdd"},
        {"value": "phone:x", "kind": "phone", "status": "active", "account_id": "A2",
         "public_key": "k", "ref": "0123456789abcdef"},
    ]  # fmt: skip
    head = {"since": 0, "cursor": 3, "more": False, "applied_seq": 7}
    model = ChangesPage.model_validate_json(
        json.dumps({**head, "accounts": accounts, "credentials": credentials})
    )
    arrays = ChangesRows.model_validate_json(
        json.dumps(
            {
                **head,
                "accounts": [list(a.values()) for a in accounts],
                "credentials": [list(c.values()) for c in credentials],
            }
        )
    )
    expected = [(*account_values(a), 7) for a in model.accounts]
    assert account_params(arrays.accounts, 7) == expected
    assert account_params(model.accounts, 7) == expected
    assert expected[0][7] == json.dumps(mark, separators=(",", ":"))
    badges = [credential_values(c) for c in model.credentials]
    assert credential_params(arrays.credentials) == credential_params(model.credentials) == badges
    assert badges[1] == ("phone:x", "phone", "active", "A2", "k", "0123456789abcdef")
