"""The canteen receipt's data and layout, kept in ``sync.receipt.layout`` so that the
hub's portal shows the receipt as the till prints it; its names stay importable here."""

from __future__ import annotations

from sync.receipt.layout import (
    AmountLine,
    ReceiptData,
    ReceiptLine,
    VatRow,
    layout,
    money,
    rate_text,
    vat_codes,
)

__all__ = [
    "AmountLine",
    "ReceiptData",
    "ReceiptLine",
    "VatRow",
    "layout",
    "money",
    "rate_text",
    "vat_codes",
]
