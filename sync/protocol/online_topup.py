"""Online top-up through a payment service provider: the admin API's messages, which
the diner's portal calls (amounts in cents)::

    POST /v1/admin/accounts/{account_id}/online-topups   OnlineTopUpRequest -> 201 OnlineTopUpView
    GET  /v1/admin/online-topups/{id}                    -> OnlineTopUpView (the result page)
    GET  /v1/admin/accounts/{account_id}/online-topups   -> [OnlineTopUpView] (diner's history)
    POST /v1/admin/online-topups/{id}/refund             RefundRequest -> OnlineTopUpView
    PUT  /v1/admin/payment-provider                      ProviderSettings -> 204
    GET  /v1/admin/online-topups/limits/{site}           -> TopUpLimits

The diner's browser is sent to ``payment.url`` with ``payment.fields`` (a form POST:
the provider's hosted payment page); only the provider's signed server-to-server
notification credits the account, once by the provider's transaction id.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from sync.protocol.rows import Strict


class OnlineTopUpState(StrEnum):
    CREATED = "created"  # the diner was sent to the payment page; nothing known yet
    PAID = "paid"  # a signed notification said paid: the account was credited
    REFUSED = "refused"
    ABANDONED = "abandoned"
    REFUNDED = "refunded"  # paid, then refunded in full by an admin


class OnlineTopUpRequest(Strict):
    amount: int = Field(gt=0, le=10**9, description="cents")
    return_url: str = Field(
        default="", max_length=500, description="where the provider sends the diner back"
    )


class PaymentForm(Strict):
    method: Literal["POST"] = "POST"
    url: str
    fields: dict[str, str]
    test: bool = Field(description="a test payment page or the provider's test mode")


class OnlineTopUpView(Strict):
    id: str
    account_id: str
    site: str
    amount: int
    state: OnlineTopUpState
    provider: str
    provider_tx: str | None = None
    refunded: int = 0
    created_at: str
    settled_at: str | None = None
    payment: PaymentForm | None = None  # only in the answer that creates it


class RefundRequest(Strict):
    amount: int | None = Field(default=None, gt=0, description="cents; default: all of it")
    by: str = Field(min_length=1, max_length=100, description="who refunds (journalled)")
    note: str = Field(default="", max_length=200)


class TopUpLimits(Strict):
    site: str
    minimum: int
    maximum: int


class ProviderSettings(Strict):
    """The hub's payment provider (one for the whole hub)."""

    kind: Literal["systempay", "simulator"]
    shop_id: str = Field(pattern=r"^\d{8}$", description="vads_site_id")
    key: str = Field(min_length=8, max_length=128, description="test or production key")
    mode: Literal["TEST", "PRODUCTION"] = "TEST"
    payment_url: str = Field(default="https://paiement.systempay.fr/vads-payment/")
    api_url: str = Field(
        default="https://api.systempay.fr/api-payment/V4/", description="REST API, for refunds"
    )
    api_password: str = Field(default="", max_length=128, description="REST API password")
    notify_url: str = Field(
        default="", max_length=500, description="this hub's public URL for notifications"
    )
