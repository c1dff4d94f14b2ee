"""The portal's order pages, added by ``add_portal_routes`` on its router::

    GET  /portal/commandes                  current orders, then the history
    GET  /portal/commandes/nouvelle         the order form (items ordered ahead,
                                            quantities, options, day, slot, notify)
    POST /portal/commandes/nouvelle         place it, paid from the balance
    POST /portal/commandes/{code}/annuler   cancel it, before its cut-off

The rules are the hub's (``sync.server.orders``), the same as at the kiosk. Also here:
``notify_ready``, the mail sent when the kitchen marks an order ready, through the
portal's SMTP settings, to the address the site imported for the account.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from sync.journal import format_ts
from sync.protocol.catalogue import SiteMenu
from sync.protocol.order_rules import OrderLine
from sync.protocol.orders import (
    ORDER_CODE_PATTERN,
    OrderDoc,
    diner_cancel_problem,
    order_qr,
    pickup_days,
    spoken,
)
from sync.server import orders
from sync.server.errors import HubError
from sync.server.portal.errors import MailError
from sync.server.portal.kit import SignedIn
from sync.server.portal.mail import send_message
from sync.server.portal.qr_svg import qr_svg
from sync.server.portal.service import Portal, Session

log = logging.getLogger(__name__)

Form = dict[str, str]
Handler = Callable[[Request, Session, Form], Response]

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "orders": "Commandes",
        "current": "Commandes en cours",
        "history": "Historique",
        "none_current": "Aucune commande en cours.",
        "new": "Commander",
        "pickup": "Retrait le {day}",
        "slot": "Créneau",
        "day": "Jour de retrait",
        "place": "Lieu",
        "code": "Code",
        "state_placed": "Enregistrée",
        "state_ready": "Prête",
        "state_collected": "Retirée",
        "state_cancelled": "Annulée",
        "refunded": "remboursée",
        "sold_out_note": "Quantité du jour atteinte : commande annulée et remboursée.",
        "cancel": "Annuler la commande",
        "cancel_until": "Annulable jusqu'au {when}",
        "notify": "Me prévenir par e-mail quand elle est prête",
        "qty": "Quantité",
        "pay": "Commander et payer avec mon solde",
        "nothing": "Choisissez au moins un article.",
        "no_items": "Aucun article à commander à l'avance sur ce site.",
        "placed": "Commande {code} enregistrée.",
        "cancelled": "Commande {code} annulée et remboursée.",
        "refused": "Commande refusée : {detail}",
        "no_cancel": "Annulation impossible : {detail}",
    },
    "en": {
        "orders": "Orders",
        "current": "Current orders",
        "history": "History",
        "none_current": "No current order.",
        "new": "Order",
        "pickup": "Pickup on {day}",
        "slot": "Slot",
        "day": "Pickup day",
        "place": "Place",
        "code": "Code",
        "state_placed": "Placed",
        "state_ready": "Ready",
        "state_collected": "Collected",
        "state_cancelled": "Cancelled",
        "refunded": "refunded",
        "sold_out_note": "The day's quantity was reached: order cancelled and refunded.",
        "cancel": "Cancel the order",
        "cancel_until": "Can be cancelled until {when}",
        "notify": "E-mail me when it is ready",
        "qty": "Quantity",
        "pay": "Order and pay from my balance",
        "nothing": "Choose at least one item.",
        "no_items": "Nothing to order ahead on this site.",
        "placed": "Order {code} placed.",
        "cancelled": "Order {code} cancelled and refunded.",
        "refused": "Order refused: {detail}",
        "no_cancel": "Cannot cancel: {detail}",
    },
}

MAIL_SUBJECT = {"fr": "Votre commande {code} est prête", "en": "Your order {code} is ready"}
MAIL_BODY = {
    "fr": "Bonjour,\n\nVotre commande {code} est prête : {place}, le {day}{slot}.\n",
    "en": "Hello,\n\nYour order {code} is ready: {place}, on {day}{slot}.\n",
}


def notify_ready(portal: Portal, site: str, doc: OrderDoc, lang: str = "fr") -> bool:
    """Mail the diner that ``doc`` is ready; whether it went (a failure is logged)."""
    settings = portal.settings
    address = portal.store.account_email(site, doc.account)
    if address is None or not settings.smtp_host:
        log.info("order %s ready: no address or no mail server, nobody told", doc.code)
        return False
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = address
    message["Subject"] = MAIL_SUBJECT[lang].format(code=spoken(doc.code))
    slot = f", {doc.slot}" if doc.slot else ""
    message.set_content(
        MAIL_BODY[lang].format(
            code=spoken(doc.code), place=doc.place, day=doc.pickup_day, slot=slot
        )
    )
    try:
        send_message(settings, message)
    except MailError as exc:
        log.warning("order %s ready: mail to the diner failed: %s", doc.code, exc)
        return False
    return True


def add_order_routes(
    router: APIRouter,
    portal: Portal,
    *,
    render: Callable[..., Response],
    go: Callable[[Request, str], Response],
    checked: Callable[[Handler], Callable[[Request, Form], Response]],
    lang_of: Callable[[Request], str],
) -> None:
    """Add the order pages to the portal's router (see the module docstring)."""
    hub = portal.hub

    def words(request: Request) -> Callable[..., str]:
        table = WORDS[lang_of(request)]

        def o(key: str, **values: object) -> str:
            found = table.get(key, key)
            return found.format(**values) if values else found

        return o

    def context(request: Request, session: Session, **values: Any) -> dict[str, Any]:
        assert session.row.site is not None and session.row.account_id is not None
        docs = hub.storage.orders_of_account(session.row.account_id)
        now = hub.clock()
        menu = _menu(session)
        return {
            "o": words(request),
            "current": [d for d in docs if d.state.open],
            "past": [d for d in docs if not d.state.open],
            "cancellable": {
                d.code
                for d in docs
                if diner_cancel_problem(d, session.row.account_id, _ts(now)) is None
            },
            "label": (lambda item_id: _label(menu, item_id, lang_of(request))),
            "qr": lambda code: qr_svg(order_qr(code), f"QR {spoken(code)}"),
            "spoken": spoken,
            **values,
        }

    def _menu(session: Session) -> SiteMenu | None:
        """The site's live menu (read, no transaction held)."""
        assert session.row.site is not None
        body = hub.storage.document(session.row.site, "catalogue", "site")
        return None if body is None else SiteMenu.model_validate_json(json.dumps(body))

    @router.get("/commandes")
    def order_list(request: Request, session: SignedIn) -> Response:
        return render(request, "orders.html", session, **context(request, session))

    def form_values(request: Request, session: Session) -> dict[str, Any]:
        assert session.row.site is not None
        menu = _menu(session)
        settings = hub.settings(session.row.site)
        zone = ZoneInfo(settings.timezone)
        if menu is None:
            return {"o": words(request), "items": [], "days": [], "slots": []}
        items = [i for i in menu.items if i.ordering is not None]
        ids = [i.id for i in items]
        days = pickup_days(menu, ids, hub.clock(), zone) if items else []
        if not days and items:  # each item on its own days: offer the union
            found = {d for i in ids for d in pickup_days(menu, [i], hub.clock(), zone)}
            days = sorted(found)
        slots = sorted({s for i in items for s in (i.ordering.slots if i.ordering else ())})
        return {
            "o": words(request),
            "items": items,
            "days": [d.isoformat() for d in days],
            "slots": slots,
        }

    @router.get("/commandes/nouvelle")
    def order_form(request: Request, session: SignedIn) -> Response:
        return render(request, "order_new.html", session, **form_values(request, session))

    def place(request: Request, session: Session, form: Form) -> Response:
        if not session.signed_in:
            return go(request, "/connexion")
        assert session.row.site is not None and session.row.account_id is not None
        o = words(request)
        values = form_values(request, session)
        lines: list[OrderLine] = []
        try:
            for item in values["items"]:
                qty = int(form.get(f"qty_{item.id}", "0") or "0")
                if qty <= 0:
                    continue
                offered = item.ordering.options if item.ordering else ()
                chosen = tuple(opt.id for opt in offered if form.get(f"opt_{item.id}_{opt.id}"))
                lines.append(OrderLine(item=item.id, qty=qty, options=chosen))
            day = date.fromisoformat(form.get("day", ""))
        except (ValueError, ValidationError):
            return render(request, "order_new.html", session, 400, problem=o("nothing"), **values)
        if not lines:
            return render(request, "order_new.html", session, 400, problem=o("nothing"), **values)
        slot = form.get("slot") or None
        try:
            with hub.storage.order_tx(session.row.site, hub.clock()) as tx:
                doc = orders.place(
                    tx,
                    session.row.account_id,
                    lines,
                    day=day,
                    slot=slot,
                    notify=bool(form.get("notify")),
                    now=hub.clock(),
                )
        except orders.OrderRefused as refused:
            problem = o("refused", detail=refused.problem.detail)
            return render(request, "order_new.html", session, 409, problem=problem, **values)
        except HubError as exc:
            problem = o("refused", detail=str(exc))
            return render(request, "order_new.html", session, 409, problem=problem, **values)
        message = o("placed", code=spoken(doc.code))
        return render(request, "orders.html", session, **context(request, session, note=message))

    router.post("/commandes/nouvelle")(checked(place))

    def cancel(request: Request, session: Session, form: Form) -> Response:
        if not session.signed_in:
            return go(request, "/connexion")
        assert session.row.site is not None and session.row.account_id is not None
        o = words(request)
        code = form.get("code", "")
        if not _is_code(code):
            return render(request, "message.html", session, 404, message_key="not_found")
        try:
            with hub.storage.order_tx(session.row.site, hub.clock()) as tx:
                doc = orders.cancel_by_diner(tx, code, session.row.account_id)
        except orders.OrderRefused as refused:
            problem = o("no_cancel", detail=refused.problem.detail)
            page = context(request, session, problem=problem)
            return render(request, "orders.html", session, 409, **page)
        except HubError:
            return render(request, "message.html", session, 404, message_key="not_found")
        page = context(request, session, note=o("cancelled", code=spoken(doc.code)))
        return render(request, "orders.html", session, **page)

    router.post("/commandes/annuler")(checked(cancel))


def _is_code(text: str) -> bool:
    return re.fullmatch(ORDER_CODE_PATTERN, text) is not None


def _ts(now: datetime) -> str:
    return format_ts(now)


def _label(menu: Any, item_id: str, lang: str) -> str:
    item = None if menu is None else menu.item(item_id)
    if item is None:
        return item_id
    return str(item.label.en if lang == "en" else item.label.fr)
