"""``docs/site-setup.md`` is a test: its ``sh`` blocks, extracted from the file, run in
order in one shell, against a real hub process and a provisioned terminal; then a till
sells a tray to a diner of the imported CSV and takes a cash top-up as the imported
cashier, through the terminal's engine and service, and the hub reports both.

What is not the real system, and why:
- everything installs under a temporary ``--prefix`` (``KIOSK_PREFIX``), with the
  repository as its ``/opt/kiosk`` (a link: no copy, no second virtual environment);
  absolute paths of the commands get the same prefix, and the hub listens on a free
  port instead of 8700;
- ``systemctl start`` runs the ``ExecStart`` of the installed unit in the background
  (the hub, the sync daemon; the touch UI needs a screen and is left out); ``sudo -u``
  runs the command as the current user;
- the commands run from a scratch folder, with the repository's ``scripts/`` named by
  their full path; the PIN prompt reads its two lines from standard input.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.datadir import DataDir
from kiosk.engine import Accepted
from kiosk.engine.cashiers import PinGuard, PinOutcome, cashier_for
from kiosk.service import TillService
from sync.admin_client import AdminClient
from sync.money import Money
from tests.sync.live import free_port

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "site-setup.md"
PIN = "2468"

SYSTEMCTL = """#!/usr/bin/env bash
# systemctl stand-in: `start UNIT...` runs each unit's ExecStart in the background.
set -euo pipefail
if [[ "${1:-}" != start ]]; then echo "systemctl (stand-in): $*: nothing to do"; exit 0; fi
shift
for unit in "$@"; do
    unit=${unit%.service}
    case "$unit" in
        kiosk-hub|kiosk-sync)
            command=$(sed -n 's/^ExecStart=//p' "$KIOSK_PREFIX/etc/systemd/system/$unit.service")
            setsid $command >"$DOC_TEST_LOGS/$unit.log" 2>&1 </dev/null &
            echo $! >>"$DOC_TEST_LOGS/pids"
            ;;
        *) echo "systemctl (stand-in): $unit needs a screen: not started" ;;
    esac
    if [[ "$unit" == kiosk-hub ]]; then
        for _ in $(seq 1 300); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$DOC_TEST_PORT") 2>/dev/null; then break; fi
            sleep 0.1
        done
    fi
done
"""
SUDO = """#!/usr/bin/env bash
# sudo stand-in: runs the command as the current user.
if [[ "${1:-}" == -u ]]; then shift 2; fi
exec "$@"
"""


def shell_blocks(text: str) -> list[str]:
    """The ``sh`` fenced blocks of a Markdown file, in order."""
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def under(root: Path, port: int, block: str) -> str:
    """The block with our absolute paths under ``root`` and the hub on ``port``."""
    block = re.sub(r"(?<![\w/.])(/etc/kiosk-hub|/opt/kiosk|/var/lib/kiosk|/var/log/kiosk)",
                   lambda m: f"{root}{m.group(1)}", block)  # fmt: skip
    block = block.replace("127.0.0.1:8700", f"127.0.0.1:{port}")
    return re.sub(r"(?m)^scripts/", f"{REPO}/scripts/", block)


def test_shell_blocks_are_extracted_in_order() -> None:
    blocks = shell_blocks(DOC.read_text(encoding="utf-8"))
    assert blocks[0].startswith("scripts/install-hub\n")
    assert any("kiosk admin cashiers pin K1" in b for b in blocks)
    assert all("```" not in b for b in blocks)
    assert under(Path("/r"), 9, "cat /opt/kiosk/x http://127.0.0.1:8700") == (
        "cat /r/opt/kiosk/x http://127.0.0.1:9"
    )


def _logs(folder: Path) -> str:
    return "\n".join(f"{p.name}:\n{p.read_text()}" for p in sorted(folder.glob("*.log")))


def _stop(pids_file: Path) -> None:
    if not pids_file.exists():
        return
    for line in pids_file.read_text().split():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(line), signal.SIGTERM)


@pytest.mark.slow
def test_site_setup_doc_from_zero_to_first_sale(tmp_path: Path) -> None:
    names = ("root", "work", "home", "logs", "bin")
    root, work, home, logs, bin_dir = (tmp_path / n for n in names)
    for folder in (work, home, logs, bin_dir, root / "opt"):
        folder.mkdir(parents=True)
    (root / "opt" / "kiosk").symlink_to(REPO)
    for name, text in (("systemctl", SYSTEMCTL), ("sudo", SUDO)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    port = free_port()
    blocks = shell_blocks(DOC.read_text(encoding="utf-8"))
    script = tmp_path / "site-setup.sh"
    script.write_text("set -euo pipefail\n" + "\n".join(under(root, port, b) for b in blocks))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "XDG_CONFIG"))} | {
        "PATH": f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": str(home),
        "KIOSK_PREFIX": str(root),
        "KIOSK_HUB_LISTEN": f"127.0.0.1:{port}",
        "DOC_TEST_LOGS": str(logs),
        "DOC_TEST_PORT": str(port),
        "COLUMNS": "160",
    }
    try:
        run = subprocess.run(
            ["bash", str(script)], cwd=work, env=env, input=f"{PIN}\n{PIN}\n",
            capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
        assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{_logs(logs)}"
        out = run.stdout
        assert "published menu version 1 of ACME-LYON" in out
        assert "imported: 3 created, 0 updated, 0 unchanged, 4 badge(s) assigned" in out
        assert "PIN of cashier K1 set" in out
        assert "enrolled as ACME-LYON-" in out
        assert "caisse 1" in out  # terminals list
        assert "badge nfc:04A1B2C3D4E5F9 lost, nfc:04A1B2C3D4E5FA assigned" in out
        assert "account E1003: 0,00 € -> 5,00 €" in out
        assert "E1002,Bruno Petit,manager" in (work / "accounts-export.csv").read_text()
        login_file = home / ".config" / "kiosk" / "admin.toml"
        stored = tomllib.loads(login_file.read_text())
        assert stat.S_IMODE(login_file.stat().st_mode) == 0o600
        assert stored["token"].startswith("adm_") and stored["token"] not in out

        data = DataDir(root / "var" / "lib" / "kiosk")
        engine = data.open_engine()
        try:
            cashier = cashier_for(engine.store, "nfc:CA5E0001")
            assert cashier is not None and cashier.role == "manager"
            login = PinGuard(engine.store).attempt(cashier.id, PIN, datetime.now(UTC))
            assert login.outcome is PinOutcome.OK
            top_up = engine.top_up("E1001", Money(2000), "cash", cashier.id)
            assert isinstance(top_up, Accepted) and top_up.balance_after == Money(2000)
            till = TillService(engine, cashier=cashier.id)
            sale = till.sell("nfc:04A1B2C3D4E5F6", ["salad", "dish-of-the-day"])
            assert isinstance(sale, Accepted), sale
            assert sale.balance_after == Money(2000) - sale.amount
        finally:
            engine.close()
        synced = subprocess.run(
            ["kiosk", "sync", "now", "--data", str(data.root)], env=env, cwd=work,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert synced.returncode == 0, synced.stderr
        with AdminClient(f"http://127.0.0.1:{port}", stored["token"]) as admin:
            report = admin.day_report("ACME-LYON")
            assert report.net_sales == sale.amount.cents
            assert report.by_means == {"balance": sale.amount.cents, "cash": 2000}
            assert admin.balance("E1001") == 2000 - sale.amount.cents
    finally:
        _stop(logs / "pids")
