"""The PC/SC reader through a real pcscd with vsmartcard's virtual reader, and the
project's own virtual card on the vpcd socket (insert = connect, remove = close).
All tests here share the one pcscd of the machine under a lock (see conftest)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from drivers.badge.pcsc import PcscReader
from drivers.config import PcscReaderConfig
from drivers.events import BadgePresented, BadgeRemoved, DeviceFault, DeviceReady

from .conftest import Events, pcscd, wait_until
from .sims.vpcd_card import VirtualCard

pytestmark = pytest.mark.pcsc

READER = "Kiosk Virtual PCD 00 00"


@pytest.fixture
def reader(pcsc_env: None, events: Events) -> Iterator[PcscReader]:
    device = PcscReader(PcscReaderConfig(reader=READER, retry_initial=0.1), events.queue)
    with device:
        events.wait(DeviceReady)
        yield device


@pytest.mark.parametrize("uid", ["04A1B2C3D4E5F6", "A1B2C3D4"])
def test_card_uid_read_once_until_removed(reader: PcscReader, events: Events, uid: str) -> None:
    card = VirtualCard(bytes.fromhex(uid))
    card.insert()
    try:
        presented = events.wait(BadgePresented)
        assert presented == BadgePresented(reader.source, f"nfc:{uid}", None)
        assert bytes.fromhex("FFCA000000") in card.apdus
    finally:
        card.remove()
    assert events.wait(BadgeRemoved) == BadgeRemoved(reader.source, f"nfc:{uid}")
    assert sum(isinstance(e, BadgePresented) for e in events.seen) == 1


def test_two_cards_in_a_row(reader: PcscReader, events: Events) -> None:
    for uid in ("11223344", "04556677889900"):
        card = VirtualCard(bytes.fromhex(uid))
        card.insert()
        try:
            presented = events.wait(BadgePresented)
            assert presented.credential == f"nfc:{uid}"  # type: ignore[attr-defined]
        finally:
            card.remove()
        events.wait(BadgeRemoved)


def test_unknown_reader_name_is_a_fault(pcsc_env: None, events: Events) -> None:
    config = PcscReaderConfig(reader="No Such Reader", retry_initial=0.1)
    with PcscReader(config, events.queue):
        fault = events.wait(DeviceFault)
        assert fault.kind == "not_found"  # type: ignore[attr-defined]
        assert "No Such Reader" in fault.message  # type: ignore[attr-defined]


def test_reader_unplugged_and_replugged(reader: PcscReader, events: Events) -> None:
    code, output = pcscd("stop")  # the virtual reader goes away with its daemon
    assert code == 0, output
    try:
        fault = events.wait(DeviceFault)
        assert fault.kind in ("disconnected", "not_found")  # type: ignore[attr-defined]
    finally:
        code, output = pcscd("start")
        assert code == 0, output
    events.wait(DeviceReady)
    card = VirtualCard(bytes.fromhex("0499887766554F"))
    card.insert()
    try:
        presented = events.wait(BadgePresented)
        assert presented.credential == "nfc:0499887766554F"  # type: ignore[attr-defined]
    finally:
        card.remove()
    events.wait(BadgeRemoved)


def test_a_card_that_refuses_get_uid_is_logged_for_the_technician(
    reader: PcscReader, events: Events, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="drivers")
    card = VirtualCard(bytes.fromhex("A1B2C3D4"), refuse_uid=True)
    card.insert()
    try:
        wait_until(lambda: any(getattr(r, "card_unread", False) for r in caplog.records))
    finally:
        card.remove()
    unread = [r for r in caplog.records if getattr(r, "card_unread", False)]
    assert "refused GET UID (status 6A81)" in unread[0].getMessage()
    events.drain()
    assert not any(isinstance(e, BadgePresented) for e in events.seen)
