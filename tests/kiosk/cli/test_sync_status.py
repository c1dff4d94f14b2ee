"""``kiosk sync status`` and ``kiosk doctor`` report what the till cannot see on its
own: the offline cap from the first failed sync, a push the hub blocked (with its
reason), a journal behind the hub, and the site's open incidents. Subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.engine import Store
from sync.protocol.incidents import Incident, IncidentKind
from tests.kiosk.cli.test_clean_errors import kiosk, terminal

REFUSAL = "hub refused (422 invalid): entry T1:2: amount above the site's limit"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return terminal(tmp_path / "t")


def status(data: Path) -> dict[str, object]:
    result = kiosk("sync", "status", "--data", str(data), "--json", cwd=data)
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout)
    return found


def doctor(data: Path) -> dict[str, dict[str, str]]:
    result = kiosk(
        "doctor", "--data", str(data), "--json", "--hub-timeout", "0.5", cwd=data
    )  # fmt: skip
    return {c["name"]: c for c in json.loads(result.stdout)}


def test_a_failed_sync_shows_the_offline_cap(data: Path) -> None:
    assert status(data)["offline"] is False
    with Store.open(data / "kiosk.db") as store:
        store.record_sync_result(ok=False, error="hub unreachable")
    state = status(data)
    assert state["offline"] is True and state["failing_since"] and state["offline_cap"] == 1500
    text = kiosk("sync", "status", "--data", str(data), cwd=data).stdout
    assert "offline cap of 15,00" in text
    assert "offline cap applies" in doctor(data)["sync"]["detail"]


def test_a_blocked_push_is_shown_with_the_hubs_reason(data: Path) -> None:
    with Store.open(data / "kiosk.db") as store:
        store.record_sync_result(ok=False, error=REFUSAL, permanent=True)
    assert status(data)["blocked"] == REFUSAL
    text = kiosk("sync", "status", "--data", str(data), cwd=data).stdout
    assert f"push blocked by the hub: {REFUSAL}" in text
    sync = doctor(data)["sync"]
    assert sync["status"] == "fail" and "push blocked" in sync["detail"]
    assert "amount above the site's limit" in sync["detail"]


def test_the_sites_incidents_are_reported(data: Path) -> None:
    incident = Incident(
        id=3,
        site_code="S1",
        kind=IncidentKind.DOUBLE_SUBSIDY,
        account_id="A1",
        terminals=["T1", "T2"],
        entries=["T1:2", "T2:5"],
        amount=450,
        created_at="2026-11-30T11:00:00.000000Z",
        updated_at="2026-11-30T11:00:00.000000Z",
    )
    assert doctor(data)["incidents"]["status"] == "ok"
    with Store.open(data / "kiosk.db") as store:
        store.apply_snapshot(
            accounts=[], credentials=[], settings=None, applied_seq=0, cursor=2,
            incidents=[incident],
        )  # fmt: skip
    [seen] = status(data)["incidents"]  # type: ignore[misc]
    assert seen["kind"] == "double_subsidy" and seen["amount"] == 450
    text = kiosk("sync", "status", "--data", str(data), cwd=data).stdout
    assert "#3 double subsidy on A1 of 4,50" in text
    check = doctor(data)["incidents"]
    assert check["status"] == "warn" and "T1, T2" in check["detail"]
    assert "clear" in check["fix"]
