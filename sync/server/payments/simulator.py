"""A test payment page that speaks the Systempay form protocol: for the demo and the
tests, clearly marked as such, never real money.

It plays the provider's part: the diner's browser posts the signed ``vads_*`` form
to ``/vads-payment/`` and sees a page marked *PAGE DE PAIEMENT DE TEST* with three
buttons (pay, refuse, abandon); the choice makes a transaction (``vads_trans_uuid``),
a signed notification posted to the shop's URL (``vads_url_check``) and a redirect
back to ``vads_url_return``. Its REST API refunds (``Transaction/CancelOrRefund``).

For the tests, ``hold = True`` keeps notifications in ``outbox`` instead of sending
them; ``deliver`` then sends any of them, in any order, as often as asked.
``TestPaymentPageThread`` serves it on loopback like the hub's ``HubThread``.
"""

from __future__ import annotations

import base64
import html
import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import parse_qsl, urlencode

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response

from sync.server.loopback import ServerThread
from sync.server.payments.systempay import sign

log = logging.getLogger(__name__)
Choice = Literal["pay", "refuse", "abandon"]
STATUS = {"pay": "AUTHORISED", "refuse": "REFUSED", "abandon": "ABANDONED"}
BANNER = "PAGE DE PAIEMENT DE TEST - aucun paiement réel"


@dataclass
class Outgoing:
    """A notification for the shop (sent, or held in the outbox)."""

    url: str
    fields: dict[str, str]
    sent: int = 0
    answers: list[int] = field(default_factory=list)


class TestPaymentPage:
    """The simulated provider for one shop (``shop_id``, ``key``)."""

    __test__ = False  # not a pytest class

    def __init__(self, shop_id: str = "12345678", key: str = "TESTKEY0123456789") -> None:
        self.shop_id, self.key = shop_id, key
        self.api_password = "testpassword"
        self.hold = False
        self.outbox: list[Outgoing] = []
        self.paid: dict[str, int] = {}  # transaction uuid -> cents, what was taken
        self.refunded: dict[str, int] = {}
        self.refuse_refunds = False
        self._pending: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self.app = self._make_app()

    # -- the provider's side, callable directly ----------------------------------------
    def check(self, form: dict[str, str]) -> str | None:
        """Why the form would be rejected (None: it is well signed for this shop)."""
        if form.get("vads_site_id") != self.shop_id:
            return "unknown shop"
        if form.get("signature") != sign(form, self.key):
            return "bad signature"
        if not form.get("vads_amount", "").isdigit() or form.get("vads_currency") != "978":
            return "bad amount or currency"
        return None

    def decide(self, form: dict[str, str], choice: Choice) -> Outgoing:
        """The diner's choice on the page: a transaction and its notification."""
        problem = self.check(form)
        if problem is not None:
            raise ValueError(problem)
        outgoing = self.notification(form, STATUS[choice])
        with self._lock:
            if choice == "pay":
                self.paid[outgoing.fields["vads_trans_uuid"]] = int(form["vads_amount"])
            self.outbox.append(outgoing)
        if not self.hold:
            self.send(outgoing)
        return outgoing

    def notification(self, form: dict[str, str], status: str, uuid: str | None = None) -> Outgoing:
        """A signed notification of ``status`` for the order of ``form`` (not sent)."""
        names = (
            "vads_amount",
            "vads_ctx_mode",
            "vads_currency",
            "vads_cust_id",
            "vads_order_id",
            "vads_site_id",
            "vads_trans_date",
            "vads_trans_id",
        )
        fields: dict[str, str] = {name: form[name] for name in names if name in form}
        fields |= {
            "vads_trans_uuid": uuid or secrets.token_hex(16),
            "vads_trans_status": status,
            "vads_operation_type": "DEBIT",
            "vads_url_check_src": "PAY",
            "vads_card_brand": "CB",
            "vads_card_number": "497010XXXXXX0000",
            "vads_auth_result": "00" if status == "AUTHORISED" else "05",
            "vads_effective_creation_date": datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
        }
        fields["signature"] = sign(fields, self.key)
        return Outgoing(form.get("vads_url_check", ""), fields)

    def send(self, outgoing: Outgoing, times: int = 1) -> list[int]:
        """Post the notification to the shop ``times`` times; the HTTP statuses."""
        codes = []
        for _ in range(times):
            try:
                response = httpx.post(
                    outgoing.url,
                    content=urlencode(outgoing.fields),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                    timeout=30,
                )
                codes.append(response.status_code)
            except httpx.HTTPError as exc:
                log.warning("notification to %s failed: %s", outgoing.url, exc)
                codes.append(0)
        outgoing.sent += times
        outgoing.answers += codes
        return codes

    def refund(self, uuid: str, amount: int) -> str:
        with self._lock:
            taken = self.paid.get(uuid, 0) - self.refunded.get(uuid, 0)
            if self.refuse_refunds or amount > taken:
                raise ValueError(f"cannot refund {amount} of {uuid} ({taken} left)")
            self.refunded[uuid] = self.refunded.get(uuid, 0) + amount
        return f"R{secrets.token_hex(15)}"

    # -- HTTP --------------------------------------------------------------------------
    def _make_app(self) -> FastAPI:
        app = FastAPI(title="Test payment page (Systempay protocol)")

        async def form_of(request: Request) -> dict[str, str]:
            return dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))

        @app.post("/vads-payment/")
        async def page(request: Request) -> Response:
            form = await form_of(request)
            problem = self.check(form)
            if problem is not None:
                return Response(f"{BANNER}\nformulaire refusé : {problem}", status_code=400)
            token = secrets.token_hex(8)
            with self._lock:
                self._pending[token] = form
            cents = int(form["vads_amount"])
            order = html.escape(form.get("vads_order_id", ""))
            buttons = "".join(
                f"<button name=choice value={c}>{label}</button>"
                for c, label in (("pay", "Payer"), ("refuse", "Refuser"), ("abandon", "Abandonner"))
            )
            body = (
                "<!doctype html><html lang=fr><meta charset=utf-8><title>Paiement de test</title>"
                f"<p style='background:#c00;color:#fff;padding:1em'><b>{BANNER}</b></p>"
                f"<h1>{cents // 100},{cents % 100:02d} EUR</h1><p>Commande {order}</p>"
                f"<form method=post action=/vads-payment/decide>"
                f"<input type=hidden name=token value={token}>{buttons}</form></html>"
            )
            return Response(body, media_type="text/html")

        @app.post("/vads-payment/decide")
        async def decide(request: Request) -> Response:
            form = await form_of(request)
            with self._lock:
                order = self._pending.pop(form.get("token", ""), None)
            choice = form.get("choice", "")
            if order is None or choice not in STATUS:
                return Response(f"{BANNER}\nsession inconnue", status_code=400)
            outgoing = self.decide(order, choice)  # type: ignore[arg-type]
            back = order.get("vads_url_return")
            if not back:
                return Response(f"{BANNER}\n{outgoing.fields['vads_trans_status']}")
            query = urlencode(
                {
                    "vads_order_id": order.get("vads_order_id", ""),
                    "vads_trans_status": outgoing.fields["vads_trans_status"],
                }
            )
            return Response(status_code=303, headers={"location": f"{back}?{query}"})

        @app.post("/api-payment/V4/Transaction/CancelOrRefund")
        async def refund(request: Request) -> Response:
            expected = base64.b64encode(f"{self.shop_id}:{self.api_password}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return Response('{"status":"ERROR","answer":{"errorCode":"INT_905"}}', 401)
            body = await request.json()
            try:
                ref = self.refund(str(body["uuid"]), int(body["amount"]))
            except (KeyError, ValueError) as exc:
                answer = {
                    "status": "ERROR",
                    "answer": {"errorCode": "PSP_100", "errorMessage": str(exc)},
                }
                return Response(
                    httpx.Response(200, json=answer).content, media_type="application/json"
                )
            answer = {"status": "SUCCESS", "answer": {"uuid": ref, "detailedStatus": "AUTHORISED"}}
            return Response(httpx.Response(200, json=answer).content, media_type="application/json")

        return app


class TestPaymentPageThread(ServerThread):
    """Serve a ``TestPaymentPage`` on loopback in a background thread."""

    __test__ = False

    def __init__(self, page: TestPaymentPage, host: str = "127.0.0.1", port: int = 0) -> None:
        self.page = page
        config = uvicorn.Config(page.app, log_level="warning", access_log=False, lifespan="off")
        super().__init__(uvicorn.Server(config), host, port, "the test payment page")
