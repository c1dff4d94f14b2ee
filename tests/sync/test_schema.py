"""Schemathesis against the live hub's OpenAPI document: no input gives a 5xx.

Each operation gets a bounded number of generated requests, sent over HTTP with an
admin token (admin API) or a terminal token (sync API).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation

from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, LiveHub, make_site

EXAMPLES = 12


@pytest.fixture
def tokens(admin: Admin, admin_token: str, enrol: EnrolFn) -> dict[str, str]:
    make_site(admin, "S1")
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 100})
    admin.badge("nfc:0E0E0E01", "A1")
    _, client = enrol("S1")
    return {"admin": admin_token, "terminal": client._http.headers["Authorization"][7:]}


def exercise(operation: APIOperation, headers: dict[str, str], statuses: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        statuses.append(response.status_code)

    call()


def test_no_input_makes_the_hub_fail(live_hub: LiveHub, tokens: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"{live_hub.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    statuses: list[int] = []
    for operation in operations:
        role = "admin" if operation.path.startswith("/v1/admin") else "terminal"
        exercise(operation, {"Authorization": f"Bearer {tokens[role]}"}, statuses)
    # The generated requests got past authentication and validation often enough.
    assert sum(200 <= s < 300 for s in statuses) >= len(operations)
    assert max(statuses) < 500
