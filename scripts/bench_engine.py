"""Engine benchmark: a full sale against the disk's bare durable-commit limit.

``scripts/bench.py engine [--quick] [--json]``

On a store of 100,000 accounts and 200,000 credentials it measures a full sale
(credential lookup, decision, signed entry, durable commit) and, interleaved in the
same run on the same disk, a bare single-row INSERT + COMMIT in WAL mode with
synchronous=FULL: the floor any durable sale must pay. The ratio of the two p99s is
the figure to watch (target <= 1.5). Also: lookup-only latency and verify rate
(target >= 10,000 entries/s).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from kiosk.engine import Accepted, Engine
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.rows import AccountRow, CredentialKind, CredentialRow, SiteSettings


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def build(folder: Path, accounts: int) -> Engine:
    engine = Engine.open(folder / "bench.db", folder / "bench.key", terminal_id="BENCH")
    page = 10_000
    for start in range(0, accounts, page):
        rows = [
            AccountRow(id=f"A{i:07d}", display_name=f"Diner {i}", balance=10**7)
            for i in range(start, min(accounts, start + page))
        ]
        creds = [
            CredentialRow(value=f"nfc:{i:08X}{k:06X}", kind=CredentialKind.NFC, account_id=r.id)
            for i, r in enumerate(rows, start)
            for k in range(2)
        ]
        engine.store.apply_snapshot(
            accounts=rows, credentials=creds, settings=None, applied_seq=0, cursor=start
        )
    engine.store.apply_snapshot(
        accounts=[],
        credentials=[],
        settings=SiteSettings(site_code="BENCH", offline_after_s=10**9, max_amount=10**6),
        applied_seq=0,
        cursor=accounts,
    )
    engine.store.record_sync_result(ok=True, at=datetime.now(UTC))
    return engine


def badge(i: int, accounts: int) -> str:
    """One of the credentials ``build`` enrols, spread over the store."""
    return f"nfc:{(i * 7919) % accounts:08X}{i % 2:06X}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py engine")
    parser.add_argument("--quick", action="store_true", help="fewer samples (< 30 s)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args(argv)
    samples = 300 if args.quick else 2000
    extra_entries = 25_000 if args.quick else 50_000

    with tempfile.TemporaryDirectory(prefix="bench-engine-", dir=Path.cwd()) as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        engine = build(folder, args.accounts)
        build_s = time.perf_counter() - t0

        bare = sqlite3.connect(folder / "bare.db", isolation_level=None)
        bare.execute("PRAGMA journal_mode = WAL")
        bare.execute("PRAGMA synchronous = FULL")
        bare.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")

        sale_ms, fsync_ms, lookup_ms = [], [], []
        blob = "x" * 400  # about the size of a signed entry
        for i in range(samples):
            credential = badge(i, args.accounts)
            # Alternate which goes first so neither always follows the other's fsync.
            for turn in (0, 1) if i % 2 else (1, 0):
                t = time.perf_counter()
                if turn == 0:
                    bare.execute("BEGIN IMMEDIATE")
                    bare.execute("INSERT INTO t (payload) VALUES (?)", (blob,))
                    bare.execute("COMMIT")
                    fsync_ms.append((time.perf_counter() - t) * 1000)
                else:
                    result = engine.sell(credential, Money(790))
                    sale_ms.append((time.perf_counter() - t) * 1000)
                    assert isinstance(result, Accepted), result
            t = time.perf_counter()
            engine.present(credential)
            lookup_ms.append((time.perf_counter() - t) * 1000)
        bare.close()

        with engine.store.atomic() as db:  # bulk entries for the verify rate
            for _ in range(extra_entries):
                engine._append(db, EntryKind.SYNC, None, 0, {"event": "bench"})
        total = engine.store.last_seq()
        t = time.perf_counter()
        report = engine.verify()
        verify_s = time.perf_counter() - t
        assert report.ok and report.checked == total
        engine.close()

    figures = {
        "accounts": args.accounts,
        "credentials": 2 * args.accounts,
        "samples": samples,
        "build_s": round(build_s, 2),
        "sale_p50_ms": round(pct(sale_ms, 50), 3),
        "sale_p99_ms": round(pct(sale_ms, 99), 3),
        "fsync_p50_ms": round(pct(fsync_ms, 50), 3),
        "fsync_p99_ms": round(pct(fsync_ms, 99), 3),
        "ratio_p50": round(pct(sale_ms, 50) / pct(fsync_ms, 50), 2),
        "ratio_p99": round(pct(sale_ms, 99) / pct(fsync_ms, 99), 2),
        "lookup_p50_ms": round(pct(lookup_ms, 50), 3),
        "lookup_p99_ms": round(pct(lookup_ms, 99), 3),
        "sale_mean_ms": round(statistics.fmean(sale_ms), 3),
        "verify_entries": total,
        "verify_per_s": round(total / verify_s),
    }
    if args.json:
        print(json.dumps(figures))
        return 0
    f = figures
    print(
        f"store: {args.accounts} accounts, {2 * args.accounts} credentials "
        f"(built in {build_s:.1f} s); {samples} sales"
    )
    rows = [
        ("full sale", f["sale_p50_ms"], f["sale_p99_ms"], "ms"),
        ("bare commit", f["fsync_p50_ms"], f["fsync_p99_ms"], "ms"),
        ("ratio", f["ratio_p50"], f["ratio_p99"], "   (target p99 <= 1.5)"),
        ("lookup only", f["lookup_p50_ms"], f["lookup_p99_ms"], "ms"),
    ]
    for label, p50, p99, unit in rows:
        print(f"{label:<14} p50 {p50:8.3f}   p99 {p99:8.3f} {unit}")
    print(f"verify         {f['verify_per_s']:,} entries/s over {total} (target >= 10,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
