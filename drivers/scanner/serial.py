"""Serial code scanner on pyserial: USB-CDC scanners (``/dev/ttyACM0``, or better a
stable ``/dev/serial/by-id/...`` link) that send each code followed by a suffix.

Modem lines are never used (many scanners and pseudo-terminals do not have them);
a read error or end of file is a ``DeviceLostError`` and supervision reopens the port.
"""

from __future__ import annotations

import logging
import queue
from typing import Any

from drivers.base import RetryPolicy
from drivers.config import SerialScannerConfig
from drivers.errors import DeviceLostError, DeviceNotFoundError
from drivers.events import Event
from drivers.registry import require
from drivers.scanner.base import CodeScanner

log = logging.getLogger(__name__)

_READ_TIMEOUT = 0.1


class SerialScanner(CodeScanner):
    def __init__(self, config: SerialScannerConfig, events: queue.Queue[Event]) -> None:
        super().__init__(
            config.source or "scanner",
            events,
            RetryPolicy(config.retry_initial),
            suffix=config.suffix,
            max_length=config.max_length,
        )
        self._config = config
        self._serial: Any = require("serial", "serial")
        self._port: Any = None

    def _attach(self) -> None:
        serial = self._serial
        try:
            self._port = serial.Serial(
                self._config.port,
                self._config.baudrate,
                timeout=_READ_TIMEOUT,
                rtscts=False,
                dsrdtr=False,
                xonxoff=False,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceNotFoundError(
                f"cannot open scanner port {self._config.port}: {exc}"
            ) from exc

    def _poll(self) -> None:
        serial = self._serial
        try:
            data = self._port.read(max(1, self._port.in_waiting))
        except (serial.SerialException, OSError, TypeError) as exc:
            # pyserial raises TypeError when the port is closed under it by close()
            raise DeviceLostError(f"scanner port {self._config.port}: {exc}") from exc
        if data:
            self._feed(bytes(data))

    def _detach(self) -> None:
        super()._detach()
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:
                log.debug("%s: error closing the port", self.source, exc_info=True)
