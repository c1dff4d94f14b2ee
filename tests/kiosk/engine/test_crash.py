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
    reported: dict[int, int] = {}  # seq -> the child's unique sale number
    next_number = 0
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(db), str(key), str(next_number)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        # Once it sells, let it go on for a random while, then kill it wherever it is.
        first = child.stdout.readline().split()
        assert first[0] == "committed", first
        reported[int(first[1])] = int(first[2])
        time.sleep(rng.uniform(0.0, 0.05))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        assert child.returncode == -signal.SIGKILL  # killed, not failed on its own
        for line in out.splitlines():
            word, seq, number = line.split()
            assert word == "committed"
            reported[int(seq)] = int(number)
        next_number += 100_000

    engine = Engine.open(db, key, terminal_id="T1")
    report = engine.verify()
    assert report.ok, report
    numbers = {e.seq: int(e.payload["items"][0][1:]) for e in engine.store.journal_after(0, 10**9)}
    # Every sale the child reported is there, with its number, and none twice.
    for seq, number in reported.items():
        assert numbers.get(seq) == number
    assert len(set(numbers.values())) == len(numbers)
    assert len(reported) >= KILLS
    engine.close()
