"""Admin tokens are listed and revoked, over HTTP and with ``kiosk hub token``
(issue case 9: there was no way to revoke an admin token)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
from click.testing import CliRunner

from kiosk.cli import main
from sync.server import open_hub
from sync.server.schema import MIGRATIONS
from sync.server.service import admin_token_id, hash_token
from sync.server.thread import HubThread
from sync.sqlitedb import split_statements
from tests.databases import raw_bytes
from tests.sync.live import Admin, LiveHub


def kiosk(*args: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_admin_creates_lists_and_revokes_admin_tokens(
    live_hub: LiveHub, admin: Admin, admin_token: str
) -> None:
    created = admin.post("/v1/admin/admin-tokens", {"label": "payroll export"}, expect=201).json()
    new = created["token"]
    assert created["id"] == admin_token_id(new)
    with httpx.Client(base_url=live_hub.url, headers=bearer(new)) as other:
        assert other.get("/v1/admin/sites").status_code == 200
        listed = admin.http.get("/v1/admin/admin-tokens").json()
        assert [(t["id"], t["label"], t["revoked"]) for t in listed] == [
            (admin_token_id(admin_token), "tests", False),
            (created["id"], "payroll export", False),
        ]
        assert new not in str(listed) and admin_token not in str(listed)

        admin.post(f"/v1/admin/admin-tokens/{created['id']}/revoke", expect=204)
        refused = other.get("/v1/admin/sites")
        assert refused.status_code == 403
        assert created["id"] in refused.json()["detail"]
        assert "revoked" in refused.json()["detail"]
        assert other.post("/v1/admin/admin-tokens", json={}).status_code == 403
    listed = admin.http.get("/v1/admin/admin-tokens").json()
    assert [t["revoked"] for t in listed] == [False, True]
    assert admin.http.get("/v1/admin/sites").status_code == 200  # the other one still works
    unknown = admin.http.post("/v1/admin/admin-tokens/0123456789ab/revoke")
    assert unknown.status_code == 404


def test_admin_tokens_are_kept_as_hashes(live_hub: LiveHub, admin: Admin) -> None:
    token = admin.post("/v1/admin/admin-tokens", {"label": "x"}, expect=201).json()["token"]
    raw = raw_bytes(live_hub.db)
    assert token.encode() not in raw
    assert hash_token(token).encode() in raw


def test_kiosk_hub_token_create_list_revoke(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    token, note = kiosk("hub", "token", "create", "--db", str(db), "--label", "back-office")
    token = token.strip()
    token_id = admin_token_id(token)
    assert token_id in note
    listing, _ = kiosk("hub", "token", "list", "--db", str(db))
    assert token_id in listing and "active" in listing and "back-office" in listing
    assert token not in listing

    hub = open_hub(db)
    thread = HubThread(hub).start()
    try:
        assert httpx.get(f"{thread.url}/v1/admin/sites", headers=bearer(token)).status_code == 200
        out, _ = kiosk("hub", "token", "revoke", "--db", str(db), token_id)
        assert out.strip() == f"admin token {token_id} revoked"
        # The running hub refuses it at once (no restart, no cache).
        assert httpx.get(f"{thread.url}/v1/admin/sites", headers=bearer(token)).status_code == 403
    finally:
        thread.stop()
        hub.storage.close()
    listing, _ = kiosk("hub", "token", "list", "--db", str(db))
    assert "revoked" in listing
    result = CliRunner().invoke(main, ["hub", "token", "revoke", "--db", str(db), "ffffffffffff"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no admin token ffffffffffff"


def test_tokens_made_before_the_migration_keep_working_and_get_an_id(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    with sqlite3.connect(db, isolation_level=None) as conn:  # a hub of the previous version
        conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, at TEXT)")
        for name, script in MIGRATIONS:
            if name >= "0005":
                break
            for statement in split_statements(script):
                conn.execute(statement)
            conn.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))
        conn.execute(
            "INSERT INTO admin_tokens VALUES (?, 'old', '2026-01-01T00:00:00.000000Z')",
            (hash_token("adm_old-token-0123456789"),),
        )
    conn.close()
    hub = open_hub(db)
    try:
        record = hub.check_admin("adm_old-token-0123456789")
        assert record.id == admin_token_id("adm_old-token-0123456789")
        assert [r.label for r in hub.list_admin_tokens()] == ["old"]
    finally:
        hub.storage.close()
