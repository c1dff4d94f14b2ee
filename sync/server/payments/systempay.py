"""Systempay (Lyra's hosted payment form, "formulaire de paiement"), from its public
documentation.

- The form: ``vads_*`` fields posted by the diner's browser to the payment page; the
  ``signature`` is the Base64 HMAC-SHA-256, keyed with the shop's test or production
  key, of the values of the ``vads_*`` fields sorted by name, joined with ``+``, then
  ``+`` and the key.
- The notification (IPN): the provider posts the transaction's ``vads_*`` fields to
  the shop's URL, signed the same way; ``vads_trans_uuid`` names the transaction.
- Refunds: the REST API, ``POST Transaction/CancelOrRefund`` with HTTP Basic
  authentication (shop id, REST password).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

import httpx

from sync.protocol.online_topup import ProviderSettings
from sync.server.payments import BadNotificationError, ProviderError
from sync.server.payments.provider import (
    Checkout,
    Notification,
    NotifiedStatus,
    Order,
    PaymentProvider,
)

EUR = "978"
_PAID = {"AUTHORISED", "CAPTURED", "ACCEPTED"}
_PENDING = {
    "AUTHORISED_TO_VALIDATE",
    "WAITING_AUTHORISATION",
    "WAITING_AUTHORISATION_TO_VALIDATE",
    "UNDER_VERIFICATION",
    "INITIAL",
    "PRE_AUTHORISED",
    "WAITING_FOR_PAYMENT",
}
_REFUSED = {"REFUSED", "CAPTURE_FAILED", "ERROR"}
_ABANDONED = {"ABANDONED", "CANCELLED", "EXPIRED", "NOT_CREATED"}


def sign(fields: Mapping[str, str], key: str) -> str:
    """The signature of the ``vads_*`` fields of ``fields`` with ``key``."""
    values = [fields[name] for name in sorted(fields) if name.startswith("vads_")]
    message = "+".join([*values, key]).encode("utf-8")
    return base64.b64encode(
        hmac.new(key.encode("utf-8"), message, hashlib.sha256).digest()
    ).decode()


class SystempayProvider(PaymentProvider):
    name = "systempay"

    def __init__(self, settings: ProviderSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.test = settings.mode == "TEST"
        self._transport = transport

    def checkout(self, order: Order) -> Checkout:
        s = self.settings
        fields = {
            "vads_action_mode": "INTERACTIVE",
            "vads_amount": str(order.amount),
            "vads_ctx_mode": s.mode,
            "vads_currency": EUR,
            "vads_cust_id": order.account_id,
            "vads_order_id": order.order_id,
            "vads_page_action": "PAYMENT",
            "vads_payment_config": "SINGLE",
            "vads_site_id": s.shop_id,
            "vads_trans_date": order.created.strftime("%Y%m%d%H%M%S"),
            "vads_trans_id": order.trans_id,
            "vads_version": "V2",
        }
        if order.return_url:
            fields["vads_url_return"] = order.return_url
        if s.notify_url:
            fields["vads_url_check"] = s.notify_url
        fields["signature"] = sign(fields, s.key)
        return Checkout(s.payment_url, fields, self.test)

    def notification(self, form: Mapping[str, str]) -> Notification:
        s = self.settings
        given = form.get("signature", "")
        if not given or not hmac.compare_digest(given, sign(form, s.key)):
            raise BadNotificationError("notification signature does not match the shop key")
        if form.get("vads_site_id") != s.shop_id or form.get("vads_ctx_mode") != s.mode:
            raise BadNotificationError("notification for another shop or mode")
        tx, order_id = form.get("vads_trans_uuid", ""), form.get("vads_order_id", "")
        amount, currency = form.get("vads_amount", ""), form.get("vads_currency", "")
        if not tx or not order_id or not amount.isdigit() or currency != EUR:
            raise BadNotificationError("notification without transaction, order or EUR amount")
        word = form.get("vads_trans_status", "")
        status = NotifiedStatus.OTHER
        if form.get("vads_operation_type", "DEBIT") == "DEBIT":
            if word in _PAID:
                status = NotifiedStatus.PAID
            elif word in _PENDING:
                status = NotifiedStatus.PENDING
            elif word in _REFUSED:
                status = NotifiedStatus.REFUSED
            elif word in _ABANDONED:
                status = NotifiedStatus.ABANDONED
        return Notification(tx, order_id, status, int(amount), word, dict(form))

    def refund(self, provider_tx: str, amount: int) -> str:
        s = self.settings
        try:
            with httpx.Client(
                base_url=s.api_url,
                auth=(s.shop_id, s.api_password),
                timeout=30,
                transport=self._transport,
            ) as client:
                response = client.post(
                    "Transaction/CancelOrRefund",
                    json={"uuid": provider_tx, "amount": amount, "currency": "EUR"},
                )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(
                f"refund of {provider_tx}: no answer from the provider: {exc}"
            ) from exc
        answer = body.get("answer") if isinstance(body, dict) else None
        if (
            response.status_code != 200
            or not isinstance(answer, dict)
            or body.get("status") != "SUCCESS"
        ):
            message = (
                answer.get("errorMessage") if isinstance(answer, dict) else response.text[:200]
            )
            raise ProviderError(f"refund of {provider_tx} refused by the provider: {message}")
        return str(answer.get("uuid", provider_tx))


def provider_for(settings: ProviderSettings) -> PaymentProvider:
    """The adapter of ``settings.kind`` (the test payment page speaks Systempay too)."""
    return SystempayProvider(settings)
