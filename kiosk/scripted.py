"""A scripted lunch service against a fresh store: the engine exercised as a till would.

Used by ``kiosk demo --headless`` and the tests. Diners tap, pay for a tray, top up
when short, and some are refused (lost or blocked badge, closed account, balance too
low); each decision is a row of the returned log.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.engine import Accepted, Engine, Refused
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.rows import (
    AccountKind,
    AccountRow,
    AccountStatus,
    CredentialKind,
    CredentialRow,
    CredentialStatus,
    SiteSettings,
)

FIRST = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau"]
TRAYS = [590, 640, 720, 790, 850, 910, 380, 1240]


@dataclass(frozen=True, slots=True)
class Step:
    time: str
    diner: str
    badge: str
    action: str
    amount: Money
    outcome: str
    balance: Money | None


@dataclass
class ServiceReport:
    steps: list[Step] = field(default_factory=list)
    sales: int = 0
    total_sales: Money = field(default_factory=Money.zero)
    top_ups: Money = field(default_factory=Money.zero)
    refusals: Counter[str] = field(default_factory=Counter)
    journal_ok: bool = False
    journal_entries: int = 0


def demo_population(count: int, rng: random.Random) -> tuple[list[AccountRow], list[CredentialRow]]:
    accounts, credentials = [], []
    for i in range(count):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        kind = AccountKind.POSTPAID if i % 10 == 9 else AccountKind.PREPAID
        status = AccountStatus.CLOSED if i == 13 else AccountStatus.ACTIVE
        accounts.append(
            AccountRow(
                id=f"D{i:04d}",
                display_name=name,
                kind=kind,
                status=status,
                profile="manager" if kind is AccountKind.POSTPAID else "employee",
                balance=rng.choice([0, 150, 400, 900, 2500, 5000]),
                overdraft=300 if i % 4 == 0 else 0,
            )
        )
        cred_status = CredentialStatus.ACTIVE
        if i in (7, 29):
            cred_status = CredentialStatus.LOST
        elif i == 41:
            cred_status = CredentialStatus.REVOKED
        credentials.append(
            CredentialRow(
                value=f"nfc:04{i:012X}",
                kind=CredentialKind.NFC,
                account_id=f"D{i:04d}",
                status=cred_status,
            )
        )
    return accounts, credentials


def run_service(folder: Path, diners: int = 50, seed: int = 7) -> ServiceReport:
    """Run a lunch service of ``diners`` taps on a fresh store in ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
        (folder / stale).unlink(missing_ok=True)
    clock_time = [datetime.now(UTC).replace(hour=10, minute=45, second=0, microsecond=0)]
    engine = Engine.open(
        folder / "kiosk.db",
        folder / "terminal.key",
        terminal_id="DEMO-T1",
        clock=lambda: clock_time[0],
    )
    accounts, credentials = demo_population(diners, rng)
    engine.store.apply_snapshot(
        accounts=accounts,
        credentials=credentials,
        settings=SiteSettings(site_code="DEMO", site_name="Restaurant d'entreprise (démo)"),
        applied_seq=0,
        cursor=1,
    )
    engine.store.record_sync_result(ok=True, at=clock_time[0])
    engine.record_event(EntryKind.START, {"mode": "scripted demo"})
    report = ServiceReport()
    names = {a.id: a.display_name for a in accounts}
    for i, cred in enumerate(credentials):
        clock_time[0] += timedelta(seconds=rng.randint(10, 60))
        price = Money(rng.choice(TRAYS))
        when = clock_time[0].strftime("%H:%M:%S")
        diner = names[cred.account_id]
        result = engine.sell(cred.value, price, details={"tray": "demo"})
        if isinstance(result, Refused) and result.shortfall is not None:
            report.refusals[result.reason.value] += 1
            report.steps.append(
                Step(when, diner, cred.value, "sale", price, result.reason.value, result.balance)
            )
            top = Money(max(1000, -(-result.shortfall.cents // 500) * 500))
            topped = engine.top_up(cred.account_id, top, "cash", "cashier-1")
            assert isinstance(topped, Accepted)
            report.top_ups += top
            report.steps.append(
                Step(when, diner, cred.value, "top-up cash", top, "accepted", topped.balance_after)
            )
            result = engine.sell(cred.value, price, details={"tray": "demo"})
        if isinstance(result, Accepted):
            report.sales += 1
            report.total_sales += price
            report.steps.append(
                Step(when, diner, cred.value, "sale", price, "accepted", result.balance_after)
            )
            if i % 17 == 5:  # a mistaken tray, cancelled by the cashier
                undo = engine.cancel(result.seq, "cashier-1", "wrong tray")
                assert isinstance(undo, Accepted)
                report.sales -= 1
                report.total_sales -= price
                report.steps.append(
                    Step(when, diner, cred.value, "cancel", price, "accepted", undo.balance_after)
                )
        else:
            report.refusals[result.reason.value] += 1
            report.steps.append(
                Step(when, diner, cred.value, "sale", price, result.reason.value, result.balance)
            )
    engine.record_event(EntryKind.STOP, {"mode": "scripted demo"})
    verdict = engine.verify()
    report.journal_ok, report.journal_entries = verdict.ok, verdict.checked
    engine.close()
    return report
