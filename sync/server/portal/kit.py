"""What a module of portal pages needs from the portal's wiring (``routes``): the
router under ``/portal``, the renderer, the session of a request, redirects, and the
guards of forms (a live session and its CSRF token), so that each family of pages
(tickets, visits, services, notifications) adds its routes in a module of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response

from sync.server.portal.service import Portal, Session

if TYPE_CHECKING:
    from sync.server.portal.routes import Pages

Form = dict[str, str]
Handler = Callable[[Request, Session, Form], Response]


@dataclass(frozen=True, slots=True)
class Kit:
    portal: Portal
    pages: Pages
    router: APIRouter
    # The signed-in session of the request, or None (then send to the sign-in).
    signed_in: Callable[[Request], Session | None]
    # A 303 to a portal path (``"/tickets"``), keeping the session's cookie if given.
    go: Callable[..., Response]
    # POST handler guards: a live session and its CSRF token; a signed-in diner.
    checked: Callable[[Handler], Callable[[Request, Form], Response]]
    only_signed_in: Callable[[Handler], Handler]
    lang: Callable[[Request], str]  # the page's language ("fr" or "en")

    def post(self, path: str, handler: Handler) -> None:
        """A form's POST route for signed-in diners, behind the CSRF check."""
        self.router.post(path)(self.checked(self.only_signed_in(handler)))
