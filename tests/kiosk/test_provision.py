"""``kiosk provision`` as a technician runs it (a subprocess) against a hub on loopback.

The hub runs in this process (``LiveHub``) so that a test can skew its clock or stop
it; tokens are minted through its admin API, as the back office would.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from kiosk.datadir import DataDir
from kiosk.engine import Accepted, Store
from sync.money import Money
from tests.sync.live import Admin, LiveHub, free_port

KIOSK = [sys.executable, "-m", "kiosk.cli"]


def kiosk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(Path(__file__).parents[2])}
    env.pop("KIOSK_SYNC_CONFIG", None)
    return subprocess.run(
        [*KIOSK, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@dataclass
class Site:
    """A hub on loopback with site S1 (two diners, one badge) and its admin API."""

    live: LiveHub
    admin: Admin

    @property
    def url(self) -> str:
        return self.live.url

    def token(self, site: str = "S1") -> str:
        return self.admin.enrolment_token(site)

    def terminals(self, site: str = "S1") -> list[dict[str, object]]:
        found: list[dict[str, object]] = self.admin.http.get(
            f"/v1/admin/sites/{site}/terminals"
        ).json()
        return found

    def skew_clock(self, seconds: float) -> None:
        self.live.service.clock = lambda: datetime.now(UTC) + timedelta(seconds=seconds)


def provision(data: Path, site: Site, *extra: str) -> subprocess.CompletedProcess[str]:
    flags = ["--hub", site.url, "--site", "S1", "--token", site.token()]
    return kiosk("provision", "--data", str(data), *flags, "--yes", *extra)


def hub_site(tmp_path: Path) -> Iterator[Site]:
    live = LiveHub(tmp_path / "hub" / "hub.db").start()
    headers = {"Authorization": f"Bearer {live.service.create_admin_token('tests')}"}
    try:
        with httpx.Client(base_url=live.url, headers=headers, timeout=30) as http:
            admin = Admin(http)
            admin.site("S1", site_name="Cantine")
            admin.site("S2", site_name="Autre")
            admin.accounts(
                "S1",
                {"id": "A1", "display_name": "Ada", "balance": 2000},
                {"id": "A2", "display_name": "Bob", "balance": 500},
            )
            admin.badge("nfc:0A0A0A01", "A1")
            yield Site(live, admin)
    finally:
        live.stop()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from hub_site(tmp_path)


def terminal_of(data: Path) -> str:
    with Store.open(data / "kiosk.db") as store:
        return store.terminal_id()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_provision_writes_everything_and_a_rerun_changes_nothing(
    site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "terminal"
    first = provision(data, site, "--name", "borne 1")
    assert first.returncode == 0, first.stderr
    terminal_id = tomllib.loads((data / "terminal.toml").read_text())["terminal"]["id"]
    assert f"enrolled as {terminal_id} on site S1" in first.stdout
    assert "first snapshot" in first.stdout
    assert mode(data / "terminal.key") == 0o600 and mode(data / "sync.toml") == 0o600
    synced = tomllib.loads((data / "sync.toml").read_text())
    assert synced["hub_url"] == site.url and synced["api_token"].startswith("trm_")
    assert [t["id"] for t in site.terminals()] == [terminal_id]
    with Store.open(data / "kiosk.db") as store:
        assert store.terminal_id() == terminal_id
        assert store.count_accounts() == 2
        assert store.credential("nfc:0A0A0A01") is not None
        assert store.sync_status().last_success is not None
        assert store.meta("hub_public_key") == site.live.service.public_key

    files = {p.name: p.read_bytes() for p in data.iterdir() if p.suffix in {".toml", ".key"}}
    again = kiosk("provision", "--data", str(data), "--yes")
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout and terminal_id in again.stdout
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.name in files} == files
    assert len(site.terminals()) == 1

    site.admin.accounts("S1", {"id": "A3", "display_name": "Cy", "balance": 0})
    moved = kiosk("provision", "--data", str(data), "--yes", "--mode", "kiosk")
    assert moved.returncode == 0, moved.stderr
    assert "terminal.toml (mode)" in moved.stdout and "pulled 1 changed rows" in moved.stdout
    config = tomllib.loads((data / "terminal.toml").read_text())["terminal"]
    assert config == {"id": terminal_id, "site_code": "S1", "mode": "kiosk"}

    # The hub's address may change (same hub): written once a sync through it worked.
    new_url = site.url + "/"
    readdressed = kiosk("provision", "--data", str(data), "--hub", new_url, "--yes")
    assert readdressed.returncode == 0, readdressed.stderr
    assert f"hub address: {site.url} -> {new_url}" in readdressed.stdout
    assert tomllib.loads((data / "sync.toml").read_text())["hub_url"] == new_url


def test_missing_values_are_asked_for(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "terminal"
    answers = f"{site.url}\nS1\n{site.token()}\n"
    result = kiosk("provision", "--data", str(data), stdin=answers)
    assert result.returncode == 0, result.stderr
    assert "Hub address" in result.stdout and "enrolled as S1-" in result.stdout

    no_questions = kiosk("provision", "--data", str(tmp_path / "other"), "--yes")
    assert no_questions.returncode == 1
    assert "missing --hub, --site, --token" in no_questions.stderr
    assert not (tmp_path / "other").exists()


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "fix:" in lines[0], result.stderr
    return lines[0]


def test_refused_or_unreachable_writes_nothing(site: Site, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    flags = ("--site", "S1", "--yes")
    error = _one_line_error(
        kiosk("provision", "--data", str(bad), "--hub", site.url, "--token", "enr_nope1234", *flags)
    )
    assert "refused the enrolment" in error and "new token" in error
    assert not bad.exists()

    token = site.token()
    enrolled = kiosk(
        "provision", "--data", str(tmp_path / "t1"), "--hub", site.url, "--token", token, *flags
    )
    assert enrolled.returncode == 0, enrolled.stderr
    reused = kiosk("provision", "--data", str(bad), "--hub", site.url, "--token", token, *flags)
    assert "refused the enrolment" in _one_line_error(reused)
    assert not bad.exists()

    # A folder that already exists keeps only what it had.
    bad.mkdir()
    (bad / "note.txt").write_text("kept")
    nobody = f"http://127.0.0.1:{free_port()}"
    error = _one_line_error(
        kiosk("provision", "--data", str(bad), "--hub", nobody, "--token", site.token(), *flags)
    )
    assert "unreachable" in error and "/v1/health" in error
    assert [p.name for p in bad.iterdir()] == ["note.txt"]
    assert len(site.terminals()) == 1


def test_a_second_site_or_token_on_an_enrolled_terminal_is_refused(
    site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "terminal"
    assert provision(data, site).returncode == 0
    other = kiosk(
        "provision", "--data", str(data), "--site", "S2", "--token", site.token("S2"), "--yes"
    )
    assert "enrolled on site S1, not S2" in _one_line_error(other)
    assert len(site.terminals("S2")) == 0
    spare = provision(data, site)
    assert spare.returncode == 0 and "token not used" in spare.stdout
    assert len(site.terminals()) == 1


def test_clock_skew_warns_then_refuses_unless_forced(site: Site, tmp_path: Path) -> None:
    site.skew_clock(45)
    warned = provision(tmp_path / "warned", site)
    assert warned.returncode == 0, warned.stderr
    assert "warning" in warned.stdout and "behind the hub" in warned.stdout
    assert "timedatectl" in warned.stdout

    site.skew_clock(-150)
    data = tmp_path / "refused"
    error = _one_line_error(provision(data, site))
    assert "ahead of the hub" in error and "phone badges" in error and "timedatectl" in error
    assert not data.exists()
    forced = provision(data, site, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "(forced)" in forced.stdout and (data / "sync.toml").exists()


def test_re_enrol_only_while_the_journal_is_empty(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "terminal"
    assert provision(data, site).returncode == 0
    first_id = terminal_of(data)
    again = provision(data, site, "--re-enrol")
    assert again.returncode == 0, again.stderr
    second_id = tomllib.loads((data / "terminal.toml").read_text())["terminal"]["id"]
    assert second_id != first_id and "recreated the store" in again.stdout
    assert f"enrolled as {second_id}" in again.stdout

    engine = DataDir(data).open_engine()
    try:
        assert isinstance(engine.sell("nfc:0A0A0A01", Money(450)), Accepted)
    finally:
        engine.close()
    key = (data / "terminal.key").read_bytes()
    refused = provision(data, site, "--re-enrol")
    assert "holds 1 journal entries" in _one_line_error(refused)
    assert (data / "terminal.key").read_bytes() == key
    assert terminal_of(data) == second_id
