"""Random interleavings of sales, top-ups, cancels and hub snapshots.

A model hub applies this terminal's entries up to a chosen sequence and adds
entries of its own (other terminals, online top-ups); after every step the
terminal's usable balance must equal the hub balance plus the entries the hub has
not applied yet, accepted sales never go below the floor, and the journal verifies.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kiosk.engine import Accepted, Engine, Refused
from sync.money import Money
from sync.protocol.rows import AccountKind, AccountRow, CredentialKind, CredentialRow, SiteSettings

from .conftest import FakeClock

ACCOUNTS = {
    "P1": AccountRow(id="P1", display_name="Prepaid", balance=1000, overdraft=200),
    "P2": AccountRow(id="P2", display_name="Prepaid 2", balance=0),
    "Q1": AccountRow(id="Q1", display_name="Postpaid", balance=0, kind=AccountKind.POSTPAID),
}
BADGES = {"P1": "nfc:00000001", "P2": "nfc:00000002", "Q1": "nfc:00000003"}


class TerminalAndHub(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="kiosk-sm-"))
        self.engine = Engine.open(
            self.dir / "k.db", self.dir / "k.key", terminal_id="T1", clock=FakeClock()
        )
        # The model hub: base balances (other channels) and the terminal entries it applied.
        self.external = {a: row.balance for a, row in ACCOUNTS.items()}
        self.hub_applied = 0
        self.amounts: dict[int, tuple[str, int]] = {}  # seq -> (account, amount)
        self.fresh = set(ACCOUNTS)  # accounts whose mirror row matches the model hub
        self.engine.store.apply_snapshot(
            accounts=list(ACCOUNTS.values()),
            credentials=[
                CredentialRow(value=v, kind=CredentialKind.NFC, account_id=a)
                for a, v in BADGES.items()
            ],
            settings=SiteSettings(site_code="S", offline_after_s=10**9),
            applied_seq=0,
            cursor=1,
        )
        self.engine.store.record_sync_result(ok=True, at=FakeClock()())

    def teardown(self) -> None:
        self.engine.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def hub_balance(self, account: str) -> int:
        applied = sum(
            a for s, (acc, a) in self.amounts.items() if acc == account and s <= self.hub_applied
        )
        return self.external[account] + applied

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), cents=st.integers(1, 1500))
    def sell(self, account: str, cents: int) -> None:
        before = self.engine.usable_balance(account)
        result = self.engine.sell(BADGES[account], Money(cents))
        if isinstance(result, Accepted):
            self.amounts[result.seq] = (account, -cents)
            if ACCOUNTS[account].kind is AccountKind.PREPAID:
                assert result.balance_after.cents >= -ACCOUNTS[account].overdraft
        else:
            assert isinstance(result, Refused)
            assert ACCOUNTS[account].kind is AccountKind.PREPAID
            assert before.cents - cents < -ACCOUNTS[account].overdraft
            assert result.shortfall == Money(-ACCOUNTS[account].overdraft - before.cents + cents)

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), cents=st.integers(1, 3000))
    def top_up(self, account: str, cents: int) -> None:
        result = self.engine.top_up(account, Money(cents), "cash", "C")
        assert isinstance(result, Accepted)
        self.amounts[result.seq] = (account, cents)

    @precondition(lambda self: bool(self.amounts))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        seq = data.draw(st.sampled_from(sorted(self.amounts)))
        result = self.engine.cancel(seq, "C", "test")
        if isinstance(result, Accepted):
            account, amount = self.amounts[seq]
            self.amounts[result.seq] = (account, -amount)

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), cents=st.integers(-2000, 2000))
    def other_channel(self, account: str, cents: int) -> None:
        self.external[account] += cents
        self.fresh.discard(account)

    @rule(data=st.data(), subset=st.sets(st.sampled_from(sorted(ACCOUNTS))))
    def snapshot(self, data: st.DataObject, subset: set[str]) -> None:
        last = self.engine.store.last_seq()
        self.hub_applied = data.draw(st.integers(self.hub_applied, last))
        rows = [
            ACCOUNTS[a].model_copy(update={"balance": self.hub_balance(a)}) for a in sorted(subset)
        ]
        self.engine.store.apply_snapshot(
            accounts=rows, credentials=[], settings=None, applied_seq=self.hub_applied, cursor=2
        )
        self.fresh |= subset

    @invariant()
    def usable_is_hub_plus_unsynced(self) -> None:
        for account in ACCOUNTS:
            state = self.engine.store.account(account)
            assert state is not None
            # The mirror row holds a consistent (balance, included_seq) pair.
            expected = state.row.balance + sum(
                a
                for s, (acc, a) in self.amounts.items()
                if acc == account and s > state.included_seq
            )
            assert self.engine.usable_balance(account).cents == expected
            # An account whose mirror is current must show exactly what the hub will
            # hold once it has applied every entry: no loss, no double count.
            if account in self.fresh:
                everything = sum(a for acc, a in self.amounts.values() if acc == account)
                assert expected == self.external[account] + everything

    @invariant()
    def journal_verifies(self) -> None:
        assert self.engine.verify().ok


TerminalAndHub.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
test_terminal_and_hub = TerminalAndHub.TestCase
