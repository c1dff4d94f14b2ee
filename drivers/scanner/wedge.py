"""Keyboard-wedge code scanner on python-evdev.

The scanner's input device is grabbed exclusively (so codes never end up typed into
the UI) and its key events are turned back into text by ``WedgeDecoder`` for the
layout the scanner is configured with (French AZERTY or US QWERTY).

A scan of ``LAYOUT_TEST_CODE`` that spells it only in the other layout switches the
decoder to that layout (kept across reconnections) and says in the log what to set in
``[scanner] layout``; ``kiosk devices test scanner`` prints the code and the verdict.
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
from drivers.scanner.keymaps import LAYOUT_TEST_CODE, Key, KeyEvent, WedgeDecoder, layouts_typing

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
        self.configured_layout: str = config.layout  # what [scanner] layout says
        self.layout: str = config.layout  # what the scanner types in, as last seen
        self.layout_checked = False  # a scan of LAYOUT_TEST_CODE confirmed ``layout``
        self._decoder = WedgeDecoder(config.layout, config.max_length)
        self._keys: list[Key] = []
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
        self._decoder = WedgeDecoder(self.layout, self._config.max_length)
        self._keys = []

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
        if len(self._keys) < 8 * self._config.max_length:  # bounded, as the decoder is
            self._keys.append(Key(event.type, event.code, event.value))
        done = self._decoder.feed(event)
        if done is None:
            return
        keys, self._keys = self._keys, []
        text, unknown = done
        if text != LAYOUT_TEST_CODE and self._other_layout(keys):
            text, unknown = LAYOUT_TEST_CODE, 0
        if text == LAYOUT_TEST_CODE:
            self.layout_checked = True
        if unknown:
            self._emit(CodeRejected(self.source, str(CodeRejectReason.UNKNOWN_KEY)))
        elif text:
            self._deliver(self._framer.decode(text.encode("utf-8")))

    def _other_layout(self, keys: list[Key]) -> bool:
        """Whether this scan is the test code typed in another layout: then switch."""
        found = layouts_typing(keys, LAYOUT_TEST_CODE)
        if not found or self.layout in found:
            return False
        configured, self.layout = self.layout, found[0]
        self._decoder = WedgeDecoder(self.layout, self._config.max_length)
        log.warning(
            "%s: the scanner types in %s, not %s: now decoding %s; set layout = %r in "
            "[scanner] to keep it",
            self.source,
            self.layout.upper(),
            configured.upper(),
            self.layout.upper(),
            self.layout,
        )
        return True

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
