"""Payloads of the technical events journal that have no older model in
``sync.protocol.payloads``: configuration changes, clock jumps and failed cashier
PINs. Each is chained and signed like every entry, moves no money and names no
account; ``kiosk journal events`` lists them with start and stop, device faults, sync
incidents and archives.

The kinds register themselves in ``KINDS`` (this module is imported at the end of
``sync.protocol.payloads``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sync.journal import TS_PATTERN, EntryKind
from sync.protocol.payloads import (
    ANY_MODE,
    I64,
    KINDS,
    Effect,
    EntryPayload,
    KindSpec,
    Short,
)
from sync.protocol.rows import Strict

Value = Annotated[str, Field(max_length=200)]


class Change(Strict):
    """One setting that changed: its dotted key, and its value before and after as
    text (None: absent). A secret's value is never written, only that it changed."""

    key: Annotated[str, Field(min_length=1, max_length=100)]
    before: Value | None = None
    after: Value | None = None


class ConfigChangePayload(EntryPayload):
    """What changed in the terminal's configuration (``config``: its file, the
    environment and flags, seen at start) or in the site's settings from the hub
    (``site_settings``), since the previous such entry."""

    source: Literal["config", "site_settings"]
    changes: Annotated[list[Change], Field(min_length=1, max_length=100)]


class ClockJumpPayload(EntryPayload):
    """The wall clock moved by ``seconds`` (negative: backwards) other than with time:
    seen at start against the last entry's time (``start``), or while running against
    the monotonic clock (``running``)."""

    detected: Literal["start", "running"]
    seconds: I64
    previous_ts: Annotated[str, Field(pattern=TS_PATTERN)]


class PinFailedPayload(EntryPayload):
    """A PIN refused for a cashier (by the cashier's id, never the PIN): ``locked``
    when the cashier is locked out (by this failure, or before it)."""

    cashier: Short
    locked: bool


KINDS[EntryKind.CONFIG_CHANGE] = KindSpec(ConfigChangePayload, Effect.NONE, ANY_MODE)
KINDS[EntryKind.CLOCK_JUMP] = KindSpec(ClockJumpPayload, Effect.NONE, ANY_MODE)
KINDS[EntryKind.PIN_FAILED] = KindSpec(PinFailedPayload, Effect.NONE, ANY_MODE)
