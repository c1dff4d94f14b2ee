"""The devices configured in terminal.toml ``[devices]``, and card payments pending."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kiosk.doctor.core import Check, Status, _Context

STOP_KIOSK = "if the kiosk runs it holds the device: `systemctl stop kiosk`, then check again"


def _devices(ctx: _Context) -> None:
    if ctx.config is None:
        ctx.add("devices", Status.WARN, "not checked: terminal.toml cannot be read")
        return
    section = ctx.config.devices
    wanted = {
        kind: options
        for kind in ("reader", "scanner", "printer", "payment")
        if (options := getattr(section, kind)) is not None
    }
    if not wanted:
        ctx.add("devices", Status.WARN, "none configured", "declare them in terminal.toml")
        return
    ctx.checks.extend(probe_devices(wanted, ctx.limits.device_timeout_s))


def _card_payments(ctx: _Context) -> None:
    """Card payments whose outcome is not known yet (said only when there are some)."""
    from kiosk.engine import store_payments

    if ctx.store is None:
        return
    with ctx.store.reading() as db:
        waiting = store_payments.pending(db)
    if waiting:
        refs = ", ".join(p.ref for p in waiting[:5])
        fix = (
            "kiosk payments pending --ask, or kiosk payments decide REF from the terminal's ticket"
        )
        ctx.add(
            "card payments", Status.WARN, f"{len(waiting)} pending, outcome unknown: {refs}", fix
        )


@dataclass
class _Probe:
    kind: str
    device: Any
    reports_status: bool = False
    fault: str | None = None
    result: Check | None = None


def probe_devices(wanted: dict[str, dict[str, Any]], timeout: float) -> list[Check]:
    """Open each device through the drivers' registry, all at once, and wait at most
    ``timeout`` seconds for each to attach (and for a printer, to report its status)."""
    from drivers import DeviceFault, create_device, parse_config
    from drivers.errors import ConfigurationError, DriverError, DriverUnavailableError

    events: queue.Queue[Any] = queue.Queue()
    results: dict[str, Check] = {}
    probes: list[_Probe] = []
    for kind, options in wanted.items():
        try:
            reports = kind == "printer" and bool(
                getattr(parse_config(kind, options), "status", False)
            )
            probes.append(_Probe(kind, create_device(kind, options, events).start(), reports))
        except ConfigurationError as exc:
            fix = "correct [devices] in terminal.toml (see config/hardware.md)"
            results[kind] = Check(kind, Status.FAIL, f"devices.{exc}", fix)
        except DriverUnavailableError as exc:
            results[kind] = Check(kind, Status.FAIL, f"needs {exc.missing}", exc.hint)
        except DriverError as exc:
            results[kind] = Check(kind, Status.FAIL, str(exc), STOP_KIOSK)
    with _closing(probes):
        deadline = time.monotonic() + timeout
        while any(p.result is None for p in probes) and time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                event = None
            for probe in probes:
                if isinstance(event, DeviceFault) and event.source == probe.device.source:
                    probe.fault = f"{event.kind}: {event.message}"
                if probe.result is None:
                    probe.result = _settled(probe)
        for probe in probes:
            results[probe.kind] = probe.result or _timed_out(probe, timeout)
    return [results[kind] for kind in wanted]


@contextmanager
def _closing(probes: list[_Probe]) -> Iterator[None]:
    try:
        yield
    finally:
        for probe in probes:
            probe.device.close(timeout=2.0)


def _settled(probe: _Probe) -> Check | None:
    """The check once the device has said enough, else None (keep waiting)."""
    device, kind = probe.device, probe.kind
    if not device.attached:
        # The device thread retries on its own; the first fault is the answer here.
        return None if probe.fault is None else _timed_out(probe, 0)
    name = f"{device.source} ({type(device).__name__})"
    if kind == "payment" and getattr(device, "virtual", False):
        fix = "for the demo only: declare the site's terminal (backend = caisse-ap)"
        return Check(kind, Status.WARN, f"{name}: virtual, no real payment (FACTICE)", fix)
    if kind != "printer":
        return Check(kind, Status.OK, f"{name} present")
    if not probe.reports_status:
        return Check(kind, Status.OK, f"{name} connected (it does not report its status)")
    status = device.last_status
    if status is None:
        return None
    if status.cover_open:
        return Check(kind, Status.FAIL, f"{name}: cover open", "close the printer's cover")
    if status.paper_out:
        return Check(kind, Status.FAIL, f"{name}: out of paper", "load a paper roll")
    if not status.online:
        return Check(
            kind, Status.FAIL, f"{name}: offline", "switch it on; check the cable and the feed"
        )
    if status.paper_low:
        return Check(kind, Status.WARN, f"{name}: paper low", "have a roll ready")
    return Check(kind, Status.OK, f"{name} online, paper ok")


def _timed_out(probe: _Probe, timeout: float) -> Check:
    device = probe.device
    what = probe.fault or f"no answer within {timeout:g} s"
    if device.attached:  # a printer that attached but did not report in time
        return Check(probe.kind, Status.WARN, f"{device.source}: connected, {what}", STOP_KIOSK)
    fix = "check the cable and the configured path (`kiosk devices list`); " + STOP_KIOSK
    return Check(probe.kind, Status.FAIL, f"{device.source}: {what}", fix)
