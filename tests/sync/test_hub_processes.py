"""Hub processes (``kiosk hub``, real subprocesses: one, and one with two workers) on
two ports over one database, on each backend: terminals push to either at random, the
same batches twice and at the same time on both, and the hub ends as one process would
have left it: every entry applied once, each balance the sum of its movements and
entries, visits' guests and subsidy marks consistent with the entries.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from kiosk.engine.pricing import PricedTicket, price_tray
from kiosk.engine.trays import tray_payload
from kiosk.sitefile import load_site_menu
from sync import subsidy
from sync.journal import Entry, cancelled_ids
from sync.protocol.incidents import IncidentKind
from sync.protocol.messages import EnrolRequest
from sync.protocol.rows import AccountRow, SiteSettings
from sync.protocol.visits import VISIT_KIND, VisitDeclare
from sync.server import Hub, open_hub, pg_sql, visits
from sync.server.pg_base import WRITE_LOCK
from tests.sync.live import JournalWriter, free_port

MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")
TRAY = ["salad", "steak", "tart"]  # a balanced tray: it qualifies for the subsidy
ACCOUNTS = {"A1": 20_000, "A2": 5_000, "A3": 0, "A4": 1_000}
TERMINALS = 4
ENTRIES = 24
GUESTS = 40


def start_hub(
    db: Path | str, key: Path, port: int, log: Path, workers: int = 1
) -> subprocess.Popen[bytes]:
    where = ["--database", db] if isinstance(db, str) else ["--db", str(db)]
    args = [sys.executable, "-m", "kiosk.cli", "hub", *where, "--key", str(key)]
    args += ["--port", str(port), "--workers", str(workers), "--admin-write-rate", "100000"]
    with log.open("wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(f"{url}/v1/changes", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"hub on {url} not ready: {log.read_text()}")


@pytest.fixture
def two_hubs(hub_db: Path | str, tmp_path: Path) -> Iterator[tuple[Hub, list[str]]]:
    """The database set up through a hub in this process, then served by two hubs
    (``kiosk hub``), the second with two worker processes on its port; yields the hub
    of this process (to read the outcome) and the two URLs."""
    key = tmp_path / "hub.key"
    hub = open_hub(hub_db, key=key)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        ports = [free_port(), free_port()]
        for workers, port in enumerate(ports, 1):
            log = tmp_path / f"hub-{port}.log"
            processes.append(start_hub(hub_db, key, port, log, workers))
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process, port in zip(urls, processes, ports, strict=True):
            wait_ready(url, process, tmp_path / f"hub-{port}.log")
        yield hub, urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        hub.storage.close()


def journal(term: JournalWriter, visit_id: str, rng: random.Random) -> list[Entry]:
    """A till's service: sales (some with the day's subsidy), top-ups, guest meals of
    the visit, and cancellations of some of its own sales and guest meals."""
    start = datetime.now(UTC) - timedelta(minutes=10)
    undone: list[Entry] = []
    for i in range(ENTRIES):
        ts = start + timedelta(seconds=i)
        account = rng.choice(sorted(ACCOUNTS))
        roll = rng.random()
        if roll < 0.15 and undone:
            original = undone.pop(rng.randrange(len(undone)))
            term.add(
                "cancel",
                original.account,
                -original.amount,
                ts,
                cancels=original.seq,
                cancelled_kind=original.kind,
                cashier="C1",
                reason="erreur",
            )
        elif roll < 0.3:
            term.add("top_up", account, rng.randrange(100, 2_000), ts, means="cash", cashier="C1")
        elif roll < 0.45:
            meal = term.add(
                "guest_meal",
                "A1",
                -900,
                ts,
                visit_id=visit_id,
                guests=1,
                billing="host",
                cashier="C1",
                means="visit",
                vat={"1000": 900},
            )
            undone.append(meal)
        else:
            granted = rng.random() < 0.3
            ticket = price_tray(MENU, "employee", TRAY, subsidised_today=not granted)
            assert isinstance(ticket, PricedTicket) and ticket.subsidy_granted is granted
            payload = tray_payload(ticket, TRAY)
            sale = term.add(
                "sale", account, -ticket.total, ts, credential_id="0a0a0a0a0a0a0a0a", **payload
            )
            if not granted:  # a subsidised sale stays: its mark is checked below
                undone.append(sale)
    return term.entries


class Pusher(threading.Thread):
    """One till pushing its journal to either hub at random: batches that start at or
    before what the hub has (duplicates), sometimes the same batch to both hubs at once,
    until everything is applied."""

    def __init__(self, token: str, entries: list[Entry], urls: list[str], seed: int) -> None:
        super().__init__(daemon=True)
        self.token, self.entries, self.urls = token, entries, urls
        self.rng = random.Random(seed)
        self.duplicates = self.conflicts = 0
        self.served: set[str] = set()
        self.error: BaseException | None = None

    def push(self, url: str, batch: list[Entry]) -> int | None:
        body = {"protocol": 1, "entries": [e.to_dict() for e in batch]}
        headers = {"Authorization": f"Bearer {self.token}"}
        response = httpx.post(f"{url}/v1/journal", json=body, headers=headers, timeout=60)
        if response.status_code == 409:  # pushed concurrently on the other hub: retry
            self.conflicts += 1
            return None
        assert response.status_code == 200, (url, response.text)
        self.served.add(url)
        reply = response.json()
        self.duplicates += reply["duplicates"]
        return int(reply["applied_seq"])

    def run(self) -> None:
        try:
            applied = 0
            while applied < len(self.entries):
                first = self.rng.randrange(max(0, applied - 3), applied + 1)
                batch = self.entries[first : first + self.rng.randint(1, 6)]
                if self.rng.random() < 0.3:  # the same batch on both hubs at once
                    with ThreadPoolExecutor(len(self.urls)) as both:
                        answers = list(both.map(self.push, self.urls, [batch] * len(self.urls)))
                    done = [a for a in answers if a is not None]
                else:
                    answer = self.push(self.rng.choice(self.urls), batch)
                    done = [] if answer is None else [answer]
                applied = max([applied, *done])
                if self.rng.random() < 0.3:
                    headers = {"Authorization": f"Bearer {self.token}"}
                    url = self.rng.choice(self.urls)
                    pulled = httpx.get(f"{url}/v1/changes", headers=headers, timeout=60)
                    assert pulled.status_code == 200, pulled.text
        except BaseException as exc:
            self.error = exc


def test_two_hub_processes_on_one_database_apply_each_entry_once(
    two_hubs: tuple[Hub, list[str]], hub_db: Path | str
) -> None:
    hub, urls = two_hubs
    rng = random.Random(int(os.environ.get("KIOSK_TEST_SEED", "19")))
    hub.create_site(SiteSettings(site_code="S1", site_name="Site S1"))
    hub.put_accounts(
        "S1",
        [AccountRow(id=a, display_name=a, balance=cents) for a, cents in ACCOUNTS.items()],
        replace=False,
    )
    today = datetime.now(UTC).date()
    visit = visits.declare(
        hub,
        "S1",
        VisitDeclare(visitor="Audit", day=today, guests=GUESTS, host_account_id="A1"),
    )
    visits.approve(hub, "S1", visit.id)
    tills: list[tuple[JournalWriter, str]] = []
    for i in range(TERMINALS):
        token, _ = hub.create_enrolment_token("S1", timedelta(hours=1))
        term = JournalWriter("")
        request = EnrolRequest(
            site_code="S1", token=token, public_key=term.public_key, name=f"caisse {i}"
        )
        body = request.model_dump(mode="json")
        reply = httpx.post(f"{urls[i % 2]}/v1/enrol", json=body, timeout=60)
        assert reply.status_code == 200, reply.text
        term.terminal_id = reply.json()["terminal_id"]
        journal(term, visit.id, rng)
        tills.append((term, reply.json()["api_token"]))

    pushers = [Pusher(token, term.entries, urls, rng.randrange(10**9)) for term, token in tills]
    for pusher in pushers:
        pusher.start()
    for pusher in pushers:
        pusher.join(timeout=240)
        assert not pusher.is_alive(), "a till never got its journal applied"
        assert pusher.error is None, pusher.error
    # The run did what it is about: duplicates, both hubs serving every till.
    assert sum(p.duplicates for p in pushers) > 0
    assert all(p.served == set(urls) for p in pushers), [p.served for p in pushers]

    everything: list[Entry] = []
    for term, _ in tills:
        stored = hub.storage.entries_of_terminal(term.terminal_id, 0, 10**6)
        assert [e.hash for e in stored] == [e.hash for e in term.entries]  # each once
        record = hub.storage.terminal(term.terminal_id)
        assert record is not None and record.applied_seq == len(term.entries)
        assert hub.verify_terminal(term.terminal_id).ok
        everything.extend(term.entries)
    for account, opening in ACCOUNTS.items():
        own = [e for e in everything if e.account == account]
        stored_balance, recomputed = hub.hub_balance_check(account)
        assert stored_balance == recomputed == opening + sum(e.amount for e in own)
        # The mark: a subsidised sale of the account (none is ever cancelled here).
        granted = {(e.terminal_id, e.seq) for e in own if subsidy.follow(None, [e]) is not None}
        mark = hub.account(account).row.subsidy
        assert (mark is None) == (not granted)
        assert mark is None or (mark.terminal_id, mark.seq) in granted
        doubles = hub.incidents("S1", kind=IncidentKind.DOUBLE_SUBSIDY, account_id=account)
        assert bool(doubles) == (len(granted) > 1), (account, granted, doubles)
    cancelled = cancelled_ids(everything)
    meals: dict[str, int] = {}
    for e in everything:
        if e.kind == "guest_meal" and (e.terminal_id, e.seq) not in cancelled:
            meals[e.terminal_id] = meals.get(e.terminal_id, 0) + 1
    stored_visit = visits.get(hub, "S1", visit.id)
    assert stored_visit.consumed_by == meals
    assert stored_visit.state.value == "approved"


def test_a_batch_applied_meanwhile_by_another_process_is_a_duplicate_not_a_refusal(
    hub_db: Path | str, tmp_path: Path
) -> None:
    """The same batch at two hub processes at once: the one that loses the race read
    the terminal before the other applied it, and must answer "duplicates" (a
    cancellation in the batch is not "already cancelled" by itself)."""
    hub = open_hub(hub_db, key=tmp_path / "hub.key")
    try:
        hub.create_site(SiteSettings(site_code="S1", site_name="Site S1"))
        hub.put_accounts("S1", [AccountRow(id="A1", display_name="A", balance=0)], replace=False)
        token, _ = hub.create_enrolment_token("S1", timedelta(hours=1))
        term = JournalWriter("")
        reply = hub.enrol(EnrolRequest(site_code="S1", token=token, public_key=term.public_key))
        term.terminal_id = reply.terminal_id
        sale = term.add("sale", "A1", -450, credential_id="0a0a0a0a0a0a0a0a", items=["menu"])
        cancel = {"cancelled_kind": "sale", "cashier": "C1", "reason": "erreur"}
        term.add("cancel", "A1", 450, cancels=sale.seq, **cancel)
        stale = hub.terminal_for(reply.api_token)  # what the slower process read
        first = hub.push(stale, term.entries)  # the faster one applies the batch
        second = hub.push(stale, term.entries)
        assert (first.applied, first.applied_seq) == (2, 2)
        assert (second.applied, second.duplicates, second.applied_seq) == (0, 2, 2)
        assert hub.hub_balance_check("A1") == (0, 0)
    finally:
        hub.storage.close()


def test_kiosk_hub_commands_work_on_a_postgresql_database(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kiosk.cli import main
    from sync.server.service import admin_token_id
    from tests.databases import fresh_pg

    def kiosk(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    key = str(tmp_path / "hub.key")
    with fresh_pg() as url:
        where = ["hub", "--database", url, "--key", key]
        assert "site CANT01 created" in kiosk(*where, "site", "CANT01", "--name", "Cantine")
        token = kiosk(*where, "token", "create", "--label", "back-office").splitlines()[0]
        assert admin_token_id(token) in kiosk(*where, "token", "list")
        kiosk(*where, "token", "revoke", admin_token_id(token))
        assert "revoked" in kiosk(*where, "token", "list")
        assert kiosk(*where, "enrolment-token", "--site", "CANT01").startswith("enr_")
        hub = open_hub(url, key=key)  # what the commands did is in the database
        try:
            assert [s.site_code for s in hub.storage.list_sites()] == ["CANT01"]
        finally:
            hub.storage.close()
        no_key = kiosk("hub", "--database", url, "token", "list", code=2)
        assert "needs --key" in no_key
        both = kiosk("hub", "--database", url, "--db", str(tmp_path / "h.db"), code=2)
        assert "not both" in both
    not_pg = kiosk("hub", "--database", "mysql://x/y", code=2)
    assert "postgresql://" in not_pg


@contextmanager
def writer_holding_the_lock(db: Path | str) -> Iterator[Callable[[str, list[object]], object]]:
    """Another process's write transaction, holding the hub's write lock until the
    block ends (then it commits): what a push being applied elsewhere looks like."""
    if isinstance(db, Path):
        lite = sqlite3.connect(db, isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield lite.execute
            lite.execute("COMMIT")
        finally:
            lite.close()
        return
    with psycopg.connect(db) as conn:  # a transaction, committed on leaving
        conn.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        yield lambda sql, params: conn.execute(pg_sql.statement(sql), params)


def test_a_visit_decision_never_overwrites_guests_counted_meanwhile(
    hub_db: Path | str, tmp_path: Path
) -> None:
    """A manager cancels a visit while another process applies a guest meal of it: the
    decision is taken on the visit as it is once that push is committed."""
    hub = open_hub(hub_db, key=tmp_path / "hub.key")
    try:
        hub.create_site(SiteSettings(site_code="S1", site_name="Site S1"))
        hub.put_accounts("S1", [AccountRow(id="A1", display_name="A", balance=0)], replace=False)
        declared = VisitDeclare(
            visitor="Audit", day=datetime.now(UTC).date(), guests=2, host_account_id="A1"
        )
        visit = visits.approve(hub, "S1", visits.declare(hub, "S1", declared).id)
        counted = visit.model_copy(update={"consumed_by": {"S1-T1": 1}}).as_document()
        with ThreadPoolExecutor(1) as manager:
            with writer_holding_the_lock(hub_db) as write:
                decision = manager.submit(visits.cancel, hub, "S1", visit.id)
                time.sleep(0.5)  # the manager's request reaches the database and waits
                write(
                    "UPDATE documents SET body = ? WHERE site = ? AND kind = ? AND id = ?",
                    [json.dumps(counted), "S1", VISIT_KIND, visit.id],
                )
            cancelled = decision.result(timeout=30)
        assert cancelled.state.value == "cancelled"
        assert cancelled.consumed_by == {"S1-T1": 1}
        assert visits.get(hub, "S1", visit.id).consumed_by == {"S1-T1": 1}
    finally:
        hub.storage.close()


def test_a_pull_marks_its_terminal_seen(hub_db: Path | str, tmp_path: Path) -> None:
    from sync.journal import format_ts

    hub = open_hub(hub_db, key=tmp_path / "hub.key")
    try:
        hub.create_site(SiteSettings(site_code="S1", site_name="Site S1"))
        token, _ = hub.create_enrolment_token("S1", timedelta(hours=1))
        term = JournalWriter("")
        reply = hub.enrol(EnrolRequest(site_code="S1", token=token, public_key=term.public_key))
        terminal = hub.terminal_for(reply.api_token)
        assert terminal.last_seen is None
        later = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        hub.clock = lambda: later
        hub.changes(terminal, 0, 10)
        seen = hub.storage.terminal(terminal.id)
        assert seen is not None and seen.last_seen == format_ts(later)
    finally:
        hub.storage.close()
