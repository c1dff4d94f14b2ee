"""``kiosk admin diner`` (a diner's personal data) against a live hub on loopback, and
``kiosk journal events`` on a terminal's data folder (Click's runner)."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kiosk.cli import main
from kiosk.datadir import DataDir
from kiosk.engine import tech_events
from kiosk.engine.cashiers import add_cashier
from tests.sync.live import LiveHub

CSV = "id,name,profile,badges,email\nE1,Alice Martin,employee,04A1B2C3,alice@example.org\n"


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveHub]:
    monkeypatch.setenv("KIOSK_ADMIN_CONFIG", str(tmp_path / "cfg" / "admin.toml"))
    for name in ("KIOSK_ADMIN_URL", "KIOSK_ADMIN_TOKEN", "KIOSK_ADMIN_SITE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    live = LiveHub(tmp_path / "hub" / "hub.db").start()
    try:
        token = live.service.create_admin_token("tests")
        assert kiosk("admin", "login", "--url", live.url, "--site", "ACME",
                     stdin=token + "\n").exit_code == 0  # fmt: skip
        assert kiosk("admin", "sites", "create", "ACME", "--name", "Acme").exit_code == 0
        yield live
    finally:
        live.stop()


def kiosk(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_export_then_erase_a_diner(hub: LiveHub, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(CSV, encoding="utf-8")
    assert kiosk("admin", "accounts", "import", str(accounts)).exit_code == 0
    out = tmp_path / "E1.json"
    exported = kiosk("admin", "diner", "export", "E1", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    held = json.loads(out.read_text(encoding="utf-8"))
    assert held["account"]["display_name"] == "Alice Martin"
    assert held["details"]["email"] == "alice@example.org"
    assert held["badges"][0]["value"] == "nfc:04A1B2C3"
    # Not confirmed: nothing happens.
    kept = kiosk("admin", "diner", "erase", "E1", stdin="n\n")
    assert kept.exit_code == 1 and "Aborted" in kept.output
    assert json.loads(kiosk("admin", "diner", "export", "E1").output)["details"] is not None
    erased = kiosk("admin", "diner", "erase", "E1", "--yes", "--reason", "left")
    assert erased.exit_code == 0 and "1 badge(s) revoked" in erased.output, erased.output
    after = json.loads(kiosk("admin", "diner", "export", "E1").output)
    assert after["account"]["display_name"] == "" and after["details"] is None
    assert after["account"]["status"] == "closed" and after["badges"][0]["status"] == "revoked"
    unknown = kiosk("admin", "diner", "erase", "NOPE", "--yes")
    assert unknown.exit_code == 1 and "no account NOPE" in unknown.output
    report = json.loads(kiosk("admin", "diner", "retention", "--json").output)
    assert report["site"] == "ACME" and report["accounts_erased"] == []
    listed = kiosk("admin", "diner", "requests")
    assert listed.exit_code == 0 and "Closure requests of ACME" in listed.output


def test_journal_events_lists_the_technical_entries(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "t")
    engine = data.open_engine(terminal_id="T1")
    add_cashier(engine.store, "K1", "Karim", "nfc:CA5E0001", "4821")
    tech_events.record_start(engine, "till", {"ui": {"lang": "fr"}})
    tech_events.JournalledPinGuard(engine).attempt("K1", "0000", engine.now())
    tech_events.record_stop(engine, "till")
    engine.close()
    listed = kiosk("journal", "events", "--data", str(data.root))
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert [line.split()[2] for line in lines] == ["start", "config_change", "pin_failed", "stop"]
    assert "ui.lang: - -> fr" in lines[1] and "cashier K1" in lines[2]
    only = kiosk("journal", "events", "--data", str(data.root), "--kind", "pin_failed", "--json")
    assert only.exit_code == 0, only.output
    [entry] = [json.loads(line) for line in only.output.splitlines()]
    assert entry["kind"] == "pin_failed" and entry["payload"]["cashier"] == "K1"
    bad = kiosk("journal", "events", "--data", str(data.root), "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.output
    assert kiosk("journal", "verify", "--data", str(data.root)).exit_code == 0
