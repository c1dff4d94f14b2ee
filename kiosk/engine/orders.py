"""Orders at the terminal: what a diner has ordered (as the hub last said, and what
this terminal did since), placing with the menu's rules, cancelling before the
cut-off at a kiosk, handing over at a till.

The order itself lives on the hub (``sync.protocol.orders``). A terminal knows it
from the documents the hub sends, and from its own journal: an order placed here and
not yet on the hub is shown from its ``order`` entry (``pending``), a cancellation or a
hand-over journalled here is shown at once (``step``), before the hub answers.

Every check and the entry it allows happen in one ``store.atomic()`` transaction, and
entries are written through ``Engine.post``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from kiosk.engine.ledger import Engine
from kiosk.engine.results import Identified, Refused
from kiosk.engine.store_tx import Tx
from sync.journal import Entry, EntryKind, format_ts
from sync.protocol.catalogue import SiteMenu
from sync.protocol.order_rules import OrderLine
from sync.protocol.orders import (
    OrderDoc,
    OrderProblem,
    OrderState,
    collect_problem,
    cutoff_of,
    diner_cancel_problem,
    limit_problem,
    lines_of,
    order_code,
    place_of,
    placing_problem,
    terminal_origin,
)
from sync.protocol.payloads import OrderPayload, PayloadError, read_payload
from sync.protocol.reasons import RejectReason

HISTORY_DAYS = 60  # this terminal's own order entries shown while the hub has not sent them


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as this terminal can tell it: the hub's document (or, ``pending``, the
    one made from this terminal's entry) and the step journalled here since."""

    doc: OrderDoc
    pending: bool = False
    step: str | None = None  # order_cancel / order_collect journalled here

    @property
    def state(self) -> OrderState:
        """The hub's state once it closed the order (its word is final: a hand-over
        here after a cancellation there leaves the order cancelled and refunded), else
        what was done here since."""
        if not self.doc.state.open:
            return self.doc.state
        if self.step == EntryKind.ORDER_COLLECT:
            return OrderState.COLLECTED
        if self.step == EntryKind.ORDER_CANCEL:
            return OrderState.CANCELLED
        return self.doc.state

    @property
    def code(self) -> str:
        return self.doc.code

    @property
    def refund_pending(self) -> bool:
        """Cancelled here: the hub refunds at the next sync."""
        return self.step == EntryKind.ORDER_CANCEL and self.doc.state.open


def _problem(problem: OrderProblem, who: Identified | None = None) -> Refused:
    if who is None:
        return Refused(problem.reason, problem.detail)
    return Refused(
        problem.reason,
        problem.detail,
        account_id=who.account.id,
        display_name=who.account.display_name,
        balance=who.balance,
    )


def _zone(engine: Engine) -> ZoneInfo:
    return ZoneInfo(engine.settings().timezone)


def doc_of_entry(entry: Entry, menu: SiteMenu | None, zone: ZoneInfo) -> OrderDoc | None:
    """The order this terminal's ``order`` entry placed, as the hub will make it."""
    try:
        payload = read_payload(entry.kind, entry.payload)
    except PayloadError:
        return None
    if not isinstance(payload, OrderPayload) or entry.account is None:
        return None
    lines = payload.lines or lines_of(payload.items or [])
    if not lines:
        return None
    day = payload.pickup_day or payload.business_day
    ids = [line.item for line in lines]
    until = None if menu is None else cutoff_of(menu, ids, date.fromisoformat(day), zone)
    origin = terminal_origin(entry.terminal_id, entry.seq)
    return OrderDoc(
        code=order_code(origin),
        origin=origin,
        account=entry.account,
        lines=tuple(lines),
        pickup_day=day,
        slot=payload.slot,
        place="Comptoir" if menu is None else place_of(menu, ids),
        amount=-entry.amount,
        state=OrderState.PLACED,
        placed_at=entry.ts,
        cancel_until=None if until is None else format_ts(until),
        notify=bool(payload.notify),
    )


def _views(
    engine: Engine,
    docs: list[OrderDoc],
    entries: list[Entry],
    menu: SiteMenu | None,
    tx: Tx,
) -> list[OrderView]:
    zone = _zone(engine)
    known = {d.origin for d in docs}
    views = [OrderView(d) for d in docs]
    for entry in entries:
        if terminal_origin(entry.terminal_id, entry.seq) in known:
            continue
        doc = doc_of_entry(entry, menu, zone)
        if doc is not None and engine.store.cancelled_by(entry.seq, tx) is None:
            views.append(OrderView(doc, pending=True))
    steps = engine.store.order_steps([v.code for v in views], tx)
    views = [replace(v, step=steps.get(v.code)) for v in views]
    views.sort(key=lambda v: (v.doc.pickup_day, v.doc.slot or "", v.doc.placed_at), reverse=True)
    return views


def orders_of(engine: Engine, account_id: str, menu: SiteMenu | None) -> list[OrderView]:
    """The diner's orders, the latest pickup first."""
    since = engine.now().astimezone(_zone(engine)).date() - timedelta(days=HISTORY_DAYS)
    with engine.store.reading() as tx:
        docs = engine.store.order_docs_of(account_id, tx)
        entries = engine.store.order_entries(tx, account_id, since.isoformat())
        return _views(engine, docs, entries, menu, tx)


def quantities(engine: Engine, day: str, menu: SiteMenu | None) -> dict[str, int]:
    """Item -> quantity ordered for pickup ``day`` as far as this terminal knows
    (the hub's orders and its own not yet on the hub), cancelled ones left out."""
    since = engine.now().astimezone(_zone(engine)).date() - timedelta(days=HISTORY_DAYS)
    with engine.store.reading() as tx:
        docs = engine.store.order_docs_of_day(day, tx)
        entries = engine.store.order_entries(tx, None, since.isoformat())
        views = _views(engine, docs, entries, menu, tx)
    counts: Counter[str] = Counter()
    for view in views:
        if view.doc.pickup_day == day and view.state is not OrderState.CANCELLED:
            for line in view.doc.lines:
                counts[line.item] += line.qty
    return dict(counts)


def placing_refusal(
    engine: Engine,
    menu: SiteMenu,
    lines: Sequence[OrderLine],
    *,
    day: date,
    slot: str | None,
) -> Refused | None:
    """Why these lines cannot be ordered here now (the menu's rules, and the daily
    limits as far as this terminal knows: the hub has the last word); None: they can."""
    problem = placing_problem(menu, lines, day=day, slot=slot, now=engine.now(), zone=_zone(engine))
    if problem is None:
        problem = limit_problem(menu, lines, quantities(engine, day.isoformat(), menu))
    return None if problem is None else _problem(problem)


def _find(engine: Engine, code: str, menu: SiteMenu | None, tx: Tx) -> OrderView | None:
    doc = engine.store.order_doc(code, tx)
    if doc is not None:
        return _views(engine, [doc], [], menu, tx)[0]
    since = engine.now().astimezone(_zone(engine)).date() - timedelta(days=HISTORY_DAYS)
    for view in _views(
        engine, [], engine.store.order_entries(tx, None, since.isoformat()), menu, tx
    ):
        if view.code == code:
            return view
    return None


def find(engine: Engine, code: str, menu: SiteMenu | None) -> OrderView | None:
    """Order ``code`` as this terminal knows it."""
    with engine.store.reading() as tx:
        return _find(engine, code, menu, tx)


def cancel(
    engine: Engine, who: Identified, code: str, menu: SiteMenu | None
) -> OrderView | Refused:
    """The diner ``who`` cancels order ``code`` at this kiosk, before its cut-off: an
    ``order_cancel`` entry; the hub refunds it when the entry arrives."""
    with engine.store.atomic() as tx:
        view = _find(engine, code, menu, tx)
        if view is None:
            return _problem(OrderProblem(RejectReason.ORDER_UNKNOWN, f"no order {code}"), who)
        shown = view.doc.model_copy(update={"state": view.state})
        problem = diner_cancel_problem(shown, who.account.id, format_ts(engine.now()))
        if problem is not None:
            return _problem(problem, who)
        engine.post(tx, EntryKind.ORDER_CANCEL, None, 0, {"order": code, "by": "diner"})
    return replace(view, step=EntryKind.ORDER_CANCEL.value)


def todays(engine: Engine, account_id: str, menu: SiteMenu | None) -> list[OrderView]:
    """The diner's orders to hand over today (placed or ready)."""
    today = engine.business_day()
    return [
        v for v in orders_of(engine, account_id, menu) if v.doc.pickup_day == today and v.state.open
    ]


def collect(
    engine: Engine, code: str, *, account_id: str | None, cashier: str, menu: SiteMenu | None
) -> OrderView | Refused:
    """Hand order ``code`` over at this till (to the diner of ``account_id``, when a
    badge was tapped): an ``order_collect`` entry, or why not."""
    with engine.store.atomic() as tx:
        view = _find(engine, code, menu, tx)
        shown = None if view is None else view.doc.model_copy(update={"state": view.state})
        problem = collect_problem(shown, code, account_id, engine.business_day())
        if problem is not None:
            return _problem(problem)
        assert view is not None
        engine.post(tx, EntryKind.ORDER_COLLECT, None, 0, {"order": code, "cashier": cashier})
    return replace(view, step=EntryKind.ORDER_COLLECT.value)


def notices(engine: Engine, account_id: str) -> list[OrderDoc]:
    """The diner's orders the hub cancelled (quantity reached) that they were not yet
    told of here; they are marked told."""
    with engine.store.atomic() as tx:
        docs = [
            d
            for d in engine.store.order_docs_of(account_id, tx)
            if d.state is OrderState.CANCELLED and d.note.startswith("sold_out")
        ]
        fresh = engine.store.untold([d.code for d in docs], tx)
        engine.store.mark_told(sorted(fresh), engine.now(), tx)
    return [d for d in docs if d.code in fresh]
