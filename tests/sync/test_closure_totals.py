"""Money invariants of a closure's figures (``sync.closure_totals``), for any mix of
sales, cancellations, top-ups, reprints and training tickets: the net total is the
sales less what was cancelled, the absolute total counts both, the VAT and means
columns add up to them, training and reprints move no money, and a closure whose
figure is off by a cent is named."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.closure_totals import Totals, closure_mismatch, count
from sync.journal import GENESIS_HASH, Entry, make_entry

KEY = Ed25519PrivateKey.generate()
MOMENT = datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
DAY = "2026-11-26"
RATES = ("550", "1000", "2000")

Step = tuple[str, int, int]  # (what, cents, which earlier entry it refers to)
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["sale", "sale", "top_up", "cancel", "duplicate", "training"]),
        st.integers(0, 50_000),
        st.integers(0, 10_000),
    ),
    max_size=25,
)


class Journal:
    """Entries made with ``make_entry`` (no store), and what they should add up to."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.net = self.absolute = self.top_ups = 0
        self.sales = self.cancels = self.duplicates = self.training = 0
        self.cancelled: set[int] = set()

    def add(self, kind: str, account: str | None, amount: int, **fields: Any) -> Entry:
        prev = self.entries[-1].hash if self.entries else GENESIS_HASH
        entry = make_entry(
            key=KEY, terminal_id="T1", seq=len(self.entries) + 1, ts=MOMENT, kind=kind,
            account=account, amount=amount, payload={"business_day": DAY, **fields},
            prev_hash=prev,
        )  # fmt: skip
        self.entries.append(entry)
        return entry

    def step(self, what: str, cents: int, ref: int) -> None:
        rate = RATES[cents % 3]
        if what == "sale":
            self.add("sale", "A1", -cents, credential_id="0a0a0a0a0a0a0a01", vat={rate: cents})
            self.sales += 1
            self.net += cents
            self.absolute += cents
        elif what == "top_up":
            self.add("top_up", "A1", cents + 1, means="cash", cashier="K1")
            self.top_ups += cents + 1
        elif what == "training":
            self.add("training_sale", None, 0, items=["salad"], total=cents, vat={rate: cents})
            self.training += 1
        elif self.entries:
            target = self.entries[ref % len(self.entries)]
            if what == "duplicate" and target.kind in {"sale", "top_up", "training_sale"}:
                self.add("duplicate", None, 0, ticket=target.seq, number=1, ticket_kind=target.kind)
                self.duplicates += 1
            elif what == "cancel" and target.kind in {"sale", "top_up"}:
                if target.seq in self.cancelled:
                    return
                self.cancelled.add(target.seq)
                self.add(
                    "cancel", "A1", -target.amount, cancels=target.seq,
                    cancelled_kind=target.kind, cashier="K1", reason="erreur",
                )  # fmt: skip
                self.cancels += 1
                if target.kind == "sale":
                    self.net += target.amount  # a sale's amount is negative
                    self.absolute += -target.amount
                else:
                    self.top_ups -= target.amount

    def totals(self) -> Totals:
        totals = Totals()
        found = {e.seq: e for e in self.entries}
        for entry in self.entries:
            count(totals, entry, found.get)
        return totals

    def closure(self, totals: Totals, **change: Any) -> Entry:
        payload = {
            "cashier": "K1",
            "period": {"first_seq": 1, "last_seq": len(self.entries)},
            **totals.fields(),
            "grand_total": totals.net_sales,
            "grand_total_abs": totals.absolute_sales,
            "automatic": False,
            **change,
        }
        return self.add("closure", None, 0, **payload)


@settings(max_examples=150, deadline=None)
@given(steps=STEPS)
def test_the_figures_add_up_whatever_happened(steps: list[Step]) -> None:
    journal = Journal()
    for step in steps:
        journal.step(*step)
    totals = journal.totals()
    assert totals.net_sales == journal.net
    assert totals.absolute_sales == journal.absolute >= abs(totals.net_sales)
    assert totals.top_ups == journal.top_ups
    counts = (totals.sales_count, totals.cancellations_count)
    assert counts == (journal.sales, journal.cancels)
    assert (totals.duplicates_count, totals.training_count) == (
        journal.duplicates,
        journal.training,
    )
    # every sale carries its VAT split: the rates add up to the net, with no "unknown"
    assert sum(totals.by_vat.values()) == totals.net_sales and "unknown" not in totals.by_vat
    assert totals.by_means.get("balance", 0) == totals.net_sales
    assert totals.by_means.get("cash", 0) == totals.top_ups
    closure = journal.closure(totals)
    assert closure_mismatch(closure, {e.seq: e for e in journal.entries}, None) is None


@settings(max_examples=100, deadline=None)
@given(
    steps=STEPS,
    field=st.sampled_from(
        [
            "sales_count",
            "cancellations_count",
            "duplicates_count",
            "training_count",
            "net_sales",
            "absolute_sales",
            "top_ups",
        ]
    ),
    delta=st.sampled_from([-1, 1]),
)
def test_a_closure_off_by_one_is_named(steps: list[Step], field: str, delta: int) -> None:
    journal = Journal()
    for step in steps:
        journal.step(*step)
    totals = journal.totals()
    wrong = totals.fields()[field] + delta
    if wrong < 0:
        return  # a count cannot be negative: the model refuses it before any recount
    closure = journal.closure(totals, **{field: wrong})
    problem = closure_mismatch(closure, {e.seq: e for e in journal.entries}, None)
    assert problem is not None and problem.startswith(field)


def test_grand_totals_follow_the_previous_closure() -> None:
    journal = Journal()
    journal.step("sale", 450, 0)
    first = journal.closure(journal.totals())
    journal.step("sale", 300, 0)
    found = {e.seq: e for e in journal.entries}
    second_totals = Totals()
    count(second_totals, journal.entries[-1], found.get)
    period = {"first_seq": journal.entries[-1].seq, "last_seq": journal.entries[-1].seq}
    good = journal.closure(second_totals, period=period, grand_total=750, grand_total_abs=750)
    assert closure_mismatch(good, {e.seq: e for e in journal.entries}, first) is None
    bad = journal.closure(second_totals, period=period, grand_total=300, grand_total_abs=750)
    problem = closure_mismatch(bad, {e.seq: e for e in journal.entries}, first)
    assert problem is not None and "grand total 300 is not the previous one (450)" in problem
