"""``scripts/install-hub`` and ``scripts/install-terminal`` under ``--prefix`` and with
``--dry-run`` (no user, no systemctl: nothing outside the prefix is touched)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kiosk.hubconfig import load_hub_config

REPO = Path(__file__).resolve().parents[1]


def script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return subprocess.run(
        [str(REPO / "scripts" / name), *args],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A prefix whose /opt/kiosk is this repository (no copy, no new venv)."""
    (tmp_path / "opt").mkdir()
    (tmp_path / "opt" / "kiosk").symlink_to(REPO)
    return tmp_path


def test_dry_run_prints_the_steps_and_changes_nothing(root: Path) -> None:
    done = script("install-hub", "--prefix", str(root), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"+ install -d -m 0700 {root}/var/lib/kiosk-hub" in done.stdout
    assert "(under --prefix, skipped: systemctl enable kiosk-hub.service)" in done.stdout
    assert sorted(p.name for p in root.iterdir()) == ["opt"]
    terminal = script("install-terminal", "--prefix", str(root), "--dry-run")
    assert terminal.returncode == 0 and "kiosk-sync.service" in terminal.stdout
    assert sorted(p.name for p in root.iterdir()) == ["opt"]


def test_hub_under_a_prefix_runs_from_there_and_keeps_its_config(root: Path) -> None:
    done = script("install-hub", "--prefix", str(root), "--listen", "127.0.0.1:9123")
    assert done.returncode == 0, done.stderr
    config = load_hub_config(root / "etc" / "kiosk-hub" / "hub.toml")
    assert config.data == root / "var" / "lib" / "kiosk-hub" and config.port == 9123
    unit = (root / "etc" / "systemd" / "system" / "kiosk-hub.service").read_text()
    assert f"ExecStart={root}/opt/kiosk/.venv/bin/kiosk hub --config {root}/etc/kiosk-hub/" in unit
    assert (root / "var" / "lib" / "kiosk-hub").stat().st_mode & 0o777 == 0o700
    (root / "etc" / "kiosk-hub" / "hub.toml").write_text('data = "here"\n')
    again = script("install-hub", "--prefix", str(root))
    assert again.returncode == 0 and "keeping" in again.stdout
    assert (root / "etc" / "kiosk-hub" / "hub.toml").read_text() == 'data = "here"\n'


def test_terminal_under_a_prefix(root: Path) -> None:
    done = script("install-terminal", "--prefix", str(root))
    assert done.returncode == 0, done.stderr
    unit = (root / "etc" / "systemd" / "system" / "kiosk-sync.service").read_text()
    assert f"--data {root}/var/lib/kiosk" in unit
    assert (root / "etc" / "logrotate.d" / "kiosk").exists()


def test_bad_options_are_refused(root: Path) -> None:
    bad = script("install-hub", "--prefix", str(root), "--listen", "nowhere")
    assert bad.returncode == 2 and "HOST:PORT" in bad.stderr
    unknown = script("install-terminal", "--prefix", str(root), "--colour")
    assert unknown.returncode == 2 and "--colour" in unknown.stderr
    assert "--prefix DIR" in script("install-hub", "--help").stdout
