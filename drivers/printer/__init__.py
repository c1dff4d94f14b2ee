"""Receipt printers: the document model, the receipt layout, the ESC/POS encoder and
decoder, the PNG preview, and the devices (python-escpos backends and a virtual one).
"""

from drivers.printer.base import PrinterStatus, PrintJob, ReceiptPrinter
from drivers.printer.decode import Decoded, decode
from sync.receipt.document import Align, Columns, Cut, Document, Feed, Image, QrCode, Rule, Text
from sync.receipt.layout import AmountLine, ReceiptData, ReceiptLine, VatRow, layout

__all__ = [
    "Align",
    "AmountLine",
    "Columns",
    "Cut",
    "Decoded",
    "Document",
    "Feed",
    "Image",
    "PrintJob",
    "PrinterStatus",
    "QrCode",
    "ReceiptData",
    "ReceiptLine",
    "ReceiptPrinter",
    "Rule",
    "Text",
    "VatRow",
    "decode",
    "layout",
]
