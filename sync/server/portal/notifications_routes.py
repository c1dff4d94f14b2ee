"""The diner's notifications (``notifications``) under ``/portal``::

    GET  /portal/notifications        the low-balance threshold   POST: set or remove it

The hub's push calls the notifier's hooks (``Hub.push_hooks``, ``Hub.after_push``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from sync.money import Money
from sync.server.portal.kit import Form, Kit, SignedIn
from sync.server.portal.notifications import MAX_THRESHOLD, Notifier
from sync.server.portal.service import Session


def add_notification_routes(kit: Kit) -> Notifier:
    notifier = Notifier(kit.portal)
    hub = kit.portal.hub
    hub.push_hooks[__name__] = notifier.derive
    hub.after_push[__name__] = notifier.wake
    router, pages = kit.router, kit.pages

    def page(request: Request, session: Session, status: int = 200, **values: Any) -> Response:
        account = session.row.account_id
        assert account is not None and session.row.site is not None
        alert = notifier.store.alert(account)
        email = kit.portal.store.account_email(session.row.site, account)
        return pages.render(
            request, "notifications.html", session, status, alert=alert, email=email, **values
        )

    @router.get("/notifications")
    def notifications(request: Request, session: SignedIn) -> Response:
        return page(request, session)

    def save(request: Request, session: Session, form: Form) -> Response:
        account = session.row.account_id
        assert account is not None
        typed = form.get("threshold", "").strip()
        if form.get("alert") != "on" or not typed:
            notifier.set_threshold(account, None, kit.lang(request))
            return page(request, session, done="alert_off")
        try:
            cents = Money.parse(typed).cents
        except ValueError:
            cents = 0
        if not 0 < cents <= MAX_THRESHOLD:
            return page(request, session, 400, notice="alert_bad_threshold", typed=typed)
        notifier.set_threshold(account, cents, kit.lang(request))
        return page(request, session, done="alert_saved")

    kit.post("/notifications", save)
    return notifier
