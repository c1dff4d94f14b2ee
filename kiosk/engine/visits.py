"""Visits on the terminal: guest meals served against an approved visit request.

Visits arrive from the hub as documents of kind ``visit`` (``sync.protocol.visits``).
At the till the visitor shows the visit's QR code (``MV1.``, signed by the hub and
checked offline against the hub key the terminal got at enrolment, stored as the
``hub_public_key`` meta value) or the cashier picks the visit from today's list.

Serving N guests writes one GUEST_MEAL entry billed to the account the visit names
(the host's or a cost centre's), with ``visit_id`` and ``guests`` in its payload, in
one transaction with the checks (the visitor's name stays in the visit document: a
payload names people only by opaque ids). Guests served = the other terminals' counts the hub
sent (``consumed_by`` less this terminal) + this terminal's own uncancelled guest
meals from its journal, so an entry not yet pushed is neither lost nor counted twice.

Refusals, in the order checked: malformed or forged code; unknown visit; cancelled;
not approved (requested or refused); another day; already consumed (or fewer guests
left than asked); approved without a meal. The billed account then follows the money
rules of a sale (closed account, prepaid floor) but not the offline cap: the visit
was approved by a manager and signed by the hub, so it is not the stolen-badge risk
that the cap bounds.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from pydantic import ValidationError

from kiosk.engine import store_codes
from kiosk.engine.results import Accepted, Refused, Result
from kiosk.engine.store_tx import Tx
from sync import phonebadge
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import AccountStatus
from sync.protocol.visits import MAX_GUESTS, VISIT_KIND, VisitDoc, VisitState

if TYPE_CHECKING:
    from kiosk.engine.ledger import Engine

log = logging.getLogger(__name__)

HUB_KEY_META = "hub_public_key"
_VISIT_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True, slots=True)
class VisitView:
    """A visit as the cashier sees it, with the guests still to serve."""

    doc: VisitDoc
    served: int
    remaining: int

    @property
    def id(self) -> str:
        return self.doc.id


def _served(engine: Engine, doc: VisitDoc, db: Tx) -> int:
    elsewhere = sum(n for term, n in doc.consumed_by.items() if term != engine.terminal_id)
    here = store_codes.visit_guests_here(db, doc.id, doc.day.isoformat())
    return elsewhere + here


def _load(db: Tx, visit_id: str) -> VisitDoc | None:
    data = store_codes.document(db, VISIT_KIND, visit_id)
    if data is None:
        return None
    try:
        return VisitDoc.from_document(data)
    except ValidationError:
        log.warning("visit %s: stored document is not a valid visit", visit_id)
        return None


_SERVABLE = frozenset({VisitState.APPROVED, VisitState.CONSUMED})


def today(engine: Engine) -> list[VisitView]:
    """Today's approved or consumed visits, for the cashier's list."""
    day = date.fromisoformat(engine.business_day())
    views = []
    with engine.store.reading() as db:
        for data in store_codes.documents(db, VISIT_KIND):
            try:
                doc = VisitDoc.from_document(data)
            except ValidationError:
                continue
            if doc.day != day or doc.state not in _SERVABLE:
                continue
            served = _served(engine, doc, db)
            views.append(VisitView(doc, served, max(doc.guests - served, 0)))
    return sorted(views, key=lambda v: (v.doc.visitor.casefold(), v.id))


def servable_today(engine: Engine, visit_id: str) -> VisitDoc | None:
    """The visit ``visit_id`` if it is one of ``today``'s (approved or consumed, today)."""
    with engine.store.reading() as db:
        doc = _load(db, visit_id)
    if doc is None or doc.state not in _SERVABLE:
        return None
    return doc if doc.day == date.fromisoformat(engine.business_day()) else None


def visit_id_of(engine: Engine, ref: str | bytes) -> str | Refused:
    """The visit id named by ``ref``: a bare id, or a hub-signed QR code."""
    if isinstance(ref, bytes):
        try:
            ref = ref.decode("ascii")
        except UnicodeDecodeError:
            return Refused(RejectReason.MALFORMED_CREDENTIAL, "visit code is not ASCII")
    text = ref.strip()
    if _VISIT_ID.fullmatch(text):
        return text
    try:
        code = phonebadge.parse_visit(text)
    except phonebadge.MalformedCode as exc:
        return Refused(RejectReason.MALFORMED_CREDENTIAL, str(exc))
    verdict = phonebadge.verify_visit(code, engine.store.meta(HUB_KEY_META))
    if verdict.reason is not None:
        return Refused(verdict.reason, f"visit code: {verdict.detail}")
    if code.day.isoformat() != engine.business_day():
        return Refused(RejectReason.VISIT_OTHER_DAY, f"visit code is for {code.day}")
    return code.visit_id


def _refusal(
    doc: VisitDoc | None, visit_id: str, day: str, served: int, guests: int
) -> Refused | None:
    if doc is None:
        return Refused(RejectReason.VISIT_UNKNOWN, f"no visit {visit_id} here")
    if doc.state is VisitState.CANCELLED:
        return Refused(RejectReason.VISIT_CANCELLED, f"visit {visit_id} was cancelled")
    if doc.state in {VisitState.REQUESTED, VisitState.REFUSED}:
        return Refused(RejectReason.VISIT_NOT_APPROVED, f"visit {visit_id} is {doc.state}")
    if doc.day.isoformat() != day:
        return Refused(RejectReason.VISIT_OTHER_DAY, f"visit {visit_id} is on {doc.day}")
    if doc.state is VisitState.CONSUMED or served + guests > doc.guests:
        left = max(doc.guests - served, 0)
        return Refused(
            RejectReason.VISIT_CONSUMED,
            f"visit {visit_id}: {left} of {doc.guests} guests left, {guests} asked",
        )
    if not doc.meal_included:
        return Refused(RejectReason.VISIT_NO_MEAL, f"visit {visit_id} has no meal")
    return None


def consume(
    engine: Engine, ref: str | bytes, guests: int, amount: Money, *, cashier: str = ""
) -> Result:
    """Serve ``guests`` meals of the visit ``ref`` for ``amount`` in all, or say why not.

    ``amount`` is the meals priced with the guest tariff by the caller.
    """
    if not 1 <= guests <= MAX_GUESTS:
        raise ValueError(f"guests must be between 1 and {MAX_GUESTS}, got {guests}")
    visit_id = visit_id_of(engine, ref)
    if isinstance(visit_id, Refused):
        return visit_id
    with engine.store.atomic() as db:
        doc = _load(db, visit_id)
        served = 0 if doc is None else _served(engine, doc, db)
        refused = _refusal(doc, visit_id, engine.business_day(), served, guests)
        if refused is not None or doc is None:
            return refused or Refused(RejectReason.VISIT_UNKNOWN)
        state = engine.store.account(doc.bill_to, db)
        if state is None:
            return Refused(RejectReason.UNKNOWN_ACCOUNT, f"visit billed to unknown {doc.bill_to}")
        if state.row.status is AccountStatus.CLOSED:
            return Refused(RejectReason.ACCOUNT_CLOSED, account_id=state.row.id)
        usable = engine.usable_in(state, db)
        refused = engine.debit_refusal(state, usable, amount, db)
        if refused is not None:
            return refused
        entry = engine.post(
            db,
            EntryKind.GUEST_MEAL,
            state.row.id,
            -amount.cents,
            {
                "visit_id": doc.id,
                "guests": guests,
                "billing": doc.billing.value,
                "cashier": cashier,
                "means": "visit",
                "balance_after": (usable - amount).cents,
            },
        )
    remaining = doc.guests - served - guests
    return Accepted(
        entry,
        state.row.id,
        state.row.display_name,
        amount,
        usable - amount,
        details={"visit_id": doc.id, "guests": guests, "remaining": remaining},
    )
