"""The back office's rules on the hub: account imports, menu versions, cashiers,
terminal names and the day's report. Functions over ``Hub``, as ``visits`` is.

- An import is staged in chunks (``import_start``, ``import_add``) and applied whole
  by ``import_commit`` in one transaction; a refused line refuses the whole file.
- A published menu is a numbered version with an effective day (site time); the live
  one is the version with the latest effective day not after today, copied to the
  ``catalogue/site`` document that tills sync. ``activate_due`` makes it so, on each
  publish and each terminal pull (a version scheduled for Monday goes live with the
  first pull on Monday).
- Cashiers are documents of kind ``cashier`` (``CashierDoc``): tills receive them in
  their changes feed with the PIN as a salted scrypt hash, never the PIN.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from datetime import UTC, date, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from sync.protocol.admin import (
    CashierAdd,
    CashierDoc,
    DayReport,
    EntryView,
    ExportRow,
    ImportResult,
    ImportRow,
    MenuPublish,
    MenuVersion,
    PinHash,
    TillDay,
)
from sync.protocol.catalogue import SiteMenu
from sync.server.backoffice_storage import BackofficeStorage
from sync.server.errors import ConflictError, InvalidRequestError, NotFoundError, StorageError

if TYPE_CHECKING:
    from sync.server.service import Hub

log = logging.getLogger(__name__)

MENU_KIND, MENU_ID = "catalogue", "site"
CASHIER_KIND = "cashier"
# The tills' own cost (kiosk.engine.cashiers): about 30 ms on a small ARM board.
PIN_N, PIN_R, PIN_P = 2**14, 8, 1


def _store(hub: Hub) -> BackofficeStorage:
    if not isinstance(hub.storage, BackofficeStorage):
        raise StorageError("this hub's storage has no back-office tables")
    return hub.storage


def today(hub: Hub, site: str) -> date:
    """The site's calendar day now (its business day for menus and reports).

    Settings stored by an older hub may name a time zone this machine does not know:
    the day is then UTC's, so that a terminal's pull (which activates due menus) never
    fails on it."""
    name = hub.settings(site).timezone
    try:
        zone: ZoneInfo | timezone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("site %s: unknown time zone %r, menus and reports use UTC days", site, name)
        zone = UTC
    return hub.clock().astimezone(zone).date()


# Account imports -----------------------------------------------------------------------


def import_start(hub: Hub, site: str, total: int) -> str:
    hub.settings(site)
    import_id = secrets.token_hex(8)
    _store(hub).import_start(import_id, site, total, hub.clock())
    return import_id


def _staged(hub: Hub, site: str, import_id: str) -> int:
    found = _store(hub).import_site(import_id)
    if found is None or found[0] != site:
        raise NotFoundError(f"no import {import_id} on site {site}")
    if found[2]:
        raise ConflictError(f"import {import_id} is already applied")
    return found[1]


def import_add(hub: Hub, site: str, import_id: str, rows: list[ImportRow]) -> int:
    total = _staged(hub, site, import_id)
    if max(r.line for r in rows) > total + 1:  # the header is line 1
        raise InvalidRequestError(f"line {max(r.line for r in rows)} is past the {total} announced")
    return _store(hub).import_add(import_id, rows)


def import_commit(hub: Hub, site: str, import_id: str, *, dry_run: bool) -> ImportResult:
    _staged(hub, site, import_id)
    menu = hub.storage.document(site, MENU_KIND, MENU_ID)
    profiles = None if menu is None else frozenset(str(p["id"]) for p in menu["profiles"])
    result = _store(hub).import_apply(import_id, profiles, hub.clock(), dry_run=dry_run)
    if not result.errors and not dry_run:
        log.info(
            "site %s: import %s applied (%d created, %d updated, %d badges)",
            site,
            import_id,
            result.created,
            result.updated,
            result.badges_assigned,
        )
    return result


def export(hub: Hub, site: str) -> list[ExportRow]:
    hub.settings(site)
    return _store(hub).export_accounts(site)


# Menus ------------------------------------------------------------------------------------


def _menu(body: dict[str, object]) -> SiteMenu:
    try:
        return SiteMenu.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidRequestError(f"menu.{where}: {first['msg']}") from exc


def menu_publish(hub: Hub, site: str, request: MenuPublish) -> MenuVersion:
    day = today(hub, site)
    effective = request.effective or day.isoformat()
    try:
        effective_day = date.fromisoformat(effective)
    except ValueError as exc:  # the pattern lets 2026-13-45 through
        raise InvalidRequestError(f"effective: {effective} is not a day ({exc})") from exc
    if effective_day < day:
        raise InvalidRequestError(f"effective day {effective} is in the past (today {day})")
    menu = _menu(dict(request.menu))
    body = menu.model_dump(mode="json")
    version = _store(hub).menu_publish(site, body, effective, request.note, hub.clock())
    activate_due(hub, site)
    return _version_view(hub, site, version)


def menu_versions(hub: Hub, site: str) -> list[MenuVersion]:
    hub.settings(site)
    store = _store(hub)
    day = today(hub, site).isoformat()
    due = store.menu_due(site, day)
    live = None if due is None else due[0]
    return [
        MenuVersion(
            version=v.version,
            effective=v.effective,
            published_at=v.published_at,
            note=v.note,
            state="active" if v.version == live else "scheduled" if v.effective > day else "past",
        )
        for v in store.menu_versions(site)
    ]


def _version_view(hub: Hub, site: str, version: int) -> MenuVersion:
    for view in menu_versions(hub, site):
        if view.version == version:
            return view
    raise NotFoundError(f"no menu version {version} on site {site}")


def menu_body(hub: Hub, site: str, version: int) -> dict[str, Any]:
    body = _store(hub).menu_body(site, version)
    if body is None:
        raise NotFoundError(f"no menu version {version} on site {site}")
    return body


def menu_rollback(hub: Hub, site: str, to_version: int | None) -> MenuVersion:
    """Publish again, effective today, the body of an earlier version (default: the
    latest one before the live one that is not scheduled). History is kept: a rollback
    is a new version; a version scheduled for a later day still goes live that day."""
    views = menu_versions(hub, site)
    live = next((v.version for v in views if v.state == "active"), None)
    if to_version is None:
        earlier = [
            v.version
            for v in views
            if live is not None and v.version < live and v.state != "scheduled"
        ]
        if not earlier:
            raise ConflictError("no earlier menu version to roll back to")
        to_version = earlier[-1]
    body = menu_body(hub, site, to_version)
    request = MenuPublish(menu=body, note=f"rollback to version {to_version}")
    return menu_publish(hub, site, request)


def activate_due(hub: Hub, site: str) -> None:
    """Put the version due today live (cheap when it already is)."""
    store = _store(hub)
    due = store.menu_due(site, today(hub, site).isoformat())
    if due is None or due[1]:
        return
    if store.menu_activate(site, due[0], MENU_KIND, MENU_ID, hub.clock()):
        log.info("site %s: menu version %d is live", site, due[0])


# Cashiers ---------------------------------------------------------------------------------


def hash_pin(pin: str) -> PinHash:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=PIN_N, r=PIN_R, p=PIN_P, dklen=32)
    return PinHash(n=PIN_N, r=PIN_R, p=PIN_P, salt=salt.hex(), hash=digest.hex())


def cashiers(hub: Hub, site: str) -> list[CashierDoc]:
    hub.settings(site)
    docs = hub.storage.list_documents(site, CASHIER_KIND)
    return [CashierDoc.model_validate(d, strict=False) for d in docs.values()]


def cashier(hub: Hub, site: str, cashier_id: str) -> CashierDoc:
    body = hub.storage.document(site, CASHIER_KIND, cashier_id)
    if body is None:
        raise NotFoundError(f"no cashier {cashier_id} on site {site}")
    return CashierDoc.model_validate(body, strict=False)


def _put(hub: Hub, site: str, doc: CashierDoc) -> CashierDoc:
    hub.put_document(site, CASHIER_KIND, doc.id, doc.model_dump(mode="json"))
    return doc


def cashier_add(hub: Hub, site: str, request: CashierAdd) -> CashierDoc:
    """Create a cashier, or update the name, badge and role of an existing one (its
    PIN is kept)."""
    others = [c for c in cashiers(hub, site) if c.id != request.id]
    for other in others:
        if other.credential == request.badge and other.active:
            raise ConflictError(f"badge {request.badge} is already cashier {other.id}'s")
    current = hub.storage.document(site, CASHIER_KIND, request.id)
    pin = None if current is None else CashierDoc.model_validate(current, strict=False).pin
    doc = CashierDoc(
        id=request.id,
        name=request.name,
        credential=request.badge,
        role=request.role,
        active=True,
        pin=pin,
    )
    return _put(hub, site, doc)


def cashier_pin(hub: Hub, site: str, cashier_id: str, pin: str) -> CashierDoc:
    doc = cashier(hub, site, cashier_id)
    return _put(hub, site, doc.model_copy(update={"pin": hash_pin(pin)}))


def cashier_active(hub: Hub, site: str, cashier_id: str, active: bool) -> CashierDoc:
    doc = cashier(hub, site, cashier_id)
    return _put(hub, site, doc.model_copy(update={"active": active}))


# Terminals and reports ----------------------------------------------------------------------


def rename_terminal(hub: Hub, terminal_id: str, name: str) -> None:
    if not _store(hub).rename_terminal(terminal_id, name):
        raise NotFoundError(f"no terminal {terminal_id}")


def day_report(hub: Hub, site: str, day: date) -> DayReport:
    hub.settings(site)
    totals = _store(hub).day_totals(site, day.isoformat())
    by_vat: dict[str, int] = {}
    by_means: dict[str, int] = {}
    for till in totals:
        for rate, cents in till.by_vat.items():
            by_vat[rate] = by_vat.get(rate, 0) + cents
        for means, cents in till.by_means.items():
            by_means[means] = by_means.get(means, 0) + cents
    active = [t for t in totals if t.sales_count or t.cancellations_count or t.top_ups]
    return DayReport(
        site=site,
        day=day.isoformat(),
        tills=[
            TillDay(
                terminal_id=t.terminal_id,
                name=t.name,
                sales_count=t.sales_count,
                cancellations_count=t.cancellations_count,
                net_sales=t.net_sales,
                top_ups=t.top_ups,
                closure=t.closure,
            )
            for t in totals
        ],
        by_vat=dict(sorted(by_vat.items())),
        by_means=dict(sorted(by_means.items())),
        net_sales=sum(t.net_sales for t in totals),
        closures_received=[t.terminal_id for t in totals if t.closure],
        closures_missing=[t.terminal_id for t in active if not t.closure],
    )


def entry(hub: Hub, terminal_id: str, seq: int) -> EntryView:
    """One entry a terminal pushed, as stored (the facts behind a flag)."""
    found = hub.storage.entries_of_terminal(terminal_id, seq - 1, 1)
    if not found or found[0].seq != seq:
        raise NotFoundError(f"no entry {terminal_id}:{seq} on the hub")
    e = found[0]
    return EntryView(
        terminal_id=e.terminal_id,
        seq=e.seq,
        ts=e.ts,
        kind=e.kind,
        account_id=e.account,
        amount=e.amount,
        payload=dict(e.payload),
    )
