"""``scripts/bench.py hub`` at a toy size, so that the benchmark keeps working as the
protocol moves (its signed sales must be accepted, its pulls read, its snapshot
applied): the figures are its own business, the run is this test's."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.databases import fresh_pg

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_hub_bench_runs_end_to_end(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(SCRIPTS))
    import bench_hub

    shape = bench_hub.Shape(
        terminals=12,
        sites=2,
        accounts_per_site=40,
        batches=2,
        batch=5,
        snapshot_accounts=300,
        service_s=1.0,
    )
    with ExitStack() as stack:
        stack.callback(sys.modules.pop, "bench_hub", None)
        dsn = stack.enter_context(fresh_pg()) if backend == "postgresql" else None
        # In a thread of its own: the browser tests' Playwright (sync API) keeps an
        # event loop running in this process's main thread for the whole session.
        with ThreadPoolExecutor(1) as apart:
            run = bench_hub.Run(backend)
            figures = apart.submit(bench_hub.measure, tmp_path, shape, run, dsn).result()
    assert figures["entries"] == 12 * 2 * 5  # every sale applied once (measure checks)
    assert figures["pulls"] >= 12 * 2
    assert figures["snapshot_rows"] == 300 * 3  # the diners and their two badges
    assert figures["verify_per_s"] > 0 and figures["bare_select_json_s"] > 0
