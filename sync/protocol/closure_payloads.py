"""The journal payloads of closures, duplicates, training and archives, registered in
``sync.protocol.payloads.KINDS`` (this module is imported by it).

French till rules (the inalterability and archiving conditions behind NF525) ask for:

- closures that cannot be skipped: the daily closure (kind ``closure``, its model
  ``ClosurePayload`` in ``sync.protocol.payloads``), then a monthly one
  (``closure_month``) summing the month's daily closures and a yearly one
  (``closure_year``) summing the fiscal year's monthly closures. Each holds the
  period's totals by VAT rate and by means of payment, its counts (sales,
  cancellations, duplicates, training tickets), the period's net total and the
  perpetual grand totals: net (``grand_total``, sales minus cancellations since the
  terminal's first entry) and absolute (``grand_total_abs``, sales plus cancellations
  in absolute value), never reset;
- every reprint as an entry (``duplicate``): ticket ``ticket`` reprinted for the
  ``number``-th time;
- training mode, switched on and off by a manager (``training_mode``), whose tickets
  (``training_sale``) are journalled but counted apart from every total;
- archiving operations traced (``archive``): the period, the entries it holds and the
  SHA-256 of the file, so that the next archive vouches for this one.

All of them move no money: amount 0, no account.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sync.journal import EntryKind
from sync.protocol.payloads import (
    I64,
    INT64_MAX,
    KINDS,
    TILL_ONLY,
    Cents,
    Day,
    Effect,
    EntryPayload,
    ItemId,
    KindSpec,
    Mode,
    Seq,
    Short,
    VatTotals,
)
from sync.protocol.ticket import PricedTicket

CLOSURE_MONTH = EntryKind.CLOSURE_MONTH
CLOSURE_YEAR = EntryKind.CLOSURE_YEAR
DUPLICATE = EntryKind.DUPLICATE
TRAINING_MODE = EntryKind.TRAINING_MODE
TRAINING_SALE = EntryKind.TRAINING_SALE
ARCHIVE = EntryKind.ARCHIVE

Count = Annotated[int, Field(ge=0, le=INT64_MAX)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class SummedClosures(EntryPayload):
    """What a monthly or yearly closure sums: the closures of the level below (their
    sequence numbers, first and last, and how many), and the totals they add up to."""

    first_day: Day
    last_day: Day
    closures: Count  # how many closures of the level below it sums
    first_closure: Annotated[int, Field(ge=0, le=INT64_MAX)]  # 0: none
    last_closure: Annotated[int, Field(ge=0, le=INT64_MAX)]
    sales_count: Count
    cancellations_count: Count
    duplicates_count: Count
    training_count: Count
    net_sales: Cents
    absolute_sales: Cents
    top_ups: Cents
    by_vat: Annotated[dict[Short, I64], Field(max_length=32)]
    by_means: Annotated[dict[Short, I64], Field(max_length=32)]
    grand_total: Cents
    grand_total_abs: Cents
    automatic: bool


class MonthClosurePayload(SummedClosures):
    """The monthly closure of calendar month ``month`` (its daily closures)."""

    month: Month


class YearClosurePayload(SummedClosures):
    """The yearly closure of a fiscal year (``first_day`` .. ``last_day``, from the
    site's ``fiscal_year_start_month``), summing its monthly closures; ``year`` is the
    calendar year in which it starts."""

    year: Annotated[int, Field(ge=1970, le=9999)]


class DuplicatePayload(EntryPayload):
    """A reprint: ticket ``ticket`` (an entry of this journal) printed again for the
    ``number``-th time, as DUPLICATA n° ``number``."""

    ticket: Seq
    number: Annotated[int, Field(ge=1, le=INT64_MAX)]
    ticket_kind: Short
    cashier: Short | None = None


class TrainingModePayload(EntryPayload):
    """Training mode switched on (``on``) or off by a manager (``cashier``)."""

    on: bool
    cashier: Short


class TrainingSalePayload(EntryPayload):
    """A ticket made in training mode: priced like a sale, charged to nobody, counted
    in no total (only in the closures' ``training_count``)."""

    items: list[ItemId] = Field(max_length=200)
    total: Cents
    vat: VatTotals
    ticket: PricedTicket | None = None
    profile: Short | None = None
    cashier: Short | None = None
    mode: Mode | None = None


class ArchivePayload(EntryPayload):
    """An archive written: its period (``2026-11``, ``2026-11-30`` or ``FY2026``), the
    journal range it holds and the SHA-256 of the file."""

    period: Annotated[str, Field(pattern=r"^(\d{4}-\d{2}(-\d{2})?|FY\d{4})$")]
    first_seq: Seq
    last_seq: Seq
    sha256: Sha256
    size: Count


KINDS[CLOSURE_MONTH] = KindSpec(MonthClosurePayload, Effect.NONE)
KINDS[CLOSURE_YEAR] = KindSpec(YearClosurePayload, Effect.NONE)
KINDS[DUPLICATE] = KindSpec(DuplicatePayload, Effect.NONE)
KINDS[TRAINING_MODE] = KindSpec(TrainingModePayload, Effect.NONE, TILL_ONLY)
KINDS[TRAINING_SALE] = KindSpec(TrainingSalePayload, Effect.NONE, TILL_ONLY)
KINDS[ARCHIVE] = KindSpec(ArchivePayload, Effect.NONE)
