"""The headless demo: a scripted lunch service through the real code path.

Virtual reader and scanner -> driver threads and events -> ``TillService`` (told of
every reader event and of each new tray) -> engine
(priced tray, signed durable entry) -> virtual printer (receipts rendered to PNG) ->
sync daemon -> hub. Midway the hub goes down for a while: the till keeps selling
offline and catches up when it comes back. At the end both ends verify the journal.
"""

from __future__ import annotations

import logging
import queue
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from drivers.events import BadgePresented, CodeScanned, Event
from kiosk.demo.site import Diner
from kiosk.demo.system import DemoSystem
from kiosk.engine import Accepted, Refused, Result
from kiosk.engine.pricing import PricedTicket
from kiosk.service import AlreadyPaid, TillService
from kiosk.ui.i18n import Lang, Translator
from sync import phonebadge
from sync.money import Money
from sync.protocol.catalogue import SiteMenu
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import CredentialStatus

log = logging.getLogger(__name__)
EVENT_TIMEOUT_S = 10.0
DINER_EVERY_S = 15.0  # the pace of a lunch queue, as the till's charge rule sees it


@dataclass
class ServiceClock:
    """The till's monotonic clock in the demo: service time, a diner every
    ``DINER_EVERY_S``, not the seconds the script takes to serve them all."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class DemoReport:
    terminal_id: str = ""
    cashier: str = ""  # who, badge and PIN of the demo's cashier (from the back office)
    portal: str = ""  # the diner portal's address, a diner's identifier and password
    diners: int = 0
    sales: int = 0
    sales_total: Money = field(default_factory=Money.zero)
    by_vat_rate: dict[int, Money] = field(default_factory=dict)
    refusals: Counter[str] = field(default_factory=Counter)
    topped_up_then_paid: int = 0  # refused for their balance, topped up in cash, served
    top_ups: Money = field(default_factory=Money.zero)
    cancellations: int = 0
    guest_meals: int = 0
    phone_taps: int = 0
    offline_sales: int = 0
    receipts: list[Path] = field(default_factory=list)
    printer_faults: int = 0
    journal_entries: int = 0
    journal_ok: bool = False
    waiting_after_sync: int = -1
    hub_applied_seq: int = 0
    hub_entries: int = 0
    hub_journal_ok: bool = False
    hub_sales_total: Money = field(default_factory=Money.zero)
    lag_s: float = 0.0
    log: list[tuple[str, str, str]] = field(default_factory=list)
    used_codes: set[str] = field(default_factory=set)


def random_tray(menu: SiteMenu, rng: random.Random) -> list[str]:
    """A plausible tray: a main, often a starter and a dessert, sometimes a drink."""
    by_category: dict[str, list[str]] = {}
    for item in menu.items:
        if item.meal or item.category == "drink":
            by_category.setdefault(str(item.category), []).append(item.id)
    tray = [rng.choice(by_category["main"])]
    for category, chance in (("starter", 0.6), ("dessert", 0.7), ("cheese", 0.2), ("drink", 0.4)):
        if category in by_category and rng.random() < chance:
            tray.append(rng.choice(by_category[category]))
    return tray


def _next_credential(events: queue.Queue[Event], till: TillService) -> str:
    """The next badge or code read, every reader event on the way told to the till
    (it charges a badge once per presentation)."""
    deadline = time.monotonic() + EVENT_TIMEOUT_S
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=left)
        except queue.Empty:
            break
        till.observe(event)
        if isinstance(event, BadgePresented):
            return event.credential
        if isinstance(event, CodeScanned):
            return event.text
    raise TimeoutError("no badge or code reached the till in time")


def run_headless(folder: Path, *, diners: int = 100, seed: int = 7) -> DemoReport:
    rng = random.Random(seed)
    system = DemoSystem.start(folder, seed=seed, sync_interval_s=1.0)
    report = DemoReport(terminal_id=system.engine.terminal_id, diners=diners)
    try:
        system.open_devices()
        assert system.reader and system.scanner and system.printer
        deadline = time.monotonic() + EVENT_TIMEOUT_S
        while not system.printer.attached and time.monotonic() < deadline:
            time.sleep(0.01)
        system.start_sync_loop()
        clock = ServiceClock()
        till = TillService(
            system.engine,
            printer=system.printer,
            menu=system.site.menu,
            receipts_dir=folder / "receipts",
            cashier=system.cashier_login(),
            clock=clock,
        )
        report.cashier = system.cashier_text()
        report.portal = system.portal.text() if system.portal is not None else ""
        outage = range(diners * 2 // 5, diners * 2 // 5 + diners // 6)
        visits = [v for v in system.site.visits if v.get("state") == "approved"]
        # A few diners every service sees: a lost badge, a blocked one, a closed account.
        odd = [d for d in system.site.diners if d.badge_status is not CredentialStatus.ACTIVE]
        closed = [d for d in system.site.diners if d.closed]
        scripted = dict(zip((3, 8, 15, 21), [*odd, *closed], strict=False))
        previous: Diner | None = None
        for turn in range(diners):
            clock.now = turn * DINER_EVERY_S
            if turn == outage.start:
                system.hub_thread.stop()  # the hub goes down; the till keeps selling
            if turn == outage.stop:
                system.restart_hub()
                system.daemon.wake()
            diner = scripted.get(turn) or rng.choice(system.site.diners)
            while diner is previous and len(system.site.diners) > 1:  # nobody queues twice
                diner = rng.choice(system.site.diners)
            previous = diner
            if visits and turn % 30 == 12:
                _serve_visit(system, till, visits.pop(0), rng, report)
                continue
            _serve(system, till, diner, rng, report, offline=turn in outage)
        # Catch up: one more exchange after the service, with the stop entry, so that
        # the journal counted below is the whole journal and nothing is left waiting.
        system.stop_sync_loop()
        system.record_stop()
        outcome = system.daemon.attempt()
        log.info("final sync: %s", outcome)
        _finish(system, report)
    finally:
        system.stop()
    return report


def _drain(events: queue.Queue[Event], till: TillService) -> None:
    """Tell the till what the readers reported since (the last diner's card leaving)."""
    while True:
        try:
            till.observe(events.get_nowait())
        except queue.Empty:
            return


def _serve(
    system: DemoSystem,
    till: TillService,
    diner: Diner,
    rng: random.Random,
    report: DemoReport,
    *,
    offline: bool,
) -> None:
    assert system.reader and system.scanner
    _drain(system.events, till)
    tray = random_tray(till.menu or system.site.menu, rng)
    till.start_tray()
    code = None
    if diner.phone and not offline and rng.random() < 0.5:  # the app needs the hub
        code = system.admin.phone_code(diner.phone)
    # The demo's diners come faster than the app's 30 s codes change: a code already
    # used here would be refused as a replay, so that diner taps the card instead.
    if code is not None and code not in report.used_codes:
        report.used_codes.add(code)
        system.scanner.scan(code)
        report.phone_taps += 1
    else:
        system.reader.tap(diner.uid)
    credential = _next_credential(system.events, till)
    result = till.sell(credential, tray)
    if isinstance(result, Refused) and result.reason is RejectReason.INSUFFICIENT_BALANCE:
        _note(report, diner.name, "vente", result)
        assert result.account_id is not None and result.shortfall is not None
        cash = Money(max(1000, -(-result.shortfall.cents // 500) * 500))
        topped = system.engine.top_up(result.account_id, cash, "cash", till.cashier)
        if isinstance(topped, Accepted):
            report.top_ups += cash
            _note(report, diner.name, "recharge espèces", topped)
        # The diner taps again (the phone shows a fresh code; a refused sale does not
        # use the code up).
        if credential.startswith(phonebadge.PHONE_PREFIX):
            system.scanner.scan(credential)
        else:
            system.reader.tap(diner.uid)
        result = till.sell(_next_credential(system.events, till), tray)
        report.topped_up_then_paid += isinstance(topped, Accepted) and isinstance(result, Accepted)
    _note(report, diner.name, "vente", result)
    if isinstance(result, Accepted):
        report.sales += 1
        report.offline_sales += offline
        report.sales_total += result.amount
        _count_vat(report, result)
        if rng.random() < 0.04:  # a wrong tray, cancelled by the cashier
            undo = system.engine.cancel(result.seq, till.cashier, "plateau erroné")
            if isinstance(undo, Accepted):
                report.cancellations += 1
                report.sales -= 1
                report.sales_total -= result.amount
                _count_vat(report, result, sign=-1)
                _note(report, diner.name, "annulation", undo)
        elif rng.random() < 0.3:  # receipts only on request
            printed = till.print_receipt(result)
            if printed.ok and printed.png is not None:
                report.receipts.append(printed.png)
            elif not printed.ok:
                report.printer_faults += 1


def _serve_visit(
    system: DemoSystem,
    till: TillService,
    visit: dict[str, object],
    rng: random.Random,
    report: DemoReport,
) -> None:
    assert system.scanner
    system.scanner.scan(str(visit["code"]))
    code = _next_credential(system.events, till)
    guests = int(str(visit["guests"]))
    result = till.serve_guests(code, random_tray(till.menu or system.site.menu, rng), guests)
    _note(report, f"{visit['visitor']} (+{guests})", "repas invités", result)
    if isinstance(result, Accepted):
        report.guest_meals += guests
        printed = till.print_receipt(result)
        if printed.png is not None:
            report.receipts.append(printed.png)


def _count_vat(report: DemoReport, result: Accepted, sign: int = 1) -> None:
    ticket = result.ticket
    if not isinstance(ticket, PricedTicket):
        return
    for row in ticket.vat:
        rate = int(row.rate)
        report.by_vat_rate[rate] = report.by_vat_rate.get(rate, Money(0)) + Money(sign * row.total)


def _note(report: DemoReport, who: str, what: str, result: Result | AlreadyPaid) -> None:
    if isinstance(result, AlreadyPaid):
        report.refusals["already_paid"] += 1
        report.log.append((who, what, "déjà payé : rien encaissé"))
    elif isinstance(result, Refused):
        report.refusals[result.reason.value] += 1
        words, _then = Translator(Lang.FR).reason(result.reason)
        report.log.append((who, what, f"refus : {words}"))
    else:
        report.log.append((who, what, f"{result.amount} → solde {result.balance_after}"))


def _finish(system: DemoSystem, report: DemoReport) -> None:
    engine = system.engine
    verdict = engine.verify()
    report.journal_entries, report.journal_ok = verdict.checked, verdict.ok
    status = engine.store.sync_status()
    report.waiting_after_sync = status.waiting
    report.hub_applied_seq = status.hub_applied_seq
    if status.last_success is not None:
        report.lag_s = max(0.0, (engine.now() - status.last_success).total_seconds())
    check = system.admin.verify_terminal(engine.terminal_id)
    report.hub_entries, report.hub_journal_ok = int(check["checked"]), bool(check["ok"])
    total = 0
    for entry in system.hub.storage.entries_of_terminal(engine.terminal_id, 0, 10**9):
        if entry.kind in {"sale", "cancel"} and (
            entry.kind == "sale" or entry.payload.get("cancelled_kind") == "sale"
        ):
            total -= entry.amount
    report.hub_sales_total = Money(total)
