"""The headless demo end to end, as an operator runs it, checked against the hub."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from sync.server import open_hub


def test_headless_demo_agrees_with_the_hub(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    run = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "demo", "--headless", "--diners", "60",
         "--folder", str(folder), "--json"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["journal_ok"] and report["hub_journal_ok"]
    assert report["waiting_after_sync"] == 0
    assert report["hub_entries"] == report["journal_entries"] == report["hub_applied_seq"]
    assert report["offline_sales"] > 0 and report["phone_taps"] > 0
    assert report["guest_meals"] > 0
    assert {"lost_badge", "blocked_badge"} <= set(report["refusals"])
    # Diners refused for their balance topped up in cash, then paid.
    assert 0 < report["topped_up_then_paid"] <= report["refusals"]["insufficient_balance"]
    # nobody queues twice within the charge hold-off: no badge is taken for a repeat
    assert "already_paid" not in report["refusals"]
    assert sum(report["by_vat_rate"].values()) == report["sales_total"]
    assert "/portal/" in report["portal"] and "mot de passe cantine-" in report["portal"]

    # The hub's own figures, read from its database after the demo stopped.
    hub = open_hub(folder / "hub.db")
    try:
        entries = hub.storage.entries_of_terminal(report["terminal_id"], 0, 10**6)
        assert [e.seq for e in entries] == list(range(1, report["journal_entries"] + 1))
        assert entries[-1].kind == "stop"  # the last entry, pushed before the demo ended
        cancelled = {e.payload["cancels"] for e in entries if e.kind == "cancel"}
        sales = [e for e in entries if e.kind == "sale" and e.seq not in cancelled]
        assert len(sales) == report["sales"]
        assert -sum(e.amount for e in sales) == report["sales_total"] == report["hub_sales_total"]
        # Every account's balance on the hub is its opening balance plus its movements.
        for entry in sales[:10]:
            assert entry.account is not None
            stored, recomputed = hub.hub_balance_check(entry.account)
            assert stored == recomputed
    finally:
        hub.storage.close()

    receipts = [Path(p) for p in report["receipts"]]
    assert receipts and all(p.exists() for p in receipts)
    with Image.open(receipts[0]) as image:
        assert image.width >= 576 and image.height > image.width  # a till roll, 80 mm
