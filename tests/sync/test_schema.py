"""Schemathesis against the live hub's OpenAPI document: no input gives a 5xx.

Each operation gets generated requests (valid and invalid), sent over HTTP with an
admin token (admin API) or a terminal token (sync API). In the pytest run each
operation gets a few; ``scripts/fuzz-hub --cases N`` runs at least N cases in all
(``HUB_FUZZ_CASES``), in passes with new seeds until the count is reached, and
prints the count and the time taken.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation

from sync.server import RateLimits
from sync.server.limits import Rate
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, LiveHub, make_site

EXAMPLES = 12  # per operation in the pytest run
CASES = int(os.environ.get("HUB_FUZZ_CASES", "0"))  # at least this many, when set
# The fuzzer writes far faster than a back office: lift the rate limits for it (they
# are tested in test_rate_limits.py).
UNLIMITED = RateLimits(enrol=Rate(10**6, 10**6), admin_writes=Rate(10**6, 10**6))


@pytest.fixture
def live_hub(tmp_path: Path, hub_db: Path | str) -> Iterator[LiveHub]:
    live = LiveHub(hub_db, rates=UNLIMITED, key=tmp_path / "hub.key").start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def tokens(admin: Admin, admin_token: str, enrol: EnrolFn) -> dict[str, str]:
    make_site(admin, "S1")
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 100})
    admin.badge("nfc:0E0E0E01", "A1")
    _, client = enrol("S1")
    return {"admin": admin_token, "terminal": client._http.headers["Authorization"][7:]}


def exercise(
    operation: APIOperation,
    headers: dict[str, str],
    statuses: list[int],
    *,
    examples: int,
    mode: GenerationMode,
    seed: int | None,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=seed is None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def call(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        statuses.append(response.status_code)

    if seed is not None:
        call = hypothesis.seed(seed)(call)
    call()


def test_no_input_makes_the_hub_fail(live_hub: LiveHub, tokens: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"{live_hub.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if CASES else [])
    per_run = math.ceil(CASES / (len(operations) * len(modes))) if CASES else EXAMPLES
    statuses: list[int] = []
    failures: list[str] = []
    start = time.monotonic()
    open_runs = [(op, mode) for op in operations for mode in modes]
    for seed in [None, *range(1, 50)]:
        for operation, mode in list(open_runs):
            role = "admin" if operation.path.startswith("/v1/admin") else "terminal"
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            before = len(statuses)
            try:
                exercise(operation, headers, statuses, examples=per_run, mode=mode, seed=seed)
            except Unsatisfiable:  # no invalid request exists (e.g. no parameters at all)
                pass
            except Exception as exc:  # collect every operation's failure
                inner = getattr(exc, "exceptions", ())
                failures.append(f"{operation.label} ({mode.value}): {exc!s:.1500} {inner!r:.1500}")
            if len(statuses) - before < per_run:  # its strategy ran out of new cases
                open_runs.remove((operation, mode))
            if CASES and len(statuses) >= CASES:
                break
        if len(statuses) >= CASES or not open_runs:
            break
    elapsed = time.monotonic() - start
    if CASES:
        fives = sum(s >= 500 for s in statuses)
        print(f"\nfuzz-hub: {len(statuses)} cases in {elapsed:.0f} s, {fives} answered 5xx")
    assert not failures, "\n\n".join(failures)
    # The generated requests got past authentication and validation often enough.
    assert sum(200 <= s < 300 for s in statuses) >= len(operations)
    assert max(statuses) < 500
    assert len(statuses) >= CASES


def test_what_the_fuzzer_found_is_a_422(admin: Admin) -> None:
    """Each 5xx the fuzzer found, kept as a plain case."""
    make_site(admin, "S1")
    response = admin.http.post(
        "/v1/admin/sites/S1/menu", json={"menu": {}, "effective": "2026-13-45"}
    )
    assert response.status_code == 422, response.text
    assert "effective" in response.json()["detail"]
