"""The hub takes a till's closures, reprints, training tickets and archive traces
like any other entry: signed, chained, checked against their kinds' models; the
sync daemon gives it the till's archives after its cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.engine import Accepted, Engine, Store, duplicates, training
from kiosk.engine import archive as archiving
from kiosk.engine.archive import upload_pending
from kiosk.engine.cashiers import Cashier
from kiosk.engine.closures_periodic import catch_up, close_day, month_bounds
from kiosk.sitefile import load_site_menu
from sync.archive import certificate_problem
from sync.client import RefusedError
from sync.daemon import SyncDaemon
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.rows import AccountRow, CredentialKind, CredentialRow, SiteSettings
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, LiveHub, make_site

MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")


class Clock:
    """The till's clock, which the hub's follows: the test moves both to the next
    month (the hub refuses entries dated before the enrolment or in its future)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now


def test_a_tills_closures_reprints_training_and_archives_are_pushed(
    admin: Admin, enrol: EnrolFn, live_hub: LiveHub, tmp_path: Path
) -> None:
    make_site(admin, "S1")
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 5000})
    writer, client = enrol("S1")
    clock = Clock()
    live_hub.service.clock = clock
    engine = Engine(Store.open(tmp_path / "kiosk.db"), writer.key, writer.terminal_id, clock=clock)
    try:
        engine.store.apply_snapshot(
            accounts=[AccountRow(id="A1", display_name="Ada", balance=5000)],
            credentials=[
                CredentialRow(value="nfc:0A0A0A01", kind=CredentialKind.NFC, account_id="A1")
            ],
            settings=SiteSettings(site_code="S1"),
            applied_seq=0,
            cursor=1,
        )
        engine.store.record_sync_result(ok=True, at=clock.now)
        sale = engine.sell("nfc:0A0A0A01", Money(450), details={"vat": {"1000": 450}})
        assert isinstance(sale, Accepted)
        duplicates.record(engine, sale.seq, "K1")
        manager = Cashier("M1", "Nadia", "nfc:0B0B0B0B", "manager")
        training.switch(engine, True, manager)
        assert isinstance(training.sell(engine, "nfc:0A0A0A01", ["salad"], menu=MENU), Accepted)
        training.switch(engine, False, manager)
        close_day(engine, "K1")
        month = engine.business_day()[:7]  # the site's month, not UTC's
        first, _last = month_bounds(month)
        first_of_next = datetime.combine(first + timedelta(days=32), datetime.min.time(), UTC)
        first_of_next = first_of_next.replace(day=1, hour=8)
        clock.now = first_of_next
        assert [e.kind for e in catch_up(engine)] == [EntryKind.CLOSURE_MONTH]
        archiving.write(engine, month, tmp_path / "archives")
        entries = engine.store.journal_after(0, 100)
        # one cycle of the sync daemon pushes the journal, then gives the archive
        daemon = SyncDaemon(
            engine.store, client, after_sync=lambda hub: upload_pending(engine.store, hub)
        )
        report = daemon.sync_once()
        assert report.pushed == len(entries) and report.applied_seq == entries[-1].seq
        (kept,) = admin.http.get("/v1/admin/sites/S1/archives").json()
        assert kept["period"] == month and kept["terminal_id"] == writer.terminal_id
        assert archiving.pending_uploads(engine) == []
        assert daemon.sync_once().pushed == 0  # nothing given twice
        kinds = {e.kind for e in entries}
        assert {"duplicate", "training_mode", "training_sale", "closure", "closure_month"} <= kinds
        assert "archive" in kinds
        assert admin.balance("A1") == 5000 - 450  # the training ticket charged nobody
    finally:
        engine.close()


def test_an_archive_that_tells_another_story_than_the_hubs_journal_is_refused(
    admin: Admin, enrol: EnrolFn, live_hub: LiveHub, tmp_path: Path
) -> None:
    """Same terminal, same key, another journal (a store swapped for a forged one):
    every signature holds, yet the hub knows its entries and refuses the archive."""
    make_site(admin, "S1")
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 5000})
    writer, client = enrol("S1")
    clock = Clock()
    live_hub.service.clock = clock
    kept, forged = (
        Engine(Store.open(tmp_path / name), writer.key, writer.terminal_id, clock=clock)
        for name in ("kept.db", "forged.db")
    )
    try:
        for engine, cents in ((kept, 450), (forged, 45)):
            engine.store.apply_snapshot(
                accounts=[AccountRow(id="A1", display_name="Ada", balance=5000)],
                credentials=[
                    CredentialRow(value="nfc:0A0A0A01", kind=CredentialKind.NFC, account_id="A1")
                ],
                settings=SiteSettings(site_code="S1"),
                applied_seq=0,
                cursor=1,
            )
            engine.store.record_sync_result(ok=True, at=clock.now)
            assert isinstance(engine.sell("nfc:0A0A0A01", Money(cents)), Accepted)
            close_day(engine, "K1")
        client.push(kept.store.journal_after(0, 10))
        day = forged.business_day()
        path = archiving.write(forged, day, tmp_path / "archives").path
        with pytest.raises(RefusedError) as refused:
            client.upload_archive(path.read_bytes())
        assert refused.value.status == 422
        assert "entry 1 differs from the one the hub holds" in str(refused.value)
    finally:
        kept.close()
        forged.close()


def test_a_terminal_gets_its_certificate_from_the_hub(
    admin: Admin, enrol: EnrolFn, live_hub: LiveHub
) -> None:
    """Terminals enrolled before certificates existed ask for theirs (``GET
    /v1/certificate``): the hub's signed statement of their id, site and key."""
    make_site(admin, "S1")
    writer, client = enrol("S1")
    cert = client.certificate()
    assert (cert.terminal_id, cert.site_code, cert.public_key) == (
        writer.terminal_id,
        "S1",
        writer.public_key,
    )
    hub_key = live_hub.service.public_key
    assert certificate_problem(cert.model_dump(), hub_key) is None
    forged = cert.model_copy(update={"site_code": "S2"}).model_dump()
    assert certificate_problem(forged, hub_key) == "the certificate's signature is not valid"
