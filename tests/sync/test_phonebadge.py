"""The phone-badge and visit QR forms: round trips, strict parsing, verdicts."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from sync import phonebadge as pb
from sync.journal import public_key_text
from sync.protocol.reasons import RejectReason

NOW = datetime(2026, 11, 26, 11, 30, 7, tzinfo=UTC)
PHONE = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
CRED = "phone:0011223344556677"


def test_phone_code_is_compact_and_round_trips() -> None:
    text = pb.mint(PHONE, CRED, NOW)
    assert text.startswith("MB1.")
    assert len(text) <= 120
    code = pb.parse(text)
    assert code.credential_value == CRED
    assert code.step == int(NOW.timestamp()) // 30
    assert code.text() == text
    check = pb.verify(code, public_key_text(PHONE.public_key()), NOW)
    assert check.ok and check.reason is None and check.skew_steps == 0
    # A scanner's line ending is tolerated; bytes are accepted too.
    assert pb.parse(text + "\r\n") == code
    assert pb.parse(text.encode()) == code


def test_window_expiry_and_clock_skew() -> None:
    key = PHONE.public_key()
    code = pb.parse(pb.mint(PHONE, CRED, NOW))
    for offset, window, expected in [
        (30, 1, None),
        (-30, 1, None),
        (61, 1, RejectReason.QR_EXPIRED),
        (-61, 1, RejectReason.CLOCK_SKEW),
        (61, 2, None),
        (30, 0, RejectReason.QR_EXPIRED),
    ]:
        check = pb.verify(code, key, NOW + timedelta(seconds=offset), window_steps=window)
        assert check.reason is expected, (offset, window)
    skewed = pb.verify(code, key, NOW - timedelta(minutes=10))
    assert skewed.reason is RejectReason.CLOCK_SKEW
    assert skewed.skew_steps == 20 and "600 s ahead" in skewed.detail


def test_signature_by_another_key_or_for_another_id_is_refused() -> None:
    code = pb.parse(pb.mint(OTHER, CRED, NOW))
    assert pb.verify(code, PHONE.public_key(), NOW).reason is RejectReason.QR_BAD_SIGNATURE
    # Swap the credential id under a valid signature: the signature no longer holds.
    good = pb.parse(pb.mint(PHONE, CRED, NOW))
    forged = pb.PhoneCode(bytes(8), good.step, good.signature)
    assert pb.verify(forged, PHONE.public_key(), NOW).reason is RejectReason.QR_BAD_SIGNATURE
    assert pb.verify(good, None, NOW).reason is RejectReason.QR_BAD_SIGNATURE
    assert pb.verify(good, "not a key", NOW).reason is RejectReason.QR_BAD_SIGNATURE


def test_visit_code_round_trip_and_domain_separation() -> None:
    hub = Ed25519PrivateKey.generate()
    visit_id = pb.new_visit_id()
    text = pb.mint_visit(hub, visit_id, date(2026, 11, 26))
    assert text.startswith("MV1.") and len(text) <= 120
    code = pb.parse_visit(text)
    assert code.visit_id == visit_id and code.day == date(2026, 11, 26)
    assert pb.verify_visit(code, hub.public_key()).ok
    assert pb.verify_visit(code, PHONE.public_key()).reason is RejectReason.QR_BAD_SIGNATURE
    # The same bytes under the other prefix: neither parses as the other's valid code.
    body = text.removeprefix("MV1.")
    as_phone = pb.parse("MB1." + body)
    assert pb.verify(as_phone, hub.public_key(), NOW).reason is RejectReason.QR_BAD_SIGNATURE
    with pytest.raises(pb.MalformedCode):
        pb.parse(text)


def test_non_canonical_base64_is_refused() -> None:
    text = pb.mint(PHONE, CRED, NOW)
    body = text.removeprefix("MB1.")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # The last character carries 2 data bits and 4 spare bits: set a spare bit.
    last = alphabet.index(body[-1])
    twin = "MB1." + body[:-1] + alphabet[last | 1]
    assert twin != text
    assert base64.urlsafe_b64decode(twin[4:] + "==") == base64.urlsafe_b64decode(body + "==")
    with pytest.raises(pb.MalformedCode, match="canonical"):
        pb.parse(twin)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "MB1.",
        "MB1.abc",
        "mb1." + "A" * 102,
        "MB1." + "A" * 101 + "=",
        "MB1." + "A" * 103,
        "MB1." + "+" * 102,
        "é",
        "nfc:04A1B2C3",
    ],
)
def test_malformed_examples(bad: str) -> None:
    with pytest.raises(pb.MalformedCode):
        pb.parse(bad)


@settings(max_examples=400, deadline=None)
@given(
    raw=st.one_of(
        st.text(max_size=4096),
        st.binary(max_size=4096),
        st.from_regex(r"\AM[BV]1\.[A-Za-z0-9_-]{102}\Z"),
    )
)
def test_any_text_is_malformed_or_fails_verification(raw: str | bytes) -> None:
    for parser in (pb.parse, pb.parse_visit):
        try:
            code = parser(raw)
        except pb.MalformedCode:
            continue
        # Well-formed by chance: random bytes never carry a valid signature.
        if isinstance(code, pb.PhoneCode):
            assert pb.verify(code, PHONE.public_key(), NOW).reason is not None
        else:
            assert not pb.verify_visit(code, PHONE.public_key()).ok


@settings(max_examples=100, deadline=None)
@given(
    raw_id=st.binary(min_size=8, max_size=8),
    seconds=st.integers(min_value=0, max_value=(2**32 - 1) * 30),
)
def test_any_id_and_moment_round_trip(raw_id: bytes, seconds: int) -> None:
    at = datetime.fromtimestamp(seconds, UTC)
    text = pb.mint(PHONE, "phone:" + raw_id.hex(), at)
    code = pb.parse(text)
    assert code.raw_id == raw_id and pb.step_start(code.step) <= at
    assert pb.verify(code, PHONE.public_key(), at).ok


def test_identifiers() -> None:
    value = pb.new_credential_value()
    assert pb.credential_id(value).hex() == value.removeprefix("phone:")
    for bad in ("phone:XYZ", "nfc:0011223344556677", "phone:00112233445566778"):
        with pytest.raises(pb.MalformedCode):
            pb.credential_id(bad)
