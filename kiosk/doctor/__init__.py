"""Health checks of a terminal for ``kiosk doctor``: each gives ok, warn or fail, and a fix.

``diagnose(data)`` runs them all, in order: configuration, store, journal, disk,
pricing, hub, clock, sync, incidents, then each device configured in terminal.toml
``[devices]``. A check never stops the others: a broken store, a hub that is down or
a device that does not answer is reported as its own line, and a check that crashes
is a ``fail`` naming the crash. Nothing here raises for a finding; nothing is repaired either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from kiosk.datadir import DataDir
from kiosk.doctor.core import GIB, MIB, RESTORE, Check, Limits, Status, _Context
from kiosk.doctor.devices import STOP_KIOSK, _card_payments, _devices, probe_devices
from kiosk.doctor.hub import (
    _clock,
    _hub,
    _incidents,
    _settings,
    _site_data,
    _sync,
    clock_check,
    incident_line,
)
from kiosk.doctor.local import (
    _config,
    _disk,
    _journal,
    _pricing,
    _store,
    disk_check,
    optimiser_check,
)
from kiosk.engine.errors import EngineError

__all__ = [
    "GIB",
    "MIB",
    "RESTORE",
    "STOP_KIOSK",
    "Check",
    "Limits",
    "Status",
    "clock_check",
    "diagnose",
    "disk_check",
    "failed",
    "incident_line",
    "optimiser_check",
    "probe_devices",
]

log = logging.getLogger(__name__)


def diagnose(
    data: DataDir, config_path: Path | None = None, limits: Limits | None = None
) -> list[Check]:
    """Run every check; the list is in the order shown to the technician."""
    ctx = _Context(data, limits or Limits(), config_path or data.config)
    steps: list[tuple[str, Callable[[_Context], None]]] = [
        ("config", _config),
        ("store", _store),
        ("journal", _journal),
        ("disk", _disk),
        ("pricing", _pricing),
        ("hub", _hub),
        ("clock", _clock),
        ("sync", _sync),
        ("settings", _settings),
        ("incidents", _incidents),
        ("site data", _site_data),
        ("devices", _devices),
        ("card payments", _card_payments),
    ]
    try:
        for name, step in steps:
            try:
                step(ctx)
            except EngineError as exc:  # the store failed under the check: damaged
                ctx.add(name, Status.FAIL, str(exc), RESTORE)
                if ctx.store is not None:
                    ctx.store.close()
                    ctx.store = None
            except Exception as exc:  # a bug or an odd failure must not hide the rest
                log.exception("doctor: check %s crashed", name)
                ctx.add(name, Status.FAIL, f"check crashed: {type(exc).__name__}: {exc}")
    finally:
        if ctx.store is not None:
            ctx.store.close()
    return ctx.checks


def failed(checks: list[Check]) -> bool:
    return any(c.status is Status.FAIL for c in checks)
