"""``kiosk run`` refuses clearly when the terminal cannot serve yet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.engine import Engine


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3]), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "run", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def bound_store(folder: Path) -> None:
    Engine.open(folder / "kiosk.db", folder / "terminal.key", terminal_id="T9").close()


def test_without_a_store(tmp_path: Path) -> None:
    result = run("--data", "nothing", cwd=tmp_path)
    assert result.returncode == 1 and "not a terminal's data folder" in result.stderr


def test_without_a_menu(tmp_path: Path) -> None:
    Engine.open(
        tmp_path / "t" / "kiosk.db", tmp_path / "t" / "terminal.key", terminal_id="T9"
    ).close()
    result = run("--data", "t", cwd=tmp_path)
    assert result.returncode == 1 and "no menu on this terminal yet" in result.stderr


def test_bad_config_names_the_key(tmp_path: Path) -> None:
    Engine.open(
        tmp_path / "t" / "kiosk.db", tmp_path / "t" / "terminal.key", terminal_id="T9"
    ).close()
    (tmp_path / "t" / "terminal.toml").write_text("[ui]\nwidht = 800\n")
    result = run("--data", "t", cwd=tmp_path)
    assert result.returncode == 1 and "ui.widht: unknown key" in result.stderr
