"""``kiosk admin orders`` against a live hub: the kitchen's production list of a day as
a table, CSV and PDF, ready and cancel (refunded), and a code that is not one."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kiosk.cli import main
from kiosk.engine.trays import menu_document
from tests.sync.conftest import TillFactory
from tests.sync.live import Admin, LiveHub, make_site
from tests.sync.order_helpers import (
    ADA,
    BOB,
    SLOTS,
    code_of,
    exchange,
    order_menu,
    placed,
    service,
    today,
)


@pytest.fixture
def cli_env(
    live_hub: LiveHub, admin_token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_URL", live_hub.url)
    monkeypatch.setenv("KIOSK_ADMIN_TOKEN", admin_token)
    monkeypatch.setenv("KIOSK_ADMIN_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COLUMNS", "200")


def kiosk(*args: str) -> Result:
    return CliRunner().invoke(main, ["admin", *args], catch_exceptions=False)


@pytest.fixture
def orders_site(admin: Admin) -> str:
    make_site(admin, "S1", offline_daily_cap=100_000)
    admin.accounts(
        "S1",
        {"id": "A1", "display_name": "Ada", "balance": 10_000},
        {"id": "A2", "display_name": "Bob", "balance": 10_000},
    )
    admin.badge(ADA, "A1")
    admin.badge(BOB, "A2")
    response = admin.http.put(
        "/v1/admin/sites/S1/documents/catalogue/site", json=menu_document(order_menu())
    )
    assert response.status_code in {200, 204}, response.text
    return "S1"


def test_production_list_ready_and_cancel(
    orders_site: str, cli_env: None, admin: Admin, open_till: TillFactory, tmp_path: Path
) -> None:
    kiosk_one = open_till("kiosk")
    exchange(kiosk_one)
    day = today()
    cake = placed(
        service(kiosk_one).order(
            ADA, ["cake-order", "cake-order"], pickup_day=day, slot=SLOTS[1],
            options={"cake-order": ["candles"]},
        )
    )  # fmt: skip
    other = placed(service(kiosk_one).order(BOB, ["cake-order"], pickup_day=day, slot=SLOTS[0]))
    exchange(kiosk_one)
    cake_code, other_code = code_of(kiosk_one, cake), code_of(kiosk_one, other)

    shown = kiosk("orders", "list", "--site", "S1", "--day", day.isoformat())
    assert shown.exit_code == 0, shown.output
    assert re.search(r"12:00-12:30\s+│?\s*cake-order\s+│?\s*candles\s+│?\s*2", shown.output), (
        shown.output
    )
    assert f"{cake_code[:3]} {cake_code[3:]}" in shown.output

    noon = kiosk("orders", "list", "--site", "S1", "--day", day.isoformat(), "--slot", SLOTS[0])
    assert other_code[:3] in noon.output and cake_code[:3] + " " not in noon.output
    text = kiosk("orders", "list", "--site", "S1", "--day", day.isoformat(), "--csv").output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((r["code"], r["qty"], r["options"], r["state"]) for r in rows) == sorted(
        [(cake_code, "2", "candles", "placed"), (other_code, "1", "", "placed")]
    )

    pdf = tmp_path / "production.pdf"
    written = kiosk("orders", "list", "--site", "S1", "--day", day.isoformat(), "--pdf", str(pdf))
    assert written.exit_code == 0, written.output
    body = pdf.read_bytes()
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    assert rb"2 x cake-order  \(candles\)" in body and b"/Count 1" in body
    assert_pdf_structure(body)

    ready = kiosk("orders", "ready", cake_code.lower(), "--site", "S1")
    assert ready.exit_code == 0 and "ready" in ready.output, ready.output
    cancelled = kiosk("orders", "cancel", other_code, "--site", "S1", "--reason", "oven down")
    assert (
        cancelled.exit_code == 0
        and "cancelled, " in cancelled.output
        and "refunded" in (cancelled.output)
    )
    assert admin.balance("A2") == 10_000
    again = kiosk("orders", "list", "--site", "S1", "--day", day.isoformat())
    assert "12:00-12:30" in again.output and "11:30-12:00" not in again.output.split("orders")[0]

    bad = CliRunner().invoke(main, ["admin", "orders", "ready", "NOT-A-CODE!", "--site", "S1"])
    assert bad.exit_code == 2 and "not an order code" in bad.output
    unknown = CliRunner().invoke(main, ["admin", "orders", "ready", "ZZZZZZ", "--site", "S1"])
    assert unknown.exit_code == 1 and "no order ZZZZZZ" in unknown.output


def assert_pdf_structure(body: bytes) -> None:
    """What a viewer relies on: ``startxref`` points at the cross-reference table, and
    each of its entries at the object of that number."""
    start = int(body.rsplit(b"startxref", 1)[1].split()[0])
    assert body[start : start + 4] == b"xref"
    lines = body[start:].split(b"\n")
    count = int(lines[1].split()[1])
    for number, line in enumerate(lines[3 : 2 + count], 1):
        offset = int(line.split()[0])
        assert body[offset:].startswith(b"%d 0 obj" % number), number
