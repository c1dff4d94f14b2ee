"""``kiosk demo``: try the terminal on this machine."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from kiosk.scripted import run_service


@click.command()
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-data"),
    show_default=True,
    help="Where the demo keeps its store, key and receipts (recreated each run).",
)
@click.option("--diners", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed of the service.")
def demo(folder: Path, diners: int, seed: int) -> None:
    """Run a scripted lunch service against a fresh store and print each decision.

    Diners tap their badge and pay for a tray; some top up in cash when short, some
    are refused (lost or blocked badge, closed account). The journal is verified at
    the end.

    \b
    Example:
      kiosk demo --diners 50
    """
    console = Console()
    report = run_service(folder, diners=diners, seed=seed)
    table = Table(title="Service du midi (démo)", header_style="bold")
    for column in ("heure", "convive", "badge", "opération", "montant", "résultat", "solde"):
        table.add_column(column, justify="right" if column in {"montant", "solde"} else "left")
    for step in report.steps:
        style = "green" if step.outcome == "accepted" else "red"
        table.add_row(
            step.time,
            step.diner,
            step.badge,
            step.action,
            step.amount.format(),
            f"[{style}]{step.outcome}[/]",
            step.balance.format() if step.balance is not None else "",
        )
    console.print(table)
    console.print(
        f"ventes: {report.sales}  total: {report.total_sales}  recharges: {report.top_ups}  "
        f"refus: {dict(report.refusals)}"
    )
    verdict = "[green]ok[/]" if report.journal_ok else "[red]CORRUPT[/]"
    console.print(f"journal: {report.journal_entries} entries, verification {verdict}")
    if not report.journal_ok:
        sys.exit(1)
