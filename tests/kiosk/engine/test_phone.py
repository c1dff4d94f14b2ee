"""Phone badges at the terminal: offline verification, replay, window, deny list."""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.engine import Accepted, Engine, Identified, Refused, store_codes
from sync import phonebadge
from sync.journal import public_key_text
from sync.money import Money
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import CredentialKind, CredentialRow, CredentialStatus

from .conftest import SETTINGS, FakeClock

PHONE = Ed25519PrivateKey.generate()
ALICE_PHONE = "phone:a11ce00000000001"
LOST_PHONE = "phone:a11ce00000000002"
BRUNO_PHONE = "phone:b2000000000000b2"  # Bruno: 5 EUR, 3 EUR overdraft


def enrol_phones(engine: Engine, **overrides: object) -> None:
    key = public_key_text(PHONE.public_key())
    rows = [
        CredentialRow(
            value=ALICE_PHONE, kind=CredentialKind.PHONE, account_id="A1", public_key=key
        ),
        CredentialRow(
            value=LOST_PHONE,
            kind=CredentialKind.PHONE,
            account_id="A1",
            public_key=key,
            status=CredentialStatus.LOST,
        ),
        CredentialRow(
            value=BRUNO_PHONE, kind=CredentialKind.PHONE, account_id="A2", public_key=key
        ),
    ]
    settings_row = SETTINGS.model_copy(update=overrides) if overrides else SETTINGS
    engine.store.apply_snapshot(
        accounts=[], credentials=rows, settings=settings_row, applied_seq=0, cursor=2
    )


def seen_count(engine: Engine) -> int:
    with engine.store.reading() as db:
        return store_codes.count_seen_codes(db)


def test_fresh_code_sells_and_replay_is_refused(engine: Engine, clock: FakeClock) -> None:
    enrol_phones(engine)
    code = phonebadge.mint(PHONE, ALICE_PHONE, clock.now)
    sold = engine.sell(code, Money(450))
    assert isinstance(sold, Accepted) and sold.account_id == "A1"
    phone = engine.store.credential(ALICE_PHONE)
    assert phone is not None and sold.entry.payload["credential_id"] == phone.ref
    again = engine.sell(code, Money(450))
    assert isinstance(again, Refused) and again.reason is RejectReason.QR_REPLAYED
    replay_shown = engine.present(code)
    assert isinstance(replay_shown, Refused) and replay_shown.reason is RejectReason.QR_REPLAYED
    assert engine.store.last_seq() == 1
    # The next code the app shows, 30 s later, is fine.
    clock.advance(seconds=30)
    assert isinstance(
        engine.sell(phonebadge.mint(PHONE, ALICE_PHONE, clock.now), Money(100)), Accepted
    )


def test_present_does_not_consume_and_refused_sale_does_not_burn(
    engine: Engine, clock: FakeClock
) -> None:
    enrol_phones(engine)
    code = phonebadge.mint(PHONE, BRUNO_PHONE, clock.now)
    for _ in range(2):
        shown = engine.present(code)
        assert isinstance(shown, Identified) and shown.account.id == "A2"
    assert seen_count(engine) == 0
    short = engine.sell(code, Money(900))  # 5 EUR + 3 EUR overdraft < 9 EUR
    assert isinstance(short, Refused) and short.reason is RejectReason.INSUFFICIENT_BALANCE
    assert seen_count(engine) == 0 and engine.store.last_seq() == 0
    assert isinstance(engine.sell(code, Money(700)), Accepted)
    assert seen_count(engine) == 1


def test_expired_future_and_foreign_codes(engine: Engine, clock: FakeClock) -> None:
    enrol_phones(engine)
    cases = [
        (
            phonebadge.mint(PHONE, ALICE_PHONE, clock.now - timedelta(minutes=2)),
            RejectReason.QR_EXPIRED,
        ),
        (
            phonebadge.mint(PHONE, ALICE_PHONE, clock.now + timedelta(minutes=5)),
            RejectReason.CLOCK_SKEW,
        ),
        (
            phonebadge.mint(Ed25519PrivateKey.generate(), ALICE_PHONE, clock.now),
            RejectReason.QR_BAD_SIGNATURE,
        ),
        (
            phonebadge.mint(PHONE, "phone:0000000000000000", clock.now),
            RejectReason.UNKNOWN_CREDENTIAL,
        ),
        (ALICE_PHONE, RejectReason.MALFORMED_CREDENTIAL),  # no signature: never accepted
    ]
    for text, reason in cases:
        for outcome in (engine.present(text), engine.sell(text, Money(100))):
            assert isinstance(outcome, Refused) and outcome.reason is reason, (text, outcome)
    assert engine.store.last_seq() == 0 and seen_count(engine) == 0


def test_deny_list_comes_first(engine: Engine, clock: FakeClock) -> None:
    enrol_phones(engine)
    lost = engine.sell(phonebadge.mint(PHONE, LOST_PHONE, clock.now), Money(100))
    assert isinstance(lost, Refused) and lost.reason is RejectReason.LOST_BADGE
    # Even an expired code of a lost phone says "lost": the deny list is checked first.
    old = phonebadge.mint(PHONE, LOST_PHONE, clock.now - timedelta(hours=1))
    assert engine.present(old) == Refused(
        RejectReason.LOST_BADGE, f"{LOST_PHONE} was reported lost"
    )
    revoked = CredentialRow(
        value=ALICE_PHONE,
        kind=CredentialKind.PHONE,
        account_id="A1",
        public_key=public_key_text(PHONE.public_key()),
        status=CredentialStatus.REVOKED,
    )
    engine.store.apply_snapshot(
        accounts=[], credentials=[revoked], settings=None, applied_seq=0, cursor=3
    )
    blocked = engine.sell(phonebadge.mint(PHONE, ALICE_PHONE, clock.now), Money(100))
    assert isinstance(blocked, Refused) and blocked.reason is RejectReason.BLOCKED_BADGE


def test_window_is_a_site_setting(engine: Engine, clock: FakeClock) -> None:
    enrol_phones(engine, qr_window_steps=4)
    code = phonebadge.mint(PHONE, ALICE_PHONE, clock.now - timedelta(seconds=100))
    assert isinstance(engine.sell(code, Money(100)), Accepted)
    enrol_phones(engine, qr_window_steps=0)
    late = phonebadge.mint(PHONE, ALICE_PHONE, clock.now - timedelta(seconds=31))
    outcome = engine.present(late)
    assert isinstance(outcome, Refused) and outcome.reason is RejectReason.QR_EXPIRED


def test_restart_keeps_seen_codes_then_prunes_them(engine: Engine, clock: FakeClock) -> None:
    enrol_phones(engine)
    code = phonebadge.mint(PHONE, ALICE_PHONE, clock.now)
    assert isinstance(engine.sell(code, Money(100)), Accepted)
    path, key_path = engine.store.path, engine.store.path.parent / "terminal.key"
    engine.close()
    clock.advance(seconds=20)
    reopened = Engine.open(path, key_path, terminal_id="T1", clock=clock)
    try:
        replay = reopened.sell(code, Money(100))
        assert isinstance(replay, Refused) and replay.reason is RejectReason.QR_REPLAYED
        assert seen_count(reopened) == 1
        # Long after the window, the next sale prunes the old code's row.
        clock.advance(minutes=10)
        fresh = phonebadge.mint(PHONE, ALICE_PHONE, clock.now)
        assert isinstance(reopened.sell(fresh, Money(100)), Accepted)
        assert seen_count(reopened) == 1
        assert reopened.verify().ok
    finally:
        reopened.close()


FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
WELL_FORMED = st.from_regex(r"\AMB1\.[A-Za-z0-9_-]{102}\Z")
NEAR_MISS = st.builds(
    lambda head, body: head + body,
    st.sampled_from(["MB1.", " MB1.", "MB1", "MV1.", "mb1."]),
    st.text(max_size=4096 - 5),
)


@FUZZ
@given(raw=st.one_of(WELL_FORMED, NEAR_MISS, st.text(max_size=4096), st.binary(max_size=4096)))
def test_fuzzed_qr_payloads_are_refused_and_write_nothing(engine: Engine, raw: str | bytes) -> None:
    enrol_phones(engine)
    for outcome in (engine.present(raw), engine.sell(raw, Money(100))):
        assert isinstance(outcome, Refused)
        assert outcome.reason in {
            RejectReason.MALFORMED_CREDENTIAL,
            RejectReason.UNKNOWN_CREDENTIAL,
            RejectReason.QR_BAD_SIGNATURE,
        }
    assert engine.store.last_seq() == 0 and seen_count(engine) == 0
