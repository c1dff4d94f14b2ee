"""Property: whatever the terminal does to each card payment (approve, decline,
abandon, lose the answer, answer garbage, cut, time out) and whenever the till asks
it again, every payment the terminal debited is credited once and nothing else is;
each account's balance is its opening balance plus its entries."""

from __future__ import annotations

import queue
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.config import CaisseApPaymentConfig
from drivers.payment.caisse_ap_ip import CaisseApTerminal
from kiosk.cardpay import CardDesk
from kiosk.engine import Engine
from sync.journal import EntryKind
from sync.money import Money
from tests.drivers.conftest import wait_until
from tests.drivers.sims.caisse_ap import Behaviour, CaisseApSim
from tests.kiosk.engine.conftest import ACCOUNTS, seed

step = st.one_of(
    st.tuples(
        st.just("pay"),
        st.sampled_from(["A1", "A2"]),
        st.sampled_from([500, 1000, 2500]),
        st.sampled_from(list(Behaviour)),
    ),
    st.tuples(st.just("resolve")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=8))
def test_every_debit_is_credited_once_and_nothing_else(steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp, CaisseApSim(hold=0.05) as sim:
        folder = Path(tmp)
        engine = Engine.open(folder / "k.db", folder / "k.key", terminal_id="T1")
        seed(engine)
        config = CaisseApPaymentConfig(
            host="127.0.0.1", port=sim.port, timeout=0.1, probe_interval=0, retry_initial=0.01
        )
        with CaisseApTerminal(config, queue.Queue()) as terminal:
            wait_until(lambda: terminal.available)
            desk = CardDesk(engine, terminal)
            assert desk.top_up("A1", Money(500)).approved  # the terminal has a last one
            for action in steps:
                wait_until(lambda: terminal.available)
                if action[0] == "pay":
                    _, account, cents, behaviour = action
                    sim.then(behaviour)  # type: ignore[arg-type]
                    desk.top_up(str(account), Money(int(str(cents))))
                else:
                    desk.resolve()
            wait_until(lambda: terminal.available)
            desk.resolve()
            assert desk.pending() == []
        credited: dict[str, int] = {}
        totals = {a.id: a.balance for a in ACCOUNTS}
        for entry in engine.store.journal_after(0, 10_000):
            if entry.kind == EntryKind.TOP_UP:
                ref = str(entry.payload["payment_ref"])
                assert ref not in credited
                credited[ref] = entry.amount
            if entry.account is not None:
                totals[entry.account] += entry.amount
        assert credited == sim.debited
        for account in ("A1", "A2"):
            assert engine.usable_balance(account) == Money(totals[account])
        assert engine.verify().ok
        engine.close()
