"""Online top-up from the portal, over the hub's online top-up flow
(``sync.server.payments``)::

    GET  /portal/recharge            the amount (within the site's limits)   POST: order
    GET  /portal/recharge/retour     where the provider sends the diner back: the state

The order's page sends the diner to the provider's payment page with the signed form
that ``OnlineTopUps.create`` makes (a button: it works without JavaScript); only the
provider's signed notification credits the account, once (``/v1/payments/notify``).
The return page only reads the order, and only the session's own.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Query, Request, Response

from sync.money import Money
from sync.protocol.online_topup import OnlineTopUpRequest
from sync.server.errors import HubError
from sync.server.portal.kit import Form, Kit, SignedIn
from sync.server.portal.service import Session

PRESETS = (1000, 2000, 5000)  # cents, offered when within the site's limits


def online(request: Request) -> Any | None:
    """The hub's online top-ups when a payment provider is configured, else None."""
    topups = getattr(request.app.state, "online_topups", None)
    if topups is None:
        return None
    try:
        configured = topups.store.provider() is not None
    except HubError:  # not on SQLite storage
        return None
    return topups if configured else None


def add_topup_routes(kit: Kit) -> None:
    router, pages = kit.router, kit.pages

    def form_page(request: Request, session: Session, status: int = 200, **values: Any) -> Response:
        topups = online(request)
        site = session.row.site
        assert site is not None
        limits = None if topups is None else topups.limits(site)
        presets = [] if limits is None else [
            p for p in PRESETS if limits.minimum <= p <= limits.maximum
        ]  # fmt: skip
        return pages.render(
            request, "topup.html", session, status, limits=limits, presets=presets, **values
        )

    @router.get("/recharge")
    def top_up(request: Request, session: SignedIn) -> Response:
        return form_page(request, session)

    def order(request: Request, session: Session, form: Form) -> Response:
        topups = online(request)
        account, site = session.row.account_id, session.row.site
        assert account is not None and site is not None
        if topups is None:
            return form_page(request, session, 409)
        typed = (form.get("other") or form.get("amount") or "").strip()
        limits = topups.limits(site)
        try:
            cents = Money.parse(typed).cents
        except ValueError:
            cents = 0
        if not limits.minimum <= cents <= limits.maximum:
            return form_page(request, session, 400, notice="topup_bad_amount", typed=typed)
        back = str(request.url_for("portal_topup_back"))
        try:
            created = topups.create(account, OnlineTopUpRequest(amount=cents, return_url=back))
        except HubError:
            return form_page(request, session, 503, notice="topup_failed", typed=typed)
        payment = created.payment
        assert payment is not None
        response = pages.render(request, "topup_pay.html", session, topup=created, pay=payment)
        provider = urlsplit(payment.url)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; frame-ancestors 'none'; "
            f"form-action 'self' {provider.scheme}://{provider.netloc}"
        )
        return response

    kit.post("/recharge", order)

    @router.get("/recharge/retour", name="portal_topup_back")
    def back(
        request: Request,
        session: SignedIn,
        vads_order_id: Annotated[str, Query(min_length=1, max_length=64)] = "",
    ) -> Response:
        topups = getattr(request.app.state, "online_topups", None)
        try:
            view = None if topups is None else topups.view(vads_order_id)
        except HubError:
            view = None
        if view is None or view.account_id != session.row.account_id:
            return pages.render(request, "message.html", session, 404, message_key="not_found")
        return pages.render(request, "topup_back.html", session, topup=view)
