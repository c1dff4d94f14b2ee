"""What a module of portal pages needs from the portal's wiring (``routes``): the
router under ``/portal``, the renderer, the session of a request, redirects, and the
guards of forms (a live session and its CSRF token), so that each family of pages
(tickets, visits, services, notifications) adds its routes in a module of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Request, Response

from sync.server.portal.service import Portal, Session

if TYPE_CHECKING:
    from sync.server.portal.routes import Pages

Form = dict[str, str]
Handler = Callable[[Request, Session, Form], Response]


class SignInFirst(Exception):
    """A page asked for without a signed-in session: the portal answers it with a 303
    to the sign-in page (the handler is registered with the portal's routes)."""


COOKIE = "portal_session"  # the session cookie's name


def page_session(request: Request) -> Session:
    """A page's dependency: the request's signed-in session, else ``SignInFirst``."""
    portal: Portal = request.app.state.portal
    session = portal.session(request.cookies.get(COOKIE))
    if session is None or not session.signed_in:
        raise SignInFirst
    return session


# ``session: SignedIn`` in a GET page's handler: the signed-in session, or the page
# answers with the sign-in (so the handler never sees a signed-out request).
SignedIn = Annotated[Session, Depends(page_session)]


@dataclass(frozen=True, slots=True)
class Kit:
    portal: Portal
    pages: Pages
    router: APIRouter
    # A 303 to a portal path (``"/tickets"``), keeping the session's cookie if given.
    go: Callable[..., Response]
    # POST handler guards: a live session and its CSRF token; a signed-in diner.
    checked: Callable[[Handler], Callable[[Request, Form], Response]]
    only_signed_in: Callable[[Handler], Handler]
    lang: Callable[[Request], str]  # the page's language ("fr" or "en")

    def post(self, path: str, handler: Handler) -> None:
        """A form's POST route for signed-in diners, behind the CSRF check."""
        self.router.post(path)(self.checked(self.only_signed_in(handler)))
