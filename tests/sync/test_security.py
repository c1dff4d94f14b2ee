"""What a terminal or a stranger may not do: the hub refuses, and stores nothing."""

from __future__ import annotations

import base64
import dataclasses

import httpx
import pytest

from sync.client import RefusedError
from sync.protocol.messages import MAX_BODY_BYTES, ErrorCode
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, LiveHub, make_site


@pytest.fixture
def sites(admin: Admin) -> None:
    for code in ("S1", "S2"):
        make_site(admin, code)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 1000})
    admin.accounts("S2", {"id": "B1", "display_name": "Bea", "balance": 500})


def test_a_terminal_cannot_push_into_another_terminals_journal(
    sites: None, enrol: EnrolFn, admin: Admin, live_hub: LiveHub
) -> None:
    mine, my_client = enrol("S1")
    other, _ = enrol("S1")
    other.sell("A1", 100)
    with pytest.raises(RefusedError) as caught:
        my_client.push(other.entries)
    assert caught.value.status == 403
    # Even signed with my own key under the other's id.
    forged = dataclasses.replace(mine, terminal_id=other.terminal_id, entries=[])
    forged.sell("A1", 100)
    with pytest.raises(RefusedError):
        my_client.push(forged.entries)
    assert admin.balance("A1") == 1000
    record = live_hub.service.storage.terminal(other.terminal_id)
    assert record is not None and record.applied_seq == 0


def test_a_terminal_cannot_read_another_sites_changes(sites: None, enrol: EnrolFn) -> None:
    _, client = enrol("S1")
    token = client._http.headers["Authorization"]
    with httpx.Client(base_url=str(client._http.base_url), headers={"Authorization": token}) as h:
        assert h.get("/v1/changes", params={"site": "S2"}).status_code == 403
        mine = h.get("/v1/changes", params={"site": "S1"})
    assert mine.status_code == 200
    assert [a["id"] for a in mine.json()["accounts"]] == ["A1"]


def test_a_forged_signature_is_refused_and_nothing_stored(
    sites: None, enrol: EnrolFn, admin: Admin, live_hub: LiveHub
) -> None:
    term, client = enrol("S1")
    term.sell("A1", 100)
    term.sell("A1", 200)
    bad_sig = base64.b64encode(bytes(64)).decode()
    tampered = [term.entries[0], dataclasses.replace(term.entries[1], sig=bad_sig)]
    with pytest.raises(RefusedError) as caught:
        client.push(tampered)
    assert (caught.value.status, caught.value.reason) == (422, ErrorCode.BAD_SIGNATURE)
    # A changed amount no longer matches the signed hash.
    altered = [dataclasses.replace(term.entries[0], amount=-1)]
    with pytest.raises(RefusedError) as caught:
        client.push(altered)
    assert caught.value.reason == ErrorCode.BAD_SIGNATURE
    assert admin.balance("A1") == 1000
    assert live_hub.service.storage.entries_of_account("A1") == []
    assert client.push(term.entries).applied_seq == 2  # the genuine ones still go in


def test_a_rewritten_history_is_refused(sites: None, enrol: EnrolFn, admin: Admin) -> None:
    term, client = enrol("S1")
    term.sell("A1", 100)
    client.push(term.entries)
    rewritten = dataclasses.replace(term, entries=[])
    rewritten.sell("A1", 1)  # same terminal, same key, seq 1 with other content
    with pytest.raises(RefusedError) as caught:
        client.push(rewritten.entries)
    assert (caught.value.status, caught.value.reason) == (409, ErrorCode.CHAIN_BROKEN)
    assert admin.balance("A1") == 900


def test_admin_endpoints_refuse_terminal_tokens(sites: None, enrol: EnrolFn) -> None:
    _, client = enrol("S1")
    http = client._http
    for method, path in [
        ("GET", "/v1/admin/sites"),
        ("GET", "/v1/admin/accounts/A1"),
        ("POST", "/v1/admin/accounts/A1/top-ups"),
    ]:
        response = http.request(method, path, json={"amount": 100})
        assert response.status_code == 403, path
        assert response.json()["reason"] == "forbidden"
    with httpx.Client(base_url=str(http.base_url)) as anonymous:
        assert anonymous.get("/v1/admin/sites").status_code == 401
        assert anonymous.get("/v1/changes").status_code == 401
        wrong = {"Authorization": "Bearer trm_not-a-real-token"}
        assert anonymous.get("/v1/admin/sites", headers=wrong).status_code == 401


def test_an_admin_token_cannot_act_as_a_terminal(
    sites: None, live_hub: LiveHub, admin_token: str
) -> None:
    with httpx.Client(base_url=live_hub.url) as http:
        headers = {"Authorization": f"Bearer {admin_token}"}
        assert http.get("/v1/changes", headers=headers).status_code == 403


def test_an_oversized_body_gets_413(sites: None, enrol: EnrolFn, live_hub: LiveHub) -> None:
    _, client = enrol("S1")
    big = b"x" * (MAX_BODY_BYTES + 1)
    response = client._http.post("/v1/journal", content=big)
    assert response.status_code == 413
    assert response.json()["reason"] == "too_large"

    def chunks() -> object:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"y" * 65536

    streamed = client._http.post("/v1/journal", content=chunks())  # no Content-Length
    assert streamed.status_code == 413


def test_a_revoked_terminal_is_refused(sites: None, enrol: EnrolFn, admin: Admin) -> None:
    term, client = enrol("S1")
    admin.post(f"/v1/admin/terminals/{term.terminal_id}/revoke", expect=204)
    term.sell("A1", 100)
    with pytest.raises(RefusedError) as caught:
        client.push(term.entries)
    assert caught.value.status == 403


def test_malformed_pushes_get_4xx_with_a_reason(sites: None, enrol: EnrolFn) -> None:
    term, client = enrol("S1")
    term.sell("A1", 100)
    good = term.entries[0].to_dict()
    cases = [
        b"not json",
        b"{}",
        b'{"entries": []}',
        httpx.Request("POST", "/", json={"entries": [{**good, "extra": 1}]}).read(),
        httpx.Request("POST", "/", json={"entries": [{**good, "amount": 1.5}]}).read(),
        httpx.Request("POST", "/", json={"entries": [{**good, "payload": {"x": 0.5}}]}).read(),
        httpx.Request("POST", "/", json={"entries": [good, good]}).read(),
    ]
    for body in cases:
        response = client._http.post("/v1/journal", content=body)
        assert 400 <= response.status_code < 500, body
        assert response.json()["reason"] in {"invalid", "bad_signature"}
    assert client.push(term.entries).applied_seq == 1


def test_a_long_validation_error_is_still_a_422(live_hub: LiveHub, admin: Admin) -> None:
    """The detail is cut to what an ErrorBody holds, never a crash (500)."""
    long_field = "x" * 3000
    with httpx.Client(base_url=live_hub.url, timeout=10) as anonymous:
        enrol = anonymous.post("/v1/enrol", json={long_field: 1})
    created = admin.http.post("/v1/admin/sites", json={"site_code": "S9", long_field: 1})
    for response in (enrol, created):
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["reason"] == ErrorCode.INVALID and len(body["detail"]) == 2000
