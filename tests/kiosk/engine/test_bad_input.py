"""Bad input of any shape gets a refusal and writes nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.engine import Engine, Identified, Refused
from kiosk.engine.credentials import MalformedCredential, normalise_uid, parse_credential
from sync.money import Money
from sync.protocol.reasons import RejectReason

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=4096), st.text(max_size=4096)))
def test_any_credential_bytes_are_refused_cleanly(engine: Engine, raw: bytes | str) -> None:
    before = engine.store.last_seq()
    outcome = engine.sell(raw, Money(100))
    if isinstance(outcome, Refused):
        assert outcome.reason in {
            RejectReason.MALFORMED_CREDENTIAL,
            RejectReason.UNKNOWN_CREDENTIAL,
        }
        assert engine.store.last_seq() == before
    presented = engine.present(raw)
    assert isinstance(presented, Identified | Refused)


@FUZZ
@given(cents=st.one_of(st.integers(max_value=0), st.integers(min_value=50_001)))
def test_amounts_out_of_range_write_nothing(engine: Engine, cents: int) -> None:
    for outcome in (
        engine.sell("nfc:04A1B2C3D4E5F6", Money(cents)),
        engine.top_up("A1", Money(cents), "card", "C"),
    ):
        assert isinstance(outcome, Refused)
        assert outcome.reason in {RejectReason.INVALID_AMOUNT, RejectReason.AMOUNT_TOO_LARGE}
    assert engine.store.last_seq() == 0


def test_uid_normalisation() -> None:
    assert normalise_uid(bytes.fromhex("04a1b2c3d4e5f6")) == "nfc:04A1B2C3D4E5F6"
    assert normalise_uid("04:a1:b2:c3") == "nfc:04A1B2C3"
    assert parse_credential(" NFC:04a1b2c3 ").value == "nfc:04A1B2C3"
    for bad in ("04A1B2", "04A1B2C3D", "", "GG112233"):
        try:
            normalise_uid(bad)
        except MalformedCredential as exc:
            assert "4, 7, 8 or 10 bytes" in str(exc)
        else:  # pragma: no cover - the assertion below explains
            raise AssertionError(f"{bad!r} was accepted")


def test_oversized_text_is_malformed(tmp_path: Path, engine: Engine) -> None:
    outcome = engine.present("nfc:" + "A" * 5000)
    assert isinstance(outcome, Refused) and outcome.reason is RejectReason.MALFORMED_CREDENTIAL
    assert "too long" in outcome.detail
