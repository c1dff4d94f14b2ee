"""The portal's pages under ``/portal``, server-rendered with Jinja2::

    GET  /portal/                       home (balance, latest tickets) or to sign-in
    GET  /portal/connexion              site code (code solution)       POST: choose it
    GET  /portal/identifiant            diner identifier                POST: look it up
    GET  /portal/mot-de-passe           password of an activated account POST: sign in
    GET  /portal/compte-trouve          "Votre compte a été trouvé"      POST: send a code
    GET  /portal/activation/code        the e-mailed code               POST: check it
    GET  /portal/activation/mot-de-passe the first password             POST: activate
    POST /portal/deconnexion            sign out
    GET  /portal/donnees                what the hub holds about the diner (data_routes)
    GET  /portal/donnees.json           the same, as a JSON file to download
    POST /portal/donnees/fermeture      ask to close the account
    GET  /portal/parametres             settings  POST .../langue, .../mot-de-passe
    GET  /portal/langue/{lang}          French or English (a cookie), back to the page
    GET  /portal/static/portal.css
    .../commandes ...                   orders: see ``orders_routes``

The account's other pages live in modules of their own, each given a ``Kit``:
``tickets_routes`` (tickets, a ticket's receipt and PDF), ``services_routes``,
``visits_routes`` (visit requests), ``notifications_routes`` (low-balance alert),
``topup_routes`` (online top-up).

Each form carries the session's CSRF token; a POST without it changes nothing (403).
The session cookie is HttpOnly, SameSite=Lax, and Secure when the request came over
HTTPS. No route takes an account id: every read is the signed-in session's account.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sync.server.errors import TooLargeError
from sync.server.personal_data import PersonalData
from sync.server.portal.data_routes import add_data_routes
from sync.server.portal.i18n import DEFAULT_LANG, LANGS, kind_name, local_time, money, text
from sync.server.portal.kit import COOKIE, Kit, SignedIn, SignInFirst
from sync.server.portal.notifications_routes import add_notification_routes
from sync.server.portal.service import Portal, Refusal, Session
from sync.server.portal.services_routes import add_service_routes, home_links
from sync.server.portal.settings import PortalSettings
from sync.server.portal.tickets_routes import add_ticket_routes
from sync.server.portal.topup_routes import add_topup_routes
from sync.server.portal.visits_routes import add_visit_routes
from sync.server.service import Hub

HERE = FilePath(__file__).parent
LANG_COOKIE = "portal_lang"
PATH = "/portal"
MAX_FORM = 8192
PER_PAGE = 20
_STATUS = {Refusal.LOCKED: 429, Refusal.MAIL_FAILED: 503}

Form = dict[str, str]


async def _form(request: Request) -> Form:
    raw = await request.body()
    if len(raw) > MAX_FORM:
        raise TooLargeError(f"form above {MAX_FORM} bytes")
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


FormBody = Annotated[Form, Depends(_form)]


def _lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


class Pages:
    """Renders the templates and keeps the session cookie."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(
        self,
        request: Request,
        name: str,
        session: Session | None,
        status: int = 200,
        refusal: Refusal | None = None,
        **values: Any,
    ) -> HTMLResponse:
        lang = _lang(request)
        tz = "Europe/Paris"
        if session is not None and session.row.site is not None:
            settings = self.portal.hub.storage.site_settings(session.row.site)
            tz = settings.timezone if settings is not None else tz

        def t(key: str, **v: object) -> str:
            return text(lang, key, **v)

        html = self.env.get_template(name).render(
            t=t,
            lang=lang,
            other_lang="en" if lang == "fr" else "fr",
            here=request.url.path,
            session=session,
            csrf=session.row.csrf if session is not None else "",
            error=None if refusal is None else t(f"refuse_{refusal.value}"),
            money=lambda cents: money(cents, lang),
            when=lambda ts: local_time(ts, tz, lang),
            kind=lambda k: kind_name(lang, k),
            **values,
        )
        response = HTMLResponse(html, status_code=_STATUS.get(refusal, 400) if refusal else status)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
        )
        if session is not None:
            self.keep(request, response, session)
        return response

    def set_lang(self, request: Request, response: Response, lang: str) -> None:
        response.set_cookie(
            LANG_COOKIE, lang, path=PATH, httponly=True, samesite="lax",
            secure=request.url.scheme == "https", max_age=365 * 86400,
        )  # fmt: skip

    def keep(self, request: Request, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            session.token,
            path=PATH,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


def add_portal_routes(app: FastAPI, hub: Hub, settings: PortalSettings | None = None) -> Portal:
    """Mount the portal's pages on the hub's app; the settings default to the
    environment's (``PortalSettings.from_env``)."""
    portal = Portal(hub, settings or PortalSettings.from_env())
    pages = Pages(portal)
    router = APIRouter(prefix=PATH, include_in_schema=False)
    app.state.portal = portal

    def current(request: Request) -> Session | None:
        return portal.session(request.cookies.get(COOKIE))

    def ensure(request: Request) -> Session:
        return current(request) or portal.new_session()

    def go(request: Request, to: str, session: Session | None = None) -> Response:
        response = RedirectResponse(PATH + to, status_code=303)
        if session is not None:
            pages.keep(request, response, session)
        return response

    def checked(
        handler: Callable[[Request, Session, Form], Response],
    ) -> Callable[[Request, Form], Response]:
        """A POST handler that runs only with a live session and its CSRF token."""

        def run(request: Request, form: FormBody) -> Response:
            session = current(request)
            if session is None or not portal.csrf_ok(session, form.get("csrf")):
                return pages.render(request, "message.html", session, 403, message_key="csrf")
            return handler(request, session, form)

        return run

    def to_sign_in(request: Request, _exc: Exception) -> Response:
        return go(request, "/connexion")

    app.add_exception_handler(SignInFirst, to_sign_in)  # a page without a session

    # First connection and sign-in -----------------------------------------------------

    @router.get("/")
    def home(request: Request, session: SignedIn) -> Response:
        return pages.render(
            request, "home.html", session, home=portal.home(session), links=home_links(request)
        )

    def before_sign_in(
        handler: Callable[[Request, Session, Form], Response],
    ) -> Callable[[Request, Session, Form], Response]:
        """The first-connection steps are for a session not signed in: a signed-in
        diner signs out before entering another site or account."""

        def run(request: Request, session: Session, form: Form) -> Response:
            return go(request, "/") if session.signed_in else handler(request, session, form)

        return run

    @router.get("/connexion")
    def site_form(request: Request) -> Response:
        session = ensure(request)
        if session.signed_in:
            return go(request, "/")
        return pages.render(request, "site.html", session)

    def choose_site(request: Request, session: Session, form: Form) -> Response:
        refusal = portal.choose_site(session, form.get("site", ""))
        if refusal is not None:
            return pages.render(request, "site.html", session, refusal=refusal)
        return go(request, "/identifiant")

    router.post("/connexion")(checked(before_sign_in(choose_site)))

    @router.get("/identifiant")
    def identifier_form(request: Request) -> Response:
        session = current(request)
        if session is None or session.row.site is None:
            return go(request, "/connexion")
        return pages.render(request, "identifier.html", session)

    def find(request: Request, session: Session, form: Form) -> Response:
        client = request.client.host if request.client else "?"
        refusal = portal.find_account(session, form.get("identifier", ""), client)
        if refusal is not None:
            return pages.render(request, "identifier.html", session, refusal=refusal)
        account = form.get("identifier", "").strip()
        return go(request, "/mot-de-passe" if portal.is_activated(account) else "/compte-trouve")

    router.post("/identifiant")(checked(before_sign_in(find)))

    def pending(request: Request) -> Session | None:
        session = current(request)
        return session if session is not None and session.row.pending_account else None

    @router.get("/mot-de-passe")
    def password_form(request: Request) -> Response:
        session = pending(request)
        if session is None:
            return go(request, "/connexion")
        return pages.render(request, "password.html", session)

    def sign_in(request: Request, session: Session, form: Form) -> Response:
        result = portal.sign_in(session, form.get("password", ""))
        if isinstance(result, Refusal):
            return pages.render(request, "password.html", session, refusal=result)
        return go(request, "/", result)

    router.post("/mot-de-passe")(checked(before_sign_in(sign_in)))

    @router.get("/compte-trouve")
    def found(request: Request) -> Response:
        session = pending(request)
        if session is None:
            return go(request, "/connexion")
        return pages.render(request, "found.html", session)

    def send(request: Request, session: Session, form: Form) -> Response:
        refusal = portal.send_activation_code(session, _lang(request))
        if refusal is not None:
            return pages.render(request, "found.html", session, refusal=refusal)
        return go(request, "/activation/code")

    router.post("/compte-trouve")(checked(before_sign_in(send)))

    @router.get("/activation/code")
    def code_form(request: Request) -> Response:
        session = pending(request)
        if session is None:
            return go(request, "/connexion")
        minutes = portal.settings.code_ttl_s // 60
        return pages.render(request, "code.html", session, minutes=minutes)

    def check_code(request: Request, session: Session, form: Form) -> Response:
        refusal = portal.check_code(session, form.get("code", ""))
        if refusal is not None:
            minutes = portal.settings.code_ttl_s // 60
            return pages.render(request, "code.html", session, refusal=refusal, minutes=minutes)
        return go(request, "/activation/mot-de-passe")

    router.post("/activation/code")(checked(before_sign_in(check_code)))

    @router.get("/activation/mot-de-passe")
    def new_password_form(request: Request) -> Response:
        session = pending(request)
        if session is None or not session.row.code_ok:
            return go(request, "/connexion")
        return pages.render(request, "new_password.html", session)

    def activate(request: Request, session: Session, form: Form) -> Response:
        result = portal.activate(session, form.get("password", ""), form.get("again", ""))
        if isinstance(result, Refusal):
            return pages.render(request, "new_password.html", session, refusal=result)
        return go(request, "/", result)

    router.post("/activation/mot-de-passe")(checked(before_sign_in(activate)))

    def sign_out(request: Request, session: Session, form: Form) -> Response:
        portal.sign_out(session)
        response = go(request, "/connexion")
        response.delete_cookie(COOKIE, path=PATH)
        return response

    router.post("/deconnexion")(checked(sign_out))

    # Account: personal data and settings ---------------------------------------------

    @router.get("/parametres")
    def settings_page(request: Request, session: SignedIn) -> Response:
        return pages.render(request, "settings.html", session)

    def only_signed_in(
        handler: Callable[[Request, Session, Form], Response],
    ) -> Callable[[Request, Session, Form], Response]:
        def run(request: Request, session: Session, form: Form) -> Response:
            if not session.signed_in:
                return go(request, "/connexion")
            return handler(request, session, form)

        return run

    def set_language(request: Request, session: Session, form: Form) -> Response:
        response = go(request, "/parametres")
        lang = form.get("lang", "")
        if lang in LANGS:
            pages.set_lang(request, response, lang)
        return response

    router.post("/parametres/langue")(checked(only_signed_in(set_language)))

    def change_password(request: Request, session: Session, form: Form) -> Response:
        refusal = portal.change_password(
            session, form.get("current", ""), form.get("password", ""), form.get("again", "")
        )
        if refusal is not None:
            return pages.render(request, "settings.html", session, refusal=refusal)
        return pages.render(request, "settings.html", session, done="password_changed")

    router.post("/parametres/mot-de-passe")(checked(only_signed_in(change_password)))

    @router.get("/langue/{lang}")
    def language(request: Request, lang: str, next: str = "/portal/") -> Response:
        # Only a path of the portal: never an open redirect.
        target = next if next.startswith(PATH + "/") and "//" not in next else PATH + "/"
        response = RedirectResponse(target, status_code=303)
        if lang in LANGS:
            pages.set_lang(request, response, lang)
        return response

    @router.get("/static/portal.css")
    def css() -> Response:
        return FileResponse(HERE / "static" / "portal.css", media_type="text/css")

    kit = Kit(portal, pages, router, go, checked, only_signed_in, _lang)
    add_ticket_routes(kit)
    add_visit_routes(kit)
    add_service_routes(kit)
    add_notification_routes(kit)
    add_topup_routes(kit)
    from sync.server.portal.orders_routes import add_order_routes

    add_order_routes(
        router,
        portal,
        render=pages.render,
        go=go,
        checked=checked,
        lang_of=_lang,
    )

    from sync.server.portal.install_routes import add_install_routes

    add_install_routes(router, _lang)

    from sync.server.portal.badge_routes import add_badge_routes

    add_badge_routes(router, pages, COOKIE, _lang)

    def post(path: str, handler: Callable[[Request, Session, Form], Response]) -> None:
        router.post(path)(checked(only_signed_in(handler)))

    add_data_routes(router, pages, PersonalData(hub), go=go, post=post)
    app.include_router(router)
    return portal
