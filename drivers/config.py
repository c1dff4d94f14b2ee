"""Typed device configuration: one frozen pydantic model per backend.

Options are validated strictly: an unknown option is an error that names it (see
``drivers.registry.parse_config``). These models import no vendor library.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field("", description="name used in events and logs (default: the backend)")
    retry_initial: float = Field(0.2, gt=0, le=5, description="first retry delay in seconds")


NfcTarget = Literal["106A", "106B", "212F", "424F"]


class NfcReaderConfig(_Options):
    backend: Literal["nfc"] = "nfc"
    path: str = Field("usb", description="nfcpy path: usb[:vid:pid], tty:USB0:pn532, udp:HOST:PORT")
    targets: tuple[NfcTarget, ...] = ("106A", "106B", "212F")
    read_ndef: bool = True
    presence_interval: float = Field(0.2, gt=0, le=2)


class PcscReaderConfig(_Options):
    backend: Literal["pcsc"] = "pcsc"
    reader: str = Field("", description="part of the PC/SC reader name; empty = first reader")
    scheme: str = Field("nfc", pattern=r"^[a-z]+$")


class VirtualReaderConfig(_Options):
    backend: Literal["virtual"] = "virtual"


Suffix = Literal["cr", "lf", "crlf", "any"]


class SerialScannerConfig(_Options):
    backend: Literal["serial"] = "serial"
    port: str
    baudrate: int = Field(9600, gt=0)
    suffix: Suffix = "any"
    max_length: int = Field(512, gt=0, le=65536)


class EvdevScannerConfig(_Options):
    backend: Literal["evdev"] = "evdev"
    device: str = Field(description="/dev/input/by-id/...-event-kbd of the scanner")
    layout: Literal["azerty", "qwerty"] = "azerty"
    grab: bool = True
    max_length: int = Field(512, gt=0, le=65536)


class VirtualScannerConfig(_Options):
    backend: Literal["virtual"] = "virtual"
    suffix: Suffix = "any"
    max_length: int = Field(512, gt=0, le=65536)


class PrinterProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: Literal[42, 48] = 48
    codepage: Literal["cp858", "cp850"] = "cp858"
    dots: int = Field(576, gt=0, description="printable width in dots (576 on 80 mm paper)")


class _PrinterOptions(_Options):
    profile: PrinterProfile = PrinterProfile()
    status: bool = Field(True, description="query DLE EOT status before each job")
    status_interval: float = Field(2.0, gt=0, le=60)
    status_timeout: float = Field(
        0.5, gt=0, le=10, description="how long to wait for a status byte before 'offline'"
    )


class SerialPrinterConfig(_PrinterOptions):
    backend: Literal["serial"] = "serial"
    port: str
    baudrate: int = Field(19200, gt=0)


class NetworkPrinterConfig(_PrinterOptions):
    backend: Literal["network"] = "network"
    host: str
    port: int = Field(9100, gt=0, lt=65536)
    timeout: float = Field(5.0, gt=0)


class UsbPrinterConfig(_PrinterOptions):
    backend: Literal["usb"] = "usb"
    vendor_id: int
    product_id: int


class FilePrinterConfig(_PrinterOptions):
    backend: Literal["file"] = "file"
    path: str
    status: bool = False  # a device file (/dev/usb/lp0) cannot answer


class VirtualPrinterConfig(_PrinterOptions):
    backend: Literal["virtual"] = "virtual"


class CaisseApPaymentConfig(_Options):
    """A bank-card terminal speaking Caisse-AP over IP (the terminal is the server)."""

    backend: Literal["caisse-ap"] = "caisse-ap"
    host: str = Field(min_length=1, description="the terminal's IP address or name")
    port: int = Field(8888, gt=0, lt=65536)
    till: str = Field("01", pattern=r"^\d{2}$", description="CA: the till number")
    protocol_id: str = Field(
        "012345678901", pattern=r"^\d{12}$", description="CJ: the software's Caisse-AP id"
    )
    version: Literal["0300", "0310", "0320"] = "0300"
    currency: str = Field("978", pattern=r"^\d{3}$", description="ISO 4217 numeric (EUR)")
    timeout: float = Field(
        180.0, gt=0, le=600, description="seconds to wait for the diner and the bank"
    )
    connect_timeout: float = Field(5.0, gt=0, le=60)
    ticket: bool = Field(False, description="ask for the card ticket (CK=100) in the answer")
    crlf: bool = Field(False, description="end each request with CR LF (some terminals)")
    probe_interval: float = Field(
        30.0, ge=0, le=3600, description="seconds between checks that it answers (0: never)"
    )


class VirtualPaymentConfig(_Options):
    """The demo's payment terminal: approves everything, marked TEST (never a site)."""

    backend: Literal["virtual"] = "virtual"
    approve: bool = True
    delay: float = Field(0.0, ge=0, le=60)


ReaderConfig = Annotated[
    NfcReaderConfig | PcscReaderConfig | VirtualReaderConfig, Field(discriminator="backend")
]
ScannerConfig = Annotated[
    SerialScannerConfig | EvdevScannerConfig | VirtualScannerConfig,
    Field(discriminator="backend"),
]
PrinterConfig = Annotated[
    SerialPrinterConfig
    | NetworkPrinterConfig
    | UsbPrinterConfig
    | FilePrinterConfig
    | VirtualPrinterConfig,
    Field(discriminator="backend"),
]
PaymentConfig = Annotated[
    CaisseApPaymentConfig | VirtualPaymentConfig, Field(discriminator="backend")
]
AnyConfig = (
    NfcReaderConfig
    | PcscReaderConfig
    | VirtualReaderConfig
    | SerialScannerConfig
    | EvdevScannerConfig
    | VirtualScannerConfig
    | SerialPrinterConfig
    | NetworkPrinterConfig
    | UsbPrinterConfig
    | FilePrinterConfig
    | VirtualPrinterConfig
    | CaisseApPaymentConfig
    | VirtualPaymentConfig
)
