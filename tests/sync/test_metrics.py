"""``GET /metrics``: counters of what the hub did and the terminals' state, behind an
admin token, right with several hub processes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client.parser import text_string_to_metric_families

from sync.client import RefusedError, SequenceGapError
from sync.journal import format_ts, public_key_text
from sync.protocol.messages import EnrolRequest
from sync.protocol.rows import SiteSettings
from sync.server import open_hub
from sync.server.metrics import (
    DB_SECONDS,
    MULTIPROC_ENV,
    exposition,
    prepare_workers,
    timed_class,
)
from sync.server.storage import SqliteStorage
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, LiveHub, make_site

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(admin: Admin) -> Samples:
    response = admin.http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin, "S1")
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 1000})
    return "S1"


def test_metrics_need_an_admin_token(live_hub: LiveHub) -> None:
    with httpx.Client(base_url=live_hub.url) as http:
        assert http.get("/metrics").status_code == 401
        bad = http.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40})
        assert bad.status_code == 401


def test_pushes_refusals_lag_and_timings_are_counted(
    site: str, enrol: EnrolFn, admin: Admin
) -> None:
    before = scrape(admin)
    term, client = enrol(site)
    for _ in range(3):
        term.sell("A1", 100)
    client.push(term.entries)
    client.push(term.entries[1:])  # two duplicates
    term.sell("A1", 100)
    term.sell("A1", 100)
    with pytest.raises(SequenceGapError):
        client.push(term.entries[4:])  # seq 5 without 4: refused, nothing applied
    with pytest.raises(RefusedError):
        client.changes(-1, 10)  # 422 invalid
    client.changes(0, 100)
    after = scrape(admin)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("kiosk_hub_entries_total", result="applied") == 3
    assert grew("kiosk_hub_entries_total", result="duplicate") == 2
    assert grew("kiosk_hub_pushes_total") == 2
    assert grew("kiosk_hub_refusals_total", reason="invalid") == 1
    assert grew("kiosk_hub_refusals_total", reason="sequence_gap") == 1
    assert grew("kiosk_hub_request_seconds_count", endpoint="push") >= 2
    assert grew("kiosk_hub_request_seconds_count", endpoint="changes") == 1
    assert grew("kiosk_hub_db_seconds_count", operation="apply_entries") == 1
    me = {"site": "S1", "terminal": term.terminal_id}
    assert value(after, "kiosk_hub_terminal_applied_seq", **me) == 3
    assert 0 <= value(after, "kiosk_hub_terminal_seconds_since_sync", **me) < 60
    assert value(after, "kiosk_hub_terminals", site="S1") == 1


def test_timing_a_storage_keeps_its_class_and_results(tmp_path: Path) -> None:
    timed = timed_class(SqliteStorage)
    assert issubclass(timed, SqliteStorage) and timed_class(SqliteStorage) is timed
    assert "list_sites" in vars(timed) and "close" not in vars(timed)
    before = DB_SECONDS.labels(operation="list_sites")._sum.get()
    storage = SqliteStorage(tmp_path / "hub.db")
    try:
        storage.__class__ = timed
        assert storage.list_sites() == []
        assert DB_SECONDS.labels(operation="list_sites")._sum.get() > before
    finally:
        storage.close()


def test_the_workers_counters_are_summed_and_a_new_run_starts_from_zero(
    live_hub: LiveHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "metrics"
    monkeypatch.setenv(MULTIPROC_ENV, str(folder))
    (folder).mkdir()
    (folder / "counter_999.db").write_bytes(b"an earlier run")
    assert prepare_workers() == folder and not list(folder.glob("*.db"))
    worker = "from sync.server import metrics; metrics.pushed(3, 1); metrics.refused('invalid')"
    for _ in range(2):  # two worker processes, each with its own file
        subprocess.run([sys.executable, "-c", worker], check=True, env=dict(os.environ))
    text = exposition(live_hub.service).decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert value(samples, "kiosk_hub_entries_total", result="applied") == 6
    assert value(samples, "kiosk_hub_entries_total", result="duplicate") == 2
    assert value(samples, "kiosk_hub_pushes_total") == 2
    assert value(samples, "kiosk_hub_refusals_total", reason="invalid") == 2


def test_workers_get_a_folder_of_their_own_when_none_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    folder = prepare_workers()
    try:
        assert folder.is_dir() and os.environ[MULTIPROC_ENV] == str(folder)
    finally:
        monkeypatch.delenv(MULTIPROC_ENV)
        folder.rmdir()


def test_a_pull_marks_its_terminal_seen_at_most_every_ten_seconds(tmp_path: Path) -> None:
    hub = open_hub(tmp_path / "hub.db")
    try:
        start = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        hub.clock = lambda: start
        hub.create_site(SiteSettings(site_code="S1"))
        token, _ = hub.create_enrolment_token("S1", ttl=timedelta(hours=1))
        key = public_key_text(Ed25519PrivateKey.generate().public_key())
        api = hub.enrol(EnrolRequest(site_code="S1", token=token, public_key=key)).api_token

        def pull_at(seconds: float) -> str | None:
            hub.clock = lambda: start + timedelta(seconds=seconds)
            hub.changes(hub.terminal_for(api), 0, 10)
            return hub.terminal_for(api).last_seen

        assert pull_at(0) == format_ts(start)
        assert pull_at(9) == format_ts(start)  # no write for each page of a snapshot
        assert pull_at(10) == format_ts(start + timedelta(seconds=10))
    finally:
        hub.storage.close()
