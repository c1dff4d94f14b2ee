"""Visit requests in the portal (``visit_requests``)::

    GET  /portal/visites                      my requests with their states; to decide
    GET  /portal/visites/nouvelle             the form        POST: declare
    GET  /portal/visites/{id}                 one request (its QR code once approved)
    POST /portal/visites/{id}/supprimer       the host deletes (or cancels) it
    POST /portal/visites/{id}/valider         an approver validates it
    POST /portal/visites/{id}/refuser         an approver refuses it

A visit that is neither the diner's nor, for an approver, of their site is "not found".
The back office sets the site's rules (``visit_rules_routes``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request, Response
from markupsafe import Markup

from sync.protocol.visits import VisitDoc, VisitState
from sync.server.portal.kit import Form, Handler, Kit, SignedIn
from sync.server.portal.qr_svg import qr_svg
from sync.server.portal.service import Session
from sync.server.portal.visit_requests import PortalVisits, VisitForm, VisitRefusal

VisitId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
_STATUS = {VisitRefusal.NOT_ALLOWED: 404, VisitRefusal.WRONG_STATE: 409}


def add_visit_routes(kit: Kit) -> PortalVisits:
    visits = PortalVisits(kit.portal)
    router, pages = kit.router, kit.pages

    def listing(request: Request, session: Session, **values: Any) -> Response:
        mine = visits.mine(session)
        waiting = visits.to_decide(session)
        return pages.render(
            request,
            "visits.html",
            session,
            mine=mine,
            waiting=waiting,
            approver=visits.is_approver(session),
            names=visits.names(session, mine + waiting),
            **values,
        )

    @router.get("/visites")
    def visit_list(request: Request, session: SignedIn) -> Response:
        return listing(request, session)

    def form_page(
        request: Request, session: Session, form: VisitForm, refusal: VisitRefusal | None = None
    ) -> Response:
        rules = visits.rules(session)
        site = session.row.site
        assert site is not None
        return pages.render(
            request,
            "visit_form.html",
            session,
            400 if refusal else 200,
            form=form,
            rules=rules,
            today=visits.today(site).isoformat(),
            notice=None if refusal is None else refusal.value,
        )

    @router.get("/visites/nouvelle")
    def new_visit(request: Request, session: SignedIn) -> Response:
        rules = visits.rules(session)
        billing = "host" if rules.host_billing or not rules.cost_centres else ""
        return form_page(request, session, VisitForm(billing=billing))

    def declare(request: Request, session: Session, form: Form) -> Response:
        typed = VisitForm(
            day=form.get("day", ""),
            visitor=form.get("visitor", ""),
            company=form.get("company", ""),
            guests=form.get("guests", ""),
            meal=form.get("meal") == "yes",
            billing=form.get("billing", ""),
            note=form.get("note", ""),
        )
        result = visits.declare(session, typed)
        if isinstance(result, VisitRefusal):
            return form_page(request, session, typed, result)
        return kit.go(request, f"/visites/{result.id}")

    kit.post("/visites/nouvelle", declare)

    @router.get("/visites/{visit_id}")
    def visit(request: Request, session: SignedIn, visit_id: VisitId) -> Response:
        doc = visits.visible(session, visit_id)
        if doc is None:
            return pages.render(request, "message.html", session, 404, message_key="not_found")
        return detail(request, session, doc)

    def detail(
        request: Request, session: Session, doc: VisitDoc, refusal: VisitRefusal | None = None
    ) -> Response:
        mine = doc.host_account_id == session.row.account_id
        code = None
        if mine and doc.state is VisitState.APPROVED and doc.code:
            code = Markup(qr_svg(doc.code, f"{doc.visitor}, {doc.day.isoformat()}"))
        return pages.render(
            request,
            "visit.html",
            session,
            _STATUS.get(refusal, 400) if refusal else 200,
            visit=doc,
            mine=mine,
            may_decide=not mine
            and doc.state is VisitState.REQUESTED
            and visits.is_approver(session),
            code=code,
            names=visits.names(session, [doc]),
            notice=None if refusal is None else refusal.value,
        )

    def refused(
        request: Request, session: Session, visit_id: str, refusal: VisitRefusal
    ) -> Response:
        doc = visits.visible(session, visit_id)
        if doc is None:
            return pages.render(request, "message.html", session, 404, message_key="not_found")
        return detail(request, session, doc, refusal)

    def withdraw(request: Request, session: Session, form: Form) -> Response:
        visit_id = request.path_params["visit_id"]
        refusal = visits.withdraw(session, visit_id)
        if refusal is not None:
            return refused(request, session, visit_id, refusal)
        return kit.go(request, "/visites")

    def decision(approve: bool) -> Handler:
        def decide(request: Request, session: Session, form: Form) -> Response:
            visit_id = request.path_params["visit_id"]
            result = visits.decide(session, visit_id, approve, form.get("note", ""))
            if isinstance(result, VisitRefusal):
                return refused(request, session, visit_id, result)
            return kit.go(request, "/visites")

        return decide

    kit.post("/visites/{visit_id}/supprimer", withdraw)
    kit.post("/visites/{visit_id}/valider", decision(True))
    kit.post("/visites/{visit_id}/refuser", decision(False))
    return visits
