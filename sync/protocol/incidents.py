"""Incidents the hub records while applying terminals' journals, as sent on the wire.

An *overdraft*: the entries of one or more terminals (offline, each within what it
knew) took a prepaid account below its floor. A *double subsidy*: two sales of the
same business day each granted the diner's daily employer subsidy. The hub keeps one
open incident per account and kind, extended while it stays open; the back office
clears it with a reason. Tills get their site's incidents through the changes feed
(``ChangesPage.incidents``: a cleared one arrives with ``cleared_at`` set, and the till
drops it).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from sync.protocol.rows import Strict


class IncidentKind(StrEnum):
    OVERDRAFT = "overdraft"
    DOUBLE_SUBSIDY = "double_subsidy"


class Incident(Strict):
    id: int = Field(ge=1)
    site_code: str = Field(min_length=1, max_length=64)
    kind: IncidentKind
    account_id: str = Field(min_length=1, max_length=64)
    terminals: list[str] = Field(max_length=1000)
    entries: list[str] = Field(max_length=1000, description="entry ids, terminal:seq")
    amount: int = Field(
        description="cents: how far below its floor the account went (overdraft), "
        "or the subsidy granted twice (double subsidy)"
    )
    created_at: str
    updated_at: str
    cleared_at: str | None = None
    cleared_reason: str | None = Field(default=None, max_length=500)


class IncidentClear(Strict):
    """Admin: clear an incident, saying why (e.g. "diner topped up", "refunded")."""

    reason: str = Field(min_length=1, max_length=500)
