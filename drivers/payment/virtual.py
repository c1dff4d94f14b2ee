"""The virtual payment terminal: for the demo and the tests only, never a site.

It must be chosen explicitly (``[devices.payment] backend = "virtual"``); every
outcome it gives is marked ``test`` and its card ticket says TEST, so that the
entries and receipts it leads to say FACTICE. It approves (or, with ``approve =
false``, declines) after ``delay`` seconds, and remembers its last transaction.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time

from drivers.base import RetryPolicy
from drivers.config import VirtualPaymentConfig
from drivers.errors import DeviceNotFoundError
from drivers.events import Event
from drivers.payment.base import PaymentOutcome, PaymentStatus, PaymentTerminal, ReadMode

TEST_TICKET = ("*** TEST - TERMINAL VIRTUEL ***", "AUCUN PAIEMENT REEL")


class VirtualPaymentTerminal(PaymentTerminal):
    virtual = True

    def __init__(self, config: VirtualPaymentConfig | None, events: queue.Queue[Event]) -> None:
        config = config or VirtualPaymentConfig()
        super().__init__(
            config.source or "virtual-payment",
            events,
            RetryPolicy(config.retry_initial),
            probe_interval=0,
        )
        self.approve = config.approve
        self.delay = config.delay
        self.answering = True  # tests turn it off to see a terminal that went away
        self.payments: list[PaymentOutcome] = []
        self._last: PaymentOutcome | None = None
        self._auth = itertools.count(1)
        self._lock = threading.Lock()

    def _outcome(self, reference: str, amount: int) -> PaymentOutcome:
        if not self.answering:
            self._connection_lost("the virtual terminal is switched off")
            return PaymentOutcome(
                PaymentStatus.FAILED, reference, amount, message="terminal virtuel éteint"
            )
        if self.delay:
            time.sleep(self.delay)
        if not self.approve:
            return PaymentOutcome(
                PaymentStatus.DECLINED,
                reference,
                amount,
                reason="04",
                message="carte refusée (test)",
                test=True,
            )
        return PaymentOutcome(
            PaymentStatus.APPROVED,
            reference,
            amount,
            authorisation=f"T{next(self._auth):05d}",
            card="************0000",
            read_mode=ReadMode.CONTACTLESS,
            application="TEST",
            ticket=TEST_TICKET,
            test=True,
        )

    def _exchange_pay(self, reference: str, amount: int) -> PaymentOutcome:
        outcome = self._outcome(reference, amount)
        with self._lock:
            if outcome.status is not PaymentStatus.FAILED:
                self._last = outcome
            if outcome.approved:
                self.payments.append(outcome)
        return outcome

    def _exchange_last(self, reference: str, amount: int) -> PaymentOutcome:
        with self._lock:
            last = self._last
        if last is not None and last.reference == reference:
            return last
        return PaymentOutcome(
            PaymentStatus.FAILED, reference, amount, message="not the last transaction", test=True
        )

    def _exchange_cancel(self, reference: str, amount: int) -> PaymentOutcome:
        with self._lock:
            last = self._last
            if last is None or not last.approved or last.amount != amount:
                return PaymentOutcome(
                    PaymentStatus.DECLINED,
                    reference,
                    amount,
                    message="nothing to cancel",
                    test=True,
                )
            self._last = None
        return PaymentOutcome(PaymentStatus.APPROVED, reference, amount, test=True)

    def _probe(self) -> None:
        if not self.answering:
            raise DeviceNotFoundError("the virtual terminal is switched off")
