"""A lazy registry of backends, opened from typed configuration.

``open_device("reader", {"backend": "nfc", "path": "usb"}, events)`` validates the
options (an unknown option is a ``ConfigurationError`` naming it), imports the
backend module, checks its vendor library (a missing one is a ``DriverUnavailableError``
with the install hint, raised here and never at import) and starts the device thread.
"""

from __future__ import annotations

import importlib
import queue
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from drivers import config as cfg
from drivers.base import Device
from drivers.errors import ConfigurationError, DriverUnavailableError
from drivers.events import Event

# kind -> backend -> (config model, "module:Class")
BACKENDS: dict[str, dict[str, tuple[type[BaseModel], str]]] = {
    "reader": {
        "nfc": (cfg.NfcReaderConfig, "drivers.badge.nfc:NfcReader"),
        "pcsc": (cfg.PcscReaderConfig, "drivers.badge.pcsc:PcscReader"),
        "virtual": (cfg.VirtualReaderConfig, "drivers.badge.virtual:VirtualBadgeReader"),
    },
    "scanner": {
        "serial": (cfg.SerialScannerConfig, "drivers.scanner.serial:SerialScanner"),
        "evdev": (cfg.EvdevScannerConfig, "drivers.scanner.wedge:WedgeScanner"),
        "virtual": (cfg.VirtualScannerConfig, "drivers.scanner.virtual:VirtualScanner"),
    },
    "printer": {
        "serial": (cfg.SerialPrinterConfig, "drivers.printer.backends:EscposPrinter"),
        "network": (cfg.NetworkPrinterConfig, "drivers.printer.backends:EscposPrinter"),
        "usb": (cfg.UsbPrinterConfig, "drivers.printer.backends:EscposPrinter"),
        "file": (cfg.FilePrinterConfig, "drivers.printer.backends:EscposPrinter"),
        "virtual": (cfg.VirtualPrinterConfig, "drivers.printer.virtual:VirtualPrinter"),
    },
    "payment": {
        "caisse-ap": (cfg.CaisseApPaymentConfig, "drivers.payment.caisse_ap_ip:CaisseApTerminal"),
        "virtual": (
            cfg.VirtualPaymentConfig,
            "drivers.payment.virtual:VirtualPaymentTerminal",
        ),
    },
}

# import name -> (distribution, what else the technician may need)
_VENDOR = {
    "nfc": ("nfcpy", "and access to the reader (see config/hardware.md)"),
    "smartcard": ("pyscard", "plus the pcscd daemon: apt-get install pcscd"),
    "serial": ("pyserial", ""),
    "escpos": ("python-escpos", ""),
    "evdev": ("evdev", "and read access to /dev/input"),
    "usb": ("pyusb", "and libusb-1.0"),
}


def require(module: str, backend: str) -> ModuleType:
    """Import a vendor library or raise DriverUnavailableError with an install hint."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        dist, extra = _VENDOR.get(module.split(".", maxsplit=1)[0], (module, ""))
        hint = f"install it with `pip install {dist}` or `scripts/setup` (extra [hw])"
        if extra:
            hint += f", {extra}"
        raise DriverUnavailableError(backend, dist, hint) from exc


def parse_config(kind: str, options: Mapping[str, Any] | BaseModel) -> cfg.AnyConfig:
    """Validate ``options`` for a device of ``kind``; errors name the option."""
    backends = BACKENDS.get(kind)
    if backends is None:
        raise ConfigurationError("kind", f"unknown device kind {kind!r} (one of {list(BACKENDS)})")
    if isinstance(options, BaseModel):
        options = options.model_dump()
    backend = options.get("backend")
    if backend not in backends:
        raise ConfigurationError(
            f"{kind}.backend", f"unknown backend {backend!r} (one of {', '.join(backends)})"
        )
    model = backends[str(backend)][0]
    try:
        parsed = model.model_validate(dict(options))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in (kind, *first["loc"]))
        reason = "unknown option" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigurationError(where, reason) from exc
    assert isinstance(parsed, cfg.AnyConfig)
    return parsed


def device_class(kind: str, backend: str) -> Any:
    """The backend's class, imported on first use; called as ``cls(config, events)``."""
    target = BACKENDS[kind][backend][1]
    module_name, name = target.split(":")
    cls = getattr(importlib.import_module(module_name), name)
    assert isinstance(cls, type) and issubclass(cls, Device)
    return cls


def create_device(
    kind: str, options: Mapping[str, Any] | BaseModel, events: queue.Queue[Event]
) -> Device:
    """Validate and construct without starting (vendor libraries are checked here)."""
    config = parse_config(kind, options)
    cls = device_class(kind, config.backend)
    device = cls(config, events)
    assert isinstance(device, Device)
    return device


def open_device(
    kind: str, options: Mapping[str, Any] | BaseModel, events: queue.Queue[Event]
) -> Device:
    """Validate, construct and start a device; its events go to ``events``."""
    return create_device(kind, options, events).start()
