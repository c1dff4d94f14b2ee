"""The Caisse-AP client against the protocol simulator, one test per behaviour, and
the message format against the public test vectors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.config import CaisseApPaymentConfig
from drivers.errors import ConfigurationError
from drivers.events import DeviceFault, DeviceReady
from drivers.payment import caisse_ap as ap
from drivers.payment.base import PaymentStatus, ReadMode
from drivers.payment.caisse_ap_ip import CaisseApTerminal
from drivers.registry import create_device, parse_config
from tests.drivers.conftest import Events, free_port, wait_until
from tests.drivers.sims.caisse_ap import Behaviour, CaisseApSim


@pytest.fixture
def sim() -> Iterator[CaisseApSim]:
    with CaisseApSim(hold=1.0) as simulator:
        yield simulator


def terminal(port: int, events: Events, **options: object) -> CaisseApTerminal:
    config = CaisseApPaymentConfig(
        host="127.0.0.1",
        port=port,
        timeout=0.5,
        probe_interval=0.2,
        retry_initial=0.05,
        **options,  # type: ignore[arg-type]
    )
    return CaisseApTerminal(config, events.queue)


# -- the message format -----------------------------------------------------------------
def test_encode_matches_the_public_vector() -> None:
    fields = {"CZ": "0300", "CJ": "247300123456", "CA": "01", "CB": "12345", "CD": "0", "CE": "978"}
    assert ap.encode(fields) == b"CZ0040300CJ012247300123456CA00201CB00512345CD0010CE003978"


def test_decode_the_public_reply_and_refuse_malformed_ones() -> None:
    reply = b"CZ0040300AE00210CB00205CD0010CE003978CA00201"
    assert ap.decode(reply) == {
        "CZ": "0300",
        "AE": "10",
        "CB": "05",
        "CD": "0",
        "CE": "978",
        "CA": "01",
    }
    assert ap.complete(b"CZ0040300AE00210")
    assert not ap.complete(b"CZ0040300AE002")
    for bad in (b"AE00210CZ0040300", b"CZ0040300AE00210AE00201", b"CZ004030", b"\xffCZ", b"CZ000"):
        with pytest.raises(ap.CaisseApFormatError):
            ap.decode(bad)


def test_amounts_are_positive_minor_units_of_two_to_twelve_digits() -> None:
    assert ap.amount_field(5) == "05"
    assert ap.amount_field(150) == "150"
    assert ap.parse_amount("0000005") == 5
    for bad in (0, -1, 10**12):
        with pytest.raises(ap.CaisseApFormatError):
            ap.amount_field(bad)


@given(
    st.dictionaries(
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXY", min_size=2, max_size=2),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40),
        max_size=8,
    )
)
def test_encode_decode_round_trip(fields: dict[str, str]) -> None:
    fields = {"CZ": "0300", **{k: v for k, v in fields.items() if k != "CZ"}}
    assert ap.decode(ap.encode(fields)) == fields


def test_the_configuration_is_checked() -> None:
    parsed = parse_config("payment", {"backend": "caisse-ap", "host": "10.0.0.5"})
    assert isinstance(parsed, CaisseApPaymentConfig) and parsed.port == 8888
    with pytest.raises(ConfigurationError, match=r"payment\.till"):
        parse_config("payment", {"backend": "caisse-ap", "host": "h", "till": "1"})
    with pytest.raises(ConfigurationError, match=r"payment\.pin"):
        parse_config("payment", {"backend": "caisse-ap", "host": "h", "pin": "1"})
    with pytest.raises(ConfigurationError, match=r"payment\.backend"):
        parse_config("payment", {"backend": "stripe"})


# -- the client against the simulator ---------------------------------------------------
def test_approved_with_card_details_and_ticket(sim: CaisseApSim, events: Events) -> None:
    with terminal(sim.port, events, ticket=True) as device:
        outcome = device.pay("P-0001", 1250)
    assert outcome.status is PaymentStatus.APPROVED
    assert outcome.authorisation == "184117"
    assert outcome.card == "497010######1234"
    assert outcome.read_mode is ReadMode.CONTACTLESS
    assert outcome.application == "CB"
    assert "MONTANT 12.50 EUR" in outcome.ticket
    assert not outcome.test
    request = sim.requests[0]
    assert request["CB"] == "1250" and request["CE"] == "978" and request["CD"] == "0"
    assert request["CF"] == "P-0001" and request["CA"] == "01" and request["CK"] == "100"
    assert sim.debited == {"P-0001": 1250}


def test_contact_payment_is_said_so(sim: CaisseApSim, events: Events) -> None:
    with terminal(sim.port, events) as device:
        outcome = device.pay("P-0002", 8000)
    assert outcome.approved and outcome.read_mode is ReadMode.CONTACT
    assert outcome.ticket == ()


@pytest.mark.parametrize("reason", ["00", "02", "03", "04", "05", "07"])
def test_declined_with_each_reason(sim: CaisseApSim, events: Events, reason: str) -> None:
    sim.decline_reason = reason
    sim.then(Behaviour.DECLINE)
    with terminal(sim.port, events) as device:
        outcome = device.pay("P-0003", 500)
    assert outcome.status is PaymentStatus.DECLINED
    assert outcome.reason == reason and outcome.message == ap.REASON_TEXT[reason]
    assert sim.debited == {}


@pytest.mark.parametrize("reason", ["06", "08", "11"])
def test_abandon_reasons(sim: CaisseApSim, events: Events, reason: str) -> None:
    sim.decline_reason = reason
    sim.then(Behaviour.DECLINE)
    with terminal(sim.port, events) as device:
        assert device.pay("P-0004", 500).status is PaymentStatus.ABANDONED


def test_diner_abandons(sim: CaisseApSim, events: Events) -> None:
    sim.then(Behaviour.ABANDON)
    with terminal(sim.port, events) as device:
        outcome = device.pay("P-0005", 500)
    assert outcome.status is PaymentStatus.ABANDONED and outcome.reason == "11"


def test_timeout_is_unknown_then_the_terminal_says_abandoned(
    sim: CaisseApSim, events: Events
) -> None:
    sim.then(Behaviour.TIMEOUT)
    with terminal(sim.port, events) as device:
        outcome = device.pay("P-0006", 500)
        assert outcome.status is PaymentStatus.UNKNOWN
        assert "no answer" in outcome.message
        events.wait(DeviceFault)
        events.wait(DeviceReady)  # probed again once the terminal is free
        later = device.last_transaction("P-0006", 500)
    assert later.status is PaymentStatus.ABANDONED and later.reason == "08"


def test_connection_cut_is_unknown_and_the_terminal_never_saw_it(
    sim: CaisseApSim, events: Events
) -> None:
    with terminal(sim.port, events) as device:
        assert device.pay("P-0007", 700).approved
        sim.then(Behaviour.CUT)
        outcome = device.pay("P-0008", 900)
        assert outcome.status is PaymentStatus.UNKNOWN
        later = device.last_transaction("P-0008", 900)
    assert later.status is PaymentStatus.FAILED
    assert "P-0007" in later.message
    assert sim.debited == {"P-0007": 700}


def test_reply_lost_after_approval_is_unknown_then_found_approved(
    sim: CaisseApSim, events: Events
) -> None:
    sim.then(Behaviour.LOST_REPLY)
    with terminal(sim.port, events) as device:
        outcome = device.pay("P-0009", 1500)
        assert outcome.status is PaymentStatus.UNKNOWN
        later = device.last_transaction("P-0009", 1500)
    assert later.status is PaymentStatus.APPROVED and later.authorisation
    assert sim.debited == {"P-0009": 1500}


def test_garbage_is_unknown_never_approved(sim: CaisseApSim, events: Events) -> None:
    sim.then(Behaviour.GARBAGE)
    with terminal(sim.port, events) as device:
        outcome = device.pay("P-0010", 1500)
        assert outcome.status is PaymentStatus.UNKNOWN
        assert "unreadable" in outcome.message
        assert device.last_transaction("P-0010", 1500).approved


def test_reply_in_several_segments(sim: CaisseApSim, events: Events) -> None:
    sim.then(Behaviour.SPLIT)
    with terminal(sim.port, events) as device:
        assert device.pay("P-0011", 1500).approved


def test_unsupported_currency_fails_without_a_card(sim: CaisseApSim, events: Events) -> None:
    with terminal(sim.port, events, currency="840") as device:
        outcome = device.pay("P-0012", 1500)
    assert outcome.status is PaymentStatus.FAILED and outcome.reason == "13"
    assert sim.debited == {}


def test_cancel_the_last_transaction(sim: CaisseApSim, events: Events) -> None:
    with terminal(sim.port, events) as device:
        assert device.pay("TEST-1", 1).approved
        assert device.cancel_last("TEST-1", 1).approved
        assert device.cancel_last("TEST-1", 1).status is PaymentStatus.DECLINED
    assert sim.debited == {}


def test_no_terminal_fails_and_is_reported_then_reattached(events: Events) -> None:
    port = free_port()
    with terminal(port, events) as device:
        fault = events.wait(DeviceFault)
        assert isinstance(fault, DeviceFault) and fault.kind == "not_found"
        assert not device.available
        outcome = device.pay("P-0013", 500)
        assert outcome.status is PaymentStatus.FAILED
        assert "no connection" in outcome.message
        with CaisseApSim() as late:
            late_device = terminal(late.port, events)
            with late_device:
                events.wait(DeviceReady)
                wait_until(lambda: late_device.available)
                assert late_device.pay("P-0014", 500).approved


def test_created_through_the_registry(sim: CaisseApSim, events: Events) -> None:
    device = create_device(
        "payment", {"backend": "caisse-ap", "host": "127.0.0.1", "port": sim.port}, events.queue
    )
    assert isinstance(device, CaisseApTerminal)
    with device:
        events.wait(DeviceReady)
        assert device.available


def test_a_terminal_without_duplicate_cannot_settle_a_lost_answer(
    sim: CaisseApSim, events: Events
) -> None:
    """Refusing the duplicate request (AF=12) says nothing about the payment: unknown,
    never 'not done' (the card may have been debited)."""
    sim.duplicate_supported = False
    sim.then(Behaviour.LOST_REPLY)
    with terminal(sim.port, events) as device:
        assert device.pay("P-0015", 1500).status is PaymentStatus.UNKNOWN
        later = device.last_transaction("P-0015", 1500)
    assert later.status is PaymentStatus.UNKNOWN and "AF=12" in later.message
    assert sim.debited == {"P-0015": 1500}
