"""Child process for the crash test: sells in a loop and reports each committed sale.

Usage: python crash_child.py DB KEY START
Prints "committed SEQ N" (N unique across runs, kept in the payload) only after
engine.sell() returned Accepted, i.e. after the durable commit; the parent kills
this process with SIGKILL at random moments.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from kiosk.engine import Accepted, Engine
from sync.money import Money
from sync.protocol.rows import AccountKind, AccountRow, CredentialKind, CredentialRow, SiteSettings


def main() -> None:
    db, key, number = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = Engine.open(db, key, terminal_id="T1")
    if engine.store.count_accounts() == 0:
        engine.store.apply_snapshot(
            accounts=[AccountRow(id="A", display_name="A", balance=0, kind=AccountKind.POSTPAID)],
            credentials=[
                CredentialRow(value="nfc:0A0B0C0D", kind=CredentialKind.NFC, account_id="A")
            ],
            settings=SiteSettings(site_code="S", offline_after_s=10**9),
            applied_seq=0,
            cursor=1,
        )
        engine.store.record_sync_result(ok=True, at=datetime.now(UTC))
    print("ready", flush=True)
    while True:
        details = {"items": [f"n{number}"]}  # the number is read back from the journal
        result = engine.sell("nfc:0A0B0C0D", Money(100 + number % 900), details=details)
        if not isinstance(result, Accepted):
            sys.exit(f"sale refused: {result}")
        print(f"committed {result.seq} {number}", flush=True)
        number += 1


if __name__ == "__main__":
    main()
