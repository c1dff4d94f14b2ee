"""Health checks of a terminal for ``kiosk doctor``: each gives ok, warn or fail, and a fix.

``diagnose(data)`` runs them all, in order: configuration, store, journal, disk,
pricing, hub, clock, sync, incidents, then each device configured in terminal.toml
``[devices]``. A check never stops the others: a broken store, a hub that is down or
a device that does not answer is reported as its own line, and a check that crashes
is a ``fail`` naming the crash. Nothing here raises for a finding; nothing is repaired either.
"""

from __future__ import annotations

import logging
import queue
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.config import TerminalConfig, load_config
from kiosk.configfile import ConfigError
from kiosk.datadir import DataDir
from kiosk.engine import Engine, Store
from kiosk.engine.errors import EngineError
from kiosk.engine.keys import load_key
from kiosk.engine.ledger import store_settings_problem
from kiosk.engine.pricing.native import Implementation, implementation
from kiosk.engine.schema import MIGRATIONS
from kiosk.provision import (
    CLOCK_FIX,
    SKEW_REFUSE,
    SKEW_WARN,
    hub_client,
    load_sync_config,
    sync_config_path,
)
from sync.client import RefusedError, SyncError
from sync.daemon import journal_behind
from sync.journal import public_key_text
from sync.money import Money
from sync.protocol.incidents import Incident, IncidentKind

log = logging.getLogger(__name__)

GIB = 1024**3
MIB = 1024**2
RESTORE = "stop the kiosk, keep a copy of the data folder for support, restore a backup"
STOP_KIOSK = "if the kiosk runs it holds the device: `systemctl stop kiosk`, then check again"


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class Limits:
    disk_warn: int = GIB
    disk_fail: int = 100 * MIB
    skew_warn: timedelta = SKEW_WARN
    skew_fail: timedelta = SKEW_REFUSE
    lag_fail: timedelta = timedelta(hours=24)  # warn from the site's offline threshold
    hub_timeout_s: float = 5.0
    device_timeout_s: float = 3.0


@dataclass
class _Context:
    """What one check learns for the next (the store, the hub's answer)."""

    data: DataDir
    limits: Limits
    config_path: Path
    store: Store | None = None
    skew: timedelta | None = None
    hub_problem: str | None = None
    config: TerminalConfig | None = None
    checks: list[Check] = field(default_factory=list)
    lost: str | None = None  # what the journal lacks of the hub's copy, found just now
    hub_seq: int | None = None  # the hub's last entry of this terminal, when it answered

    def add(self, name: str, status: Status, detail: str, fix: str = "") -> None:
        self.checks.append(Check(name, status, detail, fix))


def diagnose(
    data: DataDir, config_path: Path | None = None, limits: Limits | None = None
) -> list[Check]:
    """Run every check; the list is in the order shown to the technician."""
    ctx = _Context(data, limits or Limits(), config_path or data.config)
    steps: list[tuple[str, Callable[[_Context], None]]] = [
        ("config", _config),
        ("store", _store),
        ("journal", _journal),
        ("disk", _disk),
        ("pricing", _pricing),
        ("hub", _hub),
        ("clock", _clock),
        ("sync", _sync),
        ("settings", _settings),
        ("incidents", _incidents),
        ("site data", _site_data),
        ("devices", _devices),
        ("card payments", _card_payments),
    ]
    try:
        for name, step in steps:
            try:
                step(ctx)
            except EngineError as exc:  # the store failed under the check: damaged
                ctx.add(name, Status.FAIL, str(exc), RESTORE)
                if ctx.store is not None:
                    ctx.store.close()
                    ctx.store = None
            except Exception as exc:  # a bug or an odd failure must not hide the rest
                log.exception("doctor: check %s crashed", name)
                ctx.add(name, Status.FAIL, f"check crashed: {type(exc).__name__}: {exc}")
    finally:
        if ctx.store is not None:
            ctx.store.close()
    return ctx.checks


def failed(checks: list[Check]) -> bool:
    return any(c.status is Status.FAIL for c in checks)


# Configuration, store, journal, disk ----------------------------------------------------


def _config(ctx: _Context) -> None:
    try:
        ctx.config = load_config(ctx.config_path)
    except ConfigError as exc:
        ctx.add(
            "config", Status.FAIL, str(exc), "correct terminal.toml (see docs/configuration.md)"
        )
        return
    where = ctx.config_path if ctx.config_path.exists() else "defaults (no terminal.toml)"
    if ctx.config.terminal.id is None:
        ctx.add("config", Status.WARN, f"{where}: no terminal id", "run `kiosk provision`")
        return
    ctx.add("config", Status.OK, f"{where}: terminal {ctx.config.terminal.id}")


def _store(ctx: _Context) -> None:
    db = ctx.data.db
    if not db.exists():
        ctx.add("store", Status.FAIL, f"no store at {db}", "provision it: `kiosk provision`")
        return
    try:
        store = Store.open(db, create=False)
    except EngineError as exc:
        ctx.add("store", Status.FAIL, str(exc), RESTORE)
        return
    problems = store.integrity_problems()
    if problems:
        store.close()
        ctx.add("store", Status.FAIL, f"integrity check: {'; '.join(problems[:3])}", RESTORE)
        return
    ctx.store = store
    cannot_write = store.writable()
    if cannot_write is not None:
        ctx.add(
            "store",
            Status.FAIL,
            f"cannot be written, so the kiosk cannot sell: {cannot_write}",
            "check the disk (mounted read-only? full?), the file's owner and mode "
            f"(`chown kiosk {db}`, `chmod 600 {db}`) and attributes (`lsattr {db}`)",
        )
        return
    unknown = sorted(set(store.migrations()) - {name for name, _ in MIGRATIONS})
    if unknown:
        ctx.add(
            "store",
            Status.FAIL,
            f"written by a newer version (migrations {', '.join(unknown)})",
            "install the software version that wrote it",
        )
        return
    bound = store.meta("terminal_id")
    if bound is None:
        ctx.add("store", Status.FAIL, "no terminal bound to the store", "run `kiosk provision`")
        return
    ctx.add("store", Status.OK, f"integrity ok, {len(MIGRATIONS)} migrations, terminal {bound}")


def _journal(ctx: _Context) -> None:
    store, key_path = ctx.store, ctx.data.key
    if store is None or store.meta("terminal_id") is None:
        ctx.add("journal", Status.WARN, "not checked: no usable store")
        return
    if not key_path.exists():
        ctx.add(
            "journal",
            Status.FAIL,
            f"no terminal key at {key_path}: the journal cannot be signed or checked",
            "restore terminal.key from the backup of this terminal",
        )
        return
    try:
        key = load_key(key_path)
    except EngineError as exc:
        ctx.add("journal", Status.FAIL, str(exc), f"`chmod 600 {key_path}`, owned by kiosk")
        return
    expected = store.meta("public_key")
    if expected is not None and expected != public_key_text(key.public_key()):
        ctx.add(
            "journal",
            Status.FAIL,
            f"{key_path} is not the key this store's journal was signed with: "
            "the kiosk cannot sell and the hub would refuse every push",
            "put back this terminal's own terminal.key (from its backup); never "
            "provision a new key over a store that holds a journal",
        )
        return
    report = Engine(store, key, store.terminal_id()).verify()
    if report.ok:
        ctx.add("journal", Status.OK, f"{report.checked} entries verified, last {report.last_seq}")
        return
    ctx.add(
        "journal",
        Status.FAIL,
        f"entry {report.bad_seq}: {report.problem} ({report.checked} entries before it valid)",
        "altered outside the software: stop selling here, keep the data folder as "
        "evidence (`kiosk journal export`) and call support",
    )


def _disk(ctx: _Context) -> None:
    folder = ctx.data.root
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    ctx.checks.append(disk_check(free, folder, ctx.limits))


def disk_check(free: int, folder: Path, limits: Limits) -> Check:
    detail = f"{free / GIB:.2f} GiB free on {folder}"
    fix = "free space: old logs (`journalctl --vacuum-size=100M`), /var/log/kiosk, demo folders"
    if free < limits.disk_fail:
        return Check("disk", Status.FAIL, detail + " (the store may stop accepting sales)", fix)
    if free < limits.disk_warn:
        return Check("disk", Status.WARN, detail, fix)
    return Check("disk", Status.OK, detail)


def _pricing(ctx: _Context) -> None:
    ctx.checks.append(optimiser_check(implementation()))


def optimiser_check(chosen: Implementation) -> Check:
    """The formula optimiser runs compiled, or as plain Python (correct, slower)."""
    if chosen.native:
        return Check("pricing", Status.OK, "formula optimiser compiled with mypyc")
    return Check(
        "pricing",
        Status.WARN,
        f"formula optimiser runs as plain Python, about 3x slower: {chosen.reason}",
        "run scripts/setup (or scripts/build-native) in the install folder, then restart",
    )


# Hub, clock, sync -------------------------------------------------------------------------


def _hub(ctx: _Context) -> None:
    path = sync_config_path(ctx.data)
    if not path.exists():
        ctx.hub_problem = "not enrolled"
        ctx.add("hub", Status.FAIL, f"not enrolled (no {path})", "run `kiosk provision`")
        return
    try:
        config = load_sync_config(ctx.data)
    except ConfigError as exc:
        ctx.hub_problem = "bad sync.toml"
        ctx.add("hub", Status.FAIL, str(exc), "correct sync.toml or `kiosk provision --re-enrol`")
        return
    cursor = ctx.store.sync_status().cursor if ctx.store is not None else 0
    try:
        client = hub_client(config, timeout=ctx.limits.hub_timeout_s)
    except SyncError as exc:
        ctx.hub_problem = "bad sync.toml"
        ctx.add("hub", Status.FAIL, f"{path}: {exc}", "correct sync.toml (ca_file) or restore it")
        return
    with client:
        try:
            ctx.skew = client.clock_skew()
            page = client.changes(cursor, 1)  # the terminal's token, as the daemon uses it
            if ctx.store is not None:  # the hub's head for this terminal against the journal
                ctx.lost = journal_behind(ctx.store, page.applied_seq, page.last_hash)
                ctx.hub_seq = page.applied_seq
        except RefusedError as exc:
            ctx.hub_problem = "token refused"
            ctx.add(
                "hub",
                Status.FAIL,
                f"{config.hub_url} answers but refuses this terminal: {exc.detail}",
                "terminal revoked or token lost: `kiosk provision --re-enrol` with a new token",
            )
            return
        except SyncError as exc:
            ctx.hub_problem = "unreachable"
            ctx.add(
                "hub",
                Status.FAIL,
                f"{config.hub_url} unreachable: {exc}",
                "check the network and that the hub runs "
                f"(`curl {config.hub_url}/v1/health`); sales go on offline meanwhile",
            )
            return
    ctx.add("hub", Status.OK, f"{config.hub_url} answers and accepts this terminal")


def _clock(ctx: _Context) -> None:
    if ctx.skew is None:
        ctx.add("clock", Status.WARN, f"not checked: hub {ctx.hub_problem}", "see the hub line")
        return
    ctx.checks.append(clock_check(ctx.skew, ctx.limits))


def clock_check(skew: timedelta, limits: Limits) -> Check:
    seconds = skew.total_seconds()
    detail = f"{abs(seconds):.1f} s {'behind' if seconds > 0 else 'ahead of'} the hub"
    if abs(skew) > limits.skew_fail:
        return Check("clock", Status.FAIL, detail + ": phone badges are refused", CLOCK_FIX)
    if abs(skew) > limits.skew_warn:
        return Check("clock", Status.WARN, detail, CLOCK_FIX)
    return Check("clock", Status.OK, detail)


def _sync(ctx: _Context) -> None:
    if ctx.store is None:
        ctx.add("sync", Status.WARN, "not checked: no usable store")
        return
    state = ctx.store.sync_status()
    settings = ctx.store.site_settings()
    offline_after = timedelta(seconds=settings.offline_after_s if settings else 900)
    waiting = f"{state.waiting} entries waiting"
    now_fix = "start the sync service (`systemctl start kiosk-sync`) or `kiosk sync now`"
    if state.hub_ahead_seq or ctx.lost:
        ctx.add(
            "sync",
            Status.FAIL,
            f"this store lost journal entries the hub holds (up to entry "
            f"{state.hub_ahead_seq or ctx.hub_seq}; this journal ends at "
            f"{ctx.store.last_seq()}): sales are stopped"
            + ("" if state.hub_ahead_seq else f" at the next sync ({ctx.lost})"),
            f"recover them from the hub: `kiosk journal recover --data {ctx.data.root}` "
            "(checks them with this terminal's key; later sales are kept)",
        )
        return
    if ctx.hub_seq is not None and ctx.hub_seq < state.hub_applied_seq:
        ctx.add(
            "sync",
            Status.WARN,
            f"the hub holds this journal up to entry {ctx.hub_seq}, not "
            f"{state.hub_applied_seq} (restored from a backup?); {waiting}",
            "the next sync sends them again: `kiosk sync now`",
        )
        return
    if state.error_permanent:
        ctx.add(
            "sync",
            Status.FAIL,
            f"push blocked, refused by the hub: {state.last_error}; {waiting}",
            "fix the cause, then `kiosk sync now` (the daemon waits until then)",
        )
        return
    if state.last_success is None:
        ctx.add("sync", Status.WARN, f"never synced; {waiting}", now_fix)
        return
    age = datetime.now(UTC) - state.last_success
    detail = f"last success {_ago(age)} ago; {waiting}"
    if state.last_error:
        detail += f"; last error: {state.last_error}"
    if age > ctx.limits.lag_fail:
        ctx.add("sync", Status.FAIL, detail, now_fix)
    elif age > offline_after or state.failing_since is not None:
        ctx.add("sync", Status.WARN, detail + " (offline: the offline cap applies)", now_fix)
    else:
        ctx.add("sync", Status.OK, detail)


def _settings(ctx: _Context) -> None:
    """The site's settings from the hub are in use (a refused one is kept out)."""
    if ctx.store is None:
        return
    problem = store_settings_problem(ctx.store)
    if problem is None:
        ctx.add("settings", Status.OK, "site settings from the hub in use")
    else:
        fix = "correct the site's settings on the hub (`kiosk admin`), then `kiosk sync now`"
        ctx.add("settings", Status.WARN, problem, fix)


def _incidents(ctx: _Context) -> None:
    """The site's open incidents (overdrafts, double subsidies) the hub has sent."""
    if ctx.store is None:
        ctx.add("incidents", Status.WARN, "not checked: no usable store")
        return
    found = ctx.store.incidents()
    if not found:
        ctx.add("incidents", Status.OK, "no open incident on this site")
        return
    ctx.add(
        "incidents",
        Status.WARN,
        f"{len(found)} open: " + "; ".join(incident_line(i) for i in found[:5]),
        "settle them in the back office (diner top-up, refund), then clear them "
        "(`POST /v1/admin/incidents/ID/clear` with a reason)",
    )


def incident_line(incident: Incident) -> str:
    what = "overdraft" if incident.kind is IncidentKind.OVERDRAFT else "double subsidy"
    return (
        f"#{incident.id} {what} on {incident.account_id} of {Money(incident.amount)} "
        f"by {', '.join(incident.terminals)}"
    )


def _site_data(ctx: _Context) -> None:
    """What the hub must have sent before this terminal can sell: menu, accounts and
    (on a till) a cashier. Each fix names the back-office command to run on the hub."""
    from kiosk.engine.cashiers import count_cashiers
    from kiosk.engine.trays import MENU_ID, MENU_KIND

    store = ctx.store
    if store is None:
        return
    settings = store.site_settings()
    site = settings.site_code if settings is not None else "SITE"
    then = ", then `kiosk sync now` here"
    if store.document_text(MENU_KIND, MENU_ID) is None:
        fix = f"on the hub: `kiosk admin menu publish site.toml --site {site}`{then}"
        ctx.add("menu", Status.FAIL, "no menu on this terminal", fix)
    else:
        ctx.add("menu", Status.OK, "menu received from the hub")
    accounts = store.count_accounts()
    if accounts == 0:
        fix = f"on the hub: `kiosk admin accounts import accounts.csv --site {site}`{then}"
        ctx.add("accounts", Status.FAIL, "no diner account on this terminal", fix)
    else:
        ctx.add("accounts", Status.OK, f"{accounts} accounts")
    if ctx.config is not None and ctx.config.terminal.mode.value != "till":
        return  # a self-service kiosk has no cashier
    cashiers = count_cashiers(store)
    if cashiers == 0:
        fix = (
            f"on the hub: `kiosk admin cashiers add ID --name NAME --badge UID --site {site}` "
            f"and `kiosk admin cashiers pin ID`{then}"
        )
        ctx.add("cashiers", Status.FAIL, "no cashier can log in on this till", fix)
    else:
        ctx.add("cashiers", Status.OK, f"{cashiers} cashier(s) with a PIN")


def _ago(age: timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


# Devices ------------------------------------------------------------------------------------


def _devices(ctx: _Context) -> None:
    if ctx.config is None:
        ctx.add("devices", Status.WARN, "not checked: terminal.toml cannot be read")
        return
    section = ctx.config.devices
    wanted = {
        kind: options
        for kind in ("reader", "scanner", "printer", "payment")
        if (options := getattr(section, kind)) is not None
    }
    if not wanted:
        ctx.add("devices", Status.WARN, "none configured", "declare them in terminal.toml")
        return
    ctx.checks.extend(probe_devices(wanted, ctx.limits.device_timeout_s))


def _card_payments(ctx: _Context) -> None:
    """Card payments whose outcome is not known yet (said only when there are some)."""
    from kiosk.engine import store_payments

    if ctx.store is None:
        return
    with ctx.store.reading() as db:
        waiting = store_payments.pending(db)
    if waiting:
        refs = ", ".join(p.ref for p in waiting[:5])
        fix = (
            "kiosk payments pending --ask, or kiosk payments decide REF from the terminal's ticket"
        )
        ctx.add(
            "card payments", Status.WARN, f"{len(waiting)} pending, outcome unknown: {refs}", fix
        )


@dataclass
class _Probe:
    kind: str
    device: Any
    reports_status: bool = False
    fault: str | None = None
    result: Check | None = None


def probe_devices(wanted: dict[str, dict[str, Any]], timeout: float) -> list[Check]:
    """Open each device through the drivers' registry, all at once, and wait at most
    ``timeout`` seconds for each to attach (and for a printer, to report its status)."""
    from drivers import DeviceFault, create_device, parse_config
    from drivers.errors import ConfigurationError, DriverError, DriverUnavailableError

    events: queue.Queue[Any] = queue.Queue()
    results: dict[str, Check] = {}
    probes: list[_Probe] = []
    for kind, options in wanted.items():
        try:
            reports = kind == "printer" and bool(
                getattr(parse_config(kind, options), "status", False)
            )
            probes.append(_Probe(kind, create_device(kind, options, events).start(), reports))
        except ConfigurationError as exc:
            fix = "correct [devices] in terminal.toml (see config/hardware.md)"
            results[kind] = Check(kind, Status.FAIL, f"devices.{exc}", fix)
        except DriverUnavailableError as exc:
            results[kind] = Check(kind, Status.FAIL, f"needs {exc.missing}", exc.hint)
        except DriverError as exc:
            results[kind] = Check(kind, Status.FAIL, str(exc), STOP_KIOSK)
    with _closing(probes):
        deadline = time.monotonic() + timeout
        while any(p.result is None for p in probes) and time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                event = None
            for probe in probes:
                if isinstance(event, DeviceFault) and event.source == probe.device.source:
                    probe.fault = f"{event.kind}: {event.message}"
                if probe.result is None:
                    probe.result = _settled(probe)
        for probe in probes:
            results[probe.kind] = probe.result or _timed_out(probe, timeout)
    return [results[kind] for kind in wanted]


@contextmanager
def _closing(probes: list[_Probe]) -> Iterator[None]:
    try:
        yield
    finally:
        for probe in probes:
            probe.device.close(timeout=2.0)


def _settled(probe: _Probe) -> Check | None:
    """The check once the device has said enough, else None (keep waiting)."""
    device, kind = probe.device, probe.kind
    if not device.attached:
        # The device thread retries on its own; the first fault is the answer here.
        return None if probe.fault is None else _timed_out(probe, 0)
    name = f"{device.source} ({type(device).__name__})"
    if kind == "payment" and getattr(device, "virtual", False):
        fix = "for the demo only: declare the site's terminal (backend = caisse-ap)"
        return Check(kind, Status.WARN, f"{name}: virtual, no real payment (FACTICE)", fix)
    if kind != "printer":
        return Check(kind, Status.OK, f"{name} present")
    if not probe.reports_status:
        return Check(kind, Status.OK, f"{name} connected (it does not report its status)")
    status = device.last_status
    if status is None:
        return None
    if status.cover_open:
        return Check(kind, Status.FAIL, f"{name}: cover open", "close the printer's cover")
    if status.paper_out:
        return Check(kind, Status.FAIL, f"{name}: out of paper", "load a paper roll")
    if not status.online:
        return Check(
            kind, Status.FAIL, f"{name}: offline", "switch it on; check the cable and the feed"
        )
    if status.paper_low:
        return Check(kind, Status.WARN, f"{name}: paper low", "have a roll ready")
    return Check(kind, Status.OK, f"{name} online, paper ok")


def _timed_out(probe: _Probe, timeout: float) -> Check:
    device = probe.device
    what = probe.fault or f"no answer within {timeout:g} s"
    if device.attached:  # a printer that attached but did not report in time
        return Check(probe.kind, Status.WARN, f"{device.source}: connected, {what}", STOP_KIOSK)
    fix = "check the cable and the configured path (`kiosk devices list`); " + STOP_KIOSK
    return Check(probe.kind, Status.FAIL, f"{device.source}: {what}", fix)
