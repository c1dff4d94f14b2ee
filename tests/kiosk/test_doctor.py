"""``kiosk doctor`` as a technician runs it (a subprocess): on a healthy terminal, on a
broken one (tampered journal, hub down, printer out of paper, scanner unplugged), on a
folder with no store and on a store that is not a database."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.datadir import DataDir
from kiosk.demo.site import EXAMPLE_SITE
from kiosk.doctor import Limits, Status, clock_check, disk_check, optimiser_check
from kiosk.engine import Accepted
from kiosk.engine.pricing import native
from kiosk.engine.trays import menu_document
from kiosk.sitefile import load_site_menu
from sync.money import Money
from sync.protocol.rows import SiteSettings
from tests.drivers.sims.printers import TcpPrinter
from tests.kiosk.test_provision import Site, hub_site, kiosk, provision


def doctor(data: Path) -> tuple[int, dict[str, dict[str, str]]]:
    result = kiosk("doctor", "--data", str(data), "--json", "--device-timeout", "3")
    checks = json.loads(result.stdout)
    return result.returncode, {c["name"]: c for c in checks}


def add_devices(data: Path, **devices: str) -> None:
    with (data / "terminal.toml").open("a", encoding="utf-8") as file:
        file.write("\n[devices]\n")
        for kind, table in devices.items():
            file.write(f"{kind} = {table}\n")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from hub_site(tmp_path)


@pytest.fixture
def printer() -> Iterator[TcpPrinter]:
    sim = TcpPrinter()
    try:
        yield sim
    finally:
        sim.close()


def sell(data: Path, times: int) -> None:
    engine = DataDir(data).open_engine()
    try:
        for _ in range(times):
            assert isinstance(engine.sell("nfc:0A0A0A01", Money(300)), Accepted)
    finally:
        engine.close()


def publish_menu_and_cashier(site: Site) -> None:
    """What the back office gives a site before its tills sell (kiosk admin ...)."""
    menu = menu_document(load_site_menu(EXAMPLE_SITE))
    site.admin.post("/v1/admin/sites/S1/menu", {"menu": menu}, expect=201)
    cashier = {"id": "K1", "name": "Karim", "badge": "nfc:CA5E0001"}
    site.admin.post("/v1/admin/sites/S1/cashiers", cashier)
    site.admin.post("/v1/admin/sites/S1/cashiers/K1/pin", {"pin": "2468"})


def test_healthy_terminal(site: Site, tmp_path: Path, printer: TcpPrinter) -> None:
    data = tmp_path / "terminal"
    publish_menu_and_cashier(site)
    assert provision(data, site).returncode == 0
    add_devices(
        data,
        reader='{ backend = "virtual" }',
        printer=f'{{ backend = "network", host = "127.0.0.1", port = {printer.port} }}',
    )
    sell(data, 2)
    assert kiosk("sync", "now", "--data", str(data)).returncode == 0

    code, checks = doctor(data)
    assert code == 0, checks
    assert checks["pricing"]["status"] in {"ok", "warn"}  # warn: no compiled build here
    for name in ("config", "store", "journal", "hub", "clock", "sync", "reader", "printer",
                 "menu", "accounts", "cashiers"):  # fmt: skip
        assert checks[name]["status"] == "ok", checks[name]
    assert checks["journal"]["detail"].startswith("2 entries verified")
    assert "0 entries waiting" in checks["sync"]["detail"]
    assert "paper ok" in checks["printer"]["detail"]

    table = kiosk("doctor", "--data", str(data))
    assert table.returncode == 0 and "journal" in table.stdout and "fail" not in table.stdout


def test_broken_terminal_names_each_fault_and_its_fix(
    site: Site, tmp_path: Path, printer: TcpPrinter
) -> None:
    data = tmp_path / "terminal"
    assert provision(data, site).returncode == 0
    add_devices(
        data,
        reader='{ backend = "virtual" }',
        scanner=f'{{ backend = "serial", port = "{tmp_path / "no-such-tty"}" }}',
        printer=f'{{ backend = "network", host = "127.0.0.1", port = {printer.port} }}',
    )
    printer.paper_out = True
    sell(data, 3)
    raw = sqlite3.connect(data / "kiosk.db")
    raw.execute("DROP TRIGGER journal_no_update")
    raw.execute("UPDATE journal SET amount = amount - 100 WHERE seq = 2")
    raw.commit()
    raw.close()
    site.live.stop()

    code, checks = doctor(data)
    assert code == 1
    assert checks["store"]["status"] == "ok"  # the file is sound; its content is not
    journal = checks["journal"]
    assert journal["status"] == "fail" and journal["detail"].startswith("entry 2:")
    assert "support" in journal["fix"]
    assert checks["hub"]["status"] == "fail" and "unreachable" in checks["hub"]["detail"]
    assert "/v1/health" in checks["hub"]["fix"]
    assert checks["clock"]["status"] == "warn" and "not checked" in checks["clock"]["detail"]
    assert checks["reader"]["status"] == "ok"
    assert checks["scanner"]["status"] == "fail" and "no-such-tty" in checks["scanner"]["detail"]
    assert "kiosk devices list" in checks["scanner"]["fix"]
    assert checks["printer"]["status"] == "fail" and "out of paper" in checks["printer"]["detail"]
    assert checks["printer"]["fix"] == "load a paper roll"
    assert "3 entries waiting" in checks["sync"]["detail"]


def test_what_the_hub_has_not_sent_fails_with_the_back_office_command(
    site: Site, tmp_path: Path
) -> None:
    site.admin.site("EMPTY", site_name="Nothing yet")
    data = tmp_path / "terminal"
    token = site.admin.enrolment_token("EMPTY")
    result = kiosk(
        "provision", "--data", str(data), "--hub", site.url, "--site", "EMPTY",
        "--token", token, "--yes",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    code, checks = doctor(data)
    assert code == 1
    for name, command in (
        ("menu", "kiosk admin menu publish site.toml --site EMPTY"),
        ("accounts", "kiosk admin accounts import accounts.csv --site EMPTY"),
        ("cashiers", "kiosk admin cashiers pin ID"),
    ):
        assert checks[name]["status"] == "fail", checks[name]
        assert command in checks[name]["fix"] and "kiosk sync now" in checks[name]["fix"]
    run = kiosk("run", "--data", str(data))
    assert run.returncode == 1 and "kiosk admin menu publish" in run.stderr

    publish_menu_and_cashier(site)  # on S1: this terminal's site still lacks them
    assert kiosk("sync", "now", "--data", str(data)).returncode == 0
    assert doctor(data)[1]["menu"]["status"] == "fail"


def test_no_store_and_a_store_that_is_not_a_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, checks = doctor(empty)
    assert code == 1
    assert checks["store"]["status"] == "fail" and "kiosk provision" in checks["store"]["fix"]
    assert checks["hub"]["status"] == "fail" and "not enrolled" in checks["hub"]["detail"]
    assert checks["journal"]["status"] == "warn" and checks["disk"]["status"] != "fail"
    assert not (empty / "kiosk.db").exists()  # looking does not create one

    (empty / "kiosk.db").write_bytes(b"this is not a database" * 200)
    code, checks = doctor(empty)
    assert code == 1
    assert checks["store"]["status"] == "fail" and "backup" in checks["store"]["fix"]
    assert checks["sync"]["status"] == "warn"


def test_missing_key_fails_the_journal(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "terminal"
    assert provision(data, site).returncode == 0
    (data / "terminal.key").rename(tmp_path / "elsewhere.key")
    code, checks = doctor(data)
    assert code == 1 and checks["journal"]["status"] == "fail"
    assert "no terminal key" in checks["journal"]["detail"]
    assert not (data / "terminal.key").exists()  # doctor never makes a new key


@pytest.mark.parametrize(
    ("free_mib", "expected"), [(50, Status.FAIL), (500, Status.WARN), (4096, Status.OK)]
)
def test_disk_thresholds(free_mib: int, expected: Status) -> None:
    assert disk_check(free_mib * 1024**2, Path("/x"), Limits()).status is expected


def test_pricing_check_warns_when_the_optimiser_is_not_compiled() -> None:
    slow = optimiser_check(native.choose(None, native.source_digest()))
    assert slow.status is Status.WARN
    assert "plain Python" in slow.detail and "scripts/setup" in slow.fix
    built = ModuleType(native.NATIVE_NAME)
    built.SOURCE_SHA256 = native.source_digest()  # type: ignore[attr-defined]
    built.__file__ = "/opt/kiosk/kiosk_optimiser_native.so"
    fast = optimiser_check(native.choose(built, native.source_digest()))
    assert fast.status is Status.OK and "mypyc" in fast.detail


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(-120, Status.FAIL), (95, Status.FAIL), (-40, Status.WARN), (31, Status.WARN), (2, Status.OK)],
)
def test_clock_thresholds(seconds: float, expected: Status) -> None:
    check = clock_check(timedelta(seconds=seconds), Limits())
    assert check.status is expected
    assert (check.fix != "") == (expected is not Status.OK)


def test_help_has_examples() -> None:
    for command in ("provision", "doctor"):
        result = kiosk(command, "--help")
        assert result.returncode == 0 and "Example" in result.stdout, result.stdout


def test_sync_enrol_and_provision_share_the_enrolment(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "terminal"
    args = ("--hub", site.url, "--site", "S1", "--token")
    refused = kiosk("sync", "enrol", "--data", str(data), *args, "enr_unknown99")
    assert refused.returncode == 1 and "fix:" in refused.stderr and not data.exists()
    enrolled = kiosk("sync", "enrol", "--data", str(data), *args, site.token())
    assert enrolled.returncode == 0, enrolled.stderr
    # provision picks up that enrolment: no second terminal, only the config it adds
    after = kiosk("provision", "--data", str(data), "--yes")
    assert after.returncode == 0, after.stderr
    assert "enrolled as" not in after.stdout and "terminal.toml (id, site_code)" in after.stdout
    assert len(site.terminals()) == 1


def test_refused_site_settings_are_reported(site: Site, tmp_path: Path) -> None:
    data = tmp_path / "terminal"
    assert provision(data, site).returncode == 0
    engine = DataDir(data).open_engine()
    try:
        bad = SiteSettings(site_code="S1", timezone="Europe/Pariss")
        engine.store.apply_snapshot(
            accounts=[], credentials=[], settings=bad, applied_seq=0, cursor=0
        )
        assert engine.settings().timezone != "Europe/Pariss"
    finally:
        engine.close()
    _, checks = doctor(data)
    assert checks["settings"]["status"] == "warn"
    assert "Europe/Pariss" in checks["settings"]["detail"] and checks["settings"]["fix"]
