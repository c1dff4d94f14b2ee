"""The diner's tickets under ``/portal``::

    GET /portal/tickets?page=N                 every line of the account, newest first
    GET /portal/tickets/{source}/{ref}         one ticket: detail and receipt (DUPLICATA)
    GET /portal/tickets/{source}/{ref}/pdf     the receipt as a PDF to download

``source`` is the terminal that wrote the entry (``ref`` its sequence number) or
``hub`` for a movement made on the hub (``ref`` its id). Every read is the session's
account in its site: another diner's ticket is "not found", whatever its URL.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query, Request, Response
from markupsafe import Markup

from sync.server.portal.kit import Kit, SignedIn
from sync.server.portal.qr_svg import qr_svg
from sync.server.portal.receipt_pdf import receipt_pdf
from sync.server.portal.tickets import Tickets

PER_PAGE = 20
Source = Annotated[str, Path(min_length=1, max_length=64)]
Ref = Annotated[int, Path(ge=1, le=2**62)]


def add_ticket_routes(kit: Kit) -> Tickets:
    tickets = Tickets(kit.portal)
    router, pages, portal = kit.router, kit.pages, kit.portal

    @router.get("/tickets")
    def ticket_list(
        request: Request, session: SignedIn, page: Annotated[int, Query(ge=1, le=10**6)] = 1
    ) -> Response:
        lines, total = portal.tickets(session, page, PER_PAGE)
        pages_count = max(1, -(-total // PER_PAGE))
        return pages.render(
            request, "tickets.html", session, lines=lines, page=page, pages=pages_count
        )

    @router.get("/tickets/{source}/{ref}")
    def ticket(request: Request, session: SignedIn, source: Source, ref: Ref) -> Response:
        found = tickets.ticket(session, source, ref)
        if found is None:
            return pages.render(request, "message.html", session, 404, message_key="not_found")
        number = f"{found.source} {found.number}"
        return pages.render(
            request,
            "ticket.html",
            session,
            ticket=found,
            qr=lambda data: Markup(qr_svg(data, f"QR {number}")),
        )

    @router.get("/tickets/{source}/{ref}/pdf")
    def ticket_pdf(request: Request, session: SignedIn, source: Source, ref: Ref) -> Response:
        found = tickets.ticket(session, source, ref)
        if found is None or not found.receipt:
            return pages.render(request, "message.html", session, 404, message_key="not_found")
        title = f"Ticket {found.source} {found.number} DUPLICATA"
        name = f"ticket-{re.sub(r'[^A-Za-z0-9_-]', '_', found.source)}-{found.number}.pdf"
        return Response(
            receipt_pdf(found.receipt, title),
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return tickets
