"""Online top-ups on the hub: orders sent to the provider's payment page, signed
notifications that credit once, and admin refunds (see ``sync.server.payments``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping

import httpx

from sync.journal import format_ts
from sync.protocol.online_topup import (
    OnlineTopUpRequest,
    OnlineTopUpState,
    OnlineTopUpView,
    PaymentForm,
    ProviderSettings,
    RefundRequest,
    TopUpLimits,
)
from sync.protocol.rows import AccountStatus
from sync.server.errors import ConflictError, InvalidRequestError, NotFoundError
from sync.server.payments import BadNotificationError, NotConfiguredError, ProviderError
from sync.server.payments.provider import NotifiedStatus, Order, PaymentProvider
from sync.server.payments.store import TopUpRow, TopUpStore
from sync.server.payments.systempay import SystempayProvider
from sync.server.service import Hub
from sync.server.storage import SqliteStorage

log = logging.getLogger(__name__)
_CLOSING = {
    NotifiedStatus.REFUSED: OnlineTopUpState.REFUSED,
    NotifiedStatus.ABANDONED: OnlineTopUpState.ABANDONED,
}


def view_of(row: TopUpRow, payment: PaymentForm | None = None) -> OnlineTopUpView:
    return OnlineTopUpView(
        id=row.id,
        account_id=row.account_id,
        site=row.site,
        amount=row.amount,
        state=row.state,
        provider=row.provider,
        provider_tx=row.provider_tx,
        refunded=row.refunded,
        created_at=row.created_at,
        settled_at=row.settled_at,
        payment=payment,
    )


class OnlineTopUps:
    """The hub's online top-ups, over its storage (SQLite) and its payment provider."""

    def __init__(self, hub: Hub, transport: httpx.BaseTransport | None = None) -> None:
        self.hub = hub
        # Online top-ups keep their tables in the SQLite storage (no other backend yet).
        self._store = TopUpStore(hub.storage) if isinstance(hub.storage, SqliteStorage) else None
        self._transport = transport  # tests: the provider's API in process

    @property
    def store(self) -> TopUpStore:
        if self._store is None:
            raise NotConfiguredError("online top-ups need the hub's SQLite storage")
        return self._store

    def _now(self) -> str:
        return format_ts(self.hub.clock())

    # Provider ------------------------------------------------------------------------

    def configure(self, settings: ProviderSettings) -> None:
        self.store.set_provider(settings)
        log.info(
            "payment provider set: %s shop %s (%s)", settings.kind, settings.shop_id, settings.mode
        )

    def provider(self) -> PaymentProvider:
        settings = self.store.provider()
        if settings is None:
            raise NotConfiguredError("no payment provider on this hub: online top-up is off")
        provider = SystempayProvider(settings, self._transport)
        if settings.kind == "simulator":
            provider.test = True  # the test payment page: never real money
        return provider

    # Orders --------------------------------------------------------------------------

    def limits(self, site: str) -> TopUpLimits:
        settings = self.hub.settings(site)
        return TopUpLimits(site=site, minimum=settings.top_up_min, maximum=settings.top_up_max)

    def create(self, account_id: str, request: OnlineTopUpRequest) -> OnlineTopUpView:
        """A new order and the form that sends the diner to the payment page."""
        record = self.hub.account(account_id)
        if record.row.status is AccountStatus.CLOSED:
            raise ConflictError(f"account {account_id} is closed")
        limits = self.limits(record.site)
        if not limits.minimum <= request.amount <= limits.maximum:
            raise InvalidRequestError(
                f"amount {request.amount} outside the site's limits "
                f"({limits.minimum} to {limits.maximum} cents)"
            )
        provider = self.provider()
        now = self.hub.clock()
        for _ in range(20):  # the provider's transaction number is unique per day
            row = TopUpRow(
                id=f"OT{secrets.token_hex(8).upper()}",
                site=record.site,
                account_id=account_id,
                amount=request.amount,
                provider=provider.name,
                trans_day=now.strftime("%Y%m%d"),
                trans_id=f"{secrets.randbelow(900_000) + 100_000:06d}",
                state=OnlineTopUpState.CREATED,
                provider_tx=None,
                refunded=0,
                created_at=format_ts(now),
                settled_at=None,
            )
            if self.store.add(row):
                break
        else:
            raise ConflictError("no free transaction number today; retry")
        checkout = provider.checkout(
            Order(row.id, account_id, row.amount, row.trans_id, now, request.return_url)
        )
        log.info("online top-up %s: %d cents for %s", row.id, row.amount, account_id)
        form = PaymentForm(url=checkout.url, fields=checkout.fields, test=checkout.test)
        return view_of(row, form)

    def view(self, topup_id: str) -> OnlineTopUpView:
        row = self.store.get(topup_id)
        if row is None:
            raise NotFoundError(f"no online top-up {topup_id}")
        return view_of(row)

    def history(self, account_id: str) -> list[OnlineTopUpView]:
        self.hub.account(account_id)
        return [view_of(row) for row in self.store.of_account(account_id)]

    # Notifications -------------------------------------------------------------------

    def notify(self, form: Mapping[str, str]) -> str:
        """Apply a provider's notification; its effect. Only a correctly signed one is
        read; the credit happens once per provider transaction, whatever the order or
        repetition of notifications; a late refusal never undoes a payment."""
        notice = self.provider().notification(form)
        order = self.store.get(notice.order_id)
        if order is None:
            raise NotFoundError(f"notification for an unknown order {notice.order_id}")
        if notice.amount != order.amount and notice.status is NotifiedStatus.PAID:
            raise BadNotificationError(
                f"order {order.id} is for {order.amount} cents, "
                f"the notification says {notice.amount}"
            )
        effect = self.store.record_notification(
            order.id,
            notice,
            self._now(),
            pay=notice.status is NotifiedStatus.PAID,
            close_as=_CLOSING.get(notice.status),
        )
        log.info(
            "online top-up %s: notification %s %s (%s): %s",
            order.id,
            notice.provider_tx,
            notice.status,
            notice.detail,
            effect,
        )
        return effect

    # Refunds -------------------------------------------------------------------------

    def refund(self, topup_id: str, request: RefundRequest) -> OnlineTopUpView:
        """Refund an unused top-up through the provider, journalled as a hub movement."""
        order = self.store.get(topup_id)
        if order is None:
            raise NotFoundError(f"no online top-up {topup_id}")
        if order.state is not OnlineTopUpState.PAID or order.provider_tx is None:
            raise ConflictError(
                f"online top-up {topup_id} is {order.state.value}: nothing to refund"
            )
        left = order.amount - order.refunded
        amount = request.amount if request.amount is not None else left
        if amount > left:
            raise InvalidRequestError(f"only {left} cents of {topup_id} are left to refund")
        balance = self.store.balance(order.account_id)
        if amount > balance:
            raise ConflictError(
                f"the account has {balance} cents: only unused top-ups are refunded"
            )
        refund_id = f"RF{secrets.token_hex(8).upper()}"
        self.store.start_refund(
            refund_id, order, amount, admin=request.by, note=request.note, now=self._now()
        )
        try:
            provider_ref = self.provider().refund(order.provider_tx, amount)
        except ProviderError:
            self.store.finish_refund(refund_id, order, amount, None, self._now())
            raise
        self.store.finish_refund(refund_id, order, amount, provider_ref, self._now())
        log.info(
            "online top-up %s: %d cents refunded by %s (%s)",
            topup_id,
            amount,
            request.by,
            provider_ref,
        )
        return self.view(topup_id)
