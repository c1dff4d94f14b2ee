"""Signed archives of closed periods: written from the journal, verified with nothing
but the file, and every altered byte found and located."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine import Accepted, Engine
from kiosk.engine import archive as archiving
from kiosk.engine.closures_periodic import close_day
from sync.archive import ArchiveError, issue_certificate, verify_archive
from sync.journal import public_key_text
from sync.money import Money
from tests.kiosk.engine.conftest import FakeClock

HUB_KEY = Ed25519PrivateKey.generate()
HUB_PUBLIC = public_key_text(HUB_KEY.public_key())


def certify(engine: Engine) -> None:
    """What enrolment leaves on the terminal: the hub's certificate of its key."""
    cert = issue_certificate(
        HUB_KEY,
        terminal_id=engine.terminal_id,
        site_code="DEMO",
        public_key=public_key_text(engine.public_key),
        issued_at=engine.now(),
    )
    engine.store.set_meta(archiving.CERTIFICATE_META, json.dumps(cert))


def a_day(engine: Engine, clock: FakeClock) -> None:
    sale = engine.sell("nfc:04A1B2C3D4E5F6", Money(450), details={"vat": {"1000": 450}})
    assert isinstance(sale, Accepted)
    clock.advance(minutes=2)
    other = engine.sell("nfc:55667788", Money(720), details={"vat": {"1000": 520, "2000": 200}})
    assert isinstance(other, Accepted)
    assert isinstance(engine.cancel(sale.seq, "K1", "erreur"), Accepted)
    clock.advance(hours=3)
    close_day(engine, "K1")


def test_a_closed_day_archives_and_verifies_with_the_file_alone(
    engine: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    certify(engine)
    a_day(engine, clock)
    written = archiving.write(engine, "2026-11-26", tmp_path)
    data = written.path.read_bytes()
    report = verify_archive(data, HUB_PUBLIC)
    assert report.ok, report.problems
    assert report.certified and report.closures == 1 and report.entries == written.entries
    # the archive is traced in the journal, with the file's digest
    last = engine.store.entry(engine.store.last_seq())
    assert last is not None and last.kind == "archive"
    assert last.payload["sha256"] == written.sha256 and last.payload["period"] == "2026-11-26"
    assert engine.verify().ok


def test_another_hub_key_or_no_certificate_is_reported(
    engine: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    a_day(engine, clock)
    data = archiving.write(engine, "2026-11-26", tmp_path).path.read_bytes()
    assert verify_archive(data).ok  # whole, but says nothing of whose key it is
    problems = verify_archive(data, HUB_PUBLIC).problems
    assert [p.where for p in problems] == ["header"] and "no certificate" in problems[0].message
    certify(engine)
    data = archiving.write(engine, "2026-11-26", tmp_path).path.read_bytes()
    other = public_key_text(Ed25519PrivateKey.generate().public_key())
    (problem,) = verify_archive(data, other).problems
    assert "another hub key" in problem.message


def test_a_period_not_closed_is_refused(engine: Engine, clock: FakeClock, tmp_path: Path) -> None:
    a_day(engine, clock)
    with pytest.raises(ArchiveError, match="2026-11 is not closed yet"):
        archiving.write(engine, "2026-11", tmp_path)
    with pytest.raises(ArchiveError, match="a month"):
        archiving.write(engine, "november", tmp_path)
    assert list(tmp_path.glob("*.jsonl")) == []


def test_a_month_archives_once_it_is_over(engine: Engine, clock: FakeClock, tmp_path: Path) -> None:
    a_day(engine, clock)
    clock.advance(days=1)
    a_day(engine, clock)
    clock.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    written = archiving.write(engine, "2026-11", tmp_path)  # catches up the month first
    report = verify_archive(written.path.read_bytes())
    assert report.ok, report.problems
    assert report.closures == 3  # two days and the month
    assert [r.period for r in archiving.pending_uploads(engine)] == ["2026-11"]


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def check_alterations(data: bytes, offsets: Iterable[int], flips: Sequence[int]) -> int:
    """Alter each byte at ``offsets`` in each way: found, and on the line it is on."""
    checked = 0
    for offset in offsets:
        for flip in flips:
            altered = bytearray(data)
            altered[offset] ^= flip
            report = verify_archive(bytes(altered), HUB_PUBLIC)
            assert not report.ok, f"byte {offset} ^ {flip:#x} not detected"
            # a newline altered joins its line to the next: found on the first of them
            located = min(p.line for p in report.problems)
            assert located == line_of(data, offset), (offset, flip, report.problems[:2])
            checked += 1
    return checked


@pytest.fixture
def archived_day(engine: Engine, clock: FakeClock, tmp_path: Path) -> bytes:
    certify(engine)
    a_day(engine, clock)
    data = archiving.write(engine, "2026-11-26", tmp_path).path.read_bytes()
    assert verify_archive(data, HUB_PUBLIC).ok
    return data


def test_altered_bytes_are_detected_and_located(archived_day: bytes) -> None:
    """Every line's first and last bytes, every newline and every 13th byte, each
    altered two ways (the whole file, byte by byte, is the slow test below)."""
    data = archived_day
    ends = {i for i, b in enumerate(data) if b == ord("\n")}
    starts = {0} | {i + 1 for i in ends if i + 1 < len(data)}
    offsets = sorted(ends | starts | {i - 1 for i in ends} | set(range(0, len(data), 13)))
    assert check_alterations(data, offsets, (0x01, 0x20)) > 2 * len(data) // 13


@pytest.mark.slow
def test_altering_any_byte_is_detected_and_located(archived_day: bytes) -> None:
    assert check_alterations(archived_day, range(len(archived_day)), (0x01,)) == len(archived_day)


def test_a_recount_that_disagrees_with_a_signed_closure_names_it(
    engine: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    """A closure signed with wrong figures (a faulty or dishonest till) is found by
    recounting its entries, though every signature holds."""
    a_day(engine, clock)
    with engine.store.atomic() as db:
        entry = engine.post(
            db,
            "closure",  # type: ignore[arg-type]
            None,
            0,
            {
                "cashier": "K1",
                "period": {"first_seq": 1, "last_seq": engine.store.last_seq()},
                "sales_count": 0,
                "cancellations_count": 0,
                "net_sales": 0,
                "top_ups": 0,
                "by_vat": {},
                "by_means": {},
                "grand_total": 0,
            },
        )
    data = archiving.write(engine, "2026-11-26", tmp_path).path.read_bytes()
    problems = verify_archive(data).problems
    assert any(p.where == f"closure {entry.seq}" and "sales_count" in p.message for p in problems)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-13", "a month (2026-11)"),
        ("2026-02-30", "not a real day"),
        ("FY26", "a fiscal year (2026)"),
        ("", "a month"),
    ],
)
def test_a_period_that_names_nothing_is_refused(text: str, says: str) -> None:
    with pytest.raises(ArchiveError, match=re.escape(says)):
        archiving.parse_period(text)


def test_periods_name_their_days_and_closure() -> None:
    july = archiving.parse_period("FY2026", fiscal_year_start_month=7)
    assert (july.label, str(july.first_day), str(july.last_day)) == (
        "FY2026",
        "2026-07-01",
        "2027-06-30",
    )
    assert archiving.parse_period("2026").closure_kind == "closure_year"
    february = archiving.parse_period("2028-02")
    assert (str(february.first_day), str(february.last_day)) == ("2028-02-01", "2028-02-29")
