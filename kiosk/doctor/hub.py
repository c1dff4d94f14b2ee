"""The checks against the hub: hub, clock, sync, settings, incidents, site data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.configfile import ConfigError
from kiosk.doctor.core import Check, Limits, Status, _Context
from kiosk.engine.ledger import store_settings_problem
from kiosk.provision import CLOCK_FIX, hub_client, load_sync_config, sync_config_path
from sync.client import RefusedError, SyncError
from sync.daemon import journal_behind
from sync.money import Money
from sync.protocol.incidents import Incident, IncidentKind


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
