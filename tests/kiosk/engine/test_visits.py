"""Visits at the terminal: guest meals against approved visits, refusals in plain reasons."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.engine import Accepted, Engine, Refused
from kiosk.engine.visits import HUB_KEY_META
from sync import phonebadge
from sync.journal import EntryKind, public_key_text
from sync.money import Money
from sync.protocol.reasons import RejectReason
from sync.protocol.visits import Billing, VisitDoc, VisitState

from .conftest import FakeClock

HUB = Ed25519PrivateKey.generate()
TODAY = date(2026, 11, 26)  # the FakeClock's day in Europe/Paris
V1 = "0000000000000001"


def visit(visit_id: str = V1, **changes: Any) -> dict[str, Any]:
    base = VisitDoc(
        id=visit_id,
        state=VisitState.APPROVED,
        visitor="Élise Fournier",
        company="Acme",
        day=TODAY,
        guests=3,
        host_account_id="A1",
    )
    return base.model_copy(update=changes).as_document()


def publish(engine: Engine, docs: dict[str, dict[str, Any] | None], kind: str = "visit") -> None:
    """Documents as a pull from the hub stores them (None: deleted)."""
    engine.store.apply_snapshot(
        accounts=[],
        credentials=[],
        settings=None,
        applied_seq=0,
        cursor=5,
        documents={kind: docs},
    )


def test_serve_up_to_the_number_of_guests(engine: Engine) -> None:
    publish(engine, {V1: visit()})
    first = engine.consume_visit(V1, 2, Money(1800), vat={"1000": 1800}, cashier="C1")
    assert isinstance(first, Accepted)
    assert first.entry.kind == EntryKind.GUEST_MEAL and first.entry.amount == -1800
    assert first.account_id == "A1" and first.balance_after == Money(200)
    assert first.entry.payload["visit_id"] == V1 and first.entry.payload["guests"] == 2
    assert first.details["remaining"] == 1
    over = engine.consume_visit(V1, 2, Money(1800), vat={"1000": 1800})
    assert isinstance(over, Refused) and over.reason is RejectReason.VISIT_CONSUMED
    assert "1 of 3" in over.detail
    assert engine.usable_balance("A1") == Money(200)
    assert [v.remaining for v in engine.visits_today()] == [1]
    # Cancelling a guest meal gives the guests back.
    assert isinstance(engine.cancel(first.seq, "C1", "wrong visit"), Accepted)
    assert [v.remaining for v in engine.visits_today()] == [3]
    assert isinstance(engine.consume_visit(V1, 3, Money(1500), vat={"1000": 1500}), Accepted)
    done = engine.consume_visit(V1, 1, Money(500), vat={"1000": 500})
    assert isinstance(done, Refused) and done.reason is RejectReason.VISIT_CONSUMED
    assert engine.verify().ok


def test_other_terminals_count_and_ours_is_not_counted_twice(engine: Engine) -> None:
    publish(engine, {V1: visit(guests=4)})
    assert isinstance(engine.consume_visit(V1, 1, Money(500), vat={"1000": 500}), Accepted)
    # The hub has applied our meal and another terminal's two guests.
    publish(engine, {V1: visit(guests=4, consumed_by={"T1": 1, "T2": 2})})
    [view] = engine.visits_today()
    assert (view.served, view.remaining) == (3, 1)
    over = engine.consume_visit(V1, 2, Money(1000), vat={"1000": 1000})
    assert isinstance(over, Refused) and over.reason is RejectReason.VISIT_CONSUMED
    assert isinstance(engine.consume_visit(V1, 1, Money(500), vat={"1000": 500}), Accepted)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"state": VisitState.CANCELLED}, RejectReason.VISIT_CANCELLED),
        ({"state": VisitState.REQUESTED}, RejectReason.VISIT_NOT_APPROVED),
        ({"state": VisitState.REFUSED}, RejectReason.VISIT_NOT_APPROVED),
        ({"state": VisitState.CONSUMED}, RejectReason.VISIT_CONSUMED),
        ({"day": TODAY + timedelta(days=1)}, RejectReason.VISIT_OTHER_DAY),
        ({"meal_included": False}, RejectReason.VISIT_NO_MEAL),
        ({"host_account_id": "GHOST"}, RejectReason.UNKNOWN_ACCOUNT),
        ({"host_account_id": "A4"}, RejectReason.ACCOUNT_CLOSED),
    ],
)
def test_refusals_write_nothing(
    engine: Engine, changes: dict[str, Any], reason: RejectReason
) -> None:
    publish(engine, {V1: visit(**changes)})
    outcome = engine.consume_visit(V1, 1, Money(500), vat={"1000": 500})
    assert isinstance(outcome, Refused) and outcome.reason is reason
    assert engine.store.last_seq() == 0


def test_unknown_and_deleted_visits(engine: Engine) -> None:
    unknown = engine.consume_visit("00000000000000ff", 1, Money(500), vat={"1000": 500})
    assert isinstance(unknown, Refused) and unknown.reason is RejectReason.VISIT_UNKNOWN
    publish(engine, {V1: visit()})
    publish(engine, {V1: None})
    gone = engine.consume_visit(V1, 1, Money(500), vat={"1000": 500})
    assert isinstance(gone, Refused) and gone.reason is RejectReason.VISIT_UNKNOWN


def test_cost_centre_billing_and_prepaid_floor(engine: Engine) -> None:
    publish(
        engine,
        {
            V1: visit(billing=Billing.COST_CENTRE, cost_centre="A3", guests=10),
            "0000000000000002": visit("0000000000000002", guests=10),
        },
    )
    billed = engine.consume_visit(V1, 10, Money(9000), vat={"1000": 9000})
    assert isinstance(billed, Accepted) and billed.account_id == "A3"  # postpaid: no floor
    short = engine.consume_visit(
        "0000000000000002", 10, Money(9000), vat={"1000": 9000}
    )  # A1 has 20 EUR
    assert isinstance(short, Refused) and short.reason is RejectReason.INSUFFICIENT_BALANCE


def test_visit_qr_code_signed_by_the_hub(engine: Engine, clock: FakeClock) -> None:
    publish(engine, {V1: visit()})
    code = phonebadge.mint_visit(HUB, V1, TODAY)
    no_key = engine.consume_visit(code, 1, Money(500), vat={"1000": 500})
    assert isinstance(no_key, Refused) and no_key.reason is RejectReason.QR_BAD_SIGNATURE
    engine.store.set_meta(HUB_KEY_META, public_key_text(HUB.public_key()))
    assert isinstance(
        engine.consume_visit(code + "\r\n", 1, Money(500), vat={"1000": 500}), Accepted
    )
    forged = phonebadge.mint_visit(Ed25519PrivateKey.generate(), V1, TODAY)
    bad = engine.consume_visit(forged, 1, Money(500), vat={"1000": 500})
    assert isinstance(bad, Refused) and bad.reason is RejectReason.QR_BAD_SIGNATURE
    tomorrow = phonebadge.mint_visit(HUB, V1, TODAY + timedelta(days=1))
    later = engine.consume_visit(tomorrow, 1, Money(500), vat={"1000": 500})
    assert isinstance(later, Refused) and later.reason is RejectReason.VISIT_OTHER_DAY
    assert engine.store.last_seq() == 1
    # A visit code is not a badge.
    as_badge = engine.sell(code, Money(500))
    assert isinstance(as_badge, Refused) and as_badge.reason is RejectReason.MALFORMED_CREDENTIAL


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.one_of(
        st.text(max_size=4096),
        st.binary(max_size=4096),
        st.from_regex(r"\AMV1\.[A-Za-z0-9_-]{102}\Z"),
    )
)
def test_fuzzed_visit_refs_write_nothing(engine: Engine, raw: str | bytes) -> None:
    engine.store.set_meta(HUB_KEY_META, public_key_text(HUB.public_key()))
    outcome = engine.consume_visit(raw, 1, Money(500), vat={"1000": 500})
    assert isinstance(outcome, Refused)
    assert outcome.reason in {
        RejectReason.MALFORMED_CREDENTIAL,
        RejectReason.QR_BAD_SIGNATURE,
        RejectReason.VISIT_UNKNOWN,
    }
    assert engine.store.last_seq() == 0
