"""Code scanners (QR and barcodes): serial (USB-CDC), keyboard wedge (evdev), virtual."""

from drivers.scanner.base import CodeScanner, Framer
from drivers.scanner.virtual import VirtualScanner

__all__ = ["CodeScanner", "Framer", "VirtualScanner"]
