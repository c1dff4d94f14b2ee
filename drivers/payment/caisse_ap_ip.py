"""A bank-card terminal speaking Caisse-AP over IP (the till is the TCP client).

One TCP connection per exchange: connect, send one request, read until one whole
reply (it may come in several segments; some terminals keep the socket open), close.
The till's own payment reference travels in ``CF`` (private data), which the
terminal echoes, so that the reply to a duplicate request (``CD=3``, the last
transaction's ticket) tells whether the terminal's last transaction was this one.

What is certain is said so (see ``drivers.payment.base``): a refused connection means
nothing was sent (FAILED); anything after the first byte left without a well-formed,
matching reply is UNKNOWN, never guessed.
"""

from __future__ import annotations

import base64
import binascii
import logging
import queue
import socket
import time

from drivers.base import RetryPolicy
from drivers.config import CaisseApPaymentConfig
from drivers.errors import DeviceNotFoundError
from drivers.events import Event
from drivers.payment import caisse_ap as ap
from drivers.payment.base import PaymentOutcome, PaymentStatus, PaymentTerminal, ReadMode

log = logging.getLogger(__name__)

_READ_MODES = {
    "1": ReadMode.CONTACT,
    "2": ReadMode.CONTACTLESS,
    "3": ReadMode.MAGSTRIPE,
    "4": ReadMode.MANUAL,
}
_APPLICATIONS = {"001": "CB", "00B": "CB", "002": "AMEX", "00D": "AMEX", "003": "CB Enseigne"}


class _Unsent(Exception):
    """Nothing reached the terminal (the connection could not be made)."""


class _NoAnswer(Exception):
    """The request left; no whole reply came back."""


class CaisseApTerminal(PaymentTerminal):
    def __init__(self, config: CaisseApPaymentConfig, events: queue.Queue[Event]) -> None:
        super().__init__(
            config.source or f"payment-{config.host}:{config.port}",
            events,
            RetryPolicy(config.retry_initial),
            probe_interval=config.probe_interval,
        )
        self.config = config

    # -- the wire -----------------------------------------------------------------------
    def _connect(self, timeout: float) -> socket.socket:
        try:
            return socket.create_connection((self.config.host, self.config.port), timeout)
        except OSError as exc:
            raise _Unsent(f"no connection to {self.config.host}:{self.config.port}: {exc}") from exc

    def _exchange(self, fields: dict[str, str]) -> dict[str, str]:
        """Send one request and return the reply's fields.

        Raises ``_Unsent`` (nothing left), ``_NoAnswer`` (something left, no whole reply
        came) or ``ap.CaisseApFormatError`` (the reply is not Caisse-AP).
        """
        message = ap.encode(fields)
        if self.config.crlf:
            message += b"\r\n"
        conn = self._connect(self.config.connect_timeout)
        try:
            try:
                conn.sendall(message)
            except OSError as exc:
                raise _NoAnswer(f"sending failed: {exc}") from exc
            return self._read_reply(conn)
        finally:
            conn.close()

    def _read_reply(self, conn: socket.socket) -> dict[str, str]:
        deadline = time.monotonic() + self.config.timeout
        data = b""
        while not ap.complete(data):
            left = deadline - time.monotonic()
            if left <= 0:
                raise _NoAnswer(f"no answer within {self.config.timeout:g} s")
            conn.settimeout(left)
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError as exc:
                raise _NoAnswer(f"connection lost: {exc}") from exc
            if not chunk:
                raise _NoAnswer("the terminal closed the connection without an answer")
            data += chunk
            if len(data) > 16384:
                raise ap.CaisseApFormatError("reply longer than any Caisse-AP message")
        return ap.decode(data)

    def _request(self, action: ap.Action, reference: str, amount: int) -> dict[str, str]:
        fields = {
            ap.Tag.VERSION: self.config.version,
            ap.Tag.PROTOCOL_ID: self.config.protocol_id,
            ap.Tag.TILL: self.config.till,
            ap.Tag.AMOUNT: ap.amount_field(amount),
            ap.Tag.ACTION: action.value,
            ap.Tag.CURRENCY: self.config.currency,
            ap.Tag.PRIVATE: reference,
        }
        if self.config.ticket:
            fields[ap.Tag.TICKET_MODE] = "100"  # customer ticket, base64 text, in ZT
        return {str(k): v for k, v in fields.items()}

    def _unknown(
        self, reference: str, amount: int, message: str, raw: dict[str, str] | None = None
    ) -> PaymentOutcome:
        self._connection_lost(message)
        return PaymentOutcome(
            PaymentStatus.UNKNOWN, reference, amount, message=message, raw=raw or {}
        )

    def _transact(self, action: ap.Action, reference: str, amount: int) -> PaymentOutcome:
        try:
            request = self._request(action, reference, amount)
        except ap.CaisseApFormatError as exc:
            return PaymentOutcome(PaymentStatus.FAILED, reference, amount, message=str(exc))
        try:
            reply = self._exchange(request)
        except _Unsent as exc:
            self._connection_lost(str(exc))
            return PaymentOutcome(PaymentStatus.FAILED, reference, amount, message=str(exc))
        except _NoAnswer as exc:
            return self._unknown(reference, amount, str(exc))
        except ap.CaisseApFormatError as exc:
            return self._unknown(reference, amount, f"unreadable answer: {exc}")
        return self._interpret(request, reply, reference, amount)

    def _interpret(
        self,
        request: dict[str, str],
        reply: dict[str, str],
        reference: str,
        amount: int,
    ) -> PaymentOutcome:
        """The outcome a well-formed reply states, or UNKNOWN when it does not match
        the request (another till, currency, operation, transaction or amount)."""

        def unknown(message: str) -> PaymentOutcome:
            return self._unknown(reference, amount, message, reply)

        for tag in (ap.Tag.TILL, ap.Tag.CURRENCY):
            if reply.get(tag, request[tag]) != request[tag]:
                outcome = unknown(f"answer for another {tag}: {reply.get(tag)}")
                return outcome
        echoed = reply.get(ap.Tag.PRIVATE)
        status = reply.get(ap.Tag.STATUS)
        reason = reply.get(ap.Tag.REASON, "")
        refused_request = status == ap.Status.NOT_DONE and reason in (
            ap.Reason.FORMAT_ERROR,
            ap.Reason.UNKNOWN_ACTION,
            ap.Reason.CURRENCY_NOT_SUPPORTED,
        )
        if refused_request and request[ap.Tag.ACTION] == ap.Action.DUPLICATE:
            # A terminal without the duplicate ticket cannot say what its last one was.
            return unknown(f"the terminal cannot give its last transaction: AF={reason}")
        if refused_request:
            # refused as a request: nothing was attempted with a card
            return PaymentOutcome(
                PaymentStatus.FAILED,
                reference,
                amount,
                reason=reason,
                message=ap.REASON_TEXT.get(reason, reason),
                raw=reply,
            )
        if echoed is not None and echoed != reference:
            if request[ap.Tag.ACTION] == ap.Action.DUPLICATE:
                return PaymentOutcome(
                    PaymentStatus.FAILED,
                    reference,
                    amount,
                    message=f"the terminal's last transaction is {echoed}, not this one",
                    raw=reply,
                )
            outcome = unknown(f"answer for another transaction: {echoed}")
            return outcome
        if echoed is None and request[ap.Tag.ACTION] == ap.Action.DUPLICATE:
            outcome = unknown("the terminal does not say which transaction was its last")
            return outcome
        if (
            request[ap.Tag.ACTION] != ap.Action.DUPLICATE
            and reply.get(ap.Tag.ACTION, request[ap.Tag.ACTION]) != request[ap.Tag.ACTION]
        ):
            outcome = unknown(f"answer for another operation: CD={reply.get(ap.Tag.ACTION)}")
            return outcome
        try:
            approved_amount = ap.parse_amount(reply.get(ap.Tag.AMOUNT, str(amount)))
        except ap.CaisseApFormatError as exc:
            outcome = unknown(str(exc))
            return outcome
        if status == ap.Status.DONE:
            if approved_amount != amount:
                outcome = unknown(f"approved {approved_amount} instead of {amount}")
                return outcome
            application = reply.get(ap.Tag.APPLICATION, "")
            return PaymentOutcome(
                PaymentStatus.APPROVED,
                reference,
                amount,
                authorisation=reply.get(ap.Tag.AUTHORISATION, ""),
                card=reply.get(ap.Tag.PAN, ""),
                read_mode=_read_mode(reply),
                application=_APPLICATIONS.get(application, application),
                ticket=_ticket(reply.get(ap.Tag.TICKET_BLOCK)),
                raw=reply,
            )
        if status == ap.Status.NOT_DONE:
            abandoned = reason in ap.ABANDON_REASONS
            return PaymentOutcome(
                PaymentStatus.ABANDONED if abandoned else PaymentStatus.DECLINED,
                reference,
                amount,
                reason=reason,
                message=ap.REASON_TEXT.get(reason, f"raison {reason}"),
                raw=reply,
            )
        outcome = unknown(f"unexpected status AE={status}")
        return outcome

    # -- hooks --------------------------------------------------------------------------
    def _exchange_pay(self, reference: str, amount: int) -> PaymentOutcome:
        return self._transact(ap.Action.DEBIT, reference, amount)

    def _exchange_last(self, reference: str, amount: int) -> PaymentOutcome:
        return self._transact(ap.Action.DUPLICATE, reference, amount)

    def _exchange_cancel(self, reference: str, amount: int) -> PaymentOutcome:
        return self._transact(ap.Action.CANCEL, reference, amount)

    def _probe(self) -> None:
        try:
            conn = self._connect(self.config.connect_timeout)
        except _Unsent as exc:
            raise DeviceNotFoundError(str(exc)) from exc
        conn.close()


def _read_mode(reply: dict[str, str]) -> ReadMode:
    mode = _READ_MODES.get(reply.get(ap.Tag.READ_MODE, ""))
    if mode is not None:
        return mode
    application = reply.get(ap.Tag.APPLICATION, "")
    if application in ap.CONTACTLESS_APPLICATIONS:
        return ReadMode.CONTACTLESS
    if application in ap.CONTACT_APPLICATIONS:
        return ReadMode.CONTACT
    return ReadMode.UNKNOWN


def _ticket(block: str | None) -> tuple[str, ...]:
    """The ticket lines inside ``ZT`` (``AK``: base64 of Latin-1 text); () when absent
    or unreadable (a ticket is a courtesy: its absence never changes the outcome)."""
    if not block:
        return ()
    try:
        inner = ap.decode_block(block)
        text = base64.b64decode(inner.get(ap.Tag.TICKET, ""), validate=True).decode("latin-1")
    except (ap.CaisseApFormatError, binascii.Error, ValueError):
        log.info("unreadable card ticket: %r", block[:80])
        return ()
    return tuple(line.rstrip() for line in text.splitlines())
