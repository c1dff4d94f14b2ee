"""``kiosk demo``: the whole system on this machine."""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from kiosk.demo.headless import DemoReport, run_headless
from kiosk.ui.i18n import Lang, Translator
from sync.protocol.reasons import RejectReason


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@click.command()
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-data"),
    show_default=True,
    help="Where the hub, the terminal and the receipts live (recreated each run).",
)
@click.option("--headless", is_flag=True, help="Run a scripted service instead of the window.")
@click.option("--diners", type=click.IntRange(1, 5000), default=100, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed of the service.")
@click.option("--verbose-log", is_flag=True, help="Print every decision of the service.")
@click.option("--json", "as_json", is_flag=True, help="Headless: print the summary as JSON.")
@click.option("--mode", type=click.Choice(["till", "kiosk"]), default="till", show_default=True)
def demo(
    *,
    folder: Path,
    headless: bool,
    diners: int,
    seed: int,
    verbose_log: bool,
    as_json: bool,
    mode: str,
) -> None:
    """Start a hub, seed a demo site, enrol a terminal, sync, and serve lunch.

    Without a display (or with --headless) a scripted service of diners runs through
    the virtual reader, scanner and printer, the engine, the sync daemon and the hub,
    and a summary is printed. With a display the kiosk window opens: F5-F12 tap demo
    badges, F4 shows a phone badge, F1 taps the cashier's badge (its PIN is printed
    at start-up), F3 opens the cashier screen, F2 switches the language; receipts are
    rendered to PNG in the demo folder.

    \b
    Example:
      kiosk demo --headless --diners 100
    """
    logging.getLogger("sync").setLevel(logging.ERROR)
    if not headless and has_display():
        try:
            window = importlib.import_module("kiosk.demo.window")
        except ImportError as exc:
            click.echo(f"the kiosk window cannot open ({exc}); running headless", err=True)
        else:
            window.run_window(folder, seed=seed, mode=mode)
            return
    console = Console()
    if not as_json:
        console.print(f"[bold]Démo[/]: hub, site et terminal dans {folder}/ ...")
    report = run_headless(folder, diners=diners, seed=seed)
    if as_json:
        click.echo(json.dumps(report_json(report)))
    else:
        print_report(console, report, verbose_log)
    if not (report.journal_ok and report.hub_journal_ok and report.waiting_after_sync == 0):
        sys.exit(1)


def report_json(report: DemoReport) -> dict[str, object]:
    return {
        "terminal_id": report.terminal_id,
        "cashier": report.cashier,
        "portal": report.portal,
        "diners": report.diners,
        "sales": report.sales,
        "sales_total": report.sales_total.cents,
        "offline_sales": report.offline_sales,
        "phone_taps": report.phone_taps,
        "guest_meals": report.guest_meals,
        "cancellations": report.cancellations,
        "top_ups": report.top_ups.cents,
        "refusals": dict(report.refusals),
        "topped_up_then_paid": report.topped_up_then_paid,
        "by_vat_rate": {str(rate): m.cents for rate, m in sorted(report.by_vat_rate.items())},
        "receipts": [str(p) for p in report.receipts],
        "printer_faults": report.printer_faults,
        "journal_entries": report.journal_entries,
        "journal_ok": report.journal_ok,
        "waiting_after_sync": report.waiting_after_sync,
        "hub_applied_seq": report.hub_applied_seq,
        "hub_entries": report.hub_entries,
        "hub_journal_ok": report.hub_journal_ok,
        "hub_sales_total": report.hub_sales_total.cents,
        "lag_s": report.lag_s,
    }


def refusal_words(report: DemoReport) -> str:
    """``Solde insuffisant : 12, Ce badge a été déclaré perdu : 1``: the reasons in the
    words the till shows, most frequent first."""
    tr = Translator(Lang.FR)
    counts = sorted(report.refusals.items(), key=lambda kv: (-kv[1], kv[0]))

    def words(code: str) -> str:
        # A repeat presentation is not a refusal reason of the engine: nothing was charged.
        if code == "already_paid":
            return tr.t("paid.title")
        return tr.reason(RejectReason(code))[0]

    return ", ".join(f"{words(code)} : {n}" for code, n in counts)


def print_report(console: Console, report: DemoReport, verbose: bool) -> None:
    if verbose:
        log = Table("convive", "opération", "résultat", title="Service")
        for row in report.log:
            log.add_row(*row)
        console.print(log)
    summary = Table(show_header=False, title=f"Service du midi, terminal {report.terminal_id}")
    summary.add_column(justify="right", style="bold")
    summary.add_column()
    summary.add_row("caissier", report.cashier)
    summary.add_row("portail convive", f"{report.portal} (servi pendant la démo)")
    summary.add_row("passages", str(report.diners))
    summary.add_row("ventes", f"{report.sales} pour {report.sales_total}")
    summary.add_row("dont hors ligne", f"{report.offline_sales} (hub arrêté puis relancé)")
    summary.add_row("badges téléphone", str(report.phone_taps))
    summary.add_row("repas invités", str(report.guest_meals))
    summary.add_row("annulations", str(report.cancellations))
    summary.add_row("recharges espèces", str(report.top_ups))
    summary.add_row("refus", refusal_words(report) or "aucun")
    if report.topped_up_then_paid:
        summary.add_row(
            "dont rechargés",
            f"{report.topped_up_then_paid} convives refusés pour solde insuffisant ont "
            "rechargé en espèces puis payé",
        )
    for rate, amount in sorted(report.by_vat_rate.items()):
        summary.add_row(f"TVA {rate / 100:g} %".replace(".", ","), f"{amount} TTC")
    summary.add_row("tickets imprimés", f"{len(report.receipts)} (PNG dans receipts/)")
    summary.add_row(
        "synchro",
        f"{report.waiting_after_sync} en attente, hub à l'écriture {report.hub_applied_seq}, "
        f"dernier échange il y a {report.lag_s:.1f} s".replace(".", ","),
    )
    summary.add_row(
        "journal terminal",
        f"{report.journal_entries} écritures, " + ("vérifié" if report.journal_ok else "CORROMPU"),
    )
    summary.add_row(
        "journal hub",
        f"{report.hub_entries} écritures, "
        + ("vérifié" if report.hub_journal_ok else "CORROMPU")
        + f", ventes {report.hub_sales_total}",
    )
    console.print(summary)
