"""Closures and archives benchmark: ``scripts/bench.py closures [--quick] [--json]``.

On a store holding a busy month of one till (``--days`` business days of
``--sales`` sales each, cashier closures every day), it measures:

- the **tick**: ``catch_up`` when nothing is due, as the UI runs it at every status
  poll (on the engine's worker, between sales), beside one indexed read of the same
  store (target: p99 <= 20 ms, well under the 2 s poll and unnoticed by a sale);
- a **daily closure** of one busy day (summing and writing it), beside reading that
  day's entries back from the store (target ratio <= 10);
- writing the month's **archive**, then **verifying** it as an auditor would, in
  entries per second beside ``Engine.verify`` of the same entries (the signature
  checks dominate both: target ratio >= 0.5).

The store is built in memory where the machine has one (the build's commits are not
what is measured); the figures are printed beside their baselines because machines
are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.engine import Accepted, Engine
from kiosk.engine import archive as archiving
from kiosk.engine.closures_periodic import catch_up, close_day
from sync.archive import verify_archive
from sync.money import Money
from sync.protocol.rows import AccountKind, AccountRow, CredentialKind, CredentialRow, SiteSettings


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def build(folder: Path, clock: Clock, days: int, sales: int) -> tuple[Engine, list[float]]:
    engine = Engine.open(
        folder / "bench.db", folder / "bench.key", terminal_id="BENCH", clock=clock
    )
    engine.store.apply_snapshot(
        accounts=[
            AccountRow(id=f"A{i}", display_name=f"Diner {i}", balance=0, kind=AccountKind.POSTPAID)
            for i in range(50)
        ],
        credentials=[
            CredentialRow(value=f"nfc:{i:08X}", kind=CredentialKind.NFC, account_id=f"A{i}")
            for i in range(50)
        ],
        settings=SiteSettings(site_code="BENCH", offline_daily_cap=10**9, max_amount=10**6),
        applied_seq=0,
        cursor=1,
    )
    commits: list[float] = []
    day = clock.now
    done = 0
    while done < days:
        if day.weekday() < 5:
            clock.now = day.replace(hour=10)
            for i in range(sales):
                t0 = time.perf_counter()
                sold = engine.sell(
                    f"nfc:{i % 50:08X}", Money(450 + i % 7), details={"vat": {"1000": 450 + i % 7}}
                )
                commits.append(time.perf_counter() - t0)
                assert isinstance(sold, Accepted), sold
                clock.now += timedelta(seconds=20)
            if done < days - 1:  # the last day is left for the measured closure
                close_day(engine, "K1")
            done += 1
        day += timedelta(days=1)
    return engine, commits


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py closures")
    parser.add_argument("--quick", action="store_true", help="a smaller month (< 30 s)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--sales", type=int, default=None)
    args = parser.parse_args(argv)
    days = args.days or (5 if args.quick else 22)
    sales = args.sales or (150 if args.quick else 400)
    shm = Path("/dev/shm")
    where = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path.cwd()
    with tempfile.TemporaryDirectory(prefix="bench-closures-", dir=where) as tmp:
        clock = Clock()
        t0 = time.perf_counter()
        engine, commits = build(Path(tmp), clock, days, sales)
        built = time.perf_counter() - t0
        try:
            ticks, reads = [], []
            for _ in range(200):
                t0 = time.perf_counter()
                engine.store.head()  # one indexed read
                reads.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                catch_up(engine)
                ticks.append(time.perf_counter() - t0)
            open_from = engine.store.last_seq() - sales
            t0 = time.perf_counter()
            engine.store.journal_after(open_from, sales)
            read_day_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            _entry, summary = close_day(engine, "K1")
            closure_s = time.perf_counter() - t0
            assert summary.sales_count == sales
            month = clock.now.strftime("%Y-%m")
            clock.now = (clock.now.replace(day=28) + timedelta(days=5)).replace(hour=6)
            t0 = time.perf_counter()
            written = archiving.write(engine, month, Path(tmp) / "archives")
            archive_s = time.perf_counter() - t0
            data = written.path.read_bytes()
            t0 = time.perf_counter()
            report = verify_archive(data)
            verify_archive_s = time.perf_counter() - t0
            assert report.ok, report.problems[:3]
            t0 = time.perf_counter()
            chain = engine.verify()
            verify_chain_s = time.perf_counter() - t0
            assert chain.ok
        finally:
            engine.close()
    commit_p50 = statistics.median(commits)
    figures = {
        "days": days,
        "sales_per_day": sales,
        "entries": report.entries,
        "build_s": round(built, 1),
        "tick_p50_ms": round(pct(ticks, 50) * 1000, 2),
        "tick_p99_ms": round(pct(ticks, 99) * 1000, 2),
        "read_txn_p50_ms": round(pct(reads, 50) * 1000, 3),
        "daily_closure_ms": round(closure_s * 1000, 1),
        "read_day_ms": round(read_day_s * 1000, 1),
        "closure_vs_read": round(closure_s / read_day_s, 1),
        "sale_commit_p50_ms": round(commit_p50 * 1000, 2),
        "archive_write_s": round(archive_s, 2),
        "archive_bytes": len(data),
        "archive_verify_per_s": round(report.entries / verify_archive_s),
        "chain_verify_per_s": round(chain.checked / verify_chain_s),
        "archive_vs_chain_verify": round(
            (report.entries / verify_archive_s) / (chain.checked / verify_chain_s), 2
        ),
    }
    if args.json:
        print(json.dumps(figures))
        return 0
    print(
        f"a month of {days} days x {sales} sales: {report.entries} entries (built in {built:.1f} s)"
    )
    print(
        f"tick (catch_up, nothing due): p50 {figures['tick_p50_ms']} ms, "
        f"p99 {figures['tick_p99_ms']} ms (target <= 20 ms); "
        f"one indexed read: p50 {figures['read_txn_p50_ms']} ms"
    )
    print(
        f"daily closure of {sales} sales: {figures['daily_closure_ms']} ms = "
        f"{figures['closure_vs_read']} x reading them back ({figures['read_day_ms']} ms; "
        "target <= 10)"
    )
    print(
        f"archive of the month: written in {archive_s:.2f} s ({len(data)} bytes); verified at "
        f"{figures['archive_verify_per_s']} entries/s, the journal's own verify at "
        f"{figures['chain_verify_per_s']} entries/s: ratio {figures['archive_vs_chain_verify']} "
        "(target >= 0.5)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
