"""The CLI as a technician runs it: demo, journal verify and export (subprocesses)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

KIOSK = [sys.executable, "-m", "kiosk.cli"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(Path(__file__).parents[3])}
    return subprocess.run(
        [*KIOSK, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_demo_then_verify_then_tamper(tmp_path: Path) -> None:
    demo = run("demo", "--headless", "--folder", "d", "--diners", "30", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "journal terminal" in demo.stdout and "vérifié" in demo.stdout
    assert "Ce badge a été déclaré perdu" in demo.stdout and "CORROMPU" not in demo.stdout
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", demo.stdout), demo.stdout  # no raw code
    assert "rechargé en espèces puis payé" in demo.stdout

    # The stop entry written as the demo ends was pushed with the rest: nothing waits,
    # and the summary counted it.
    status = json.loads(
        run("sync", "status", "--data", "d/terminal", "--json", cwd=tmp_path).stdout
    )
    assert status["waiting"] == 0
    seq = status["hub_applied_seq"]
    assert re.search(rf"journal terminal\s*│\s*{seq} écritures", demo.stdout), demo.stdout

    ok = run("journal", "verify", "--data", "d/terminal", cwd=tmp_path)
    assert ok.returncode == 0 and "journal ok" in ok.stdout

    exported = run("journal", "export", "--data", "d/terminal", "--since", "3", cwd=tmp_path)
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert lines[0]["seq"] == 4 and len({e["terminal_id"] for e in lines}) == 1
    assert "exported" in exported.stderr

    raw = sqlite3.connect(tmp_path / "d" / "terminal" / "kiosk.db")
    raw.execute("DROP TRIGGER journal_no_update")
    raw.execute("UPDATE journal SET amount = amount + 1 WHERE seq = 5")
    raw.commit()
    raw.close()
    bad = run("journal", "verify", "--data", "d/terminal", cwd=tmp_path)
    assert bad.returncode == 1 and "entry 5" in bad.stderr


def test_verify_without_a_store_is_a_clear_error(tmp_path: Path) -> None:
    result = run("journal", "verify", "--data", "nothing", cwd=tmp_path)
    assert result.returncode == 1 and "not a terminal's data folder" in result.stderr
    assert not (tmp_path / "nothing").exists()  # looking creates nothing


def test_every_command_has_help_with_an_example(tmp_path: Path) -> None:
    top = run("--help", cwd=tmp_path)
    assert top.returncode == 0 and "journal" in top.stdout
    for args in (("demo",), ("journal", "verify"), ("journal", "export")):
        result = run(*args, "--help", cwd=tmp_path)
        assert result.returncode == 0 and "Example" in result.stdout
