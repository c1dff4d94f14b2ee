"""A diner's personal data on the hub (GDPR): access, erasure, retention.

- **Access** (art. 15, 20): ``export`` gives everything the hub holds about a diner as
  one JSON object: the back office's ``kiosk admin diner export ID`` and the diner's
  own download on the portal's "Données personnelles" page use it alike.
- **Erasure** (art. 17): ``erase`` removes or pseudonymises the personal data in one
  transaction (``PersonalDataStore.erase``). The signed journal never held any (its
  payloads name accounts, credentials and visits by opaque ids), so every entry,
  closure, archive and total verifies and adds up as before; the account keeps its id
  and balance, which those entries need. The tills learn the change at their next
  pull (name gone, badges revoked, guests' names replaced).
- **Requests**: a diner asks to close the account from the portal; the back office
  lists the open requests and handles them with an erasure.
- **Retention** (art. 5(1)(e)): ``run_retention`` applies the site's periods
  (``SiteSettings.retention_*``): closed accounts idle for the period are erased,
  visits' guests' names go after the period, expired portal sessions and codes go.
  Fiscal records are kept at least ``retention_fiscal_years`` (6): the job counts
  those past it and leaves them, since the hub's balance check and every chain
  verification start at a terminal's first entry.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sync.journal import format_ts
from sync.protocol.personal import ClosureRequestView, ErasureReport, RetentionReport
from sync.server.errors import ConflictError, InvalidRequestError, NotFoundError
from sync.server.personal_store import ClosureRequest, PersonalDataStore
from sync.server.service import Hub
from sync.server.storage import SqliteStorage

log = logging.getLogger(__name__)

MAX_NOTE = 500
FORMAT = "canteen-personal-data/1"


def _view(request: ClosureRequest) -> ClosureRequestView:
    return ClosureRequestView(
        account_id=request.account_id,
        site=request.site,
        requested_at=request.requested_at,
        note=request.note,
        handled_at=request.handled_at,
    )


class PersonalData:
    """Access, erasure, closure requests and retention over a ``Hub``."""

    def __init__(self, hub: Hub) -> None:
        if not isinstance(hub.storage, SqliteStorage):
            raise TypeError("personal data is kept in the hub's SQLite storage")
        self.hub = hub
        self.store = PersonalDataStore(hub.storage)

    def _site_of(self, account_id: str) -> str:
        site = self.store.site_of(account_id)
        if site is None:
            raise NotFoundError(f"no account {account_id}")
        return site

    def export(self, account_id: str) -> dict[str, Any]:
        """Everything the hub holds about the diner, as plain JSON values."""
        site = self._site_of(account_id)
        held = self.store.holdings(account_id)
        log.info("personal data of %s exported", account_id)
        return {
            "format": FORMAT,
            "exported_at": format_ts(self.hub.clock()),
            "account_id": account_id,
            "site": site,
            **held,
        }

    def erase(self, account_id: str, reason: str = "request") -> ErasureReport:
        """Remove or pseudonymise the diner's personal data (see the module docstring)."""
        if not reason.strip() or len(reason) > 200:
            raise InvalidRequestError("reason: 1 to 200 characters")
        done = self.store.erase(account_id, self.hub.clock(), reason.strip())
        if done is None:
            raise NotFoundError(f"no account {account_id}")
        log.warning(
            "personal data of %s erased (%s): %d badges revoked, %d portal rows, %d visits",
            account_id,
            reason,
            done.credentials,
            done.portal_rows,
            done.visits,
        )
        return ErasureReport(
            account_id=done.account_id,
            site=done.site,
            erased_at=done.erased_at,
            credentials=done.credentials,
            portal_rows=done.portal_rows,
            visits=done.visits,
        )

    # Requests to close an account ------------------------------------------------------

    def request_closure(self, account_id: str, note: str = "") -> ClosureRequestView:
        """The diner's request to close the account (from the portal)."""
        if len(note) > MAX_NOTE:
            raise InvalidRequestError(f"note: at most {MAX_NOTE} characters")
        site = self._site_of(account_id)
        if not self.store.request_closure(account_id, site, self.hub.clock(), note.strip()):
            raise ConflictError(f"account {account_id} already asked to be closed")
        log.info("account %s asked to be closed", account_id)
        request = self.store.closure_request(account_id)
        assert request is not None
        return _view(request)

    def closure_request(self, account_id: str) -> ClosureRequestView | None:
        request = self.store.closure_request(account_id)
        return None if request is None else _view(request)

    def closure_requests(self, site: str, *, open_only: bool = True) -> list[ClosureRequestView]:
        self.hub.settings(site)
        return [_view(r) for r in self.store.closure_requests(site, open_only=open_only)]

    # Retention -------------------------------------------------------------------------

    def run_retention(self, site: str) -> RetentionReport:
        """Apply the site's retention periods now (see the module docstring)."""
        settings = self.hub.settings(site)
        now = self.hub.clock()
        idle = now - timedelta(days=settings.retention_closed_account_days)
        erased = []
        for account_id in self.store.closed_idle_accounts(site, idle):
            self.erase(account_id, "retention")
            erased.append(account_id)
        today = now.astimezone(ZoneInfo(settings.timezone)).date()
        before_day = (today - timedelta(days=settings.retention_visit_days)).isoformat()
        visits = self.store.forget_old_guests(site, before_day, now)
        portal = self.store.purge_portal(now)
        fiscal_cut = _years_before(now, settings.retention_fiscal_years)
        report = RetentionReport(
            site=site,
            ran_at=format_ts(now),
            accounts_erased=erased,
            visits_forgotten=visits,
            portal_rows=portal,
            fiscal_entries_past_retention=self.store.fiscal_entries_before(site, fiscal_cut),
        )
        log.info("retention on %s: %s", site, report.model_dump_json())
        return report


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)
