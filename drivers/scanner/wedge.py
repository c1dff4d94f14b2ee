"""Keyboard-wedge code scanner on python-evdev.

The scanner's input device is grabbed exclusively (so codes never end up typed into
the UI) and its key events are turned back into text by ``WedgeDecoder`` for the
layout the scanner is configured with (French AZERTY or US QWERTY).
"""

from __future__ import annotations

import logging
import queue
import select
from typing import Any

from drivers.base import RetryPolicy
from drivers.config import EvdevScannerConfig
from drivers.errors import DeviceLostError, DeviceNotFoundError
from drivers.events import CodeRejected, CodeRejectReason, Event
from drivers.registry import require
from drivers.scanner.base import CodeScanner
from drivers.scanner.keymaps import KeyEvent, WedgeDecoder

log = logging.getLogger(__name__)

_WAIT = 0.1


class WedgeScanner(CodeScanner):
    def __init__(self, config: EvdevScannerConfig, events: queue.Queue[Event]) -> None:
        super().__init__(
            config.source or "wedge",
            events,
            RetryPolicy(config.retry_initial),
            max_length=config.max_length,
        )
        self._config = config
        self._evdev: Any = require("evdev", "evdev")
        self._decoder = WedgeDecoder(config.layout, config.max_length)
        self._device: Any = None

    def _attach(self) -> None:
        try:
            device = self._evdev.InputDevice(self._config.device)
        except OSError as exc:
            raise DeviceNotFoundError(f"cannot open {self._config.device}: {exc}") from exc
        if self._config.grab:
            try:
                device.grab()
            except OSError as exc:
                device.close()
                raise DeviceNotFoundError(f"cannot grab {self._config.device}: {exc}") from exc
        self._device = device
        self._decoder = WedgeDecoder(self._config.layout, self._config.max_length)

    def _poll(self) -> None:
        try:
            readable, _, _ = select.select([self._device.fd], [], [], _WAIT)
            if not readable:
                return
            events = list(self._device.read())
        except OSError as exc:
            raise DeviceLostError(f"scanner {self._config.device}: {exc}") from exc
        for event in events:
            self.handle_key(event)

    def handle_key(self, event: KeyEvent) -> None:
        """One key event from the device (public so that the decoding can be driven)."""
        done = self._decoder.feed(event)
        if done is None:
            return
        text, unknown = done
        if unknown:
            self._emit(CodeRejected(self.source, str(CodeRejectReason.UNKNOWN_KEY)))
        elif text:
            self._deliver(self._framer.decode(text.encode("utf-8")))

    def _detach(self) -> None:
        super()._detach()
        device, self._device = self._device, None
        if device is not None:
            try:
                if self._config.grab:
                    device.ungrab()
            except OSError:
                pass
            device.close()
