"""From a journal entry to the printer's ``ReceiptData``: the rules live in
``sync.receipt.entry``, shared with the hub's portal (its duplicates of tickets)."""

from __future__ import annotations

from sync.receipt.entry import (
    DEFAULT_VAT,
    KIND_LABELS,
    MEANS_LABELS,
    local_time,
    receipt_for,
    verification_id,
)

__all__ = [
    "DEFAULT_VAT",
    "KIND_LABELS",
    "MEANS_LABELS",
    "local_time",
    "receipt_for",
    "verification_id",
]
