"""Shared fixtures for every suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import BACKENDS, hub_database

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


@pytest.fixture(autouse=True)
def _no_metrics_folder_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test starts without ``PROMETHEUS_MULTIPROC_DIR``: a folder named there by an
    earlier test of this process (a hub's workers) must not reach the hubs it starts."""
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)


@pytest.fixture(params=BACKENDS)
def hub_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    """A fresh hub database on each backend: every test that uses it (or a hub fixture
    built on it) runs once on SQLite and once on PostgreSQL."""
    with hub_database(request.param, tmp_path) as db:
        yield db
