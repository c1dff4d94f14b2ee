"""What the menu says of an item ordered ahead: its cut-off, the days it is offered,
its pickup slots, its daily quantity limit and its options.

A catalogue item with ``ordering`` set (``CatalogueItem.ordering``) is ordered for a
pickup day (and slot, when it has slots) instead of being sold for now; the checks
themselves live in ``sync.protocol.orders``, shared by the kiosk, the portal and the
hub. Pure data: strict frozen models like the rest of the catalogue.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BeforeValidator, Field, model_validator

from sync.protocol.rows import Strict

HHMM = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
# A pickup slot as shown and stored: "11:30-12:00".
SlotText = Annotated[
    str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$")
]
OptionId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
Weekday = Annotated[int, Field(ge=1, le=7, description="ISO weekday: 1 Monday ... 7 Sunday")]


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class Cutoff(Strict):
    """Orders for a pickup day close ``days_before`` days earlier at ``at`` (local time):
    ``days_before = 1, at = "14:00"`` is "the day before at 14:00", ``0`` and ``"10:30"``
    "the same day before 10:30". Cancelling by the diner closes at the same moment."""

    days_before: int = Field(default=1, ge=0, le=14)
    at: HHMM = "14:00"


class OrderOption(Strict):
    """A choice the diner may add to a line (no extra charge): "sans gluten", "bougie"."""

    id: OptionId
    fr: str = Field(min_length=1, max_length=60)
    en: str = Field(min_length=1, max_length=60)


class OrderRules(Strict):
    """How an item is ordered ahead (see the module docstring)."""

    cutoff: Cutoff | None = Field(default=None, description="none: until the pickup day")
    daily_limit: int | None = Field(
        default=None, ge=1, le=100_000, description="at most this many per pickup day"
    )
    days: Annotated[tuple[Weekday, ...], BeforeValidator(_as_tuple)] = Field(
        default=(), max_length=7, description="pickup weekdays offered (empty: every day)"
    )
    slots: Annotated[tuple[SlotText, ...], BeforeValidator(_as_tuple)] = Field(
        default=(), max_length=24, description="pickup slots (empty: any time of the day)"
    )
    advance_days: int = Field(default=14, ge=0, le=60, description="how far ahead a day")
    place: str = Field(default="Comptoir", min_length=1, max_length=60)
    options: Annotated[tuple[OrderOption, ...], BeforeValidator(_as_tuple)] = Field(
        default=(), max_length=12
    )

    @model_validator(mode="after")
    def _slots_in_order(self) -> Self:
        for slot in self.slots:
            start, end = slot.split("-")
            if start >= end:
                raise ValueError(f"slot {slot}: the end comes before the start")
        if len(set(self.slots)) != len(self.slots):
            raise ValueError("a slot appears twice")
        if len({o.id for o in self.options}) != len(self.options):
            raise ValueError("an option id appears twice")
        return self


ItemRef = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class OrderLine(Strict):
    """One line of an order: a catalogue item, how many, and the options chosen."""

    item: ItemRef
    qty: int = Field(default=1, ge=1, le=99)
    options: Annotated[tuple[OptionId, ...], BeforeValidator(_as_tuple)] = Field(
        default=(), max_length=12
    )
