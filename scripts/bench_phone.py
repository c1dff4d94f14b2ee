"""Phone-badge benchmark: what the signed QR code costs over a physical badge.

``scripts/bench.py phone [--quick] [--json]``

On one store (accounts each with a card and a phone) it measures, interleaved in the
same run: identifying a diner by card UID and by phone code (``present``), a full
sale by card and by phone code (the phone sale also checks and records the code in
the seen-codes table), and a bare Ed25519 verification, the floor of any phone check.
The figures to watch are the phone/card ratios (p50).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine import Accepted, Engine, Identified
from sync import phonebadge
from sync.journal import public_key_text
from sync.money import Money
from sync.protocol.rows import AccountRow, CredentialKind, CredentialRow, SiteSettings


def timed(fn: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - start) * 1e6


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.py phone")
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    n = 300 if args.quick else 2000
    phone = Ed25519PrivateKey.generate()
    key_text = public_key_text(phone.public_key())
    with tempfile.TemporaryDirectory(prefix="bench-phone-", dir=Path.cwd()) as tmp:
        engine = Engine.open(Path(tmp) / "b.db", Path(tmp) / "b.key", terminal_id="BENCH")
        accounts = [AccountRow(id=f"A{i:05d}", display_name="D", balance=10**7) for i in range(n)]
        creds = [
            row
            for i, a in enumerate(accounts)
            for row in (
                CredentialRow(value=f"nfc:{i:08X}", kind=CredentialKind.NFC, account_id=a.id),
                CredentialRow(
                    value=f"phone:{i:016x}",
                    kind=CredentialKind.PHONE,
                    account_id=a.id,
                    public_key=key_text,
                ),
            )
        ]
        engine.store.apply_snapshot(
            accounts=accounts,
            credentials=creds,
            settings=SiteSettings(site_code="B", offline_after_s=10**9),
            applied_seq=0,
            cursor=1,
        )
        engine.store.record_sync_result(ok=True, at=datetime.now(UTC))
        now = datetime.now(UTC)
        codes = [phonebadge.mint(phone, f"phone:{i:016x}", now) for i in range(n)]
        parsed = phonebadge.parse(codes[0])
        samples: dict[str, list[float]] = {
            k: [] for k in ("verify", "present_card", "present_phone", "sale_card", "sale_phone")
        }
        for i in range(n):
            card = f"nfc:{i:08X}"
            samples["verify"].append(timed(phonebadge.verify, parsed, key_text, now))
            samples["present_card"].append(timed(engine.present, card))
            samples["present_phone"].append(timed(engine.present, codes[i]))
            samples["sale_card"].append(timed(engine.sell, card, Money(100)))
            samples["sale_phone"].append(timed(engine.sell, codes[i], Money(100)))
        assert isinstance(engine.present(f"nfc:{0:08X}"), Identified)
        assert not isinstance(engine.sell(codes[0], Money(100)), Accepted)  # replay
        engine.close()
    p50 = {k: statistics.median(v) for k, v in samples.items()}
    result = {
        **{f"{k}_p50_us": round(v, 1) for k, v in p50.items()},
        "present_ratio": round(p50["present_phone"] / p50["present_card"], 2),
        "sale_ratio": round(p50["sale_phone"] / p50["sale_card"], 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>22}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
