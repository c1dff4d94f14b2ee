"""The nfcpy reader against tags emulated by nfcpy in another process over its UDP radio:
Type 3 (nfcpy's emulation), Type 2 with a 7-byte UID, Type 4 like a phone's HCE."""

from __future__ import annotations

import ndef
import pytest

from drivers.badge.nfc import NfcReader
from drivers.config import NfcReaderConfig
from drivers.events import BadgePresented, BadgeRemoved, DeviceFault, DeviceReady

from .conftest import Events, TagEmulator

pytest.importorskip("nfc")

CASES = [
    ("tt3", "03FEA1B2C3D4E5F6", "212F", "Badge FeliCa"),
    ("tt2", "04A1B2C3D4E5F6", "106A", "Carte Ultralight 7 octets"),
    ("tt4", "08A1B2C3", "106A", "Téléphone HCE"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_tag_gives_uid_and_ndef_once_then_removal(
    events: Events, tag_emulator: TagEmulator, case: tuple[str, str, str, str]
) -> None:
    kind, uid, technology, text = case
    tag_emulator.start(kind, uid, text)
    config = NfcReaderConfig(path=f"udp:127.0.0.1:{tag_emulator.port}", targets=(technology,))
    with NfcReader(config, events.queue):
        events.wait(DeviceReady)
        presented = events.wait(BadgePresented)
        assert isinstance(presented, BadgePresented)
        assert presented.credential == f"nfc:{uid}"
        assert presented.data is not None
        records = list(ndef.message_decoder(presented.data))
        assert [r.text for r in records] == [text]
        tag_emulator.stop()  # the card leaves the field
        assert events.wait(BadgeRemoved) == BadgeRemoved(presented.source, f"nfc:{uid}")
    later = events.drain()
    # held on the reader, the card gave exactly one presentation
    assert sum(isinstance(e, BadgePresented) for e in events.seen) == 1, later


def test_all_technologies_polled_by_default(events: Events, tag_emulator: TagEmulator) -> None:
    tag_emulator.start("tt3", "03FE010203040506", "défaut")
    config = NfcReaderConfig(path=f"udp:127.0.0.1:{tag_emulator.port}")
    with NfcReader(config, events.queue):
        presented = events.wait(BadgePresented)
        assert presented.credential == "nfc:03FE010203040506"  # type: ignore[attr-defined]


def test_missing_reader_is_a_fault_and_retried(events: Events) -> None:
    config = NfcReaderConfig(path="tty:NOSUCHPORT:pn532", retry_initial=0.05)
    reader = NfcReader(config, events.queue).start()
    try:
        fault = events.wait(DeviceFault)
        assert isinstance(fault, DeviceFault)
        assert fault.kind == "not_found"
        assert "tty:NOSUCHPORT:pn532" in fault.message
        assert reader.running and not reader.attached
    finally:
        reader.close()
    assert not reader.running
