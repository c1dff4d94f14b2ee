"""Hub at scale: ``scripts/bench.py hub [--quick] [--json] [--terminals N]``.

``kiosk hub`` runs in its own process (SQLite; PostgreSQL with one process, and with
two: ``--workers 2``, on a throwaway server that keeps its durable defaults, see
``scripts/pg_throwaway.py``); this process plays 1,000
terminals on loopback (asyncio, one ``httpx.AsyncClient``), spread over 50 sites of
2,000 diners. Ten minutes of service are compressed into one minute: each terminal
pushes 4 batches of 5 signed sales (a sale every 30 s, a push every 2.5 minutes of
service, so every 15 s of the run, at a random phase of its own) and pulls its
changes after each push, as the sync daemon does. Entries per second are over the
whole run: when the hub keeps up, they are the offered load (about 330/s); when it
does not, the run takes longer and the latencies show the queue.

Figures:
- entries applied per second, push latency p50/p99, pull latency p99;
- the raw Ed25519 verification rate of one core, measured in the same run on the same
  entries, and the ratio of push throughput to it (every entry's signature is
  checked by the hub: that rate bounds it);
- the first snapshot of a 100,000-account site (200,000 badges) to a new terminal's
  store through the sync daemon, beside a bare ``SELECT`` of the same rows serialised
  to JSON (``json.dumps``) in the same run.

Targets: snapshot <= 5 s, incremental pull p99 <= 50 ms without load (see
``bench.py sync``). ``--quick`` (200 terminals, 10,000 accounts) finishes within a
minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the hub process helper lives with the tests' helpers
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from kiosk.engine import Store  # noqa: E402
from sync.client import HubClient  # noqa: E402
from sync.daemon import SyncDaemon  # noqa: E402
from sync.journal import GENESIS_HASH, Entry, make_entry, public_key_text  # noqa: E402
from sync.protocol.messages import EnrolRequest, PushRequest, WireEntry  # noqa: E402
from sync.protocol.rows import (  # noqa: E402
    AccountRow,
    CredentialKind,
    CredentialRow,
    SiteSettings,
)
from sync.server import Hub, open_hub  # noqa: E402
from tests.sync.live import free_port  # noqa: E402
from tests.sync.slowclients import ensure_open_files  # noqa: E402

TARGETS = {"snapshot_s": 5.0}
NOW = datetime.now(UTC)


@dataclass
class Terminal:
    id: str
    token: str
    key: Ed25519PrivateKey
    site: str
    bodies: list[bytes] = field(default_factory=list)  # one push request each
    cursor: int = 0


@dataclass
class Shape:
    terminals: int
    sites: int
    accounts_per_site: int
    batches: int
    batch: int
    snapshot_accounts: int
    service_s: float  # the ten minutes of service, compressed into this many seconds


FULL = Shape(1000, 50, 2000, 4, 5, 100_000, 60.0)
QUICK = Shape(200, 10, 500, 3, 5, 10_000, 10.0)


def seed(hub: Hub, site: str, accounts: int, badges_each: int) -> None:
    hub.create_site(SiteSettings(site_code=site))
    for start in range(0, accounts, 10_000):
        ids = range(start, min(accounts, start + 10_000))
        rows = [
            AccountRow(id=f"{site}-{i:06}", display_name=f"Convive {i}", balance=50_000)
            for i in ids
        ]
        hub.storage.create_accounts(site, rows, NOW)
        hub.storage.put_credentials(
            site,
            [
                CredentialRow(
                    value=f"nfc:{site}{n}{i:07X}",
                    kind=CredentialKind.NFC,
                    account_id=f"{site}-{i:06}",
                )
                for i in ids
                for n in range(badges_each)
            ],
            NOW,
        )


def enrol(hub: Hub, site: str) -> Terminal:
    key = Ed25519PrivateKey.generate()
    token, _ = hub.create_enrolment_token(site, ttl=timedelta(hours=1))
    request = EnrolRequest(
        site_code=site, token=token, public_key=public_key_text(key.public_key())
    )
    reply = hub.enrol(request)
    return Terminal(reply.terminal_id, reply.api_token, key, site)


def signed_sales(
    key: Ed25519PrivateKey, terminal_id: str, sales: Sequence[tuple[str, int]]
) -> list[Entry]:
    """Sales of (account, amount in cents) signed and chained as a till's journal is,
    with the payload a till writes (the badge by its opaque ``credential_id``)."""
    entries: list[Entry] = []
    prev = GENESIS_HASH
    for seq, (account, amount) in enumerate(sales, start=1):
        entry = make_entry(
            key=key,
            terminal_id=terminal_id,
            seq=seq,
            ts=NOW,
            kind="sale",
            account=account,
            amount=amount,
            payload={
                "business_day": NOW.date().isoformat(),
                "credential_id": f"{seq:016x}",
                "means": "balance",
                "items": ["menu"],
                "balance_after": 0,
            },
            prev_hash=prev,
        )
        entries.append(entry)
        prev = entry.hash
    return entries


def journal(term: Terminal, shape: Shape, rng: random.Random) -> list[Entry]:
    """The terminal's sales for the run, already signed (as a till's journal is)."""
    sales = [
        (f"{term.site}-{rng.randrange(shape.accounts_per_site):06}", -rng.randrange(300, 900))
        for _ in range(shape.batches * shape.batch)
    ]
    return signed_sales(term.key, term.id, sales)


def push_bodies(entries: list[Entry], batch: int) -> list[bytes]:
    return [
        PushRequest.model_construct(entries=[WireEntry.of(e) for e in entries[i : i + batch]])
        .model_dump_json()
        .encode()
        for i in range(0, len(entries), batch)
    ]


def verification_rate(signed: list[tuple[Ed25519PrivateKey, Entry]], seconds: float) -> float:
    """Raw Ed25519 checks per CPU second of one core (what the hub does per entry);
    CPU time, so that the machine's other load counts neither here nor in the hub's
    own CPU figure it is compared with."""
    import base64

    checks = [
        (key.public_key(), base64.b64decode(e.sig), bytes.fromhex(e.hash)) for key, e in signed
    ]
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        for public, sig, digest in checks:
            public.verify(sig, digest)
        done += len(checks)
    return done / (time.process_time() - start)


async def call(http: httpx.AsyncClient, method: str, path: str, **kw: object) -> httpx.Response:
    """One request, sent again after a 5xx or a lost connection, with backoff, as the
    sync daemon does (pushes and pulls are idempotent)."""
    for attempt in range(ATTEMPTS):
        try:
            response = await http.request(method, path, **kw)  # type: ignore[arg-type]
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code < 400:
            return response
        if response is not None and response.status_code < 500:  # a refusal: say why
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        RETRIES[0] += 1  # a 5xx (the hub busy) or a lost connection: as the daemon does
        await asyncio.sleep(min(30.0, 0.5 * 2**attempt) * random.uniform(0.5, 1.0))
    raise RuntimeError(f"{method} {path}: no answer after {ATTEMPTS} attempts")


ATTEMPTS = 10


RETRIES = [0]


async def run_terminal(
    http: httpx.AsyncClient,
    term: Terminal,
    schedule: list[float],
    pushes: list[float],
    pulls: list[float],
) -> int:
    """The terminal's pushes, each at its time in ``schedule`` (seconds from the
    start of service), each followed by its pull, as the daemon's cycle does."""
    headers = {"Authorization": f"Bearer {term.token}", "Content-Type": "application/json"}
    applied, begin = 0, time.perf_counter()
    for body, due in zip(term.bodies, schedule, strict=True):
        await asyncio.sleep(max(0.0, due - (time.perf_counter() - begin)))
        start = time.perf_counter()
        reply = await call(http, "POST", "/v1/journal", content=body, headers=headers)
        pushes.append(time.perf_counter() - start)
        applied += int(reply.json()["applied"])
        more = True
        while more:
            start = time.perf_counter()
            params = {"since": term.cursor, "limit": 5000, "rows": "arrays"}  # as the daemon
            page = await call(http, "GET", "/v1/changes", params=params, headers=headers)
            pulls.append(time.perf_counter() - start)
            data = page.json()
            term.cursor, more = int(data["cursor"]), bool(data["more"])
    return applied


async def service(
    url: str, terms: list[Terminal], shape: Shape
) -> tuple[int, float, list[float], list[float]]:
    """Every terminal's cycles, spread over ``shape.service_s`` as tills that were not
    started together spread them: each at a random phase of its own period."""
    pushes: list[float] = []
    pulls: list[float] = []
    period = shape.service_s / shape.batches
    rng = random.Random(11)
    limits = httpx.Limits(max_connections=len(terms), max_keepalive_connections=len(terms))
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as http:
        start = time.perf_counter()
        runs = []
        for term in terms:
            phase = rng.uniform(0, period)
            schedule = [phase + k * period for k in range(shape.batches)]
            runs.append(run_terminal(http, term, schedule, pushes, pulls))
        applied = await asyncio.gather(*runs)
        elapsed = time.perf_counter() - start
    return sum(applied), elapsed, pushes, pulls


def database_time(url: str, token: str) -> list[tuple[str, float]]:
    """The storage calls that took the hub's time in the run (from ``/metrics``)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}).text
    sums = [
        (s.labels["operation"], s.value)
        for family in text_string_to_metric_families(text)
        if family.name == "kiosk_hub_db_seconds"
        for s in family.samples
        if s.name.endswith("_sum")
    ]
    return sorted(sums, key=lambda pair: -pair[1])[:6]


def bare_select(target: Path | str, site: str) -> float:
    """The snapshot's rows read with one SELECT each and serialised to JSON."""
    accounts_sql = (
        "SELECT id, display_name, kind, status, profile, balance, overdraft, subsidy "
        "FROM accounts WHERE site = ?"
    )
    badges_sql = (
        "SELECT value, kind, status, account_id, public_key FROM credentials WHERE site = ?"
    )
    start = time.perf_counter()
    if isinstance(target, Path):
        conn = sqlite3.connect(target)
        accounts = conn.execute(accounts_sql, (site,)).fetchall()
        badges = conn.execute(badges_sql, (site,)).fetchall()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(target) as pg:
            accounts = pg.execute(accounts_sql.replace("?", "%s").encode(), (site,)).fetchall()
            badges = pg.execute(badges_sql.replace("?", "%s").encode(), (site,)).fetchall()
    json.dumps({"accounts": accounts, "credentials": badges})
    return time.perf_counter() - start


def snapshot(hub_url: str, term: Terminal, folder: Path) -> tuple[float, int]:
    with HubClient(hub_url, term.token, timeout=120) as client:
        store = Store.open(folder / f"{term.id}.db")
        try:
            start = time.perf_counter()
            report = SyncDaemon(store, client).sync_once()
            elapsed = time.perf_counter() - start
            assert store.count_accounts() > 0
        finally:
            store.close()
    return elapsed, report.rows


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


@dataclass(frozen=True)
class Run:
    """One hub set-up to measure: its database and how many processes serve it."""

    backend: str  # "sqlite" or "postgresql"
    workers: int = 1

    @property
    def name(self) -> str:
        kind = "SQLite" if self.backend == "sqlite" else "PostgreSQL"
        return f"{kind}, {self.workers} hub process{'es' if self.workers > 1 else ''}"


def parse_run(text: str) -> Run:
    backend, _, workers = text.partition(":")
    if backend not in {"sqlite", "postgresql"}:
        raise argparse.ArgumentTypeError(f"{text}: sqlite or postgresql[:workers]")
    return Run(backend, int(workers or 1))


def hub_version(target: Path | str) -> int:
    """The hub's change version: where a till that has had its snapshot stands."""
    sql = "SELECT value FROM meta WHERE key = 'version'"
    if isinstance(target, Path):
        conn = sqlite3.connect(target)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(target) as pg:
        row = pg.execute(sql.encode()).fetchone()
        assert row is not None
        return int(row[0])


def start_hub(
    folder: Path, target: Path | str, run: Run, shape: Shape
) -> tuple[subprocess.Popen[bytes], str]:
    """``kiosk hub`` in its own process (its workers its children), and its URL, once
    it answers."""
    port = free_port()
    command = [sys.executable, "-m", "kiosk.cli", "hub", "--port", str(port)]
    if isinstance(target, Path):
        command += ["--db", str(target)]
    else:
        command += ["--database", target, "--key", str(folder / "hub.key")]
    if run.workers > 1:
        command += ["--workers", str(run.workers)]
    command += ["--max-connections", str(shape.terminals + 64)]
    with (folder / "hub.log").open("wb") as log:  # the child keeps its own handle
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((folder / "hub.log").read_text(errors="replace")[-3000:])
        with contextlib.suppress(httpx.HTTPError):
            url = f"http://127.0.0.1:{port}"
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return proc, url
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("kiosk hub did not answer within 60 s")


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its children (the hub's workers)."""
    top = psutil.Process(pid)
    return sum(sum(p.cpu_times()[:2]) for p in [top, *top.children(recursive=True)])


def measure(folder: Path, shape: Shape, run: Run, dsn: str | None) -> dict[str, float]:
    rng = random.Random(7)
    RETRIES[0] = 0
    target: Path | str = folder / "hub.db" if run.backend == "sqlite" else str(dsn)
    hub = open_hub(target, key=folder / "hub.key")
    sites = [f"S{n:02}" for n in range(shape.sites)]
    for site in sites:
        seed(hub, site, shape.accounts_per_site, 1)
    seed(hub, "BIG", shape.snapshot_accounts, 2)
    terms = [enrol(hub, sites[n % shape.sites]) for n in range(shape.terminals)]
    big = enrol(hub, "BIG")
    admin_token = hub.create_admin_token("bench")
    version = hub_version(target)
    signed: list[tuple[Ed25519PrivateKey, Entry]] = []
    for term in terms:
        entries = journal(term, shape, rng)
        term.bodies = push_bodies(entries, shape.batch)
        term.cursor = version  # each terminal had its snapshot before the service
        signed += [(term.key, e) for e in entries[:2]]
    hub.storage.close()
    verify_per_s = verification_rate(signed, 1.0)

    ensure_open_files(shape.terminals * 2 + 256)
    process, url = start_hub(folder, target, run, shape)
    try:
        cpu_before = cpu_seconds(process.pid)
        applied, elapsed, pushes, pulls = asyncio.run(service(url, terms, shape))
        cpu_s = cpu_seconds(process.pid) - cpu_before
        db_top = database_time(url, admin_token)
        snapshot_s, snapshot_rows = snapshot(url, big, folder)
    except Exception:
        print((folder / "hub.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    select_s = bare_select(target, "BIG")
    expected = shape.terminals * shape.batches * shape.batch
    assert applied == expected, f"{applied} entries applied, {expected} pushed"
    return {
        "terminals": float(shape.terminals),
        "workers": float(run.workers),
        "entries": float(applied),
        "entries_per_s": applied / elapsed,
        "push_p50_ms": statistics.median(pushes) * 1000,
        "push_p99_ms": quantile(pushes, 99) * 1000,
        "pull_p99_ms": quantile(pulls, 99) * 1000,
        "pulls": float(len(pulls)),
        "verify_per_s": verify_per_s,
        "push_to_verify": applied / elapsed / verify_per_s,
        "push_cpu_to_verify": applied / cpu_s / verify_per_s,
        "snapshot_s": snapshot_s,
        "snapshot_rows": float(snapshot_rows),
        "bare_select_json_s": select_s,
        "elapsed_s": elapsed,
        "hub_cpu_s": cpu_s,
        "entries_per_hub_cpu_s": applied / cpu_s,
        "retries": float(RETRIES[0]),
        **{f"db_s_{name}": seconds for name, seconds in db_top},
    }


def report(run: Run, shape: Shape, f: dict[str, float]) -> None:
    print(
        f"{run.name}, {f['terminals']:,.0f} terminals: "
        f"{f['entries']:,.0f} entries in {f['elapsed_s']:.1f} s = "
        f"{f['entries_per_s']:,.0f} entries/s applied ({f['retries']:.0f} retries)"
    )
    print(
        f"  hub CPU: {f['hub_cpu_s']:.1f} s over the run, "
        f"{f['entries_per_hub_cpu_s']:,.0f} entries per CPU second "
        f"(what a core would sustain, the machine's other load aside)"
    )
    print(
        f"  push p50 {f['push_p50_ms']:.0f} ms, p99 {f['push_p99_ms']:.0f} ms; "
        f"pull p99 {f['pull_p99_ms']:.0f} ms over {f['pulls']:,.0f} pulls"
    )
    print(
        f"  raw Ed25519 verification: {f['verify_per_s']:,.0f} per CPU second of one core; "
        f"push throughput / verification = {f['push_to_verify']:.3f} "
        f"(per hub CPU second: {f['push_cpu_to_verify']:.3f})"
    )
    print(
        f"  first snapshot of {shape.snapshot_accounts:,} accounts "
        f"({f['snapshot_rows']:,.0f} rows): {f['snapshot_s']:.2f} s "
        f"(bare SELECT + json.dumps of the same rows: {f['bare_select_json_s']:.2f} s, "
        f"ratio {f['snapshot_s'] / f['bare_select_json_s']:.1f}; "
        f"target <= {TARGETS['snapshot_s']:.0f} s)"
    )
    top = ", ".join(f"{k[5:]} {v:.1f} s" for k, v in f.items() if k.startswith("db_s_"))
    print(f"  storage calls by total time: {top}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py hub", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 terminals, 10,000 accounts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--terminals", type=int, help="simulated terminals (1,000)")
    parser.add_argument(
        "--runs",
        type=lambda text: [parse_run(t) for t in text.split(",")],
        default=None,
        help="sqlite, postgresql:WORKERS, comma-separated (default: sqlite, postgresql:1 "
        "and postgresql:2; --quick: sqlite)",
    )
    args = parser.parse_args(argv)
    shape = QUICK if args.quick else FULL
    if args.terminals:
        shape.terminals = args.terminals
    runs: list[Run] = args.runs or (
        [Run("sqlite")] if args.quick else [Run("sqlite"), Run("postgresql"), Run("postgresql", 2)]
    )
    results: dict[str, dict[str, float]] = {}
    ok = True
    for run in runs:
        with tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp:
            if run.backend == "sqlite":
                figures = measure(Path(tmp), shape, run, None)
            else:
                from pg_throwaway import PgServer

                with PgServer(max_connections=400) as dsn:
                    figures = measure(Path(tmp), shape, run, dsn)
        results[run.name] = figures
        ok = ok and figures["snapshot_s"] <= TARGETS["snapshot_s"]
        if not args.json:
            report(run, shape, figures)
    if args.json:
        print(json.dumps(results))
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
