"""The back office's route for a site's rules of visit requests in the portal (who
approves, which cost centres, whether the host may be billed), added to the hub's app
by ``create_app``::

    GET  /v1/admin/sites/{site}/portal/visit-rules   -> PortalVisitRules
    PUT  /v1/admin/sites/{site}/portal/visit-rules   PortalVisitRules -> 204
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Response
from pydantic import BaseModel, Field

from sync.protocol.rows import Strict
from sync.server.app import _ERRORS, ADMIN, SiteCode, body_of, json_body, reply
from sync.server.errors import InvalidRequestError
from sync.server.portal.pages_store import CostCentre, PagesStore, VisitRules
from sync.server.service import Hub
from sync.server.storage import SqliteStorage

_ACCOUNT = r"^[A-Za-z0-9_\-\.:]+$"


class CostCentreRule(Strict):
    account_id: str = Field(min_length=1, max_length=64, pattern=_ACCOUNT)
    label: str = Field(min_length=1, max_length=120)


class PortalVisitRules(Strict):
    """Whether guests' meals may be billed to the host, the cost centres diners may
    bill them to (accounts of the site), and the diners who approve requests."""

    host_billing: bool = True
    cost_centres: list[CostCentreRule] = Field(default_factory=list, max_length=200)
    approvers: list[Annotated[str, Field(min_length=1, max_length=64, pattern=_ACCOUNT)]] = Field(
        default_factory=list, max_length=1000
    )


def add_visit_rules_routes(app: FastAPI, hub: Hub) -> list[type[BaseModel]]:
    """Add the back office's routes (the hub's app calls it); return the body models."""
    if not isinstance(hub.storage, SqliteStorage):
        return []  # the portal keeps its tables in the SQLite storage
    store = PagesStore(hub.storage)

    path = "/v1/admin/sites/{site}/portal/visit-rules"

    @app.get(
        path,
        tags=["admin"],
        dependencies=ADMIN,
        responses={200: {"model": PortalVisitRules}, **_ERRORS},
    )
    def get_rules(site: SiteCode) -> Response:
        hub.settings(site)  # 404 for an unknown site
        rules = store.visit_rules(site)
        return reply(
            PortalVisitRules(
                host_billing=rules.host_billing,
                cost_centres=[
                    CostCentreRule(account_id=c.account_id, label=c.label)
                    for c in rules.cost_centres
                ],
                approvers=list(rules.approvers),
            )
        )

    @app.put(
        path,
        tags=["admin"],
        dependencies=ADMIN,
        status_code=204,
        responses=_ERRORS,
        openapi_extra=json_body(PortalVisitRules),
    )
    def put_rules(
        site: SiteCode,
        rules: Annotated[PortalVisitRules, Depends(body_of(PortalVisitRules))],
    ) -> Response:
        hub.settings(site)
        named = [c.account_id for c in rules.cost_centres] + rules.approvers
        sites = hub.storage.account_sites(named)
        for account in named:
            if sites.get(account) != site:
                raise InvalidRequestError(f"{account} is not an account of site {site}")
        if not rules.host_billing and not rules.cost_centres:
            raise InvalidRequestError("host_billing: without it, name at least one cost centre")
        store.set_visit_rules(
            site,
            VisitRules(
                host_billing=rules.host_billing,
                cost_centres=tuple(
                    {
                        c.account_id: CostCentre(c.account_id, c.label) for c in rules.cost_centres
                    }.values()
                ),
                approvers=tuple(dict.fromkeys(rules.approvers)),
            ),
            hub.clock(),
        )
        return reply()

    return [PortalVisitRules]
