"""Fixtures for engine tests: a fresh store per test, seeded through the public API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.engine import Engine
from sync.protocol.rows import (
    AccountKind,
    AccountRow,
    AccountStatus,
    CredentialKind,
    CredentialRow,
    CredentialStatus,
    SiteSettings,
)

SETTINGS = SiteSettings(site_code="DEMO", offline_after_s=600, offline_daily_cap=1500)


class FakeClock:
    """A clock the test moves by hand (timezone-aware UTC)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 11, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


ACCOUNTS = [
    AccountRow(id="A1", display_name="Alice Martin", balance=2000, overdraft=0),
    AccountRow(id="A2", display_name="Bruno Petit", balance=500, overdraft=300),
    AccountRow(
        id="A3",
        display_name="Chloé Durand",
        balance=0,
        kind=AccountKind.POSTPAID,
        profile="manager",
    ),
    AccountRow(id="A4", display_name="Denis Roux", balance=5000, status=AccountStatus.CLOSED),
]
CREDENTIALS = [
    CredentialRow(value="nfc:04A1B2C3D4E5F6", kind=CredentialKind.NFC, account_id="A1"),
    CredentialRow(value="nfc:11223344", kind=CredentialKind.NFC, account_id="A2"),
    CredentialRow(value="nfc:55667788", kind=CredentialKind.NFC, account_id="A3"),
    CredentialRow(value="nfc:99AABBCC", kind=CredentialKind.NFC, account_id="A4"),
    CredentialRow(
        value="nfc:DEADBEEF",
        kind=CredentialKind.NFC,
        account_id="A1",
        status=CredentialStatus.LOST,
    ),
    CredentialRow(
        value="nfc:CAFEBABE",
        kind=CredentialKind.NFC,
        account_id="A2",
        status=CredentialStatus.REVOKED,
    ),
    CredentialRow(value="nfc:01020304", kind=CredentialKind.NFC, account_id="NOPE"),
]


def seed(engine: Engine) -> None:
    engine.store.apply_snapshot(
        accounts=ACCOUNTS, credentials=CREDENTIALS, settings=SETTINGS, applied_seq=0, cursor=1
    )
    engine.store.record_sync_result(ok=True, at=engine._clock())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    eng = Engine.open(
        tmp_path / "kiosk.db", tmp_path / "terminal.key", terminal_id="T1", clock=clock
    )
    seed(eng)
    yield eng
    eng.close()
