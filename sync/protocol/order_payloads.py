"""The journal payloads of an order's life after it was placed, registered in
``sync.protocol.payloads.KINDS`` (this module is imported by it).

Placing is the ``order`` entry itself (the debit, ``OrderPayload``). Afterwards a
terminal writes two kinds, both without account or amount (the order names its
account, and money moves only where the order lives, on the hub):

- ``order_cancel``: a diner cancelled one of their orders at a kiosk, before its
  cut-off; the hub cancels the order and journals the refund, once, in the transaction
  that applies the entry (an order already collected or cancelled stays as it was);
- ``order_collect``: a till handed the order over; the hub marks it collected.

Payloads name the order by its code only (no names, no e-mails).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sync.journal import EntryKind
from sync.protocol.payloads import (
    ANY_MODE,
    KINDS,
    TILL_ONLY,
    Effect,
    EntryPayload,
    KindSpec,
    Short,
    Text,
)

ORDER_CODE_PATTERN = r"^[A-HJ-NP-Z2-9]{6}$"
OrderCode = Annotated[str, Field(pattern=ORDER_CODE_PATTERN)]


class OrderCancelPayload(EntryPayload):
    """The diner cancelled order ``order`` at this kiosk (``by``: who asked)."""

    order: OrderCode
    by: Literal["diner"] = "diner"
    reason: Text = ""


class OrderCollectPayload(EntryPayload):
    """Order ``order`` was handed over at this till by ``cashier`` (empty: self-service)."""

    order: OrderCode
    cashier: Short = ""


KINDS[EntryKind.ORDER_CANCEL] = KindSpec(OrderCancelPayload, Effect.NONE, ANY_MODE)
KINDS[EntryKind.ORDER_COLLECT] = KindSpec(OrderCollectPayload, Effect.NONE, TILL_ONLY)
