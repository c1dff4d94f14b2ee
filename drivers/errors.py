"""The exceptions of the hardware edge; vendor exceptions are translated into these.

::

    DriverError                      anything that goes wrong in drivers/
    ├── ConfigurationError           bad device configuration (names the option)
    ├── DriverUnavailableError            vendor library or service missing (install hint)
    └── DeviceError                  an opened device misbehaves; carries a FaultKind
        ├── DeviceNotFoundError           nothing at the configured path
        ├── DeviceLostError               was attached and went away
        └── PrinterError             the printer refused a job
            ├── PaperOutError
            ├── CoverOpenError
            └── PrinterOfflineError

A ``DeviceError`` raised inside a device thread becomes a ``DeviceFault`` event and
the thread retries; the others are raised to the caller when the device is opened.
"""

from __future__ import annotations

from drivers.events import FaultKind


class DriverError(Exception):
    """Base of every error raised by drivers/."""


class ConfigurationError(DriverError, ValueError):
    def __init__(self, option: str, reason: str) -> None:
        self.option, self.reason = option, reason
        super().__init__(f"{option}: {reason}" if option else reason)


class DriverUnavailableError(DriverError):
    def __init__(self, backend: str, missing: str, hint: str) -> None:
        self.backend, self.missing, self.hint = backend, missing, hint
        super().__init__(f"driver unavailable: {backend} needs {missing} ({hint})")


class DeviceError(DriverError):
    fault: FaultKind = FaultKind.IO_ERROR

    def __init__(self, message: str, fault: FaultKind | None = None) -> None:
        super().__init__(message)
        if fault is not None:
            self.fault = fault


class DeviceNotFoundError(DeviceError):
    fault = FaultKind.NOT_FOUND


class DeviceLostError(DeviceError):
    fault = FaultKind.DISCONNECTED


class PrinterError(DeviceError):
    pass


class PaperOutError(PrinterError):
    fault = FaultKind.PAPER_OUT


class CoverOpenError(PrinterError):
    fault = FaultKind.COVER_OPEN


class PrinterOfflineError(PrinterError):
    fault = FaultKind.OFFLINE
