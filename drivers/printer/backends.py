"""ESC/POS receipt printers through python-escpos: serial, network, USB and file.

python-escpos owns the connection (``Serial``, ``Network``, ``Usb``, ``File``);
the bytes come from the project's encoder so that the code page, the layout and
the decoder agree. Status bytes are read with a short timeout: a printer that does
not answer DLE EOT is reported offline unless the profile disables ``status``.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import termios
from typing import Any

from drivers.base import RetryPolicy
from drivers.config import (
    FilePrinterConfig,
    NetworkPrinterConfig,
    SerialPrinterConfig,
    UsbPrinterConfig,
)
from drivers.errors import DeviceLostError, DeviceNotFoundError
from drivers.events import Event
from drivers.printer.base import ReceiptPrinter
from drivers.registry import require

log = logging.getLogger(__name__)


Config = SerialPrinterConfig | NetworkPrinterConfig | UsbPrinterConfig | FilePrinterConfig


class EscposPrinter(ReceiptPrinter):
    def __init__(self, config: Config, events: queue.Queue[Event]) -> None:
        super().__init__(
            config.source or f"printer-{config.backend}",
            events,
            RetryPolicy(config.retry_initial),
            profile=config.profile,
            status=config.status,
            status_interval=config.status_interval,
        )
        self._config = config
        self._escpos: Any = require("escpos.printer", config.backend)
        self._exceptions: Any = require("escpos.exceptions", config.backend)
        self._vendor_errors: tuple[type[BaseException], ...] = (OSError,)
        if isinstance(config, SerialPrinterConfig):
            serial = require("serial", "serial")
            # pyserial lets termios.error through when the port hangs up under it
            self._vendor_errors += (serial.SerialException, termios.error)
        if isinstance(config, UsbPrinterConfig):
            usb = require("usb.core", "usb")
            self._vendor_errors += (usb.USBError,)
        self._printer: Any = None

    def _make(self) -> Any:
        escpos, config = self._escpos, self._config
        if isinstance(config, SerialPrinterConfig):
            return escpos.Serial(
                devfile=config.port,
                baudrate=config.baudrate,
                timeout=config.status_timeout,
                dsrdtr=False,  # no modem lines: many USB-serial bridges and ptys lack them
            )
        if isinstance(config, NetworkPrinterConfig):
            return escpos.Network(host=config.host, port=config.port, timeout=config.timeout)
        if isinstance(config, UsbPrinterConfig):
            return escpos.Usb(idVendor=config.vendor_id, idProduct=config.product_id)
        return escpos.File(devfile=config.path)

    def _where(self) -> str:
        config = self._config
        if isinstance(config, SerialPrinterConfig):
            return config.port
        if isinstance(config, NetworkPrinterConfig):
            return f"{config.host}:{config.port}"
        if isinstance(config, UsbPrinterConfig):
            return f"usb {config.vendor_id:04x}:{config.product_id:04x}"
        return config.path

    def _attach(self) -> None:
        printer = self._make()
        try:
            if isinstance(self._config, NetworkPrinterConfig):
                # Network.open() leaves its socket unclosed when the connection is
                # refused (a ResourceWarning per retry), so connect here and hand it over.
                address = (self._config.host, self._config.port)
                printer.device = socket.create_connection(address, self._config.timeout)
            else:
                printer.open()
        except (self._exceptions.Error, *self._vendor_errors) as exc:
            raise DeviceNotFoundError(f"cannot open printer {self._where()}: {exc}") from exc
        self._printer = printer

    def _send(self, data: bytes) -> None:
        try:
            self._printer._raw(data)
            if isinstance(self._config, FilePrinterConfig):
                self._printer.flush()
        except (self._exceptions.Error, *self._vendor_errors) as exc:
            raise DeviceLostError(f"printer {self._where()}: {exc}") from exc

    def _ask(self, query: bytes) -> int | None:
        printer = self._printer
        try:
            if isinstance(self._config, SerialPrinterConfig):
                printer.device.reset_input_buffer()
                printer._raw(query)
                answer = printer.device.read(1)
            elif isinstance(self._config, NetworkPrinterConfig):
                printer.device.settimeout(self._config.status_timeout)
                try:
                    printer._raw(query)
                    answer = printer.device.recv(1)
                finally:
                    printer.device.settimeout(self._config.timeout)
                if answer == b"":
                    raise DeviceLostError(f"printer {self._where()} closed the connection")
            elif isinstance(self._config, UsbPrinterConfig):
                printer._raw(query)
                answer = printer._read()
            else:
                return None
        except TimeoutError:
            return None
        except (self._exceptions.Error, *self._vendor_errors) as exc:
            raise DeviceLostError(f"printer {self._where()}: {exc}") from exc
        return answer[0] if answer else None

    def _detach(self) -> None:
        super()._detach()
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception:
                # A dead port cannot be flushed: close the raw handle so that
                # python-escpos' own __del__ has nothing left to fail on.
                log.debug("%s: error closing the printer", self.source, exc_info=True)
                raw: Any = getattr(printer, "_device", None)
                with contextlib.suppress(Exception):
                    raw.close()
                printer._device = False
