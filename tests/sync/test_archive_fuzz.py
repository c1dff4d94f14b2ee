"""An archive is checked by anyone and uploaded to the hub by terminals: whatever a
line holds, the verifier answers with problems, never with a crash (the hub would
answer 500), and a value changed anywhere is a problem."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sync.archive import ArchiveHeader, issue_certificate, verify_archive, write_archive
from sync.journal import GENESIS_HASH, Entry, canonical_json, make_entry, public_key_text

KEY = Ed25519PrivateKey.generate()
HUB = Ed25519PrivateKey.generate()
MOMENT = datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
DAY = "2026-11-26"


def _journal() -> list[Entry]:
    bodies: list[tuple[str, str | None, int, dict[str, Any]]] = [
        ("sale", "A1", -450, {"credential": "nfc:0A0A0A01", "vat": {"1000": 450}}),
        ("sale", "A2", -300, {"credential": "nfc:0B0B0B0B", "vat": {"2000": 300}}),
        (
            "cancel",
            "A2",
            300,
            {"cancels": 2, "cancelled_kind": "sale", "cashier": "K1", "reason": "x"},
        ),
        ("duplicate", None, 0, {"ticket": 1, "number": 1, "ticket_kind": "sale"}),
    ]
    entries: list[Entry] = []
    prev = GENESIS_HASH
    for seq, (kind, account, amount, fields) in enumerate(bodies, start=1):
        payload = {"business_day": DAY, **fields}
        if kind == "cancel":
            payload["reason"] = "erreur"
        entry = make_entry(
            key=KEY, terminal_id="T1", seq=seq, ts=MOMENT, kind=kind, account=account,
            amount=amount, payload=payload, prev_hash=prev,
        )  # fmt: skip
        entries.append(entry)
        prev = entry.hash
    closure = {
        "business_day": DAY, "cashier": "K1", "period": {"first_seq": 1, "last_seq": 4},
        "sales_count": 2, "cancellations_count": 1, "duplicates_count": 1, "training_count": 0,
        "net_sales": 450, "absolute_sales": 1050, "top_ups": 0,
        "by_vat": {"1000": 450, "2000": 0}, "by_means": {"balance": 450},
        "grand_total": 450, "grand_total_abs": 1050, "automatic": False,
    }  # fmt: skip
    entries.append(
        make_entry(
            key=KEY,
            terminal_id="T1",
            seq=5,
            ts=MOMENT,
            kind="closure",
            account=None,
            amount=0,
            payload=closure,
            prev_hash=prev,
        )
    )
    return entries


CERT = issue_certificate(
    HUB, terminal_id="T1", site_code="S1", public_key=public_key_text(KEY.public_key()),
    issued_at=MOMENT,
)  # fmt: skip
HEADER = ArchiveHeader("T1", "S1", DAY, DAY, DAY, GENESIS_HASH, CERT, MOMENT)
DATA = write_archive(KEY, HEADER, _journal())
LINES = DATA.split(b"\n")[:-1]
HUB_PUBLIC = public_key_text(HUB.public_key())

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def test_the_archive_of_these_tests_verifies() -> None:
    report = verify_archive(DATA, HUB_PUBLIC)
    assert report.ok, report.problems
    assert report.closures == 1 and report.certified


def _rebuilt(line: int, value: dict[str, Any]) -> bytes:
    lines = list(LINES)
    lines[line] = canonical_json(value)
    return b"".join(part + b"\n" for part in lines)


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    return found


@settings(max_examples=300, deadline=None)
@given(data=st.data(), new=JSON)
def test_any_value_anywhere_is_a_located_problem_never_a_crash(
    data: st.DataObject, new: Any
) -> None:
    line = data.draw(st.integers(0, len(LINES) - 1))
    value = json.loads(LINES[line])
    path = data.draw(st.sampled_from(_paths(value)))
    holder = value
    for key in path[:-1]:
        holder = holder[key]
    assume(holder[path[-1]] != new or type(holder[path[-1]]) is not type(new))
    holder[path[-1]] = new
    report = verify_archive(_rebuilt(line, value), HUB_PUBLIC)
    assert not report.ok
    assert min(p.line for p in report.problems) == line + 1


@settings(max_examples=100, deadline=None)
@given(data=st.data(), extra=st.text(min_size=1, max_size=6), new=JSON)
def test_a_field_added_anywhere_is_a_problem(data: st.DataObject, extra: str, new: Any) -> None:
    line = data.draw(st.integers(0, len(LINES) - 1))
    value = json.loads(LINES[line])
    containers = [p for p in [(), *_paths(value)] if isinstance(_at(value, p), dict)]
    path = data.draw(st.sampled_from(containers))
    target = _at(value, path)
    assume(extra not in target)
    target[extra] = new
    report = verify_archive(_rebuilt(line, value), HUB_PUBLIC)
    assert not report.ok
    assert min(p.line for p in report.problems) == line + 1


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        value = value[key]
    return value
