"""Orders on the hub: the rules of an order's life, each applied in the transaction of
the write it depends on (``OrderTx`` of ``sync.server.orders_storage``).

Where an order comes from and what moves its state:

- a kiosk's ``order`` entry, applied by a push (``derive``): the order is created
  ``placed``; if its items' daily limit was reached meanwhile (the kiosk was offline)
  it is created ``cancelled`` and refunded at once, and the diner is told at the next
  tap or in the portal;
- the portal (``place``): checked against the same menu rules, debited in the hub's
  ledger in the same transaction;
- ``ready`` by the kitchen (admin API, ``kiosk admin orders ready``), which mails the
  diner when they asked for it (``notify``);
- ``collected`` by a till's ``order_collect`` entry;
- ``cancelled`` by the diner before the cut-off (a kiosk's ``order_cancel`` entry, or
  the portal), or by a manager at any time before it is collected; or by a till's
  ``cancel`` of the order entry (that entry is then the refund).

A refund is a credit of the order's amount in the hub's ledger with the reference
``order-refund:<site>:<origin>``: the ledger's unique reference and the state checked in
the same transaction make it happen once. Facts from terminals are never refused (they
happened): a collection of an order cancelled meanwhile keeps it cancelled and notes it,
a till's reversal of an order the hub had refunded takes the hub's refund back.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sync.journal import Entry, EntryKind, format_ts
from sync.protocol.catalogue import SiteMenu
from sync.protocol.order_payloads import OrderCancelPayload, OrderCollectPayload
from sync.protocol.order_rules import OrderLine
from sync.protocol.orders import (
    PORTAL_ORIGIN,
    OrderDoc,
    OrderProblem,
    OrderState,
    cutoff_of,
    diner_cancel_problem,
    limit_problem,
    lines_of,
    order_amount,
    order_code,
    place_of,
    placing_problem,
    terminal_origin,
)
from sync.protocol.payloads import CancelPayload, OrderPayload, PayloadError, read_payload
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import AccountKind, AccountStatus
from sync.server.errors import ConflictError, InvalidRequestError, NotFoundError
from sync.server.orders_storage import OrderTx
from sync.server.records import Derive, PushTx

log = logging.getLogger(__name__)

REFUND_KIND, DEBIT_KIND = "order_refund", "order"


class OrderRefused(ConflictError):
    """An order that cannot be placed or cancelled (``problem`` says why)."""

    def __init__(self, problem: OrderProblem) -> None:
        super().__init__(f"{problem.reason}: {problem.detail}")
        self.problem = problem


def refund_ref(site: str, origin: str) -> str:
    return f"order-refund:{site}:{origin}"


def _refund(tx: OrderTx, doc: OrderDoc, note: str) -> OrderDoc:
    """Cancel ``doc`` and credit its amount back, once. An account the hub does not
    know (flagged when its entries arrived) gets no credit: the back office settles it,
    and the push that brought the order is never refused for it."""
    refunded = doc.refunded
    if doc.amount > 0 and not refunded and tx.account(doc.account) is not None:
        tx.ledger(doc.account, REFUND_KIND, doc.amount, refund_ref(tx.site, doc.origin), note)
        refunded = True
    elif not refunded and doc.amount > 0:
        note = f"{note}; not refunded: unknown account"
    return doc.model_copy(
        update={
            "state": OrderState.CANCELLED,
            "refunded": refunded or doc.amount == 0,
            "note": note[:200],
            "closed_at": tx.stamp,
        }
    )


# Pushed entries ------------------------------------------------------------------------


def with_orders(derive: Derive, entries: Sequence[Entry]) -> Derive:
    """``derive`` followed by the orders' part of the same push."""

    def both(tx: PushTx) -> None:
        derive(tx)
        apply_entries(tx, entries)

    return both


def apply_entries(tx: PushTx, entries: Sequence[Entry]) -> None:
    """The orders' state from a push's entries, in the push's transaction."""
    kinds = {EntryKind.ORDER, EntryKind.ORDER_CANCEL, EntryKind.ORDER_COLLECT, EntryKind.CANCEL}
    if not any(e.kind in kinds for e in entries):
        return
    orders = tx.orders()
    for entry in entries:
        try:
            if entry.kind == EntryKind.ORDER:
                _placed(orders, entry)
            elif entry.kind == EntryKind.ORDER_CANCEL:
                _diner_cancelled(orders, entry)
            elif entry.kind == EntryKind.ORDER_COLLECT:
                _collected(orders, entry)
            elif entry.kind == EntryKind.CANCEL:
                _reversed(orders, entry)
        except PayloadError:  # checked by entry_rules before: never happens
            log.exception("entry %s: payload no longer readable", entry.id)


def _placed(tx: OrderTx, entry: Entry) -> None:
    payload = read_payload(entry.kind, entry.payload)
    assert isinstance(payload, OrderPayload)
    origin = terminal_origin(entry.terminal_id, entry.seq)
    if entry.account is None or tx.by_origin(origin) is not None:
        return
    lines = payload.lines or lines_of(payload.items or [])
    if not lines:
        return
    day = payload.pickup_day or payload.business_day
    menu = tx.menu()
    zone = ZoneInfo(tx.settings().timezone)
    ids = [line.item for line in lines]
    until = None if menu is None else cutoff_of(menu, ids, date.fromisoformat(day), zone)
    doc = OrderDoc(
        code=order_code(origin),
        origin=origin,
        account=entry.account,
        lines=tuple(lines),
        pickup_day=day,
        slot=payload.slot,
        place=place_of(menu, ids) if menu is not None else "Comptoir",
        amount=-entry.amount,
        state=OrderState.PLACED,
        placed_at=entry.ts,
        cancel_until=None if until is None else format_ts(until),
        notify=bool(payload.notify),
    )
    problem = None if menu is None else limit_problem(menu, lines, tx.quantities(day))
    if problem is not None:
        log.info("order %s from %s refused by the hub: %s", doc.code, origin, problem.detail)
        doc = _refund(tx, doc, f"sold_out: {problem.detail}")
    tx.save(doc, new=True)


def _diner_cancelled(tx: OrderTx, entry: Entry) -> None:
    payload = read_payload(entry.kind, entry.payload)
    assert isinstance(payload, OrderCancelPayload)
    doc = tx.by_code(payload.order)
    if doc is None:
        log.warning("entry %s cancels unknown order %s", entry.id, payload.order)
        return
    problem = diner_cancel_problem(doc, doc.account, entry.ts)
    if problem is not None:
        log.info("entry %s: order %s not cancelled: %s", entry.id, doc.code, problem.detail)
        return
    tx.save(_refund(tx, doc, f"diner at {entry.terminal_id}"))


def _collected(tx: OrderTx, entry: Entry) -> None:
    payload = read_payload(entry.kind, entry.payload)
    assert isinstance(payload, OrderCollectPayload)
    doc = tx.by_code(payload.order)
    if doc is None:
        log.warning("entry %s collects unknown order %s", entry.id, payload.order)
        return
    by = terminal_origin(entry.terminal_id, entry.seq)
    if doc.state.open:
        tx.save(
            doc.model_copy(
                update={"state": OrderState.COLLECTED, "closed_at": entry.ts, "collected_by": by}
            )
        )
    elif doc.state is OrderState.CANCELLED:  # handed over offline after it was cancelled
        log.warning("order %s collected at %s after it was cancelled", doc.code, by)
        tx.save(doc.model_copy(update={"note": f"{doc.note}; handed over at {by}"[:200]}))


def _reversed(tx: OrderTx, entry: Entry) -> None:
    payload = read_payload(entry.kind, entry.payload)
    assert isinstance(payload, CancelPayload)
    if payload.cancelled_kind != "order":
        return
    doc = tx.by_origin(terminal_origin(entry.terminal_id, payload.cancels))
    if doc is None:
        return
    if doc.state.open:  # the till's entry is the refund
        note = f"cancelled at {entry.terminal_id}"
        update = {"state": OrderState.CANCELLED, "refunded": True, "note": note}
        tx.save(doc.model_copy(update={**update, "closed_at": entry.ts}))
    elif doc.state is OrderState.CANCELLED and doc.refunded:
        # Refunded twice: by the hub, then by the till offline. Take the hub's back.
        ref = f"order-refund-undo:{tx.site}:{doc.origin}"
        tx.ledger(doc.account, REFUND_KIND, -doc.amount, ref, "refunded by the till's cancel")


# Back office and portal ----------------------------------------------------------------


def place(
    storage_tx: OrderTx,
    account_id: str,
    lines: Sequence[OrderLine],
    *,
    day: date,
    slot: str | None,
    notify: bool,
    now: datetime,
) -> OrderDoc:
    """An order placed in the portal, debited from the balance in the same transaction;
    ``OrderRefused`` says why not."""
    tx = storage_tx
    menu = tx.menu()
    if menu is None:
        raise NotFoundError(f"site {tx.site} has no menu")
    account = tx.account(account_id)
    if account is None or account.status is AccountStatus.CLOSED:
        raise NotFoundError(f"no open account {account_id} on {tx.site}")
    zone = ZoneInfo(tx.settings().timezone)
    problem = placing_problem(menu, lines, day=day, slot=slot, now=now, zone=zone)
    problem = problem or limit_problem(menu, lines, tx.quantities(day.isoformat()))
    if problem is not None:
        raise OrderRefused(problem)
    amount = _amount(menu, account.profile, lines)
    if account.kind is AccountKind.PREPAID and account.balance - amount < -account.overdraft:
        raise OrderRefused(
            OrderProblem(
                RejectReason.INSUFFICIENT_BALANCE,
                f"balance {account.balance} cents, order {amount} cents",
            )
        )
    origin = f"{PORTAL_ORIGIN}:{secrets.token_hex(8)}"
    ids = [line.item for line in lines]
    until = cutoff_of(menu, ids, day, zone)
    doc = OrderDoc(
        code=order_code(origin),
        origin=origin,
        account=account_id,
        lines=tuple(lines),
        pickup_day=day.isoformat(),
        slot=slot,
        place=place_of(menu, ids),
        amount=amount,
        state=OrderState.PLACED,
        placed_at=format_ts(now),
        cancel_until=None if until is None else format_ts(until),
        notify=notify,
    )
    if amount:
        tx.ledger(account_id, DEBIT_KIND, -amount, f"order:{tx.site}:{origin}", doc.code)
    tx.save(doc, new=True)
    return doc


def _amount(menu: SiteMenu, profile: str, lines: Sequence[OrderLine]) -> int:
    try:
        return order_amount(menu, profile, lines)
    except KeyError as exc:
        raise InvalidRequestError(f"unknown item {exc.args[0]}") from None


def mark_ready(tx: OrderTx, code: str) -> OrderDoc:
    doc = _existing(tx, code)
    if doc.state is OrderState.READY:
        return doc
    if doc.state is not OrderState.PLACED:
        raise ConflictError(f"order {code} is {doc.state}: it cannot be made ready")
    ready = doc.model_copy(update={"state": OrderState.READY, "ready_at": tx.stamp})
    tx.save(ready)
    return ready


def cancel_by_manager(tx: OrderTx, code: str, reason: str) -> OrderDoc:
    """A manager cancels an order not yet collected (any time): refunded once."""
    doc = _existing(tx, code)
    if doc.state is OrderState.CANCELLED:
        return doc
    if doc.state is OrderState.COLLECTED:
        raise ConflictError(f"order {code} was collected: refund it with an adjustment")
    cancelled = _refund(tx, doc, f"manager: {reason}" if reason else "manager")
    tx.save(cancelled)
    return cancelled


def cancel_by_diner(tx: OrderTx, code: str, account_id: str) -> OrderDoc:
    """The diner cancels in the portal, before the cut-off; ``OrderRefused`` if not."""
    doc = _existing(tx, code)
    problem = diner_cancel_problem(doc, account_id, tx.stamp)
    if problem is not None:
        raise OrderRefused(problem)
    cancelled = _refund(tx, doc, "diner in the portal")
    tx.save(cancelled)
    return cancelled


def _existing(tx: OrderTx, code: str) -> OrderDoc:
    doc = tx.by_code(code)
    if doc is None:
        raise NotFoundError(f"no order {code} on {tx.site}")
    return doc
