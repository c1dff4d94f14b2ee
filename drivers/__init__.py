"""The hardware edge: badge readers, code scanners and receipt printers.

Each device turns raw I/O into typed events (``drivers.events``) behind one interface
per kind, with real backends on the vendor libraries and a virtual backend; devices
are opened from typed configuration by ``drivers.registry.open_device``. Nothing here
imports ``kiosk``, and no vendor library is imported before a device needs it.
"""

from drivers.events import (
    BadgePresented,
    BadgeRemoved,
    CodeRejected,
    CodeScanned,
    DeviceFault,
    DeviceKind,
    DeviceReady,
    Event,
    FaultKind,
)
from drivers.registry import create_device, open_device, parse_config

__all__ = [
    "BadgePresented",
    "BadgeRemoved",
    "CodeRejected",
    "CodeScanned",
    "DeviceFault",
    "DeviceKind",
    "DeviceReady",
    "Event",
    "FaultKind",
    "create_device",
    "open_device",
    "parse_config",
]
