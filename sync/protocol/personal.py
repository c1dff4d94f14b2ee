"""Admin API bodies for a diner's personal data: erasure, requests to close an
account, and the retention job's report (``sync.server.personal_data``)."""

from __future__ import annotations

from pydantic import Field

from sync.protocol.rows import Strict


class DinerErase(Strict):
    reason: str = Field(default="request", min_length=1, max_length=200)


class ErasureReport(Strict):
    """What an erasure changed: the account keeps its id and balance, its name goes;
    badges revoked, portal rows removed, visits whose guests' names went."""

    account_id: str
    site: str
    erased_at: str
    credentials: int
    portal_rows: int
    visits: int


class ClosureRequestView(Strict):
    account_id: str
    site: str
    requested_at: str
    note: str
    handled_at: str | None


class RetentionReport(Strict):
    """One run of the retention job on a site: accounts erased, visits whose guests'
    names went, expired portal rows removed, and the fiscal records past their period
    (counted: the journal is kept whole, see docs/compliance.md)."""

    site: str
    ran_at: str
    accounts_erased: list[str]
    visits_forgotten: int
    portal_rows: int
    fiscal_entries_past_retention: int
