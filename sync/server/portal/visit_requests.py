"""Visit requests in the portal: a diner declares a visit (day, guests, company,
meals, billed to their own account or to a cost centre, as the site allows), follows
its state, deletes or cancels it; a diner with the site's approver role validates or
refuses the others' requests. Every change goes through the hub's visit rules
(``sync.server.visits``), so the states and their transitions are the admin API's::

    requested --validate--> approved --(guests served)--> consumed
        |  \\--refuse--> refused       \\--cancel (host)--> cancelled
        \\--delete (host)

The host deletes a request still waiting, refused or cancelled, and cancels an
approved one (its code stops working at the tills); a visit with guests served is
kept. An approver never decides their own request. The site's rules (which cost
centres, whether the host may be billed, who approves) are set by the back office.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from sync.protocol.visits import MAX_GUESTS, Billing, VisitDeclare, VisitDoc, VisitState
from sync.server import visits
from sync.server.errors import HubError
from sync.server.portal.pages_store import PagesStore, VisitRules
from sync.server.portal.service import Portal, Session

log = logging.getLogger(__name__)

MAX_DAYS_AHEAD = 366
MAX_TEXT = 200
# What the host may still do with their request, by state.
HOST_DELETES = frozenset({VisitState.REQUESTED, VisitState.REFUSED, VisitState.CANCELLED})
HOST_CANCELS = frozenset({VisitState.APPROVED})


class VisitRefusal(Enum):
    """Why a visit request was not taken or changed; the pages word each one."""

    BAD_DAY = "visit_bad_day"
    PAST_DAY = "visit_past_day"
    FAR_DAY = "visit_far_day"
    NO_VISITOR = "visit_no_visitor"
    BAD_GUESTS = "visit_bad_guests"
    BAD_BILLING = "visit_bad_billing"
    NOT_ALLOWED = "visit_not_allowed"
    WRONG_STATE = "visit_wrong_state"
    FAILED = "visit_failed"


@dataclass(frozen=True, slots=True)
class VisitForm:
    """A declaration as typed in the form (text), kept to fill the form again."""

    day: str = ""
    visitor: str = ""
    company: str = ""
    guests: str = "1"
    meal: bool = True
    billing: str = "host"  # "host" or a cost centre's account id
    note: str = ""


class PortalVisits:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.hub = portal.hub
        self.store = PagesStore(portal.store.storage)

    @staticmethod
    def _who(session: Session) -> tuple[str, str]:
        site, account = session.row.site, session.row.account_id
        assert site is not None and account is not None
        return site, account

    def rules(self, session: Session) -> VisitRules:
        return self.store.visit_rules(self._who(session)[0])

    def is_approver(self, session: Session) -> bool:
        return self.store.is_approver(*self._who(session))

    def today(self, site: str) -> date:
        zone = ZoneInfo(self.hub.settings(site).timezone)
        return self.hub.clock().astimezone(zone).date()

    # Declare ---------------------------------------------------------------------------

    def declare(self, session: Session, form: VisitForm) -> VisitDoc | VisitRefusal:
        site, account = self._who(session)
        rules = self.store.visit_rules(site)
        try:
            day = date.fromisoformat(form.day.strip())
        except ValueError:
            return VisitRefusal.BAD_DAY
        today = self.today(site)
        if day < today:
            return VisitRefusal.PAST_DAY
        if day > today + timedelta(days=MAX_DAYS_AHEAD):
            return VisitRefusal.FAR_DAY
        visitor, company = form.visitor.strip(), form.company.strip()
        if not visitor or len(visitor) > MAX_TEXT or len(company) > MAX_TEXT:
            return VisitRefusal.NO_VISITOR
        guests = form.guests.strip()
        if not (guests.isascii() and guests.isdigit() and 1 <= int(guests) <= MAX_GUESTS):
            return VisitRefusal.BAD_GUESTS
        centres = {c.account_id for c in rules.cost_centres}
        if form.billing == "host" and rules.host_billing:
            billing, cost_centre = Billing.HOST, None
        elif form.billing in centres:
            billing, cost_centre = Billing.COST_CENTRE, form.billing
        else:
            return VisitRefusal.BAD_BILLING
        try:
            request = VisitDeclare(
                visitor=visitor,
                company=company,
                day=day,
                guests=int(guests),
                meal_included=form.meal,
                host_account_id=account,
                billing=billing,
                cost_centre=cost_centre,
                note=form.note.strip()[:500],
            )
            return visits.declare(self.hub, site, request)
        except (ValidationError, HubError) as exc:
            log.info("portal: visit of %s not declared: %s", account, exc)
            return VisitRefusal.FAILED

    # Read ------------------------------------------------------------------------------

    def mine(self, session: Session) -> list[VisitDoc]:
        """The diner's own requests, the latest day first."""
        site, account = self._who(session)
        found = [v for v in visits.list_visits(self.hub, site) if v.host_account_id == account]
        return sorted(found, key=lambda v: (v.day, v.id), reverse=True)

    def to_decide(self, session: Session) -> list[VisitDoc]:
        """For an approver: the others' requests waiting for a decision, soonest first."""
        site, account = self._who(session)
        if not self.store.is_approver(site, account):
            return []
        waiting = visits.list_visits(self.hub, site, state=VisitState.REQUESTED)
        return [v for v in waiting if v.host_account_id != account]

    def visible(self, session: Session, visit_id: str) -> VisitDoc | None:
        """The visit if the diner hosts it, or decides the site's requests; else None."""
        site, account = self._who(session)
        try:
            doc = visits.get(self.hub, site, visit_id)
        except HubError:
            return None
        if doc.host_account_id == account or self.store.is_approver(site, account):
            return doc
        return None

    def names(self, session: Session, docs: list[VisitDoc]) -> dict[str, str]:
        """Display names of the hosts and cost centres of ``docs`` (the site's)."""
        site, _ = self._who(session)
        ids = {d.host_account_id for d in docs} | {d.cost_centre for d in docs if d.cost_centre}
        return self.store.display_names(site, ids)

    # Change ----------------------------------------------------------------------------

    def withdraw(self, session: Session, visit_id: str) -> VisitRefusal | None:
        """The host deletes a request (waiting, refused, cancelled) or cancels an
        approved one."""
        site, account = self._who(session)
        doc = self.visible(session, visit_id)
        if doc is None or doc.host_account_id != account:
            return VisitRefusal.NOT_ALLOWED
        try:
            if doc.state in HOST_DELETES:
                visits.delete(self.hub, site, visit_id)
            elif doc.state in HOST_CANCELS:
                visits.cancel(self.hub, site, visit_id)
                log.info("portal: %s cancels visit %s", account, visit_id)
            else:
                return VisitRefusal.WRONG_STATE
        except HubError as exc:
            log.info("portal: visit %s not withdrawn: %s", visit_id, exc)
            return VisitRefusal.WRONG_STATE
        return None

    def decide(
        self, session: Session, visit_id: str, approve: bool, note: str
    ) -> VisitDoc | VisitRefusal:
        """An approver validates or refuses another diner's waiting request."""
        site, account = self._who(session)
        doc = self.visible(session, visit_id)
        if (
            doc is None
            or doc.host_account_id == account
            or not self.store.is_approver(site, account)
        ):
            return VisitRefusal.NOT_ALLOWED
        if doc.state is not VisitState.REQUESTED:
            return VisitRefusal.WRONG_STATE
        note = note.strip()[:500]  # empty: the host's note stays
        log.info("portal: %s %s visit %s", account, "validates" if approve else "refuses", visit_id)
        try:
            if approve:
                return visits.approve(self.hub, site, visit_id, note)
            return visits.refuse(self.hub, site, visit_id, note)
        except HubError as exc:
            log.info("portal: visit %s not decided: %s", visit_id, exc)
            return VisitRefusal.WRONG_STATE
