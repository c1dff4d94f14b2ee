"""The accounts CSV: what the export writes, the import reads back unchanged
(Hypothesis), amounts in euros to integer cents exactly, and the spellings of a UID."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.accounts_csv import (
    CsvProblem,
    format_euros,
    normalise_uid,
    parse_accounts,
    parse_euros,
    write_accounts,
)
from sync.protocol.admin import ExportRow
from sync.protocol.rows import AccountStatus

names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() == t and t != "")
uids = st.sampled_from([4, 7, 8, 10]).flatmap(
    lambda n: st.binary(min_size=n, max_size=n).map(lambda b: "nfc:" + b.hex().upper())
)
rows = st.builds(
    ExportRow,
    id=st.from_regex(r"\A[A-Za-z0-9_\-\.]{1,20}\Z"),
    name=names,
    profile=st.sampled_from(["employee", "manager", "intern"]),
    badges=st.lists(uids, max_size=3, unique=True),
    email=st.sampled_from(["", "a.b@example.org"]),
    overdraft=st.integers(0, 10**7),
    postpaid=st.booleans(),
    cost_centre=st.sampled_from(["", "CC-1"]),
    status=st.just(AccountStatus.ACTIVE),
    balance=st.integers(-(10**6), 10**6),
)


@given(st.lists(rows, min_size=1, max_size=20, unique_by=lambda r: r.id))
def test_export_then_import_reads_the_same_accounts(exported: list[ExportRow]) -> None:
    parsed, errors = parse_accounts(write_accounts(exported))
    assert errors == []
    assert [(r.id, r.name, r.profile, r.badges, r.email, r.overdraft, r.postpaid, r.cost_centre)
            for r in parsed] == [
        (r.id, r.name, r.profile, r.badges, r.email, r.overdraft, r.postpaid, r.cost_centre)
        for r in exported
    ]  # fmt: skip
    assert [r.line for r in parsed] == list(range(2, len(exported) + 2))


@given(st.integers(-(10**9), 10**9))
def test_euros_round_trip_exactly(cents: int) -> None:
    assert parse_euros(format_euros(cents)) == cents
    assert parse_euros(format_euros(cents).replace(".", ",")) == cents


@pytest.mark.parametrize("text", ["1.234", "1e3", "12,", "", "€5", "0x10", "5.5.5"])
def test_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(CsvProblem):
        parse_euros(text)


def test_uid_spellings_and_a_bom() -> None:
    for text in ("04a1b2c3", "04:A1:B2:C3", "nfc:04A1B2C3", " 04-a1-b2-c3 "):
        assert normalise_uid(text) == "nfc:04A1B2C3"
    for bad in ("04A1B2", "04A1B2C3D", "ZZA1B2C3", "04A1B2C3D4"):  # 5 bytes: no such card
        with pytest.raises(CsvProblem):
            normalise_uid(bad)
    parsed, errors = parse_accounts("\ufeffid;name\nE1;Zoé\n")
    assert errors == [] and parsed[0].name == "Zoé"
