"""Sync benchmark: ``scripts/bench.py sync [--quick] [--json]``.

Over HTTP on loopback against ``kiosk hub`` in its own process (SQLite), as a site
runs it:
- push of 10,000 signed entries in batches of 500 (the daemon's default), in entries/s,
  beside the raw SQLite insert rate of the same rows into the same schema (baseline);
- the first snapshot of a 100,000-account site (two badges each: 300,000 rows) to a
  new terminal's store, in seconds, with the CPU time the terminal's side took (this
  process) and the hub's;
- an incremental pull of 100 changed accounts, in ms.

Targets: push >= 3,000 entries/s, snapshot <= 5 s, incremental <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine import Store
from sync.client import HubClient
from sync.daemon import CycleReport, DaemonSettings, SyncDaemon
from sync.journal import Entry, public_key_text
from sync.server import Hub, open_hub
from sync.server.records import Movement

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the hub process helper
from bench_hub import QUICK, Run, cpu_seconds, seed, signed_sales, start_hub

TARGETS = {"push_per_s": 3000.0, "snapshot_s": 5.0, "incremental_ms": 50.0}
SITE = "S1"


def make_journal(key: Ed25519PrivateKey, terminal_id: str, n: int, accounts: int) -> list[Entry]:
    sales = [(f"{SITE}-{seq % accounts:06}", -(350 + seq % 400)) for seq in range(1, n + 1)]
    return signed_sales(key, terminal_id, sales)


def enrol(hub: Hub, url: str, site: str, key: Ed25519PrivateKey) -> tuple[str, HubClient]:
    token, _ = hub.create_enrolment_token(site, ttl=timedelta(hours=1))
    with HubClient(url) as anonymous:
        reply = anonymous.enrol(site, token, public_key_text(key.public_key()))
    return reply.terminal_id, HubClient(url, reply.api_token, timeout=120)


def raw_insert_rate(folder: Path, entries: list[Entry], batch: int) -> float:
    """The same rows, inserted straight into a fresh hub database (same schema, same
    durability), one transaction per batch as the hub does."""
    db = folder / "raw.db"
    open_hub(db).storage.close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "INSERT INTO terminals (id, site, name, public_key, token_hash, last_hash, enrolled_at) "
        "VALUES ('T', 'S', '', '', 'h', '', '')"
    )
    rows = [
        (
            "T",
            e.seq,
            e.ts,
            e.kind,
            e.account,
            e.amount,
            json.dumps(dict(e.payload), separators=(",", ":")),
            e.prev_hash,
            e.hash,
            e.sig,
            e.ts,
        )
        for e in entries
    ]
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows[i : i + batch]
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


# A till's process, as far as its store is concerned: it begins (as the store does) and
# commits an empty write transaction every 5 ms until the stop file appears, then
# prints its waits.
_PROBE = """
import json, os, sqlite3, sys, time
from sync import sqlitedb
db, stop = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA busy_timeout = 30000")
waits = []
while not os.path.exists(stop):
    start = time.perf_counter()
    sqlitedb.begin_immediate(conn)  # as the till's store begins a sale
    waits.append(time.perf_counter() - start)
    conn.execute("COMMIT")
    time.sleep(0.005)
print(json.dumps(waits))
"""


def sale_waits(db: Path, work: Callable[[], object]) -> list[float]:
    """How long a sale's write transaction waits to begin while ``work`` runs, seen
    from another process (as the till's is) on the same store."""
    stop = db.with_name("probe.stop")
    stop.unlink(missing_ok=True)
    probe = subprocess.Popen(
        [sys.executable, "-c", _PROBE, str(db), str(stop)], stdout=subprocess.PIPE
    )
    time.sleep(0.3)  # the probe's interpreter starts
    try:
        work()
    finally:
        stop.touch()
        out, _ = probe.communicate(timeout=60)
    waits: list[float] = json.loads(out)
    return waits


def worst(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(folder: Path, entries_n: int, accounts_n: int) -> dict[str, float]:
    batch = DaemonSettings().batch
    hub = open_hub(folder / "hub.db")  # seeding, tokens and movements, beside the process
    seed(hub, SITE, accounts_n, 2)  # a second badge each: a spare card or a phone
    process, url = start_hub(folder, folder / "hub.db", Run("sqlite"), QUICK)
    try:
        key = Ed25519PrivateKey.generate()
        terminal_id, client = enrol(hub, url, SITE, key)
        journal = make_journal(key, terminal_id, entries_n, accounts_n)
        start = time.perf_counter()
        for i in range(0, len(journal), batch):
            client.push(journal[i : i + batch])
        push_s = time.perf_counter() - start
        client.close()

        # A new terminal's first snapshot, into the engine's store.
        _, client = enrol(hub, url, SITE, Ed25519PrivateKey.generate())
        store = Store.open(folder / "terminal.db")
        daemon = SyncDaemon(store, client)
        idle_waits = sale_waits(folder / "terminal.db", lambda: time.sleep(0.5))
        start, cpu = time.perf_counter(), time.process_time()
        hub_cpu = cpu_seconds(process.pid)
        reports: list[CycleReport] = []
        snapshot_waits = sale_waits(
            folder / "terminal.db", lambda: reports.append(daemon.sync_once())
        )
        snapshot_s = time.perf_counter() - start
        snapshot_cpu_s = time.process_time() - cpu
        snapshot_hub_cpu_s = cpu_seconds(process.pid) - hub_cpu
        first = reports[0]
        assert store.count_accounts() == accounts_n, "snapshot incomplete"
        assert first.rows == 3 * accounts_n, first

        for i in range(100):
            movement = Movement(f"{SITE}-{i * 7:06}", "top_up", 500, None, "", "")
            hub.storage.add_movement(movement)
        start = time.perf_counter()
        delta = daemon.sync_once()
        incremental_ms = (time.perf_counter() - start) * 1000
        assert delta.rows == 100, delta
        client.close()
        store.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        hub.storage.close()
    return {
        "push_per_s": round(entries_n / push_s, 1),
        "raw_insert_per_s": round(raw_insert_rate(folder, journal, batch), 1),
        "snapshot_s": round(snapshot_s, 3),
        "snapshot_cpu_s": round(snapshot_cpu_s, 3),
        "snapshot_hub_cpu_s": round(snapshot_hub_cpu_s, 3),
        "snapshot_pages": first.pages,
        "sale_wait_idle_max_ms": round(max(idle_waits) * 1000, 2),
        "sale_wait_snapshot_p99_ms": round(worst(snapshot_waits, 0.99) * 1000, 2),
        "sale_wait_snapshot_max_ms": round(max(snapshot_waits) * 1000, 2),
        "incremental_ms": round(incremental_ms, 2),
        "entries": entries_n,
        "accounts": accounts_n,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py sync", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 entries, 10,000 accounts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    entries_n, accounts_n = (2_000, 10_000) if args.quick else (10_000, 100_000)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        figures = measure(Path(tmp), entries_n, accounts_n)
    if args.json:
        print(json.dumps(figures))
    else:
        ratio = figures["push_per_s"] / figures["raw_insert_per_s"]
        print(
            f"push: {figures['push_per_s']:,.0f} entries/s over HTTP "
            f"(raw SQLite insert of the same rows: {figures['raw_insert_per_s']:,.0f}/s, "
            f"ratio {ratio:.2f}; target >= {TARGETS['push_per_s']:,.0f})"
        )
        print(
            f"first snapshot of {accounts_n:,} accounts: {figures['snapshot_s']:.2f} s "
            f"in {figures['snapshot_pages']:.0f} pages, CPU {figures['snapshot_cpu_s']:.2f} s "
            f"in the terminal and {figures['snapshot_hub_cpu_s']:.2f} s in the hub "
            f"(target <= {TARGETS['snapshot_s']:.0f} s)"
        )
        print(
            f"a sale's wait for the store during the snapshot: "
            f"p99 {figures['sale_wait_snapshot_p99_ms']:.1f} ms, "
            f"max {figures['sale_wait_snapshot_max_ms']:.1f} ms "
            f"(without it: max {figures['sale_wait_idle_max_ms']:.1f} ms)"
        )
        print(
            f"incremental pull of 100 changes: {figures['incremental_ms']:.1f} ms "
            f"(target <= {TARGETS['incremental_ms']:.0f} ms)"
        )
    ok = (
        figures["push_per_s"] >= TARGETS["push_per_s"]
        and figures["snapshot_s"] <= TARGETS["snapshot_s"]
        and figures["incremental_ms"] <= TARGETS["incremental_ms"]
    )
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
