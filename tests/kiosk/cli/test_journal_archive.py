"""``kiosk journal archive`` and ``verify-archive`` as a technician and an auditor run
them (subprocesses), against a hub on loopback that keeps the archive and gives it
back to the back office (``kiosk admin archives``)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from kiosk.datadir import DataDir
from kiosk.engine import Accepted, Engine
from kiosk.engine.closures_periodic import close_day
from kiosk.provision import hub_client, load_sync_config
from sync.client import RefusedError
from sync.money import Money
from tests.kiosk.test_provision import Site, hub_site, kiosk, provision


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 10, 14, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from hub_site(tmp_path)


@pytest.fixture
def terminal(site: Site, tmp_path: Path) -> Path:
    """A terminal enrolled with the hub that traded two days in October."""
    data = tmp_path / "data"
    assert provision(data, site).returncode == 0
    clock = Clock()
    engine = Engine.open(data / "kiosk.db", data / "terminal.key", terminal_id=None, clock=clock)
    try:
        assert engine.store.meta("certificate") is not None  # given at enrolment
        for _day in range(2):
            sale = engine.sell("nfc:0A0A0A01", Money(420), details={"vat": {"1000": 420}})
            assert isinstance(sale, Accepted), sale
            clock.now += timedelta(hours=4)
            close_day(engine, "K1")
            clock.now += timedelta(hours=20)
    finally:
        engine.close()
    return data


def admin_env(site: Site) -> dict[str, str]:
    token = site.admin.http.headers["Authorization"].removeprefix("Bearer ")
    return {"KIOSK_ADMIN_URL": site.url, "KIOSK_ADMIN_TOKEN": token, "KIOSK_ADMIN_SITE": "S1"}


def test_an_archive_is_written_kept_by_the_hub_and_verified_by_an_auditor(
    site: Site, terminal: Path, tmp_path: Path
) -> None:
    done = kiosk("journal", "archive", "--period", "2026-10", "--data", str(terminal))
    assert done.returncode == 0, done.stderr
    assert "archive 2026-10" in done.stdout and "hub holds 2026-10" in done.stdout
    (path,) = (terminal / "archives").glob("*-2026-10.jsonl")

    hub_key = site.live.service.public_key
    checked = kiosk("journal", "verify-archive", str(path), "--hub-key", hub_key)
    assert checked.returncode == 0, checked.stderr
    assert "archive ok" in checked.stdout and "checked against the hub's key" in checked.stdout
    assert "3 closures" in checked.stdout  # two days and the month

    # the back office lists it and gets it back, byte for byte
    env = {**os.environ, **admin_env(site)}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        listed = kiosk("admin", "archives", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        (info,) = json.loads(listed.stdout)
        assert info["period"] == "2026-10" and info["site"] == "S1"
        copy = tmp_path / "copy.jsonl"
        got = kiosk("admin", "archives", "get", str(info["id"]), "-o", str(copy))
        assert got.returncode == 0, got.stderr
        assert "verifies" in got.stdout
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert copy.read_bytes() == path.read_bytes()

    # altered: the auditor is told where
    data = bytearray(path.read_bytes())
    second_line = data.index(b"\n") + 1
    at = data.index(b'"amount":-420', second_line)
    data[at + len('"amount":-4')] = ord("1")  # -420 -> -410
    path.write_bytes(bytes(data))
    bad = kiosk("journal", "verify-archive", str(path))
    assert bad.returncode == 1
    assert "line 2 (entry 1)" in bad.stderr and "archive BAD" in bad.stderr


def test_the_hub_refuses_an_altered_archive_and_keeps_a_file_once(
    site: Site, terminal: Path
) -> None:
    done = kiosk(
        "journal", "archive", "--period", "2026-10", "--data", str(terminal), "--no-upload"
    )
    assert done.returncode == 0, done.stderr
    (path,) = (terminal / "archives").glob("*-2026-10.jsonl")
    data = path.read_bytes()
    with hub_client(load_sync_config(DataDir(terminal))) as client:
        first = client.upload_archive(data)
        again = client.upload_archive(data)
        assert first.new and not again.new and again.archive.id == first.archive.id
        altered = data.replace(b'"amount":-420', b'"amount":-410', 1)
        with pytest.raises(RefusedError) as refused:
            client.upload_archive(altered)
        assert refused.value.status == 422 and "line 2" in str(refused.value)
    listed = site.admin.http.get("/v1/admin/sites/S1/archives")
    assert [a["sha256"] for a in listed.json()] == [first.archive.sha256]
    assert httpx.codes.is_success(listed.status_code)


def test_an_archive_written_while_the_hub_is_down_is_given_later(
    site: Site, terminal: Path
) -> None:
    site.live.stop()
    try:
        done = kiosk("journal", "archive", "--period", "2026-10", "--data", str(terminal))
        assert done.returncode == 0, done.stderr  # written and journalled all the same
        assert "not uploaded" in done.stderr and "kiosk journal upload-archives" in done.stderr
    finally:
        site.live.start()
    later = kiosk("journal", "upload-archives", "--data", str(terminal))
    assert later.returncode == 0, later.stderr
    assert "hub holds 2026-10" in later.stdout
    again = kiosk("journal", "upload-archives", "--data", str(terminal))
    assert "the hub holds every archive of this terminal" in again.stdout
    listed = site.admin.http.get("/v1/admin/sites/S1/archives").json()
    assert [a["period"] for a in listed] == ["2026-10"]
