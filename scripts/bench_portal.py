"""Diner portal: ``scripts/bench.py portal [--quick] [--json] [--samples N]``.

A hub with 100,000 accounts (``--quick``: 10,000) on one site and, from two tills over
two years, 5,000 entries of one diner (``--quick``: 500) among 50,000 of other diners
(priced trays: formula, admission, subsidy, VAT), plus hub movements. The diner signs
in through the portal's forms; then the pages are requested in turn on one keep-alive
connection on loopback: ``GET /v1/health`` (the baseline, in the same run), the home
page, the first and the last page of the tickets, a ticket's detail with its receipt,
and its PDF. Figures: the p50 and p95 of each (the time from the request sent to the
answer read, on loopback: the server's time plus a constant that the health request
shows) and its ratio to the health request's p95; then the weight of every page of the
portal (HTML bytes, and gzipped as a server would send it), and of the stylesheet.

Target: home and tickets pages (first and last) within 50 ms of server time at p95.
Measured on the shared 2-core machine under a load average of 10 (others' test runs):
server p50 / p95 home 4.3 / 40 ms, tickets 7.6 / 44 ms, the last of 251 pages 19 /
66 ms, beside /v1/health 1.6 / 18 ms in the same run (the p95s are the machine's load:
health's own is ten times its median); pages weigh 1 to 4 kB gzipped.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402

from kiosk.engine.pricing.pricer import price_tray  # noqa: E402
from kiosk.sitefile import load_site_menu  # noqa: E402
from sync.journal import GENESIS_HASH, Entry, make_entry, public_key_text  # noqa: E402
from sync.protocol.messages import MAX_BATCH, EnrolRequest  # noqa: E402
from sync.protocol.rows import AccountRow, SiteSettings  # noqa: E402
from sync.protocol.ticket import PricedTicket  # noqa: E402
from sync.server import Hub, open_hub  # noqa: E402
from sync.server.app import create_app  # noqa: E402
from sync.server.connections import build_server  # noqa: E402
from sync.server.limits import HubLimits  # noqa: E402
from sync.server.loopback import ServerThread  # noqa: E402
from sync.server.portal.store import PortalStore  # noqa: E402
from sync.server.storage import SqliteStorage  # noqa: E402

TARGET_P95_S = 0.050
DINER, PASSWORD = "E000042", "bench password 42"
TRAYS = (["salad", "steak", "tart"], ["soup", "fish"], ["steak", "beer"], ["coffee"])
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class ServerTime:
    """ASGI wrapper: the server's time of each request, from its arrival to the last
    byte of its answer handed to the server (route, rendering, SQL, thread pool)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: dict[str, list[float]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        query = scope.get("query_string", b"").decode()
        key = scope["path"] + (f"?{query}" if query else "")

        async def timed(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.times.setdefault(key, []).append(time.perf_counter() - start)

        await self.app(scope, receive, timed)


def seed_accounts(hub: Hub, accounts: int) -> None:
    hub.create_site(SiteSettings(site_code="S1", site_name="Restaurant ACME"))
    batch = 10_000
    for start in range(0, accounts, batch):
        rows = [
            AccountRow(id=f"E{i:06d}", display_name=f"Convive {i}", balance=10_000)
            for i in range(start, min(accounts, start + batch))
        ]
        hub.put_accounts("S1", rows, replace=False)


def tickets() -> list[PricedTicket]:
    menu = load_site_menu(ROOT / "config" / "example-site.toml")
    found = []
    for tray in TRAYS:
        ticket = price_tray(menu, "employee", tray, subsidised_today=False)
        assert isinstance(ticket, PricedTicket), ticket
        found.append(ticket)
    return found


def seed_entries(hub: Hub, accounts: int, mine: int, others: int) -> None:
    """Two tills enrolled two years ago; their journals spread over the two years."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    now = datetime.now(UTC)
    start = now - timedelta(days=730)
    real_clock = hub.clock
    hub.clock = lambda: start
    tills = []
    for name in ("caisse 1", "caisse 2"):
        key = Ed25519PrivateKey.generate()
        token, _ = hub.create_enrolment_token("S1", timedelta(hours=1))
        reply = hub.enrol(
            EnrolRequest(
                site_code="S1", token=token, public_key=public_key_text(key.public_key()), name=name
            )
        )
        tills.append((reply.terminal_id, key))
    hub.clock = real_clock
    priced = tickets()
    total = mine + others
    step = (now - start - timedelta(hours=1)) / total
    journals: list[list[Entry]] = [[], []]
    every = max(1, total // mine)
    for n in range(total):
        account = DINER if n % every == 0 and n // every < mine else f"E{(n * 7919) % accounts:06d}"
        t = n % 2
        terminal_id, key = tills[t]
        journal = journals[t]
        ticket = priced[n % len(priced)]
        moment = start + timedelta(minutes=30) + step * n
        payload = {
            "business_day": moment.date().isoformat(),
            "credential": "nfc:04A1B2C3",
            "items": [line.item_id for line in ticket.lines]
            + [p.item_id for f in ticket.formulas for p in f.parts],
            "ticket": ticket.model_dump(mode="json"),
            "balance_after": 5_000,
        }
        journal.append(
            make_entry(
                key=key,
                terminal_id=terminal_id,
                seq=len(journal) + 1,
                ts=moment,
                kind="sale",
                account=account,
                amount=-ticket.total,
                payload=payload,
                prev_hash=journal[-1].hash if journal else GENESIS_HASH,
            )
        )
    for (terminal_id, _), journal in zip(tills, journals, strict=True):
        terminal = hub.storage.terminal(terminal_id)
        assert terminal is not None
        for first in range(0, len(journal), MAX_BATCH):
            hub.push(terminal, journal[first : first + MAX_BATCH])
            terminal = hub.storage.terminal(terminal_id)
            assert terminal is not None
    for i in range(12):  # a top-up a month or so
        hub.top_up(DINER, 5_000, f"bench-{i}", note="virement")


def sign_in(client: httpx.Client) -> None:
    def post(path: str, **fields: str) -> httpx.Response:
        token = CSRF.search(client.get(path).text)
        assert token, path
        return client.post(path, data={"csrf": token.group(1), **fields})

    post("/portal/connexion", site="S1")
    post("/portal/identifiant", identifier=DINER)
    home = post("/portal/mot-de-passe", password=PASSWORD)
    assert 'id="balance"' in home.text, home.text[:500]


def timed(client: httpx.Client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def measure(folder: Path, accounts: int, mine: int, others: int, samples: int) -> dict[str, Any]:
    hub = open_hub(folder / "hub.db")
    seeded = time.perf_counter()
    seed_accounts(hub, accounts)
    seed_entries(hub, accounts, mine, others)
    seed_s = time.perf_counter() - seeded
    assert isinstance(hub.storage, SqliteStorage)
    PortalStore(hub.storage).set_password(DINER, PasswordHasher().hash(PASSWORD), hub.clock())
    timing = ServerTime(create_app(hub))
    options = {"log_level": "warning", "access_log": False, "lifespan": "off"}
    server = ServerThread(
        build_server(timing, HubLimits(), **options), "127.0.0.1", 0, "the hub"
    ).start()
    try:
        with httpx.Client(base_url=server.url, follow_redirects=True, timeout=60) as client:
            sign_in(client)
            listing = client.get("/portal/tickets").text
            pages = int(re.search(r"Page 1 sur (\d+)", listing).group(1))  # type: ignore[union-attr]
            ticket = re.search(r'href="(/portal/tickets/(?!hub/)[^"]+/\d+)"', listing)
            assert ticket
            targets = {
                "health": "/v1/health",
                "home": "/portal/",
                "tickets": "/portal/tickets",
                "tickets_last": f"/portal/tickets?page={pages}",
                "ticket": ticket.group(1),
                "ticket_pdf": ticket.group(1) + "/pdf",
            }
            for path in targets.values():  # warm up
                timed(client, path)
            timing.times.clear()
            times: dict[str, list[float]] = {name: [] for name in targets}
            for _ in range(samples):
                for name, path in targets.items():
                    times[name].append(timed(client, path))
            served = {name: timing.times[path] for name, path in targets.items()}
            weights = {}
            for name, path in {
                "home": "/portal/",
                "tickets": "/portal/tickets",
                "ticket": ticket.group(1),
                "ticket_pdf": ticket.group(1) + "/pdf",
                "services": "/portal/services",
                "visits": "/portal/visites",
                "visit_form": "/portal/visites/nouvelle",
                "notifications": "/portal/notifications",
                "settings": "/portal/parametres",
                "data": "/portal/donnees",
                "stylesheet": "/portal/static/portal.css",
            }.items():
                body = client.get(path).content
                weights[name] = {"bytes": len(body), "gzip": len(gzip.compress(body))}
    finally:
        server.stop()
        hub.storage.close()
    health = p95(times["health"])
    return {
        "server_p50_ms": {n: statistics.median(v) * 1000 for n, v in served.items()},
        "server_p95_ms": {n: p95(v) * 1000 for n, v in served.items()},
        "accounts": accounts,
        "diner_entries": mine,
        "other_entries": others,
        "ticket_pages": pages,
        "seed_s": seed_s,
        "samples": samples,
        "loopback_p50_ms": {n: statistics.median(v) * 1000 for n, v in times.items()},
        "loopback_p95_ms": {n: p95(v) * 1000 for n, v in times.items()},
        "loopback_p95_over_health": {n: p95(v) / health for n, v in times.items()},
        "weights": weights,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py portal", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 accounts, 500 entries")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--samples", type=int, default=200, help="requests per page")
    args = parser.parse_args(argv)
    accounts, mine, others = (10_000, 500, 5_000) if args.quick else (100_000, 5_000, 50_000)
    with tempfile.TemporaryDirectory() as scratch:
        figures = measure(Path(scratch), accounts, mine, others, args.samples)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(
        f"{accounts:,} accounts; the diner's {mine:,} entries among {others:,} others "
        f"({figures['ticket_pages']} pages of tickets); seeded in {figures['seed_s']:.0f} s"
    )
    print(f"{'page':<14}{'server p50':>11}{'server p95':>11}{'loopback p95':>14}{'/ health':>10}")
    for name in figures["server_p95_ms"]:
        print(
            f"{name:<14}{figures['server_p50_ms'][name]:>9.1f}ms{figures['server_p95_ms'][name]:>9.1f}ms"
            f"{figures['loopback_p95_ms'][name]:>12.1f}ms"
            f"{figures['loopback_p95_over_health'][name]:>10.1f}"
        )
    print(f"{'weight':<14}{'bytes':>9}{'gzip':>9}")
    for name, weight in figures["weights"].items():
        print(f"{name:<14}{weight['bytes']:>9,}{weight['gzip']:>9,}")
    worst = max(figures["server_p95_ms"][n] for n in ("home", "tickets", "tickets_last")) / 1000
    verdict = "ok" if worst <= TARGET_P95_S else "ABOVE TARGET"
    target = TARGET_P95_S * 1000
    print(f"home and tickets server p95 {worst * 1000:.1f} ms (target {target:.0f} ms): {verdict}")
    return 0 if worst <= TARGET_P95_S else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
