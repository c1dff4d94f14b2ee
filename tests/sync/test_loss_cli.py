"""The reported case end to end, as a technician meets it: a till's store restored from
an older copy while the hub (a real ``kiosk hub`` process) holds its newest sales.
``sync now`` stops on the loss, the till refuses to sell, ``sync status`` and
``doctor`` say so with the recovery, ``journal recover`` brings the entries back, and
no sale is lost. Then the key: a swapped ``terminal.key`` is a fault, never replaced."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from kiosk.datadir import DataDir
from kiosk.engine import Accepted, Refused
from sync.money import Money
from sync.protocol.reasons import RejectReason
from tests.sync.test_cli import hub_process, kiosk
from tests.sync.test_loss import copy_db

__all__ = ["hub_process"]
BADGE = "nfc:0D0D0D09"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(Path(__file__).parents[2])}
    env.pop("KIOSK_SYNC_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def sell(data: Path, cents: int) -> Accepted | Refused:
    engine = DataDir(data).open_engine()
    try:
        result = engine.sell(BADGE, Money(cents))
        assert isinstance(result, Accepted | Refused)
        return result
    finally:
        engine.close()


def test_a_restored_till_stops_is_told_how_to_recover_and_loses_no_sale(
    hub_process: tuple[str, Path], tmp_path: Path
) -> None:
    url, db = hub_process
    admin = {"Authorization": f"Bearer {kiosk('hub', 'admin-token', '--db', str(db)).strip()}"}
    token = kiosk("hub", "enrolment-token", "--db", str(db), "--site", "S1").strip()
    data = tmp_path / "terminal"
    kiosk("sync", "enrol", "--data", str(data), "--hub", url, "--site", "S1", "--token", token)
    with httpx.Client(base_url=url, headers=admin) as http:
        account = {"id": "A1", "display_name": "Ada", "balance": 5000}
        assert http.post("/v1/admin/sites/S1/accounts", json={"accounts": [account]}).is_success
        badge = {"value": BADGE, "kind": "nfc", "account_id": "A1"}
        assert http.post("/v1/admin/credentials", json=badge).is_success
    kiosk("sync", "now", "--data", str(data))
    sold = []
    for cents in (100, 200):
        assert isinstance(sell(data, cents), Accepted)
        sold.append(cents)
    kiosk("sync", "now", "--data", str(data))
    copy_db(data / "kiosk.db", tmp_path / "backup.db")
    for cents in (300, 400):
        assert isinstance(sell(data, cents), Accepted)
        sold.append(cents)
    kiosk("sync", "now", "--data", str(data))

    copy_db(tmp_path / "backup.db", data / "kiosk.db")  # the "restore a backup" fix
    doctor = run("doctor", "--data", str(data), "--json", "--device-timeout", "0.2")
    assert doctor.returncode == 1  # before any sync has noticed: doctor asks the hub
    checks = {c["name"]: c for c in json.loads(doctor.stdout)}
    assert "entries 3 to 4 are missing here" in checks["sync"]["detail"]
    assert "kiosk journal recover" in checks["sync"]["fix"]
    now = run("sync", "now", "--data", str(data))
    assert now.returncode == 1 and "kiosk journal recover" in now.stderr, now.stderr
    refused = sell(data, 50)
    assert isinstance(refused, Refused) and refused.reason is RejectReason.JOURNAL_INCOMPLETE
    state = json.loads(run("sync", "status", "--data", str(data), "--json").stdout)
    assert state["journal_behind"] == 4 and state["blocked"]
    doctor = run("doctor", "--data", str(data), "--json", "--device-timeout", "0.2")
    assert doctor.returncode == 1
    checks = {c["name"]: c for c in json.loads(doctor.stdout)}
    assert checks["sync"]["status"] == "fail"
    assert "kiosk journal recover" in checks["sync"]["fix"]

    recovered = run("journal", "recover", "--data", str(data))
    assert recovered.returncode == 0, recovered.stderr
    assert "recovered 2 entries" in recovered.stdout
    assert isinstance(sell(data, 500), Accepted)
    sold.append(500)
    assert "1 entries pushed" in kiosk("sync", "now", "--data", str(data))
    assert "journal ok" in kiosk("journal", "verify", "--data", str(data))
    with httpx.Client(base_url=url, headers=admin) as http:
        balance = http.get("/v1/admin/accounts/A1").json()["account"]["balance"]
        [terminal] = http.get("/v1/admin/sites/S1/terminals").json()
        check = http.get(f"/v1/admin/terminals/{terminal['id']}/verify").json()
    assert balance == 5000 - sum(sold)
    assert check["ok"] and check["last_seq"] == 5
    doctor = run("doctor", "--data", str(data), "--json", "--device-timeout", "0.2")
    checks = {c["name"]: c for c in json.loads(doctor.stdout)}
    assert checks["sync"]["status"] == "ok", checks["sync"]

    # The key: a swapped terminal.key is a fault for verify, never silently rebound.
    key = data / "terminal.key"
    key.rename(tmp_path / "kept.key")
    kiosk("sync", "status", "--data", str(data))  # reading the status needs no key
    verify = run("journal", "verify", "--data", str(data))
    assert verify.returncode == 1 and "terminal key is missing" in verify.stderr
    assert not key.exists()
    raw = sqlite3.connect(data / "kiosk.db")
    try:
        assert raw.execute("SELECT count(*) FROM journal").fetchone()[0] == 5
    finally:
        raw.close()
