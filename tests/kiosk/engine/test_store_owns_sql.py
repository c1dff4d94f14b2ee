"""The terminal's store owns SQL: no other module of the terminal (engine, UI, CLI,
doctor, drivers, sync daemon) imports sqlite3, runs a statement or reaches the
connection under a transaction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.engine.store import Store
from kiosk.engine.store_tx import Tx

ROOT = Path(__file__).resolve().parents[3]
STORE = re.compile(r"kiosk/engine/store(_\w+)?\.py")
SQL = re.compile(r"\bimport sqlite3\b|\.execute(many|script)?\(|\bsql_of\b|\._conn\b")


def terminal_modules() -> list[Path]:
    found = [*(ROOT / "kiosk").rglob("*.py"), *(ROOT / "drivers").rglob("*.py")]
    found += [p for p in (ROOT / "sync").rglob("*.py") if "server" not in p.parts]
    # the shared SQLite foundation is the store's own plumbing
    return [p for p in found if p.name != "sqlitedb.py"]


def test_no_sql_outside_the_store() -> None:
    offenders, modules = [], terminal_modules()
    assert len(modules) > 50  # the scan sees the terminal's code
    for path in modules:
        name = path.relative_to(ROOT).as_posix()
        if STORE.fullmatch(name):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SQL.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []


def test_a_transaction_hands_out_no_connection(tmp_path: Path) -> None:
    with Store.open(tmp_path / "kiosk.db") as store, store.reading() as tx:
        assert isinstance(tx, Tx)
        assert not hasattr(tx, "execute")
        with pytest.raises(AttributeError):
            tx.db = None  # type: ignore[attr-defined]
