"""``kiosk payments pending/decide/report`` on a terminal's data folder, against the
Caisse-AP simulator."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from drivers.config import CaisseApPaymentConfig
from drivers.payment.caisse_ap_ip import CaisseApTerminal
from kiosk.cardpay import CardDesk
from kiosk.cli import main
from kiosk.datadir import DataDir
from kiosk.doctor import Limits, Status, diagnose
from kiosk.engine import Engine
from sync.money import Money
from tests.drivers.conftest import wait_until
from tests.drivers.sims.caisse_ap import Behaviour, CaisseApSim
from tests.kiosk.engine.conftest import seed


@pytest.fixture
def sim() -> Iterator[CaisseApSim]:
    with CaisseApSim() as simulator:
        yield simulator


@pytest.fixture
def folder(tmp_path: Path, sim: CaisseApSim) -> Path:
    """A data folder with an approved, a declined and a pending card top-up."""
    engine = Engine.open(tmp_path / "kiosk.db", tmp_path / "terminal.key", terminal_id="T1")
    seed(engine)
    config = CaisseApPaymentConfig(host="127.0.0.1", port=sim.port, timeout=0.3)
    with CaisseApTerminal(config, queue.Queue()) as terminal:
        wait_until(lambda: terminal.available)
        desk = CardDesk(engine, terminal)
        assert desk.top_up("A1", Money(2000)).approved
        sim.then(Behaviour.DECLINE, Behaviour.LOST_REPLY)
        assert desk.top_up("A1", Money(1000)).refused is not None
        assert desk.top_up("A2", Money(1500)).pending
    engine.close()
    (tmp_path / "terminal.toml").write_text(
        f'[devices.payment]\nbackend = "caisse-ap"\nhost = "127.0.0.1"\nport = {sim.port}\n'
    )
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["payments", *args])
    return result.exit_code, result.output


def test_pending_lists_then_asks_the_terminal(folder: Path) -> None:
    code, output = run("pending", "--data", str(folder))
    assert code == 1 and "15,00" in output and "A2" in output
    code, output = run("pending", "--data", str(folder), "--ask")
    assert code == 0, output
    assert "settled by the terminal: approved" in output
    assert "no card payment pending" in output


def test_decide_is_journalled_with_the_cashier(folder: Path) -> None:
    _code, output = run("pending", "--data", str(folder))
    ref = output.split()[0]
    code, output = run("decide", ref, "--approved", "--cashier", "K1", "--data", str(folder))
    assert code == 0 and "account credited" in output, output
    code, output = run("decide", ref, "--not-debited", "--cashier", "K1", "--data", str(folder))
    assert code != 0 and "already settled" in output


def test_report_reconciles_with_the_terminal_total(folder: Path) -> None:
    code, output = run("report", "--data", str(folder), "--day", "2020-01-01")
    assert code == 0 and "Total accepté (journal) : 0,00" in output
    day = Engine.open(folder / "kiosk.db", folder / "terminal.key", terminal_id=None)
    today = day.business_day()
    day.close()
    code, output = run("report", "--data", str(folder), "--day", today, "--terminal-total", "35.00")
    assert code == 1  # 15,00 still pending, and the terminal has 15,00 more
    assert "Total accepté (journal) : 20,00" in output
    assert "En attente de vérification : 15,00" in output
    assert "Écart : 15,00" in output
    run("pending", "--data", str(folder), "--ask")
    code, output = run("report", "--data", str(folder), "--day", today, "--terminal-total", "35")
    assert code == 0 and "Écart : aucun" in output, output


def test_a_folder_without_a_store_is_refused(tmp_path: Path) -> None:
    code, output = run("pending", "--data", str(tmp_path / "nope"))
    assert code != 0 and "not a terminal's data folder" in output
    assert not (tmp_path / "nope").exists()


def test_kiosk_run_names_a_bad_payment_option(tmp_path: Path) -> None:
    """``[devices.payment]`` is read: a misspelt option stops ``kiosk run`` with its name."""
    folder = tmp_path / "t"
    Engine.open(folder / "kiosk.db", folder / "terminal.key", terminal_id="T9").close()
    (folder / "terminal.toml").write_text(
        '[terminal]\nmode = "kiosk"\n'
        '[devices.payment]\nbackend = "caisse-ap"\nhost = "x"\nprot = 1\n'
    )
    site = Path(__file__).parents[3] / "config" / "example-site.toml"
    result = CliRunner().invoke(main, ["run", "--data", str(folder), "--site", str(site)])
    assert result.exit_code == 1
    assert "payment.prot: unknown option" in result.output
    engine = Engine.open(folder / "kiosk.db", folder / "terminal.key", terminal_id=None)
    assert engine.store.journal_after(0, 10) == []  # not started: no START entry
    engine.close()


def test_doctor_reports_the_terminal_and_pending_payments(folder: Path) -> None:
    checks = {c.name: c for c in diagnose(DataDir(folder), limits=Limits(device_timeout_s=10))}
    assert checks["payment"].status is Status.OK, checks["payment"]
    pending = checks["card payments"]
    assert pending.status is Status.WARN and "1 pending" in pending.detail
    assert "kiosk payments pending --ask" in pending.fix
    run("pending", "--data", str(folder), "--ask")
    checks = {c.name: c for c in diagnose(DataDir(folder), limits=Limits(device_timeout_s=10))}
    assert "card payments" not in checks
