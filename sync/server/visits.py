"""Visit requests on the hub: declare, approve, refuse, cancel, delete, list, and the
guests served as terminals push their guest meals.

A visit is a document of kind ``visit`` of its site (``sync.protocol.visits.VisitDoc``)
so that every change reaches the site's terminals through the changes feed; deleting
it sends a null document. Approval signs the visit's QR code with the hub key
(``sync.phonebadge.mint_visit``), which terminals verify offline.

Guests served are never counted up by increments: after a push applies entries,
``entries_applied`` recomputes ``consumed_by`` of each visit they name from the
entries the hub holds for the billed account (guest meals with that ``visit_id`` less
those cancelled), so a lost reply, a duplicate push or a crash between the two writes
cannot count a guest twice or forget one. The visit becomes ``consumed`` when every
guest has been served, and ``approved`` again if a meal is cancelled.

Read-modify-write of a visit document is serialised by a lock of this process; a hub
on several processes (PostgreSQL) would take a row lock instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from sync import phonebadge
from sync.journal import Entry, EntryKind, cancelled_ids
from sync.protocol.visits import (
    VISIT_KIND,
    Billing,
    VisitDeclare,
    VisitDoc,
    VisitState,
)
from sync.server.errors import ConflictError, InvalidRequestError, NotFoundError

if TYPE_CHECKING:
    from sync.server.records import TerminalRecord
    from sync.server.service import Hub

log = logging.getLogger(__name__)

_lock = threading.RLock()


def _load(hub: Hub, site: str, visit_id: str) -> VisitDoc | None:
    data = hub.storage.document(site, VISIT_KIND, visit_id)
    if data is None:
        return None
    try:
        return VisitDoc.from_document(data)
    except ValidationError:
        log.error("site %s: visit %s is not a valid visit document", site, visit_id)
        return None


def _save(hub: Hub, site: str, doc: VisitDoc) -> VisitDoc:
    hub.put_document(site, VISIT_KIND, doc.id, doc.as_document())
    return doc


def get(hub: Hub, site: str, visit_id: str) -> VisitDoc:
    hub.settings(site)
    doc = _load(hub, site, visit_id)
    if doc is None:
        raise NotFoundError(f"no visit {visit_id} on site {site}")
    return doc


def list_visits(
    hub: Hub, site: str, *, day: date | None = None, state: VisitState | None = None
) -> list[VisitDoc]:
    hub.settings(site)
    found = []
    for data in hub.storage.list_documents(site, VISIT_KIND).values():
        try:
            doc = VisitDoc.from_document(data)
        except ValidationError:
            continue
        if (day is None or doc.day == day) and (state is None or doc.state is state):
            found.append(doc)
    return sorted(found, key=lambda d: (d.day, d.visitor.casefold(), d.id))


def _site_account(hub: Hub, site: str, account_id: str, what: str) -> None:
    record = hub.storage.account(account_id)
    if record is None or record.site != site:
        raise InvalidRequestError(f"{what} {account_id} is not an account of site {site}")


def declare(hub: Hub, site: str, request: VisitDeclare) -> VisitDoc:
    """A host declares a visit: it waits for a manager's decision."""
    settings = hub.settings(site)
    today = hub.clock().astimezone(ZoneInfo(settings.timezone)).date()
    if request.day < today:
        raise InvalidRequestError(f"the visit's day {request.day} is in the past")
    _site_account(hub, site, request.host_account_id, "host")
    if request.billing is Billing.COST_CENTRE:
        if request.cost_centre is None:
            raise InvalidRequestError("billing to a cost centre needs the cost centre's account")
        _site_account(hub, site, request.cost_centre, "cost centre")
    doc = VisitDoc(
        id=phonebadge.new_visit_id(),
        state=VisitState.REQUESTED,
        **request.model_dump(),
    )
    log.info("site %s: visit %s declared by %s", site, doc.id, doc.host_account_id)
    return _save(hub, site, doc)


def _transition(
    hub: Hub, site: str, visit_id: str, allowed: Iterable[VisitState], **changes: Any
) -> VisitDoc:
    with _lock:
        doc = get(hub, site, visit_id)
        target = changes["state"]
        if doc.state not in set(allowed):
            raise ConflictError(f"visit {visit_id} is {doc.state}: it cannot become {target}")
        updated = doc.model_copy(update=changes)
        log.info("site %s: visit %s %s -> %s", site, visit_id, doc.state, target)
        return _save(hub, site, updated)


def _with_note(note: str, changes: dict[str, Any]) -> dict[str, Any]:
    return {**changes, "note": note} if note else changes


def approve(hub: Hub, site: str, visit_id: str, note: str = "") -> VisitDoc:
    doc = get(hub, site, visit_id)
    code = phonebadge.mint_visit(hub.key, doc.id, doc.day)
    changes = _with_note(note, {"state": VisitState.APPROVED, "code": code})
    return _transition(hub, site, visit_id, [VisitState.REQUESTED], **changes)


def refuse(hub: Hub, site: str, visit_id: str, note: str = "") -> VisitDoc:
    with _lock:
        if get(hub, site, visit_id).consumed:
            raise ConflictError(f"visit {visit_id} has guests served: cancel it instead")
        changes = _with_note(note, {"state": VisitState.REFUSED, "code": None})
        allowed = [VisitState.REQUESTED, VisitState.APPROVED]
        return _transition(hub, site, visit_id, allowed, **changes)


def cancel(hub: Hub, site: str, visit_id: str, note: str = "") -> VisitDoc:
    changes = _with_note(note, {"state": VisitState.CANCELLED, "code": None})
    allowed = [VisitState.REQUESTED, VisitState.APPROVED]
    return _transition(hub, site, visit_id, allowed, **changes)


def delete(hub: Hub, site: str, visit_id: str) -> None:
    with _lock:
        get(hub, site, visit_id)
        hub.put_document(site, VISIT_KIND, visit_id, None)


# Guests served, from the entries terminals push ----------------------------------------


def _named_visits(hub: Hub, entries: Sequence[Entry]) -> set[str]:
    """Visits that guest meals in ``entries``, or cancellations of them, name."""
    named: set[str] = set()
    for entry in entries:
        payload = entry.payload
        if entry.kind == EntryKind.GUEST_MEAL and isinstance(payload.get("visit_id"), str):
            named.add(payload["visit_id"])
        elif (
            entry.kind == EntryKind.CANCEL
            and payload.get("cancelled_kind") == EntryKind.GUEST_MEAL
            and entry.account is not None
        ):
            # the meal it cancels is in the same terminal's journal: read that one entry
            cancels = payload.get("cancels")
            if not isinstance(cancels, int):
                continue
            for other in hub.storage.entries_of_terminal(entry.terminal_id, cancels - 1, 1):
                visit_id = other.payload.get("visit_id")
                if (
                    other.seq == cancels
                    and other.account == entry.account
                    and (isinstance(visit_id, str))
                ):
                    named.add(visit_id)
    return named


def served_by_terminal(entries: Iterable[Entry], visit_id: str) -> dict[str, int]:
    """Guests of ``visit_id`` served per terminal: guest meals less cancelled ones."""
    entries = list(entries)
    cancelled = cancelled_ids(entries)
    served: dict[str, int] = {}
    for e in entries:
        guests = e.payload.get("guests")
        if (
            e.kind == EntryKind.GUEST_MEAL
            and e.payload.get("visit_id") == visit_id
            and (e.terminal_id, e.seq) not in cancelled
            and isinstance(guests, int)
            and guests > 0
        ):
            served[e.terminal_id] = served.get(e.terminal_id, 0) + guests
    return served


def recount(hub: Hub, site: str, visit_id: str) -> VisitDoc | None:
    """Recompute the visit's guests served from the entries; save it if it changed."""
    with _lock:
        doc = _load(hub, site, visit_id)
        if doc is None:
            log.warning("site %s: guest meal for unknown visit %s", site, visit_id)
            return None
        served = served_by_terminal(hub.storage.entries_of_account(doc.bill_to), visit_id)
        state = doc.state
        if state in {VisitState.APPROVED, VisitState.CONSUMED}:
            full = sum(served.values()) >= doc.guests
            state = VisitState.CONSUMED if full else VisitState.APPROVED
        if served == doc.consumed_by and state is doc.state:
            return doc
        if sum(served.values()) > doc.guests:
            log.warning(
                "site %s: visit %s served %s for %d guests", site, visit_id, served, doc.guests
            )
        return _save(hub, site, doc.model_copy(update={"consumed_by": served, "state": state}))


def entries_applied(hub: Hub, terminal: TerminalRecord, entries: Sequence[Entry]) -> None:
    """Called by ``Hub.push`` once entries are applied. Never fails the push: the
    entries are stored, and the next push naming the visit recounts it anyway."""
    try:
        for visit_id in sorted(_named_visits(hub, entries)):
            recount(hub, terminal.site, visit_id)
    except Exception:
        log.exception("terminal %s: visit counts not updated", terminal.id)
