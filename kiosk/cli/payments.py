"""``kiosk payments``: card payments left pending, the cashier's decision, and the
day's reconciliation with the payment terminal (a thin layer over ``kiosk.cardpay``
and ``kiosk.engine.card_report``)."""

from __future__ import annotations

import queue
import time
from decimal import Decimal, InvalidOperation

import click

from drivers import open_device
from drivers.errors import DriverError
from drivers.payment.base import PaymentTerminal
from kiosk.cardpay import CardDesk
from kiosk.cli.options import config_option, data_option
from kiosk.config import load_config
from kiosk.configfile import ConfigError
from kiosk.datadir import DataDir
from kiosk.engine import Engine
from kiosk.engine.card_report import card_report
from kiosk.engine.errors import EngineError
from sync.money import Money


@click.group()
def payments() -> None:
    """Card payments: what is pending, decide one, reconcile the day.

    \b
    Examples:
      kiosk payments pending --data /var/lib/kiosk --ask
      kiosk payments decide 1A2B3C4D-42 --not-debited --cashier K1
      kiosk payments report --terminal-total 1234.50
    """


def _engine(data_dir: str | None) -> Engine:
    try:
        data = DataDir.resolve(data_dir)
        if not data.db.exists():
            raise click.ClickException(f"{data.root}: not a terminal's data folder")
        return data.open_engine()
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc


def _device(data_dir: str | None, config_file: str | None) -> PaymentTerminal:
    try:
        config = load_config(config_file or DataDir.resolve(data_dir).config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    options = config.devices.payment
    if not options:
        raise click.ClickException("no [devices.payment] in the terminal config")
    try:
        device = open_device("payment", options, queue.Queue())
    except DriverError as exc:
        raise click.ClickException(str(exc)) from exc
    assert isinstance(device, PaymentTerminal)
    deadline = time.monotonic() + 10
    while not device.available and time.monotonic() < deadline:
        time.sleep(0.05)
    return device


@payments.command()
@data_option
@config_option
@click.option("--ask", is_flag=True, help="Ask the payment terminal about each one first.")
def pending(data_dir: str | None, config_file: str | None, ask: bool) -> None:
    """List the card payments whose outcome is not known yet (exit 1 if any).

    \b
    Example:
      kiosk payments pending --data /var/lib/kiosk --ask
    """
    engine = _engine(data_dir)
    device = _device(data_dir, config_file) if ask else None
    try:
        desk = CardDesk(engine, device)
        for done in desk.resolve():
            assert done.payment is not None
            click.echo(f"{done.payment.ref}: settled by the terminal: {done.state}")
        left = desk.pending()
        for payment in left:
            who = payment.account or "visiteur"
            click.echo(f"{payment.ref}  {payment.created_at}  {Money(payment.amount)}  {who}")
    finally:
        if device is not None:
            device.close()
        engine.close()
    if left:
        raise SystemExit(1)
    click.echo("no card payment pending")


@payments.command()
@data_option
@click.argument("ref")
@click.option("--approved/--not-debited", required=True, help="What the terminal's ticket says.")
@click.option("--cashier", required=True, help="Who decides (recorded in the journal).")
@click.option("--note", default="", help="Why, for the journal.")
def decide(data_dir: str | None, ref: str, approved: bool, cashier: str, note: str) -> None:
    """Settle a pending card payment from the terminal's own ticket (journalled).

    \b
    Example:
      kiosk payments decide 1A2B3C4D-42 --approved --cashier K1 --note "ticket 0042 OK"
    """
    engine = _engine(data_dir)
    try:
        result = CardDesk(engine, None).decide(ref, approved, cashier, note)
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.close()
    click.echo(f"{ref}: {result.state}" + (" (account credited)" if result.credit else ""))


def _cents(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation as exc:
        raise click.BadParameter(f"not an amount in euros: {text!r}") from exc
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise click.BadParameter(f"not an amount in euros: {text!r}")
    return int(value * 100)


@payments.command()
@data_option
@click.option("--day", default=None, help="Business day YYYY-MM-DD (default: today).")
@click.option("--terminal-total", default=None, help="The terminal's total in euros.")
def report(data_dir: str | None, day: str | None, terminal_total: str | None) -> None:
    """The day's card payments; with the terminal's total, the difference (exit 1 if any).

    \b
    Example:
      kiosk payments report --data /var/lib/kiosk --terminal-total 1234.50
    """
    total = _cents(terminal_total)
    engine = _engine(data_dir)
    try:
        found = card_report(engine, day, total)
    finally:
        engine.close()
    for line in found.lines():
        click.echo(line)
    if total is not None and not found.balanced:
        raise SystemExit(1)
