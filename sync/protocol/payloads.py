"""Journal payloads: one strict pydantic model per entry kind, and the registry.

A payload is signed and kept for years, so it is never a free dict: the engine writes
every entry through its kind's model (``build_payload``), the daily closure and the
receipt read it back through the same model (``read_payload``), and the hub validates
each pushed entry's payload against it before anything is stored.

The canonical JSON form stays that of ``sync.journal``: ``to_payload`` dumps a model
with the keys the engine writes (optional fields left out when unset, integers and
strings only), so hashes and signatures of entries written before these models exist
still hold, and the same dict is what ``make_entry`` hashes.

Every model forbids unknown keys and bounds what it holds: integers within signed
64 bits (cents, sequences), strings and lists of bounded length. ``balance_after``
(sale, order, guest meal, top-up, cancellation) is the account's usable balance in
cents right after the entry, as the terminal computed and showed it; receipts print
it from the entry, so a reprint shows the same figure. It is absent on entries
written before it existed (a receipt then prints no balance).

Adding an entry kind is one model below and one line in ``KINDS``: its name (a member
of ``sync.journal.EntryKind`` or a plain string), its model, its ``Effect`` on the
account and the terminal modes that may write it, from which the hub's rules
(``sync.server.entry_rules``) derive whether it needs an account, the sign of its
amount and which terminals may write it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import Field, ValidationError, model_validator

from sync.journal import EntryKind
from sync.protocol.order_rules import OrderLine, SlotText
from sync.protocol.rows import Strict
from sync.protocol.ticket import PricedTicket

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

I64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
Seq = Annotated[int, Field(ge=1, le=INT64_MAX)]
Cents = I64
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Short = Annotated[str, Field(max_length=64)]
Text = Annotated[str, Field(max_length=500)]
CredentialText = Annotated[str, Field(min_length=1, max_length=256)]
ItemId = Annotated[str, Field(min_length=1, max_length=64)]
# VAT rate in basis points (as text, a JSON key) -> cents incl. VAT
VatTotals = Annotated[
    dict[Annotated[str, Field(pattern=r"^[0-9]{1,5}$")], I64], Field(max_length=16)
]
Means = Literal["balance", "cash", "card", "cheque", "voucher", "online", "visit"]
Mode = Literal["till", "kiosk", "demo"]


class PayloadError(ValueError):
    """A payload that does not fit its kind's model, or a kind without a model."""


class EntryPayload(Strict):
    """Fields every entry's payload carries.

    ``LEGACY`` names fields that versions before these models wrote: still read (a
    till upgraded with entries not yet pushed must not be blocked by the hub), never
    written again (``build_payload`` refuses them)."""

    LEGACY: ClassVar[frozenset[str]] = frozenset()

    business_day: Day = Field(description="the business day in the site's time zone")

    def to_payload(self) -> dict[str, Any]:
        """The JSON object stored and signed in the entry (see ``to_payload``)."""
        return to_payload(self)


class SaleFields(EntryPayload):
    """The fields of a tray's sale, shared by sales, orders and guest meals."""

    credential: CredentialText | None = None
    means: Means = "balance"
    mode: Mode | None = None
    guest: bool | None = None
    cashier: Short | None = None
    items: list[ItemId] | None = Field(default=None, max_length=200)
    vat: VatTotals | None = None
    ticket: PricedTicket | None = None
    balance_after: Cents | None = None


class SalePayload(SaleFields):
    """A debit for a tray, an order or a guest meal paid by badge (``Engine.sell``)."""

    credential: CredentialText


class OrderPayload(SalePayload):
    """An order placed at a kiosk: the sale fields, and for an order with a life
    (``sync.protocol.orders``) its lines with their options, the pickup day and the
    slot. Its code is made from the entry's id (``orders.order_code``), so it is not
    written. Entries written before orders had a life carry none of these."""

    lines: list[OrderLine] | None = Field(default=None, max_length=50)
    pickup_day: Day | None = None
    slot: SlotText | None = None
    notify: bool | None = None


class GuestMealPayload(SaleFields):
    """Guest meals: served against a visit (``visit_id``, ``guests``, billed as the
    visit says), or a guest's tray paid with a badge at the till (sale fields)."""

    LEGACY = frozenset({"visitor"})  # a name: personal data stays in the visit document

    visit_id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")] | None = None
    guests: Annotated[int, Field(ge=1, le=50)] | None = None
    billing: Literal["host", "cost_centre"] | None = None
    visitor: Annotated[str, Field(max_length=200)] | None = None


class TopUpPayload(EntryPayload):
    means: Means
    cashier: Short
    balance_after: Cents | None = None
    # A card top-up: the card payment it comes from (``sync.protocol.payment_payloads``)
    # and what the terminal said, for the receipt; ``test``: the virtual terminal's.
    payment_ref: Annotated[str, Field(pattern=r"^[A-Za-z0-9\-]{1,32}$")] | None = None
    test: bool | None = None
    authorisation: Short | None = None
    card: Short | None = None
    card_ticket: Annotated[list[Short], Field(max_length=60)] | None = None


class CancelPayload(EntryPayload):
    """Reverses entry ``cancels`` of the same terminal's journal."""

    cancels: Seq
    cancelled_kind: Literal["sale", "top_up", "order", "guest_meal"]
    cashier: Short
    reason: Text
    balance_after: Cents | None = None


class AdjustmentPayload(EntryPayload):
    """A correction made in the back office (never written by a terminal)."""

    note: Text
    ref: Short | None = None


class TillOpenPayload(EntryPayload):
    cashier: Short
    cash_float: Annotated[int, Field(ge=0, le=INT64_MAX)]


class Period(Strict):
    first_seq: Annotated[int, Field(ge=0, le=INT64_MAX)]
    last_seq: Annotated[int, Field(ge=0, le=INT64_MAX)]


class ClosurePayload(EntryPayload):
    """The daily closure (NF525): totals of the period since the previous closure."""

    cashier: Short
    period: Period
    sales_count: Annotated[int, Field(ge=0, le=INT64_MAX)]
    cancellations_count: Annotated[int, Field(ge=0, le=INT64_MAX)]
    net_sales: Cents
    top_ups: Cents
    by_vat: Annotated[dict[Short, I64], Field(max_length=32)]
    by_means: Annotated[dict[Short, I64], Field(max_length=32)]
    grand_total: Cents
    # Written by every closure since the monthly and yearly ones exist
    # (``sync.protocol.closure_payloads``); absent only from hand-made test payloads.
    duplicates_count: Annotated[int, Field(ge=0, le=INT64_MAX)] | None = None
    training_count: Annotated[int, Field(ge=0, le=INT64_MAX)] | None = None
    absolute_sales: Cents | None = None  # sales plus cancellations, in absolute value
    grand_total_abs: Cents | None = None  # the perpetual grand total of absolute_sales
    automatic: bool | None = None  # written at the business day's end, nobody closed


class RunPayload(EntryPayload):
    """``start`` and ``stop`` of the terminal application."""

    mode: Mode
    version: Short | None = None


class DeviceFaultPayload(EntryPayload):
    """A device fault: which device (its source, e.g. ``printer:usb``), what kind of
    fault, the message in plain words, and the ticket it hit, if any."""

    LEGACY = frozenset({"device"})  # the receipt printer's former name for ``source``

    source: Short | None = None  # required when written (see ``build_payload``)
    device: Short | None = None
    fault: Annotated[str, Field(max_length=500)]  # the former printer form put the message here
    message: Text = ""
    ticket: Seq | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DeviceFaultPayload:
        if (self.source is None) == (self.device is None):
            raise ValueError("source: the faulty device is named once, as source")
        return self


class SyncPayload(EntryPayload):
    """A sync event worth keeping in the journal (e.g. a recovery)."""

    event: Short
    applied_seq: Annotated[int, Field(ge=0, le=INT64_MAX)] | None = None
    note: Text = ""


P = TypeVar("P", bound=Strict)


class Effect(StrEnum):
    """What an entry of a kind does to its account's balance."""

    DEBIT = "debit"  # an account, amount <= 0 (a fully subsidised tray costs 0)
    CREDIT = "credit"  # an account, amount > 0
    REVERSAL = "reversal"  # an account, the opposite amount of the entry it cancels
    NONE = "none"  # technical: no account, amount 0
    HUB_ONLY = "hub_only"  # made in the back office; a terminal never writes it


TILL, KIOSK = "till", "kiosk"  # the modes a terminal is enrolled for
ANY_MODE = frozenset({TILL, KIOSK})
TILL_ONLY = frozenset({TILL})


@dataclass(frozen=True, slots=True)
class KindSpec:
    model: type[Strict]  # an EntryPayload, or a model of its own with ``business_day``
    effect: Effect
    modes: frozenset[str] = ANY_MODE  # terminals of these modes may write the kind


KINDS: dict[str, KindSpec] = {
    EntryKind.SALE: KindSpec(SalePayload, Effect.DEBIT, TILL_ONLY),
    EntryKind.TOP_UP: KindSpec(TopUpPayload, Effect.CREDIT),
    EntryKind.CANCEL: KindSpec(CancelPayload, Effect.REVERSAL, TILL_ONLY),
    EntryKind.GUEST_MEAL: KindSpec(GuestMealPayload, Effect.DEBIT, TILL_ONLY),
    EntryKind.ORDER: KindSpec(OrderPayload, Effect.DEBIT),
    EntryKind.ADJUSTMENT: KindSpec(AdjustmentPayload, Effect.HUB_ONLY, frozenset()),
    EntryKind.TILL_OPEN: KindSpec(TillOpenPayload, Effect.NONE, TILL_ONLY),
    EntryKind.CLOSURE: KindSpec(ClosurePayload, Effect.NONE),
    EntryKind.START: KindSpec(RunPayload, Effect.NONE),
    EntryKind.STOP: KindSpec(RunPayload, Effect.NONE),
    EntryKind.DEVICE_FAULT: KindSpec(DeviceFaultPayload, Effect.NONE),
    EntryKind.SYNC: KindSpec(SyncPayload, Effect.NONE),
}


def kind_spec(kind: str) -> KindSpec:
    """The spec of ``kind``; PayloadError for a kind this protocol does not know."""
    spec = KINDS.get(str(kind))
    if spec is None:
        raise PayloadError(f"unknown entry kind {str(kind)[:40]!r}")
    return spec


def payload_model(kind: str) -> type[Strict]:
    """The model of ``kind``; PayloadError for a kind this protocol does not know."""
    return kind_spec(kind).model


def _explain(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "payload"
        parts.append(f"payload.{where}: {error['msg']}")
    return "; ".join(parts)


def parse_payload(model: type[P], payload: Mapping[str, Any]) -> P:
    """Validate a payload (a JSON object) against ``model``, strictly (no "5" for 5, no
    1.0 for 1) as JSON, where enums are their string values; PayloadError names the field."""
    if not isinstance(payload, Mapping):
        raise PayloadError("payload: not a JSON object")
    try:
        text = json.dumps(dict(payload), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise PayloadError(f"payload: not JSON: {exc}") from None
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise PayloadError(_explain(exc)) from None


def read_payload(kind: str, payload: Mapping[str, Any]) -> Strict:
    """The typed payload of an entry of ``kind``; PayloadError if it does not fit."""
    return parse_payload(payload_model(kind), payload)


def to_payload(model: Strict) -> dict[str, Any]:
    """The JSON object stored and signed for a payload model: top-level options that are
    None are left out (nested models keep their nulls, e.g. a ticket's)."""
    dumped = model.model_dump(mode="json")
    return {key: value for key, value in dumped.items() if value is not None}


def build_payload(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``fields`` against the kind's model and return the JSON object to sign.

    Legacy fields (``EntryPayload.LEGACY``) are read, never written."""
    model = payload_model(kind)
    if issubclass(model, EntryPayload):
        for name in sorted(model.LEGACY & set(fields)):
            raise PayloadError(f"payload.{name}: written by earlier versions only")
    return to_payload(read_payload(kind, fields))


# Card payments' kinds register themselves in KINDS (their models extend EntryPayload).
# Closures, duplicates, training and archives register theirs likewise, and so do the
# order's steps after placing (cancel asked at a kiosk, collected at a till).
import sync.protocol.closure_payloads  # noqa: E402
import sync.protocol.order_payloads  # noqa: E402
import sync.protocol.payment_payloads  # noqa: E402, F401
