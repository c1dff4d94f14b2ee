"""Every terminal command on a damaged store, key, config or environment value says
what is wrong in one clean line and exits 1, never a traceback; and read-only commands
create nothing (no folder, no store, no key). The real ``kiosk`` command, in a
subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine import Accepted, Engine, Store
from kiosk.engine.errors import KeyMismatch
from kiosk.engine.keys import load_or_create_key
from sync.journal import public_key_text
from sync.money import Money
from sync.protocol.rows import AccountRow, CredentialKind, CredentialRow, SiteSettings

ROOT = Path(__file__).parents[3]
READ_ONLY = [
    ("sync", "status"),
    ("journal", "verify"),
    ("journal", "export"),
    ("doctor", "--json", "--device-timeout", "0.2", "--hub-timeout", "0.5"),
]


def kiosk(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT), **(env or {})}
    full.pop("KIOSK_SYNC_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        cwd=cwd, capture_output=True, text=True, env=full, timeout=120, check=False,
    )  # fmt: skip


def one_clean_line(result: subprocess.CompletedProcess[str]) -> str:
    """The error as a technician sees it: exit 1, one line, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def terminal(folder: Path, sales: int = 2) -> Path:
    """A terminal's data folder: a bound store with a few sales, its key."""
    engine = Engine.open(folder / "kiosk.db", folder / "terminal.key", terminal_id="T1")
    try:
        engine.store.apply_snapshot(
            accounts=[AccountRow(id="A1", display_name="Ada", balance=5000)],
            credentials=[
                CredentialRow(value="nfc:0F0F0F01", kind=CredentialKind.NFC, account_id="A1")
            ],
            settings=SiteSettings(site_code="S1"),
            applied_seq=0,
            cursor=1,
        )
        engine.store.record_sync_result(ok=True)
        for _ in range(sales):
            assert isinstance(engine.sell("nfc:0F0F0F01", Money(300)), Accepted)
    finally:
        engine.close()
    return folder


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return terminal(tmp_path / "t")


# Diagnostics have no side effects (a mistyped folder, a folder without a key) -------


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: " ".join(c[:2]))
def test_a_mistyped_folder_is_refused_and_not_created(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    line = one_clean_line(kiosk(*command, "--data", "var/kiosk-typo", cwd=tmp_path))
    assert "not a terminal's data folder" in line
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("command", READ_ONLY[:3], ids=lambda c: " ".join(c[:2]))
def test_a_folder_without_a_store_is_refused_and_nothing_made(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    (tmp_path / "empty").mkdir()
    line = one_clean_line(kiosk(*command, "--data", "empty", cwd=tmp_path))
    assert "no kiosk.db" in line
    assert list((tmp_path / "empty").iterdir()) == []


def test_verify_without_the_key_does_not_make_one(data: Path) -> None:
    (data / "terminal.key").unlink()
    line = one_clean_line(kiosk("journal", "verify", "--data", str(data), cwd=data))
    assert "terminal key is missing" in line and "backup" in line
    assert not (data / "terminal.key").exists()


def test_a_store_bound_to_no_terminal_gets_no_key(tmp_path: Path) -> None:
    Store.open(tmp_path / "t" / "kiosk.db").close()
    line = one_clean_line(kiosk("journal", "verify", "--data", "t", cwd=tmp_path))
    assert "no terminal is bound" in line
    assert not (tmp_path / "t" / "terminal.key").exists()


# The terminal key is never replaced silently ------------------------------------------


def bound_key(data: Path) -> str:
    raw = sqlite3.connect(data / "kiosk.db")
    try:
        return str(raw.execute("SELECT value FROM meta WHERE key = 'public_key'").fetchone()[0])
    finally:
        raw.close()


def test_a_swapped_key_is_a_fault_for_run_verify_and_doctor(data: Path) -> None:
    bound = bound_key(data)
    (data / "terminal.key").unlink()
    load_or_create_key(data / "terminal.key")  # another key in its place
    for command in (("journal", "verify"), ("run",)):
        line = one_clean_line(kiosk(*command, "--data", str(data), cwd=data))
        assert "not the key this store's journal is signed with" in line, line
    result = kiosk("doctor", "--data", str(data), "--json", "--hub-timeout", "0.5", cwd=data)
    assert result.returncode == 1
    journal = {c["name"]: c for c in json.loads(result.stdout)}["journal"]
    assert journal["status"] == "fail" and "terminal.key" in journal["fix"]
    assert bound_key(data) == bound  # the store was not rebound to the new key


def test_a_missing_key_is_a_fault_for_run(data: Path) -> None:
    (data / "terminal.key").unlink()
    line = one_clean_line(kiosk("run", "--data", str(data), cwd=data))
    assert "terminal key is missing" in line
    assert not (data / "terminal.key").exists()


def test_the_engine_never_rebinds_a_store_to_another_key(tmp_path: Path) -> None:
    folder = terminal(tmp_path / "t", sales=1)
    other = tmp_path / "other.key"
    load_or_create_key(other)
    with pytest.raises(KeyMismatch):
        Engine.open(folder / "kiosk.db", other, terminal_id="T1")
    engine = Engine.open(folder / "kiosk.db", folder / "terminal.key", terminal_id=None)
    try:
        assert engine.store.meta("public_key") == public_key_text(engine.public_key)
        assert engine.verify().ok
    finally:
        engine.close()
    with pytest.raises(KeyMismatch):
        engine = Engine.open(folder / "kiosk.db", folder / "terminal.key", terminal_id=None)
        engine.store.bind_terminal("T1", public_key_text(Ed25519PrivateKey.generate().public_key()))


# One clean line, never a traceback -------------------------------------------------------


def test_log_level_that_is_not_one(data: Path) -> None:
    line = one_clean_line(
        kiosk("sync", "status", "--data", str(data), cwd=data, env={"KIOSK_LOG_LEVEL": "LOUD"})
    )
    assert "KIOSK_LOG_LEVEL" in line and "LOUD" in line
    ok = kiosk("sync", "status", "--data", str(data), cwd=data, env={"KIOSK_LOG_LEVEL": "debug"})
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize(
    "command", [*READ_ONLY, ("run",), ("sync", "now")], ids=lambda c: " ".join(c[:2])
)
def test_data_dir_pointing_at_a_file(tmp_path: Path, command: tuple[str, ...]) -> None:
    (tmp_path / "afile").write_text("not a folder")
    line = one_clean_line(
        kiosk(*command, cwd=tmp_path, env={"KIOSK_DATA_DIR": str(tmp_path / "afile")})
    )
    assert "afile" in line


def damage(db: Path) -> None:
    """Overwrite the journal's pages, as a failing disk would: the file still opens,
    reading the journal fails."""
    raw = sqlite3.connect(db)
    try:
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        root = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'journal'").fetchone()[
            0
        ]
    finally:
        raw.close()
    with db.open("r+b") as file:
        file.seek((root - 1) * page_size + 8)
        file.write(b"\xff\x00garbage" * ((page_size - 8) // 9))


@pytest.mark.parametrize(
    "command", [*READ_ONLY[:3], ("run",)], ids=lambda c: " ".join(c[:2])
)  # fmt: skip
def test_a_damaged_store(data: Path, command: tuple[str, ...]) -> None:
    damage(data / "kiosk.db")
    result = kiosk(*command, "--data", str(data), cwd=data)
    assert "Traceback" not in result.stderr, result.stderr
    if command[0] == "journal":  # these read the damaged pages
        assert "kiosk.db" in one_clean_line(result)
    elif result.returncode:
        one_clean_line(result)


def test_doctor_reports_a_damaged_store_as_a_failure_with_its_fix(data: Path) -> None:
    damage(data / "kiosk.db")
    result = kiosk("doctor", "--data", str(data), "--json", "--hub-timeout", "0.5", cwd=data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    checks = json.loads(result.stdout)
    assert not [c for c in checks if "crashed" in c["detail"]], checks
    store = {c["name"]: c for c in checks}["store"]
    assert store["status"] == "fail" and "backup" in store["fix"]


def test_a_journal_payload_that_is_not_utf8(data: Path) -> None:
    raw = sqlite3.connect(data / "kiosk.db")
    raw.execute("DROP TRIGGER journal_no_update")
    raw.execute("UPDATE journal SET payload = CAST(X'7B22FF22' AS TEXT) WHERE seq = 2")
    raw.commit()
    raw.close()
    for command in (("journal", "verify"), ("journal", "export")):
        line = one_clean_line(kiosk(*command, "--data", str(data), cwd=data))
        assert "kiosk.db" in line or "entry 2" in line, line
    result = kiosk("doctor", "--data", str(data), "--json", "--hub-timeout", "0.5", cwd=data)
    checks = json.loads(result.stdout)
    assert not [c for c in checks if "crashed" in c["detail"]], checks


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A terminal whose store cannot be written, even by root (immutable)."""
    data = terminal(tmp_path / "t")
    paths = [str(data / "kiosk.db")]
    if os.getuid() == 0:
        subprocess.run(["chattr", "+i", *paths], check=True)
    else:
        (data / "kiosk.db").chmod(0o444)
    try:
        yield data
    finally:
        if os.getuid() == 0:
            subprocess.run(["chattr", "-i", *paths], check=True)
        data.chmod(0o755)


@pytest.mark.parametrize("command", READ_ONLY[:3], ids=lambda c: " ".join(c[:2]))
def test_reading_a_read_only_store_works(read_only: Path, command: tuple[str, ...]) -> None:
    result = kiosk(*command, "--data", str(read_only), cwd=read_only.parent)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "command",
    [("run", "--site", str(ROOT / "config" / "example-site.toml")), ("sync", "now")],
    ids=lambda c: c[0] + c[1][:2],
)
def test_writing_a_read_only_store_is_one_line(read_only: Path, command: tuple[str, ...]) -> None:
    (read_only / "sync.toml").write_text(
        'hub_url = "http://127.0.0.1:9"\napi_token = "trm_0123456789"\n'
    )
    line = one_clean_line(kiosk(*command, "--data", str(read_only), cwd=read_only.parent))
    assert "kiosk.db" in line and "read-only" in line, line


def test_doctor_on_a_read_only_store(read_only: Path) -> None:
    result = kiosk(
        "doctor", "--data", str(read_only), "--json", "--hub-timeout", "0.5", cwd=read_only
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert not [c for c in checks.values() if "crashed" in c["detail"]], checks
    store = checks["store"]
    assert store["status"] == "fail" and "cannot be written" in store["detail"]
    assert "lsattr" in store["fix"]


def test_a_sync_config_naming_a_missing_ca_file(data: Path) -> None:
    (data / "sync.toml").write_text(
        'hub_url = "https://127.0.0.1:9"\napi_token = "trm_0123456789"\n'
        f'ca_file = "{data / "no-such-ca.pem"}"\n'
    )
    line = one_clean_line(kiosk("sync", "now", "--data", str(data), cwd=data))
    assert "no-such-ca.pem" in line
    result = kiosk("doctor", "--data", str(data), "--json", "--hub-timeout", "0.5", cwd=data)
    hub = {c["name"]: c for c in json.loads(result.stdout)}["hub"]
    assert hub["status"] == "fail" and "no-such-ca.pem" in hub["detail"]
    assert "crashed" not in hub["detail"]
