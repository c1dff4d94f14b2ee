"""Visit requests (the app's "Gérez les visites"): the document the hub syncs to
terminals and the admin messages that declare and decide them.

A visit travels to terminals as a generic document of kind ``visit`` keyed by its id
(16 lower-case hex digits, see ``sync.phonebadge``); the hub sends every visit of the
site that is not deleted, so that a terminal can say *not approved* or *cancelled*
rather than *unknown*. The meals are billed to an account: the host's own, or a cost
centre, which is an account of the site (usually postpaid) named by its id.

``consumed_by`` maps a terminal id to the number of guests served there, as applied
by the hub. A terminal adds its own journal's guest meals to the other terminals'
counts, so an entry not yet pushed is never counted twice nor forgotten.

States::

    requested --approve--> approved --(all guests served)--> consumed
        |  \\--refuse--> refused       \\--cancel--> cancelled
        \\--cancel--> cancelled
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from sync.protocol.rows import Strict

VISIT_KIND = "visit"  # document kind in the changes feed and the terminal's store
VisitId = str
_ID_PATTERN = r"^[0-9a-f]{16}$"
_ACCOUNT_PATTERN = r"^[A-Za-z0-9_\-\.:]+$"
MAX_GUESTS = 50


class VisitState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    CONSUMED = "consumed"


class Billing(StrEnum):
    HOST = "host"
    COST_CENTRE = "cost_centre"


class VisitDeclare(Strict):
    """What a host declares (admin API, standing in for the app)."""

    visitor: str = Field(min_length=1, max_length=200)
    company: str = Field(default="", max_length=200)
    day: date
    guests: int = Field(ge=1, le=MAX_GUESTS)
    meal_included: bool = True
    host_account_id: str = Field(min_length=1, max_length=64, pattern=_ACCOUNT_PATTERN)
    billing: Billing = Billing.HOST
    cost_centre: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=_ACCOUNT_PATTERN
    )
    note: str = Field(default="", max_length=500)


class VisitDecision(Strict):
    note: str = Field(default="", max_length=500)


class VisitDoc(Strict):
    """A visit as stored on the hub and synced to the site's terminals."""

    id: str = Field(pattern=_ID_PATTERN)
    state: VisitState
    visitor: str = Field(min_length=1, max_length=200)
    company: str = Field(default="", max_length=200)
    day: date
    guests: int = Field(ge=1, le=MAX_GUESTS)
    meal_included: bool = True
    host_account_id: str = Field(min_length=1, max_length=64)
    billing: Billing = Billing.HOST
    cost_centre: str | None = None
    note: str = Field(default="", max_length=500)
    consumed_by: dict[str, int] = Field(default_factory=dict)
    code: str | None = Field(default=None, description="the visit's QR text, hub-signed")

    @property
    def bill_to(self) -> str:
        """The account the meals are charged to."""
        if self.billing is Billing.COST_CENTRE and self.cost_centre:
            return self.cost_centre
        return self.host_account_id

    @property
    def consumed(self) -> int:
        return sum(self.consumed_by.values())

    def as_document(self) -> dict[str, object]:
        return self.model_dump(mode="json")

    @classmethod
    def from_document(cls, data: object) -> VisitDoc:
        """Validate a stored or synced JSON object (dates arrive as ISO text)."""
        return cls.model_validate(data, strict=False)
