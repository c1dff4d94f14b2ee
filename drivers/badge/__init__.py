"""Badge readers: NFC with nfcpy, PC/SC with pyscard, and a virtual reader."""

from drivers.badge.base import BadgeReader
from drivers.badge.virtual import VirtualBadgeReader

__all__ = ["BadgeReader", "VirtualBadgeReader"]
