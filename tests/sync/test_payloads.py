"""Journal payload models: one per kind, strict, bounded, and canonical-JSON compatible."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.journal import EntryKind, canonical_json
from sync.protocol.payloads import (
    INT64_MAX,
    INT64_MIN,
    KINDS,
    DeviceFaultPayload,
    PayloadError,
    build_payload,
    kind_spec,
    read_payload,
)

DAY = "2026-11-30"


def test_every_entry_kind_has_exactly_one_model() -> None:
    assert set(KINDS) == {kind.value for kind in EntryKind}
    with pytest.raises(PayloadError, match="free_money"):
        kind_spec("free_money")


def test_a_device_fault_has_one_form() -> None:
    written = build_payload(
        EntryKind.DEVICE_FAULT,
        {"business_day": DAY, "source": "printer", "fault": "print_failed", "ticket": 12},
    )
    assert written == {
        "business_day": DAY,
        "source": "printer",
        "fault": "print_failed",
        "message": "",
        "ticket": 12,
    }
    # The printer's old key set is read (entries already signed), never written again.
    legacy = {"business_day": DAY, "device": "p", "fault": "no paper", "ticket": 1}
    assert isinstance(read_payload(EntryKind.DEVICE_FAULT, legacy), DeviceFaultPayload)
    with pytest.raises(PayloadError, match="earlier versions"):
        build_payload(
            EntryKind.DEVICE_FAULT, {"business_day": DAY, "device": "p", "fault": "x", "ticket": 1}
        )
    assert isinstance(read_payload(EntryKind.DEVICE_FAULT, written), DeviceFaultPayload)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"credential_id": "0102030405060708", "balance_after": 2**63}, "balance_after"),
        ({"credential_id": "0102030405060708", "balance_after": 1.5}, "balance_after"),
        ({"credential_id": "0102030405060708", "balance_after": "12"}, "balance_after"),
        ({"credential_id": "0102030405060708", "balance_after": True}, "balance_after"),
        ({"credential_id": "nfc:01020304"}, "credential_id"),  # a value, not an id
        ({"credential_id": "x" * 300}, "credential_id"),
        ({"credential_id": "0102030405060708", "items": ["m"] * 201}, "items"),
        ({"credential_id": "0102030405060708", "vat": {"ten": 5}}, "vat"),
        ({"credential_id": "0102030405060708", "extra": 1}, "extra"),
        ({"credential_id": "0102030405060708", "business_day": "30/11/2026"}, "business_day"),
        ({}, "credential_id"),
    ],
)
def test_sale_payloads_are_strict_and_bounded(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(PayloadError, match=f"payload.{field}"):
        build_payload(EntryKind.SALE, {"business_day": DAY, **fields})


cents = st.integers(min_value=INT64_MIN, max_value=INT64_MAX)
short = st.text(max_size=64)


@given(
    credential_id=st.text("0123456789abcdef", min_size=16, max_size=16),
    items=st.none() | st.lists(st.text(min_size=1, max_size=64), max_size=20),
    vat=st.none() | st.dictionaries(st.sampled_from(["550", "1000", "2000"]), cents),
    balance_after=st.none() | cents,
    cashier=st.none() | short,
    guest=st.none() | st.booleans(),
)
def test_a_sale_payload_round_trips_through_its_canonical_form(**fields: Any) -> None:
    built = build_payload(EntryKind.SALE, {"business_day": DAY, **fields})
    canonical_json(built)  # integers and strings only: hashable as the journal does
    assert read_payload(EntryKind.SALE, built).to_payload() == built
    assert {k for k, v in fields.items() if v is not None} <= set(built)


@given(
    period=st.tuples(st.integers(0, INT64_MAX), st.integers(0, INT64_MAX)),
    totals=st.lists(cents, min_size=3, max_size=3),
    by=st.dictionaries(st.text(min_size=1, max_size=64), cents, max_size=8),
)
def test_a_closure_payload_round_trips(
    period: tuple[int, int], totals: list[int], by: dict[str, int]
) -> None:
    fields = {
        "business_day": DAY,
        "cashier": "C1",
        "period": {"first_seq": period[0], "last_seq": period[1]},
        "sales_count": 3,
        "cancellations_count": 0,
        "net_sales": totals[0],
        "top_ups": totals[1],
        "by_vat": by,
        "by_means": by,
        "grand_total": totals[2],
    }
    built = build_payload(EntryKind.CLOSURE, fields)
    assert built == fields and read_payload(EntryKind.CLOSURE, built).to_payload() == built


def test_a_guest_meal_carries_its_vat_lines_and_no_name() -> None:
    """A guest meal without VAT lines would leave a closure an amount of unknown rate;
    a guest's name in a signed payload could never be erased."""
    visit = {"business_day": DAY, "visit_id": "00000000000000a1", "guests": 2, "means": "visit"}
    with pytest.raises(PayloadError, match=r"payload\.vat"):
        build_payload(EntryKind.GUEST_MEAL, visit)
    built = build_payload(EntryKind.GUEST_MEAL, {**visit, "vat": {"1000": 1800}})
    assert built["vat"] == {"1000": 1800}
    with pytest.raises(PayloadError, match=r"payload\.visitor"):
        read_payload(EntryKind.GUEST_MEAL, {**built, "visitor": "Élise Fournier"})
