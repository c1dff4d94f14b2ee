"""``kiosk journal events``: the technical events of the signed journal (start and
stop with the software version, configuration changes, clock jumps, device faults,
sync incidents, archives, failed cashier PINs), oldest first."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from kiosk.cli.options import data_option
from kiosk.datadir import DataDir
from kiosk.engine.errors import EngineError
from kiosk.engine.tech_events import TECH_KINDS, describe
from kiosk.engine.tech_events import events as tech_events


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date (2026-11-30 or 2026-11-30T08:00)", param_hint="--since"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@click.command("events")
@data_option
@click.option("--since", default=None, help="From this date or time (UTC), e.g. 2026-11-01.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(sorted(str(k) for k in TECH_KINDS)),
    help="Only these.",
)
@click.option("--json", "as_json", is_flag=True, help="One signed entry per line (JSON).")
def events(data_dir: str | None, since: str | None, kinds: tuple[str, ...], as_json: bool) -> None:
    """The technical events of the journal, oldest first: seq, time, kind, what.

    They are entries of the same chained, signed journal as the sales:
    `kiosk journal verify` checks them too.

    \b
    Example:
      kiosk journal events --since 2026-11-01
      kiosk journal events --kind config_change --kind clock_jump
    """
    moment = _since(since)
    try:
        engine = DataDir.resolve(data_dir).open_engine()
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        chosen = frozenset(kinds) or TECH_KINDS
        for entry in tech_events(engine, since=moment, kinds=chosen):
            if as_json:
                click.echo(json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True))
            else:
                click.echo(f"{entry.seq:>8}  {entry.ts}  {entry.kind:<14}  {describe(entry)}")
    finally:
        engine.close()
