"""The payment-terminal device kind: one public API over every backend.

``PaymentTerminal.pay(reference, amount)`` asks the terminal to take ``amount`` cents
from the diner's bank card and blocks until the terminal answers (the diner may take a
minute). It never raises for what happens on the wire: the answer is a
``PaymentOutcome`` whose ``status`` says what is certain:

- ``APPROVED``: the card was debited; ``authorisation``, ``card`` (masked), ``read_mode``
  and ``ticket`` come from the terminal;
- ``DECLINED`` (the bank or the card said no) and ``ABANDONED`` (the diner or the
  operator gave up, or took too long): nothing was debited;
- ``FAILED``: the request never reached the terminal or the terminal refused it as
  such (no connection, format error, currency): nothing was debited;
- ``UNKNOWN``: the request may have reached the terminal and no trustworthy answer came
  back (timeout, cut connection, garbage). The card may or may not have been debited;
  the caller keeps the payment pending until ``last_transaction`` or a person says.

The supervision thread of ``drivers.base.Device`` probes the terminal every
``probe_interval`` seconds (never during a payment), so that ``attached`` means "was
answering a moment ago" and a terminal that goes away is reported, retried and
reattached like any other device.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from abc import abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum

from drivers.base import Device, RetryPolicy
from drivers.errors import DeviceLostError
from drivers.events import DeviceKind, Event

log = logging.getLogger(__name__)


class PaymentStatus(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    ABANDONED = "abandoned"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def certain(self) -> bool:
        """Whether the terminal's side is known (everything but UNKNOWN)."""
        return self is not PaymentStatus.UNKNOWN


class ReadMode(StrEnum):
    CONTACTLESS = "contactless"
    CONTACT = "contact"
    MAGSTRIPE = "magstripe"
    MANUAL = "manual"
    UNKNOWN = ""


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """What the terminal said about one payment (or what could not be known)."""

    status: PaymentStatus
    reference: str
    amount: int  # cents: the amount the terminal approved (or was asked for)
    reason: str = ""  # the terminal's reason code when not approved (Caisse-AP AF)
    message: str = ""  # for people: why it was not approved or why it is unknown
    authorisation: str = ""
    card: str = ""  # masked card number
    read_mode: ReadMode = ReadMode.UNKNOWN
    application: str = ""  # payment application (e.g. CB)
    ticket: tuple[str, ...] = ()  # the card ticket's lines, when the terminal sends them
    test: bool = False  # from the virtual terminal: no money moved
    raw: dict[str, str] = field(default_factory=dict)  # the reply's fields, for the log

    @property
    def approved(self) -> bool:
        return self.status is PaymentStatus.APPROVED


class PaymentTerminal(Device):
    """A bank-card terminal; backends implement ``_exchange_*`` and ``_probe``."""

    kind = DeviceKind.PAYMENT
    virtual: bool = False  # the demo's terminal: approvals are marked as tests

    def __init__(
        self,
        source: str,
        events: queue.Queue[Event],
        retry: RetryPolicy | None = None,
        *,
        probe_interval: float = 30.0,
    ) -> None:
        super().__init__(source, events, retry)
        self._busy = threading.Lock()  # one exchange at a time; probes skip while held
        self._probe_interval = probe_interval
        self._next_probe = 0.0
        self._lost: str | None = None  # set by a failed exchange: the thread reports it
        self._tick = threading.Event()

    # -- public -------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """Configured, attached and answering at the last probe or exchange."""
        return self.attached and self._lost is None

    def pay(self, reference: str, amount: int) -> PaymentOutcome:
        """Debit ``amount`` cents; blocks while the diner pays (see the module doc)."""
        if amount <= 0:
            return PaymentOutcome(
                PaymentStatus.FAILED, reference, amount, message=f"invalid amount {amount}"
            )
        with self._busy:
            outcome = self._exchange_pay(reference, amount)
        log.info(
            "%s: payment %s of %d: %s %s",
            self.source,
            reference,
            amount,
            outcome.status,
            outcome.message,
        )
        return outcome

    def last_transaction(self, reference: str, amount: int) -> PaymentOutcome:
        """What became of payment ``reference``, asked to the terminal.

        APPROVED/DECLINED/ABANDONED when the terminal's last transaction is this one;
        FAILED when its last transaction is another one (this one never happened);
        UNKNOWN when the terminal cannot say.
        """
        with self._busy:
            outcome = self._exchange_last(reference, amount)
        log.info("%s: last transaction for %s: %s", self.source, reference, outcome.status)
        return outcome

    def cancel_last(self, reference: str, amount: int) -> PaymentOutcome:
        """Cancel the terminal's last transaction (APPROVED: it was cancelled)."""
        with self._busy:
            outcome = self._exchange_cancel(reference, amount)
        return outcome

    # -- hooks --------------------------------------------------------------------------
    @abstractmethod
    def _exchange_pay(self, reference: str, amount: int) -> PaymentOutcome: ...

    @abstractmethod
    def _exchange_last(self, reference: str, amount: int) -> PaymentOutcome: ...

    @abstractmethod
    def _exchange_cancel(self, reference: str, amount: int) -> PaymentOutcome: ...

    @abstractmethod
    def _probe(self) -> None:
        """Check that the terminal answers; raise a DeviceError when it does not."""

    # -- supervision --------------------------------------------------------------------
    def _connection_lost(self, message: str) -> None:
        """Called by a backend whose exchange failed on the wire: the supervision thread
        reports the fault, detaches and reattaches once a probe answers again."""
        self._lost = message
        self._tick.set()

    def _attach(self) -> None:
        self._probe()
        self._lost = None
        self._next_probe = time.monotonic() + self._probe_interval

    def _poll(self) -> None:
        self._tick.wait(0.2)
        self._tick.clear()
        lost = self._lost
        if lost is not None:
            raise DeviceLostError(f"payment terminal {self.source}: {lost}")
        if self._probe_interval <= 0 or time.monotonic() < self._next_probe:
            return
        if not self._busy.acquire(blocking=False):
            return  # a payment is running: that answers the question
        try:
            self._probe()
        finally:
            self._busy.release()
            self._next_probe = time.monotonic() + self._probe_interval

    def _wake(self) -> None:
        self._tick.set()
