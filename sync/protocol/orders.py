"""The order as both ends see it: its code, its state, the document the hub keeps and
syncs, and the menu's rules checked alike by the kiosk, the portal and the hub.

An order is placed at a kiosk (its ``order`` journal entry is the debit) or in the
portal (a debit in the hub's ledger); it lives on the hub, which sends it to the
site's terminals as the document ``order``/<code> (``OrderDoc``)::

    placed -> ready -> collected
       \\--------\\---> cancelled  (the refund journalled once, by the hub)

The code is six characters of an alphabet without look-alikes (no I, O, 0, 1), made
from where the order was placed (``origin``: terminal id and sequence, or the
portal's own id), so a kiosk offline makes the same code the hub will keep. It is
read aloud at the counter and shown as a QR code (``order_qr``).

Times: a cut-off is local time of the site (``Cutoff``); ``OrderDoc`` keeps UTC
timestamps in the journal's form (``sync.journal.format_ts``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field

from sync.protocol.catalogue import SiteMenu
from sync.protocol.order_payloads import ORDER_CODE_PATTERN, OrderCode
from sync.protocol.order_rules import OrderLine, OrderRules, SlotText
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import ID_PATTERN, Strict

ORDER_DOC_KIND = "order"  # documents ``order``/<code>, synced to the site's terminals
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 signs: no I, O, 0, 1
CODE_LENGTH = 6
QR_PREFIX = "CMD:"
PORTAL_ORIGIN = "portal"

__all__ = [
    "CODE_ALPHABET",
    "ORDER_CODE_PATTERN",
    "ORDER_DOC_KIND",
    "OrderCode",
    "OrderDoc",
    "OrderLine",
    "OrderProblem",
    "OrderState",
]


class OrderState(StrEnum):
    PLACED = "placed"
    READY = "ready"
    COLLECTED = "collected"
    CANCELLED = "cancelled"

    @property
    def open(self) -> bool:
        """Still to hand over (placed or ready)."""
        return self in (OrderState.PLACED, OrderState.READY)


def _as_tuple(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


class OrderDoc(Strict):
    """An order as the hub keeps it and sends it to the site's terminals. Names its
    diner by account id only."""

    code: OrderCode
    origin: str = Field(max_length=100, description="terminal:seq, or portal:<id>")
    account: str = Field(pattern=ID_PATTERN)
    lines: Annotated[tuple[OrderLine, ...], BeforeValidator(_as_tuple)] = Field(
        min_length=1, max_length=50
    )
    pickup_day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    slot: SlotText | None = None
    place: str = Field(max_length=60)
    amount: int = Field(ge=0, le=10**9, description="cents paid at placing")
    state: OrderState
    placed_at: str
    cancel_until: str | None = Field(
        default=None, description="the diner may cancel until then (UTC); none: until ready"
    )
    notify: bool = False
    note: str = Field(default="", max_length=200, description="why it was cancelled")
    refunded: bool = False
    ready_at: str | None = None
    closed_at: str | None = None
    collected_by: str | None = Field(default=None, max_length=100)


@dataclass(frozen=True, slots=True)
class OrderProblem:
    """Why an order cannot be placed, cancelled or collected, in plain words."""

    reason: RejectReason
    detail: str


# Codes ---------------------------------------------------------------------------------


def order_code(origin: str) -> str:
    """The order's code, made from its origin (``terminal_origin`` or a portal id)."""
    number = int.from_bytes(hashlib.sha256(origin.encode()).digest()[:8], "big")
    signs = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        signs.append(CODE_ALPHABET[index])
    return "".join(signs)


def terminal_origin(terminal_id: str, seq: int) -> str:
    return f"{terminal_id}:{seq}"


def order_qr(code: str) -> str:
    """The text of the order's QR code."""
    return QR_PREFIX + code


def parse_order_code(text: str) -> str | None:
    """The code in a scanned QR text or a typed code (case and spaces forgiven)."""
    cleaned = text.strip().upper().replace(" ", "").replace("-", "")
    if cleaned.startswith(QR_PREFIX):
        cleaned = cleaned[len(QR_PREFIX) :]
    if len(cleaned) == CODE_LENGTH and all(c in CODE_ALPHABET for c in cleaned):
        return cleaned
    return None


def spoken(code: str) -> str:
    """The code as read aloud and printed: ``7K4 P2Q``."""
    return f"{code[:3]} {code[3:]}"


# Lines and prices ----------------------------------------------------------------------


def lines_of(
    items: Iterable[str], options: Mapping[str, Sequence[str]] | None = None
) -> list[OrderLine]:
    """Catalogue ids (repeated for quantities) as lines, in the order first seen."""
    counts = Counter(items)
    chosen = options or {}
    return [
        OrderLine(item=item, qty=qty, options=tuple(chosen.get(item, ())))
        for item, qty in counts.items()
    ]


def items_of(lines: Iterable[OrderLine]) -> list[str]:
    return [line.item for line in lines for _ in range(line.qty)]


def _scale(cents: int, basis_points: int) -> int:
    product = cents * basis_points
    return (2 * product + 10_000) // 20_000  # half up, as the pricer rounds


def order_amount(menu: SiteMenu, profile_id: str, lines: Iterable[OrderLine]) -> int:
    """What the lines cost a diner of ``profile_id``: items ordered ahead are services,
    outside formulas and subsidy, so each is its price for the profile (the pricer's
    override, or the catalogue price times the profile's coefficient)."""
    profile = menu.profile(profile_id)
    total = 0
    for line in lines:
        item = menu.item(line.item)
        if item is None:
            raise KeyError(line.item)
        if profile is None:
            unit = item.price
        else:
            unit = profile.prices.get(item.id, _scale(item.price, profile.coefficient))
        total += unit * line.qty
    return total


# The menu's rules ----------------------------------------------------------------------


def rules_of(menu: SiteMenu, item_ids: Iterable[str]) -> dict[str, OrderRules]:
    """The ordering rules of the items that have some."""
    found: dict[str, OrderRules] = {}
    for item_id in item_ids:
        item = menu.item(item_id)
        if item is not None and item.ordering is not None:
            found[item_id] = item.ordering
    return found


def needs_pickup(menu: SiteMenu, item_ids: Iterable[str]) -> bool:
    """Whether the items are ordered for a pickup day (at least one has rules)."""
    return bool(rules_of(menu, item_ids))


def common_slots(menu: SiteMenu, item_ids: Iterable[str]) -> tuple[str, ...]:
    """The pickup slots every item with slots offers (empty: no slot to choose)."""
    slotted = [r.slots for r in rules_of(menu, item_ids).values() if r.slots]
    if not slotted:
        return ()
    return tuple(s for s in slotted[0] if all(s in other for other in slotted[1:]))


def place_of(menu: SiteMenu, item_ids: Iterable[str], default: str = "Comptoir") -> str:
    rules = list(rules_of(menu, item_ids).values())
    return rules[0].place if rules else default


def _deadline(rules: OrderRules, day: date, zone: ZoneInfo) -> datetime | None:
    if rules.cutoff is None:
        return None
    hour, minute = (int(part) for part in rules.cutoff.at.split(":"))
    local = datetime.combine(day - timedelta(days=rules.cutoff.days_before), time(hour, minute))
    return local.replace(tzinfo=zone)


def cutoff_of(
    menu: SiteMenu, item_ids: Iterable[str], day: date, zone: ZoneInfo
) -> datetime | None:
    """The earliest cut-off of the items for pickup ``day`` (aware), or None."""
    moments = [
        moment
        for rules in rules_of(menu, item_ids).values()
        if (moment := _deadline(rules, day, zone)) is not None
    ]
    return min(moments) if moments else None


def day_problem(
    menu: SiteMenu, item_ids: Sequence[str], day: date, now: datetime, zone: ZoneInfo
) -> OrderProblem | None:
    """Why the items cannot be ordered now for pickup ``day`` (None: they can)."""
    today = now.astimezone(zone).date()
    rules = rules_of(menu, item_ids)
    if not rules:
        if day != today:
            return OrderProblem(RejectReason.ORDER_NOT_OFFERED, "sold for today only")
        return None
    if day < today:
        return OrderProblem(RejectReason.ORDER_NOT_OFFERED, f"{day} is past")
    for item_id, rule in rules.items():
        if rule.days and day.isoweekday() not in rule.days:
            return OrderProblem(
                RejectReason.ORDER_NOT_OFFERED, f"{item_id} is not offered on {day:%A}"
            )
        if day > today + timedelta(days=rule.advance_days):
            return OrderProblem(
                RejectReason.ORDER_NOT_OFFERED,
                f"{item_id} is ordered at most {rule.advance_days} days ahead",
            )
        deadline = _deadline(rule, day, zone)
        if deadline is not None and now >= deadline:
            return OrderProblem(
                RejectReason.ORDER_CLOSED,
                f"{item_id} for {day} was to be ordered before {deadline:%Y-%m-%d %H:%M}",
            )
    return None


def pickup_days(
    menu: SiteMenu, item_ids: Sequence[str], now: datetime, zone: ZoneInfo, most: int = 7
) -> list[date]:
    """The next pickup days (at most ``most``) the items may still be ordered for."""
    today = now.astimezone(zone).date()
    horizon = min((r.advance_days for r in rules_of(menu, item_ids).values()), default=0)
    days = []
    for offset in range(horizon + 1):
        day = today + timedelta(days=offset)
        if day_problem(menu, item_ids, day, now, zone) is None:
            days.append(day)
            if len(days) == most:
                break
    return days


def placing_problem(
    menu: SiteMenu,
    lines: Sequence[OrderLine],
    *,
    day: date,
    slot: str | None,
    now: datetime,
    zone: ZoneInfo,
) -> OrderProblem | None:
    """Why these lines cannot be ordered now for ``day`` and ``slot`` (None: they can).

    The daily quantity limit is not checked here: it needs the orders already placed
    (``limit_problem``)."""
    if not lines:
        return OrderProblem(RejectReason.EMPTY_TRAY, "no line")
    ids = [line.item for line in lines]
    for line in lines:
        item = menu.item(line.item)
        if item is None or not item.orderable:
            return OrderProblem(RejectReason.UNKNOWN_ITEM, f"{line.item} cannot be ordered")
        offered = {o.id for o in item.ordering.options} if item.ordering else set()
        for option in line.options:
            if option not in offered:
                return OrderProblem(
                    RejectReason.UNKNOWN_ITEM, f"{line.item} has no option {option!r}"
                )
    problem = day_problem(menu, ids, day, now, zone)
    if problem is not None:
        return problem
    slots = common_slots(menu, ids)
    if any(r.slots for r in rules_of(menu, ids).values()):
        if not slots:
            return OrderProblem(RejectReason.ORDER_SLOT, "these items share no pickup slot")
        if slot not in slots:
            return OrderProblem(
                RejectReason.ORDER_SLOT, f"choose a pickup slot among {', '.join(slots)}"
            )
    elif slot is not None:
        return OrderProblem(RejectReason.ORDER_SLOT, "these items take no pickup slot")
    return None


def limit_problem(
    menu: SiteMenu, lines: Sequence[OrderLine], already: Mapping[str, int]
) -> OrderProblem | None:
    """Whether the lines pass the items' daily limits, given ``already`` (item id ->
    quantity ordered for that day, cancelled orders left out)."""
    wanted: Counter[str] = Counter()
    for line in lines:
        wanted[line.item] += line.qty
    for item_id, rules in rules_of(menu, wanted).items():
        if rules.daily_limit is None:
            continue
        left = rules.daily_limit - already.get(item_id, 0)
        if wanted[item_id] > left:
            return OrderProblem(
                RejectReason.ORDER_SOLD_OUT,
                f"{item_id}: {max(left, 0)} left for that day, {wanted[item_id]} asked",
            )
    return None


def diner_cancel_problem(doc: OrderDoc, account: str, now_ts: str) -> OrderProblem | None:
    """Why the diner of ``account`` may not cancel ``doc`` at ``now_ts`` (UTC,
    journal form, which sorts as time does); None: they may."""
    if doc.account != account:
        return OrderProblem(RejectReason.ORDER_NOT_YOURS, f"order {doc.code} is another diner's")
    if doc.state is OrderState.CANCELLED:
        return OrderProblem(RejectReason.ORDER_CANCELLED, f"order {doc.code} is cancelled")
    if doc.state is OrderState.COLLECTED:
        return OrderProblem(RejectReason.ORDER_COLLECTED, f"order {doc.code} was collected")
    if doc.state is OrderState.READY:
        return OrderProblem(RejectReason.ORDER_CLOSED, f"order {doc.code} is being prepared")
    if doc.cancel_until is not None and now_ts >= doc.cancel_until:
        return OrderProblem(
            RejectReason.ORDER_CLOSED,
            f"order {doc.code} could be cancelled until {doc.cancel_until}",
        )
    return None


def collect_problem(
    doc: OrderDoc | None, code: str, account: str | None, today: str
) -> OrderProblem | None:
    """Why order ``doc`` may not be handed over to the diner of ``account`` (None: not
    asked, a scanned order's QR) on business day ``today``; None: it may."""
    if doc is None:
        return OrderProblem(RejectReason.ORDER_UNKNOWN, f"no order {code}")
    if account is not None and doc.account != account:
        return OrderProblem(RejectReason.ORDER_NOT_YOURS, f"order {code} is another diner's")
    if doc.state is OrderState.COLLECTED:
        return OrderProblem(RejectReason.ORDER_COLLECTED, f"order {code} was already collected")
    if doc.state is OrderState.CANCELLED:
        return OrderProblem(RejectReason.ORDER_CANCELLED, f"order {code} was cancelled")
    if doc.pickup_day != today:
        return OrderProblem(RejectReason.ORDER_NOT_TODAY, f"order {code} is for {doc.pickup_day}")
    return None


# The kitchen's list ---------------------------------------------------------------------


class ProductionRow(Strict):
    """How many of an item (with these options) to have ready for a slot."""

    slot: SlotText | None
    item: str
    options: tuple[str, ...] = ()
    qty: int


class OrdersOfDay(Strict):
    """``GET /v1/admin/sites/{site}/orders?day=``: the day's orders and what to make."""

    day: str
    orders: tuple[OrderDoc, ...]
    production: tuple[ProductionRow, ...]


class ManagerCancel(Strict):
    """``POST .../orders/{code}/cancel``: a manager's cancellation and why."""

    reason: str = Field(default="", max_length=200)


def production(docs: Iterable[OrderDoc]) -> list[ProductionRow]:
    """The quantities to make, by slot, item and options (cancelled orders left out),
    in slot order (orders without slot first) then item id."""
    counts: Counter[tuple[str, str, tuple[str, ...]]] = Counter()
    for doc in docs:
        if doc.state is OrderState.CANCELLED:
            continue
        for line in doc.lines:
            counts[(doc.slot or "", line.item, tuple(line.options))] += line.qty
    return [
        ProductionRow(slot=slot or None, item=item, options=options, qty=qty)
        for (slot, item, options), qty in sorted(counts.items())
    ]
