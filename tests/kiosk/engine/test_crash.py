"""Crash safety: SIGKILL at random moments loses no reported sale and keeps the
journal verifiable. The child reports a sale only after engine.sell() returned."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from kiosk.engine import Engine

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 50


def test_sigkill_loses_no_committed_sale(tmp_path: Path) -> None:
    rng = random.Random(20261126)
    db, key = tmp_path / "crash.db", tmp_path / "crash.key"
    reported: dict[int, int] = {}
    next_cents = 1
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(db), str(key), str(next_cents)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        # Let it sell for a random while, then kill it wherever it is.
        time.sleep(rng.uniform(0.0, 0.08))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        for line in out.splitlines():
            word, seq, cents = line.split()
            assert word == "committed"
            reported[int(seq)] = int(cents)
        next_cents += 10_000

    engine = Engine.open(db, key, terminal_id="T1")
    report = engine.verify()
    assert report.ok, report
    amounts = {e.seq: -e.amount for e in engine.store.journal_after(0, 10**9)}
    # Every sale the child reported is there, once, with its amount.
    for seq, cents in reported.items():
        assert amounts.get(seq) == cents
    assert len(set(amounts.values())) == len(amounts)
    assert len(reported) > KILLS  # the children did sell between kills
    engine.close()
