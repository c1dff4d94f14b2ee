"""Orders benchmark: ``scripts/bench.py orders [--quick] [--json]``.

- The hub applying pushed kiosk orders (each one creates an order, checks the item's
  daily limit and writes the document the terminals pull), in entries/s, beside the
  same number of plain sales pushed by the same hub (baseline);
- a terminal listing a diner's orders (``TillService.orders_of``: the hub's documents
  and its own entries) with 10,000 orders of 1,000 diners in its store, in ms, beside
  reading the diner's last five tickets (baseline).

Targets: order push >= 40 % of the sale push rate; listing <= 20 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine import Engine
from kiosk.engine.trays import menu_document
from kiosk.service import TillService
from kiosk.sitefile import load_site_menu
from sync.journal import GENESIS_HASH, Entry, make_entry, public_key_text
from sync.protocol.messages import EnrolRequest
from sync.protocol.order_rules import OrderLine, OrderRules
from sync.protocol.orders import OrderDoc, OrderState, order_code
from sync.protocol.rows import AccountRow, CredentialKind, CredentialRow, SiteSettings
from sync.server import Hub, open_hub

TARGETS = {"push_ratio": 0.4, "list_ms": 20.0}
NOW = datetime.now(UTC)
ROOT = Path(__file__).resolve().parent.parent
BATCH = 500


def journal(key: Ed25519PrivateKey, terminal_id: str, n: int, kind: str) -> list[Entry]:
    entries, prev = [], GENESIS_HASH
    day = (NOW + timedelta(days=2)).date().isoformat()
    for seq in range(1, n + 1):
        payload: dict[str, object] = {
            "business_day": NOW.date().isoformat(),
            "credential": f"nfc:{seq % 1000:08X}",
            "means": "balance",
            "items": ["cake-order"],
            "balance_after": 0,
        }
        if kind == "order":
            payload.update(
                lines=[{"item": "cake-order", "qty": 1, "options": []}],
                pickup_day=day,
                slot="12:00-12:30",
                mode="kiosk",
            )
        entry = make_entry(
            key=key, terminal_id=terminal_id, seq=seq, ts=NOW, kind=kind,
            account=f"A{seq % 1000:04}", amount=-2400, payload=payload, prev_hash=prev,
        )  # fmt: skip
        entries.append(entry)
        prev = entry.hash
    return entries


def push_rate(hub: Hub, site: str, kind: str, n: int) -> float:
    key = Ed25519PrivateKey.generate()
    token, _ = hub.create_enrolment_token(site, ttl=timedelta(hours=1))
    reply = hub.enrol(
        EnrolRequest(site_code=site, token=token, public_key=public_key_text(key.public_key()))
    )
    terminal = hub.terminal_for(reply.api_token)
    entries = journal(key, reply.terminal_id, n, kind)
    start = time.perf_counter()
    for i in range(0, n, BATCH):
        hub.push(terminal, entries[i : i + BATCH])
        terminal = hub.terminal_for(reply.api_token)
    return n / (time.perf_counter() - start)


def seed(hub: Hub, site: str) -> None:
    hub.create_site(SiteSettings(site_code=site, max_amount=100_000))
    hub.storage.create_accounts(
        site, [AccountRow(id=f"A{i:04}", display_name="", balance=10**7) for i in range(1000)], NOW
    )
    hub.storage.put_credentials(
        site,
        [CredentialRow(value=f"nfc:{i:08X}", kind=CredentialKind.NFC, account_id=f"A{i:04}")
         for i in range(1000)],
        NOW,
    )  # fmt: skip
    menu = load_site_menu(ROOT / "config" / "example-site.toml")
    rules = OrderRules(slots=("12:00-12:30",), daily_limit=100_000)
    items = tuple(
        i.model_copy(update={"ordering": rules}) if i.id == "cake-order" else i for i in menu.items
    )
    hub.put_document(
        site, "catalogue", "site", menu_document(menu.model_copy(update={"items": items}))
    )


def listing_ms(folder: Path, orders: int) -> tuple[float, float]:
    engine = Engine.open(folder / "t.db", folder / "t.key", terminal_id="T1")
    docs = {}
    for i in range(orders):
        origin = f"K{i % 7}:{i}"
        doc = OrderDoc(
            code=order_code(origin), origin=origin, account=f"A{i % 1000:04}",
            lines=(OrderLine(item="cake-order"),), pickup_day="2026-12-01", slot="12:00-12:30",
            place="Comptoir", amount=2400, state=OrderState.PLACED,
            placed_at="2026-11-30T10:00:00.000000Z",
        )  # fmt: skip
        docs[doc.code] = doc.model_dump(mode="json")
    accounts = [AccountRow(id=f"A{i:04}", display_name="", balance=0) for i in range(1000)]
    engine.store.apply_snapshot(
        accounts=accounts, credentials=[], settings=None, applied_seq=0, cursor=1,
        documents={"order": docs},
    )  # fmt: skip
    till = TillService(engine, menu=load_site_menu(ROOT / "config" / "example-site.toml"))
    rounds = 200
    start = time.perf_counter()
    for i in range(rounds):
        till.orders_of(f"A{i % 1000:04}")
    listed = (time.perf_counter() - start) * 1000 / rounds
    start = time.perf_counter()
    for i in range(rounds):
        engine.store.entries_for_account(f"A{i % 1000:04}", 5)
    baseline = (time.perf_counter() - start) * 1000 / rounds
    engine.close()
    return listed, baseline


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py orders", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer entries and orders")
    parser.add_argument("--json", action="store_true", help="figures as JSON")
    args = parser.parse_args(argv)
    n = 1000 if args.quick else 5000
    orders = 2000 if args.quick else 10_000
    with tempfile.TemporaryDirectory(prefix="bench-orders-") as tmp:
        folder = Path(tmp)
        hub = open_hub(folder / "hub.db")
        try:
            seed(hub, "S1")
            sales = push_rate(hub, "S1", "sale", n)
            placed = push_rate(hub, "S1", "order", n)
        finally:
            hub.storage.close()
        listed, baseline = listing_ms(folder, orders)
    figures = {
        "sale_push_per_s": round(sales),
        "order_push_per_s": round(placed),
        "push_ratio": round(placed / sales, 2),
        "list_ms": round(listed, 2),
        "tickets_ms": round(baseline, 2),
    }
    ok = figures["push_ratio"] >= TARGETS["push_ratio"] and listed <= TARGETS["list_ms"]
    if args.json:
        print(json.dumps({**figures, "targets": TARGETS, "ok": ok}))
    else:
        print(f"push: {placed:,.0f} orders/s beside {sales:,.0f} sales/s "
              f"(ratio {placed / sales:.2f}, target >= {TARGETS['push_ratio']})")  # fmt: skip
        print(f"list a diner's orders among {orders:,}: {listed:.2f} ms "
              f"(last tickets: {baseline:.2f} ms; target <= {TARGETS['list_ms']} ms)")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
