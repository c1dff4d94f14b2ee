"""``kiosk price``: through click's runner, and once as the installed command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.engine.pricing import PricedTicket, price_tray
from tests.kiosk.pricing.menus import EXAMPLE_SITE, ROOT, example_menu

SITE = ["--site", str(EXAMPLE_SITE)]
ISSUE_EXAMPLE = [*SITE, "--profile", "employee", "--items", "starter:salad,main:steak,dessert:tart"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["price", *args])
    return result.exit_code, result.output


def library_ticket(profile: str, items: list[str], **options: bool) -> PricedTicket:
    ticket = price_tray(example_menu(), profile, items, **{"subsidised_today": False, **options})
    assert isinstance(ticket, PricedTicket)
    return ticket


def test_prints_the_ticket_in_french_money() -> None:
    code, out = run(*ISSUE_EXAMPLE)
    assert code == 0, out
    ticket = library_ticket("employee", ["salad", "steak", "tart"])
    assert "Formule complète" in out and "Pavé de bœuf" in out
    total = f"{ticket.total // 100},{ticket.total % 100:02d} €"
    assert total in out
    assert "Droit d'admission" in out and "Total TTC" in out and "10 %" in out


def test_json_is_the_ticket_model() -> None:
    code, out = run(*ISSUE_EXAMPLE, "--json")
    assert code == 0, out
    assert PricedTicket.model_validate_json(out) == library_ticket(
        "employee", ["salad", "steak", "tart"]
    )


def test_subsidised_today_and_take_away_reach_the_pricer() -> None:
    code, out = run(*ISSUE_EXAMPLE, "--json", "--subsidised-today")
    second = PricedTicket.model_validate_json(out)
    first = library_ticket("employee", ["salad", "steak", "tart"])
    assert code == 0 and first.subsidy is not None
    assert second.total == first.total - first.subsidy.amount and not second.subsidy_granted
    code, out = run(*SITE, "--items", "drink:water,dessert:yogurt", "--take-away", "--json")
    assert code == 0
    assert [int(row.rate) for row in PricedTicket.model_validate_json(out).vat] == [550, 1000]


def test_quantities_and_plain_ids() -> None:
    code, out = run(*SITE, "--items", "coffee*3,bread", "--json")
    assert code == 0, out
    lines = {line["item_id"]: line["quantity"] for line in json.loads(out)["lines"]}
    assert lines == {"coffee": 3, "bread": 1}


def test_guest_billed_to_host() -> None:
    code, out = run(*SITE, "--profile", "guest", "--host", "emp-0042", "--items", "fish", "--json")
    assert code == 0, out
    assert json.loads(out)["billed_to"] == {"kind": "host_account", "ref": "emp-0042"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--items", "main:caviar"], "unknown item 'caviar'"),
        (["--items", "main:salad"], "'salad' is a starter, not a main"),
        (["--items", "salad;steak"], "is not [CATEGORY:]ITEM[*N]"),
        (["--items", "coffee*0"], "quantity must be 1 to 99"),
        (["--items", " , "], "the tray is empty"),
        (["--profile", "director", "--items", "salad"], "unknown profile 'director'"),
        (["--profile", "guest", "--items", "salad"], "refusé: Repas invité sans hôte"),
        (["--host", "a", "--cost-centre", "b", "--items", "salad"], "not both"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args: list[str], message: str) -> None:
    code, out = run(*SITE, *args)
    assert code == 2 and message in out, out


def test_bad_site_file_names_file_key_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(EXAMPLE_SITE.read_text(encoding="utf-8").replace("price = 180", "price = 1.8"))
    code, out = run("--site", str(path), "--items", "salad")
    assert code == 2
    assert "menu.items[0].price" in out and "integer" in out and "site.toml" in out


def test_help_documents_the_items_syntax() -> None:
    code, out = run("--help")
    assert code == 0
    assert "[CATEGORY:]ITEM[*N]" in out and "starter:salad,main:steak,dessert:tart" in out


def test_installed_command() -> None:
    kiosk = Path(sys.executable).with_name("kiosk")
    result = subprocess.run(
        [str(kiosk), "price", *ISSUE_EXAMPLE, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert PricedTicket.model_validate_json(result.stdout).formulas[0].formula_id == "complete"
    bad = subprocess.run(
        [str(kiosk), "price", *SITE, "--items", "caviar"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "unknown item 'caviar'" in bad.stderr


RAW_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # insufficient_balance, not_qualifying ...


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(
    "args",
    [
        ISSUE_EXAMPLE,
        [*SITE, "--items", "main:steak"],
        [*SITE, "--profile", "intern", "--items", "veggie"],
        [*SITE, "--items", "salad,steak,tart", "--subsidised-today"],
        [*SITE, "--profile", "guest", "--cost-centre", "cc-42", "--items", "fish"],
        [*SITE, "--profile", "guest", "--items", "salad"],
    ],
)
def test_no_raw_code_reaches_the_reader(args: list[str], lang: str) -> None:
    _code, out = run(*args, "--lang", lang)
    assert not RAW_CODE.findall(out), out


def test_subsidy_outcome_saving_and_vat_total_in_words() -> None:
    code, out = run(*ISSUE_EXAMPLE)
    assert code == 0, out
    ticket = library_ticket("employee", ["salad", "steak", "tart"])
    assert ticket.subsidy is not None
    flat = " ".join(out.split())
    assert "Subvention : accordée" in flat
    # The saving on the à la carte price, not the à la carte figure itself under the total.
    sold = sum(f.total for f in ticket.formulas) + sum(line.total for line in ticket.lines)
    saving = ticket.a_la_carte - sold - ticket.subsidy.amount
    assert f"Économie : {saving // 100},{saving % 100:02d} €" in flat
    assert "À la carte" not in out
    # The VAT table ends on the overall total.
    vat_total = [line for line in out.splitlines() if "Total" in line][-1]
    assert (
        vat_total.count("€") == 3
        and f"{ticket.total // 100},{ticket.total % 100:02d} €" in vat_total
    )


def test_says_when_the_floor_cut_the_subsidy() -> None:
    ticket = library_ticket("intern", ["veggie"])
    assert ticket.subsidy is not None and ticket.subsidy.requested > -ticket.subsidy.amount
    code, out = run(*SITE, "--profile", "intern", "--items", "veggie")
    flat = " ".join(out.split())
    assert code == 0
    assert "Prise en charge réduite de 2,25 € à 1,75 €" in flat and "au moins 2,75 €" in flat
    code, out = run(*SITE, "--profile", "employee", "--items", "salad,steak,tart")
    assert "réduite" not in out  # a full subsidy says nothing of the floor


def test_english_words_and_money() -> None:
    code, out = run(*SITE, "--items", "main:steak", "--lang", "en")
    flat = " ".join(out.split())
    assert code == 0
    assert "EUR 8.20" in flat and "Subsidy: the tray does not qualify" in flat
    assert "€" not in out and "," not in flat.replace("Beef steak, chips", "")
