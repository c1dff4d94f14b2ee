"""Visit requests on the hub: declare, approve, refuse, cancel, delete, list, and the
guests served as terminals push their guest meals.

A visit is a document of kind ``visit`` of its site (``sync.protocol.visits.VisitDoc``)
so that every change reaches the site's terminals through the changes feed; deleting
it sends a null document. Approval signs the visit's QR code with the hub key
(``sync.phonebadge.mint_visit``), which terminals verify offline.

Guests served are never counted up by increments: inside the transaction that applies
a push, ``entries_applied`` recomputes ``consumed_by`` of each visit they name from the
entries the hub holds for the billed account from the site's terminals (guest meals
with that ``visit_id`` less those cancelled), so a lost reply, a duplicate push or a
crash cannot count a guest twice or forget one. The visit becomes ``consumed`` when every
guest has been served, and ``approved`` again if a meal is cancelled.

A transition reads the visit and writes it in one write transaction of the storage
(``Storage.change_document``), as the push's recount does: the database serialises
them, whatever the number of hub processes, so that a recount and a manager's decision
never overwrite each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from sync import phonebadge
from sync.journal import Entry, EntryKind, cancelled_ids
from sync.protocol.payloads import CancelPayload, GuestMealPayload, PayloadError, parse_payload
from sync.protocol.rows import settings_problem
from sync.protocol.visits import (
    VISIT_KIND,
    Billing,
    VisitDeclare,
    VisitDoc,
    VisitState,
)
from sync.server.errors import ConflictError, InvalidRequestError, NotFoundError

if TYPE_CHECKING:
    from sync.server.records import PushTx
    from sync.server.service import Hub

log = logging.getLogger(__name__)


def _load(hub: Hub, site: str, visit_id: str) -> VisitDoc | None:
    data = hub.storage.document(site, VISIT_KIND, visit_id)
    return None if data is None else _parse(site, visit_id, data)


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
    problem = settings_problem(settings)  # stored by a version that did not check it
    if problem is not None:
        raise ConflictError(f"site {site}: {problem}; correct the site's settings first")
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


def _change(
    hub: Hub, site: str, visit_id: str, change: Callable[[VisitDoc], VisitDoc | None]
) -> VisitDoc | None:
    """Apply ``change`` to the stored visit in one write transaction; it returns the
    visit to store (None deletes it) or raises to change nothing."""
    hub.settings(site)
    done: list[VisitDoc | None] = []

    def on_stored(data: dict[str, Any] | None) -> dict[str, Any] | None:
        doc = None if data is None else _parse(site, visit_id, data)
        if doc is None:
            raise NotFoundError(f"no visit {visit_id} on site {site}")
        updated = change(doc)
        done.append(updated)
        return None if updated is None else updated.as_document()

    hub.storage.change_document(site, VISIT_KIND, visit_id, on_stored, hub.clock())
    return done[0]


def _parse(site: str, visit_id: str, data: dict[str, Any]) -> VisitDoc | None:
    try:
        return VisitDoc.from_document(data)
    except ValidationError:
        log.error("site %s: visit %s is not a valid visit document", site, visit_id)
        return None


def _transition(
    hub: Hub,
    site: str,
    visit_id: str,
    allowed: Iterable[VisitState],
    check: Callable[[VisitDoc], None] | None = None,
    **changes: Any,
) -> VisitDoc:
    def change(doc: VisitDoc) -> VisitDoc:
        if check is not None:
            check(doc)
        target = changes["state"]
        if doc.state not in set(allowed):
            raise ConflictError(f"visit {visit_id} is {doc.state}: it cannot become {target}")
        log.info("site %s: visit %s %s -> %s", site, visit_id, doc.state, target)
        return doc.model_copy(update=changes)

    updated = _change(hub, site, visit_id, change)
    assert updated is not None
    return updated


def _with_note(note: str, changes: dict[str, Any]) -> dict[str, Any]:
    return {**changes, "note": note} if note else changes


def approve(hub: Hub, site: str, visit_id: str, note: str = "") -> VisitDoc:
    doc = get(hub, site, visit_id)
    code = phonebadge.mint_visit(hub.key, doc.id, doc.day)
    changes = _with_note(note, {"state": VisitState.APPROVED, "code": code})
    return _transition(hub, site, visit_id, [VisitState.REQUESTED], **changes)


def refuse(hub: Hub, site: str, visit_id: str, note: str = "") -> VisitDoc:
    def served_none(doc: VisitDoc) -> None:
        if doc.consumed:
            raise ConflictError(f"visit {visit_id} has guests served: cancel it instead")

    changes = _with_note(note, {"state": VisitState.REFUSED, "code": None})
    allowed = [VisitState.REQUESTED, VisitState.APPROVED]
    return _transition(hub, site, visit_id, allowed, served_none, **changes)


def cancel(hub: Hub, site: str, visit_id: str, note: str = "") -> VisitDoc:
    changes = _with_note(note, {"state": VisitState.CANCELLED, "code": None})
    allowed = [VisitState.REQUESTED, VisitState.APPROVED]
    return _transition(hub, site, visit_id, allowed, **changes)


def delete(hub: Hub, site: str, visit_id: str) -> None:
    _change(hub, site, visit_id, lambda doc: None)


# Guests served, from the entries terminals push ----------------------------------------


def _guest_meal(entry: Entry) -> GuestMealPayload | None:
    if entry.kind != EntryKind.GUEST_MEAL:
        return None
    try:
        return parse_payload(GuestMealPayload, entry.payload)
    except PayloadError:  # stored before payloads were checked: not a visit's meal
        return None


def _cancelled_meal(entry: Entry) -> int | None:
    """The sequence of the guest meal that ``entry`` cancels, if it cancels one."""
    if entry.kind != EntryKind.CANCEL or entry.account is None:
        return None
    try:
        payload = parse_payload(CancelPayload, entry.payload)
    except PayloadError:
        return None
    return payload.cancels if payload.cancelled_kind == "guest_meal" else None


def _named_visits(tx: PushTx, entries: Sequence[Entry]) -> set[str]:
    """Visits that guest meals in ``entries``, or cancellations of them, name."""
    named: set[str] = set()
    for entry in entries:
        meal = _guest_meal(entry)
        if meal is not None and meal.visit_id is not None:
            named.add(meal.visit_id)
        cancels = _cancelled_meal(entry)
        if cancels is not None:
            # the meal it cancels is in the same terminal's journal: read that one entry
            other = tx.entry(entry.terminal_id, cancels)
            meal = None if other is None or other.account != entry.account else _guest_meal(other)
            if meal is not None and meal.visit_id is not None:
                named.add(meal.visit_id)
    return named


def served_by_terminal(entries: Iterable[Entry], visit_id: str) -> dict[str, int]:
    """Guests of ``visit_id`` served per terminal: guest meals less cancelled ones."""
    entries = list(entries)
    cancelled = cancelled_ids(entries)
    served: dict[str, int] = {}
    for e in entries:
        meal = _guest_meal(e)
        if (
            meal is not None
            and meal.visit_id == visit_id
            and meal.guests is not None
            and (e.terminal_id, e.seq) not in cancelled
        ):
            served[e.terminal_id] = served.get(e.terminal_id, 0) + meal.guests
    return served


def recount(tx: PushTx, visit_id: str) -> VisitDoc | None:
    """Recompute the visit's guests served from the site's entries; save it if it changed."""
    data = tx.document(VISIT_KIND, visit_id)
    try:
        doc = None if data is None else VisitDoc.from_document(data)
    except ValidationError:
        log.error("site %s: visit %s is not a valid visit document", tx.site, visit_id)
        return None
    if doc is None:
        log.warning("site %s: guest meal for unknown visit %s", tx.site, visit_id)
        return None
    served = served_by_terminal(tx.entries_of_account(doc.bill_to), visit_id)
    state = doc.state
    if state in {VisitState.APPROVED, VisitState.CONSUMED}:
        full = sum(served.values()) >= doc.guests
        state = VisitState.CONSUMED if full else VisitState.APPROVED
    if served == doc.consumed_by and state is doc.state:
        return doc
    if sum(served.values()) > doc.guests:
        log.warning(
            "site %s: visit %s served %s for %d guests", tx.site, visit_id, served, doc.guests
        )
    updated = doc.model_copy(update={"consumed_by": served, "state": state})
    tx.put_document(VISIT_KIND, visit_id, updated.as_document())
    return updated


def derive(tx: PushTx, *, entries: Sequence[Entry]) -> None:
    """Called by the storage inside the push's transaction, once the entries are stored:
    a failure here fails the push, so ``consumed_by`` is never left behind."""
    for visit_id in sorted(_named_visits(tx, entries)):
        recount(tx, visit_id)
