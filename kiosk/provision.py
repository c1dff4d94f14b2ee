"""Provisioning a terminal: enrol it with a hub, write its files, take the first snapshot.

The library behind ``kiosk provision`` (and ``kiosk sync enrol``, which calls
``enrol``). The data folder holds, once provisioned::

    terminal.key    the Ed25519 signing key (0600), kept only once enrolment succeeded
    kiosk.db        the store, bound to the terminal id the hub gave
    sync.toml       hub address and API token (0600)
    terminal.toml   terminal id, site code, mode (and what the technician adds)

Every file is written atomically (temporary file, fsync, rename), so that a failure at
any step leaves the folder as it was or fully enrolled, never in between. Running
``provision`` again re-checks the clock and the hub, pulls what changed and reports
what it changed.

Exception tree (each carries ``fix``: what the technician should do, in words)::

    ProvisionError
     ├── HubUnreachable     no usable answer from the hub (address, network, TLS)
     ├── EnrolmentRefused   unknown site, or token unknown, used or expired
     ├── ClockSkewError     this clock is too far from the hub's for phone badges
     └── StateError         the data folder cannot go on from where it stands
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from kiosk.config import Mode, TerminalConfig, dump_toml, load_config
from kiosk.configfile import ConfigError, load_toml_model
from kiosk.datadir import DataDir
from kiosk.engine import Engine, Store
from kiosk.engine.archive import CERTIFICATE_META, upload_pending
from kiosk.engine.errors import EngineError
from kiosk.engine.keys import load_or_create_key
from kiosk.engine.visits import HUB_KEY_META
from sync.client import HubClient, InvalidInputError, RefusedError, SyncError
from sync.daemon import CycleReport, DaemonSettings, PageHook, SyncDaemon
from sync.journal import public_key_text
from sync.keyfile import write_atomic
from sync.phonebadge import DEFAULT_WINDOW_STEPS, STEP_S
from sync.protocol.messages import MAX_BATCH, MAX_PAGE, ErrorCode

log = logging.getLogger(__name__)

# A phone badge's code is accepted over its own time step and the default window of
# steps either side (90 s with 30 s steps): a clock further off than that from the
# hub's (which mints and times the codes) refuses phone badges, and it stamps
# journal entries at the wrong time.
SKEW_REFUSE = timedelta(seconds=(2 * DEFAULT_WINDOW_STEPS + 1) * STEP_S)
SKEW_WARN = timedelta(seconds=30)
CLOCK_FIX = (
    "set this machine's clock: `timedatectl set-ntp true` (NTP reachable?), "
    "then check `timedatectl status`"
)


class ProvisionError(Exception):
    """Base of provisioning errors: ``str(exc)`` says what, ``fix`` what to do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


class HubUnreachable(ProvisionError):
    pass


class EnrolmentRefused(ProvisionError):
    pass


class ClockSkewError(ProvisionError):
    pass


class StateError(ProvisionError):
    pass


# sync.toml ---------------------------------------------------------------------------


class SyncConfig(BaseModel):
    """``<data>/sync.toml``: how the sync daemon reaches the hub (see ``kiosk.cli.sync``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hub_url: str = Field(pattern=r"^https?://")
    api_token: str = Field(min_length=8)
    ca_file: Path | None = None
    verify_tls: bool = True
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    interval_s: float = Field(default=15.0, gt=0, le=3600)
    batch: int = Field(default=500, ge=1, le=MAX_BATCH)
    page: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE)


def sync_config_path(data: DataDir) -> Path:
    override = os.environ.get("KIOSK_SYNC_CONFIG")
    return Path(override) if override else data.root / "sync.toml"


def load_sync_config(data: DataDir) -> SyncConfig:
    """Raises ``ConfigError`` (naming file, key and reason)."""
    return load_toml_model(sync_config_path(data), SyncConfig)


def sync_config_text(config: SyncConfig) -> str:
    """The TOML of ``config``: the hub and token, then only what differs from defaults."""
    lines = []
    for name in SyncConfig.model_fields:
        value = getattr(config, name)
        if name not in ("hub_url", "api_token") and value == SyncConfig.model_fields[name].default:
            continue
        if isinstance(value, Path):
            value = str(value)
        lines.append(f"{name} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def hub_client(config: SyncConfig, timeout: float | None = None) -> HubClient:
    return HubClient(
        config.hub_url,
        config.api_token,
        verify=config.verify_tls,
        ca_file=config.ca_file,
        timeout=timeout if timeout is not None else config.timeout_s,
    )


def sync_daemon(
    data: DataDir,
    config: SyncConfig,
    settings: DaemonSettings | None = None,
    *,
    timeout: float | None = None,
) -> tuple[SyncDaemon, Store]:
    """The sync daemon of ``data``, on a store connection of its own, with the lock file
    that keeps the service and ``kiosk sync now`` from exchanging at the same time.
    Settings default to the batch, page and interval of ``config``."""
    settings = settings or DaemonSettings(
        batch=config.batch, page=config.page, interval_s=config.interval_s
    )
    store = Store.open(data.db)
    daemon = SyncDaemon(
        store,
        hub_client(config, timeout),
        settings,
        lock_path=data.root / "sync.lock",
        after_sync=lambda client: upload_pending(store, client),
    )
    return daemon, store


# Enrolment ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Enrolled:
    terminal_id: str
    site_code: str
    config: SyncConfig
    key_created: bool
    store_replaced: bool


def _store_facts(data: DataDir) -> tuple[str | None, int, str | None]:
    """(terminal id bound to the existing store, its last journal sequence, site code)."""
    if not data.db.exists():
        return None, 0, None
    try:
        with Store.open(data.db) as store:
            settings = store.site_settings()
            site = settings.site_code if settings is not None else None
            return store.meta("terminal_id"), store.last_seq(), site
    except EngineError as exc:
        raise StateError(
            str(exc), "run `kiosk doctor`; restore the data folder from a backup"
        ) from exc


def _remove_store(data: DataDir) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            data.db.with_name(data.db.name + suffix).unlink()


def _translate(exc: SyncError, hub_url: str, site_code: str) -> ProvisionError:
    if isinstance(exc, RefusedError) and exc.reason == ErrorCode.ENROLMENT_REFUSED:
        return EnrolmentRefused(
            f"the hub refused the enrolment: {exc.detail}",
            f"check the site code {site_code!r} and ask the back office for a new token "
            f"(`kiosk hub enrolment-token --site {site_code}`); a token works once",
        )
    if isinstance(exc, InvalidInputError):
        return EnrolmentRefused(str(exc), "check the site code and copy the token again")
    if isinstance(exc, RefusedError):
        return HubUnreachable(
            f"{hub_url} refused the request: {exc}",
            "check that this address is the hub's (scheme, host, port)",
        )
    return HubUnreachable(
        f"hub {hub_url} unreachable: {exc}",
        f"check the address, the network and that the hub runs (`curl {hub_url}/v1/health`)",
    )


def enrol(
    data: DataDir,
    *,
    hub_url: str,
    site_code: str,
    token: str,
    name: str = "",
    ca_file: Path | None = None,
    replace: bool = False,
) -> Enrolled:
    """Enrol this terminal: key, hub enrolment, store bound to the id, sync.toml.

    The key is created if absent and removed again if the enrolment fails. An existing
    enrolment (sync.toml) is kept unless ``replace``; a store that holds another
    terminal's journal is never replaced (its entries belong to that id).
    """
    target = sync_config_path(data)
    if target.exists() and not replace:
        raise StateError(
            f"{target} exists: this terminal is already enrolled",
            "run `kiosk provision` to re-check it, or `kiosk provision --re-enrol` to enrol again",
        )
    owner, last_seq, _ = _store_facts(data)
    if owner is not None and last_seq > 0:
        # A new enrolment means a new terminal id; these entries are signed under the
        # old one and would never be accepted under the new.
        raise StateError(
            f"{data.db} holds {last_seq} journal entries of terminal {owner}",
            "push them (`kiosk sync now`), move the data folder aside and provision a new one",
        )
    root_created = not data.root.exists()
    key_created = not data.key.exists()
    try:
        key = load_or_create_key(data.key)
    except EngineError as exc:
        raise StateError(str(exc), f"fix the key file's mode (`chmod 600 {data.key}`)") from exc
    try:
        with HubClient(hub_url, ca_file=ca_file) as client:
            reply = client.enrol(site_code, token, public_key_text(key.public_key()), name)
    except SyncError as exc:
        if key_created:
            data.key.unlink(missing_ok=True)
        if root_created:
            with contextlib.suppress(OSError):
                data.root.rmdir()  # only if empty
        raise _translate(exc, hub_url, site_code) from exc
    # Enrolled: from here on the key stays (the hub knows its public half).
    replaced = owner is not None and owner != reply.terminal_id
    if replaced:
        _remove_store(data)  # it held no journal, only a mirror of the hub's rows
    try:
        engine = Engine.open(data.db, data.key, terminal_id=reply.terminal_id)
        try:
            # The hub's key checks visit codes offline (kiosk.engine.visits).
            engine.store.set_meta(HUB_KEY_META, reply.hub_public_key)
            if reply.certificate is not None:  # put in the terminal's archives
                engine.store.set_meta(CERTIFICATE_META, reply.certificate.model_dump_json())
        finally:
            engine.close()
    except EngineError as exc:
        raise StateError(
            f"enrolled as {reply.terminal_id} but the store cannot be written: {exc}",
            "free disk space or fix permissions, then `kiosk provision --re-enrol` "
            "with a new token",
        ) from exc
    config = SyncConfig(
        hub_url=hub_url, api_token=reply.api_token, ca_file=ca_file.resolve() if ca_file else None
    )
    write_atomic(target, sync_config_text(config), 0o600)
    log.info("enrolled as %s on site %s (hub %s)", reply.terminal_id, site_code, hub_url)
    return Enrolled(reply.terminal_id, site_code, config, key_created, replaced)


# Provisioning -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    hub_url: str | None = None
    site_code: str | None = None
    token: str | None = None
    name: str = ""
    mode: Mode | None = None
    ca_file: Path | None = None
    re_enrol: bool = False
    force: bool = False


@dataclass
class Report:
    terminal_id: str
    site_code: str
    hub_url: str
    skew: timedelta
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cycle: CycleReport | None = None


@dataclass(frozen=True, slots=True)
class Current:
    """What the data folder already holds."""

    sync: SyncConfig | None
    terminal: TerminalConfig

    @property
    def enrolled(self) -> bool:
        return self.sync is not None


def current(data: DataDir) -> Current:
    sync_file = sync_config_path(data)
    try:
        sync = load_sync_config(data) if sync_file.exists() else None
        terminal = load_config(data.config, environ={}) if data.config.exists() else None
    except ConfigError as exc:
        raise StateError(str(exc), "correct that file (or move it aside) and run again") from exc
    return Current(sync, terminal or TerminalConfig())


def missing(data: DataDir, request: Request) -> list[str]:
    """The values still needed to go on: among "hub_url", "site_code", "token"."""
    return _missing(current(data), request)


def _missing(state: Current, request: Request) -> list[str]:
    if state.enrolled and not request.re_enrol:
        return []
    needed = ["hub_url", "site_code", "token"]
    return [name for name in needed if not getattr(request, name)]


def check_clock(skew: timedelta, force: bool) -> str | None:
    """A warning, None when fine; raises ``ClockSkewError`` above the badge window."""
    off = abs(skew.total_seconds())
    direction = "behind" if skew.total_seconds() > 0 else "ahead of"
    text = f"this clock is {off:.0f} s {direction} the hub's"
    if off > SKEW_REFUSE.total_seconds():
        if not force:
            raise ClockSkewError(
                f"{text}: phone badges would be refused (window {SKEW_REFUSE.seconds} s)",
                CLOCK_FIX + " (or --force to go on anyway)",
            )
        return f"{text} (forced): {CLOCK_FIX}"
    if off > SKEW_WARN.total_seconds():
        return f"{text}: {CLOCK_FIX}"
    return None


def measure_skew(hub_url: str, ca_file: Path | None, verify: bool = True) -> timedelta:
    try:
        with HubClient(hub_url, verify=verify, ca_file=ca_file, timeout=10) as client:
            return client.clock_skew()
    except SyncError as exc:
        raise _translate(exc, hub_url, "") from exc


def _terminal_toml(
    data: DataDir, state: Current, terminal_id: str, site: str, mode: Mode | None
) -> tuple[str | None, list[str]]:
    """(the new terminal.toml, or None when nothing changes; the keys that changed)."""
    old = state.terminal.terminal
    update = {"id": terminal_id, "site_code": site, "mode": mode or old.mode}
    changed = [k for k, v in update.items() if getattr(old, k) != v]
    if not changed and data.config.exists():
        return None, []
    section = old.model_copy(update=update)
    return dump_toml(state.terminal.model_copy(update={"terminal": section})), changed


def provision(data: DataDir, request: Request, on_page: PageHook | None = None) -> Report:
    """Enrol (unless already enrolled), write the config, check the clock, sync once."""
    state = current(data)
    enrolling = not state.enrolled or request.re_enrol
    base = state.sync
    hub_url = request.hub_url or (base.hub_url if base else None)
    needed = _missing(state, request)
    if needed or hub_url is None:
        flags = ", ".join("--" + n.split("_")[0] for n in needed or ["hub_url"])
        raise StateError(f"missing {flags}", f"give {flags} (or leave out --yes to be asked)")
    ca_file = request.ca_file or (base.ca_file if base else None)
    skew = measure_skew(hub_url, ca_file, base.verify_tls if base else True)
    warning = check_clock(skew, request.force)

    changes: list[str] = []
    warnings = [warning] if warning else []
    if enrolling:
        assert request.site_code and request.token
        done = enrol(
            data,
            hub_url=hub_url,
            site_code=request.site_code,
            token=request.token,
            name=request.name,
            ca_file=ca_file,
            replace=request.re_enrol,
        )
        if done.key_created:
            changes.append(f"created the terminal key {data.key} (mode 0600)")
        if done.store_replaced:
            changes.append("recreated the store (it held no journal entry)")
        changes.append(f"enrolled as {done.terminal_id} on site {done.site_code}")
        changes.append(f"wrote {sync_config_path(data)} (mode 0600)")
        config, terminal_id, site = done.config, done.terminal_id, done.site_code
    else:
        assert base is not None
        terminal_id, stored_site = _bound(data)
        known = state.terminal.terminal.site_code or stored_site
        config, site = base, known or request.site_code or ""
        if request.site_code and known and request.site_code != known:
            raise StateError(
                f"this terminal is enrolled on site {site}, not {request.site_code}",
                "check the site code, or move it with --re-enrol and a token of that site",
            )
        if request.token:
            warnings.append(f"already enrolled as {terminal_id}: token not used (--re-enrol)")
        if hub_url != base.hub_url:
            # Written only once a sync through the new address has worked (below).
            config = base.model_copy(update={"hub_url": hub_url})

    text, keys = _terminal_toml(data, state, terminal_id, site, request.mode)
    if text is not None:
        write_atomic(data.config, text)
        changes.append(f"wrote {data.config} ({', '.join(keys) or 'unchanged values'})")

    report = Report(terminal_id, site, hub_url, skew, changes, warnings)
    report.cycle = _sync(data, config, on_page, first=enrolling)
    if base is not None and not enrolling and config.hub_url != base.hub_url:
        write_atomic(sync_config_path(data), sync_config_text(config), 0o600)
        changes.append(f"hub address: {base.hub_url} -> {hub_url}")
    if report.cycle.pushed:
        changes.append(f"pushed {report.cycle.pushed} journal entries")
    if enrolling:
        changes.append(f"pulled the first snapshot: {report.cycle.rows} rows")
    elif report.cycle.rows:
        changes.append(f"pulled {report.cycle.rows} changed rows")
    return report


def _bound(data: DataDir) -> tuple[str, str | None]:
    owner, _, site = _store_facts(data)
    if owner is None:
        raise StateError(
            f"{sync_config_path(data)} exists but {data.db} has no terminal bound",
            "enrol again with `kiosk provision --re-enrol` and a new token",
        )
    return owner, site


def _sync(data: DataDir, config: SyncConfig, on_page: PageHook | None, first: bool) -> CycleReport:
    daemon, store = sync_daemon(data, config)
    try:
        outcome = daemon.attempt(on_page)
    finally:
        daemon.client.close()
        store.close()
    if isinstance(outcome, SyncError):
        then = "the first snapshot is not here yet" if first else "nothing pulled"
        if isinstance(outcome, RefusedError) and outcome.status in (401, 403):
            raise StateError(
                f"the hub refused this terminal's token ({outcome.detail}); {then}",
                "the terminal was revoked or its token lost: `kiosk provision --re-enrol` "
                "with a new token",
            ) from outcome
        raise HubUnreachable(
            f"sync with {config.hub_url} failed: {outcome}; {then}",
            "run `kiosk provision` again once the hub answers (enrolment is kept)",
        ) from outcome
    return outcome
