"""The generic receipt document, kept in ``sync.receipt.document`` so that the hub's
portal lays out the same receipt as the printer; its names stay importable here."""

from __future__ import annotations

from sync.receipt.document import (
    Align,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    QrCode,
    Rule,
    Text,
    two_columns,
    wrap,
)

__all__ = [
    "Align",
    "Block",
    "Columns",
    "Cut",
    "Document",
    "Feed",
    "Image",
    "QrCode",
    "Rule",
    "Text",
    "two_columns",
    "wrap",
]
