"""``kiosk hub`` as a real process and ``kiosk sync`` enrol / now / status against it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.datadir import DataDir
from sync.money import Money
from tests.sync.live import free_port


def kiosk(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "hub" / "hub.db"
    kiosk("hub", "site", "--db", str(db), "S1", "--name", "Cantine")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "hub", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the hub did not start"
                time.sleep(0.05)
        yield url, db
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def test_enrol_sync_now_and_status(hub_process: tuple[str, Path], tmp_path: Path) -> None:
    url, db = hub_process
    admin = {"Authorization": f"Bearer {kiosk('hub', 'admin-token', '--db', str(db)).strip()}"}
    token = kiosk("hub", "enrolment-token", "--db", str(db), "--site", "S1").strip()
    data = tmp_path / "terminal"
    out = kiosk(
        "sync", "enrol", "--data", str(data), "--hub", url, "--site", "S1", "--token", token
    )
    assert "enrolled as S1-" in out
    assert (data / "sync.toml").stat().st_mode & 0o077 == 0
    with httpx.Client(base_url=url, headers=admin) as http:
        account = {"id": "A1", "display_name": "Ada", "balance": 1000}
        assert http.post("/v1/admin/sites/S1/accounts", json={"accounts": [account]}).is_success
        badge = {"value": "nfc:0D0D0D01", "kind": "nfc", "account_id": "A1"}
        assert http.post("/v1/admin/credentials", json=badge).is_success
    assert "synced" in kiosk("sync", "now", "--data", str(data))

    engine = DataDir.resolve(data).open_engine()
    try:
        assert engine.store.meta("hub_public_key")  # kept at enrolment for visit codes
        engine.sell("nfc:0D0D0D01", Money(390))
    finally:
        engine.close()
    state = json.loads(kiosk("sync", "status", "--data", str(data), "--json"))
    assert state["waiting"] == 1 and state["last_error"] is None
    assert "1 entries pushed" in kiosk("sync", "now", "--data", str(data))
    state = json.loads(kiosk("sync", "status", "--data", str(data), "--json"))
    assert state["waiting"] == 0 and state["hub_applied_seq"] >= 1
    with httpx.Client(base_url=url, headers=admin) as http:
        assert http.get("/v1/admin/accounts/A1").json()["account"]["balance"] == 610
        terminals = http.get("/v1/admin/sites/S1/terminals").json()
    assert [t["applied_seq"] for t in terminals] == [state["hub_applied_seq"]]
    assert terminals[0]["lag_s"] is not None


def test_sync_without_enrolment_names_the_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sync", "now", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert "sync.toml" in result.output and "kiosk sync enrol" in result.output
