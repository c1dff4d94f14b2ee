"""``kiosk admin archives``: the signed archives the hub keeps for every terminal of
a site (written by ``kiosk journal archive``), listed and downloaded; a download is
verified as it arrives."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk.cli.admin.common import client, json_option, print_json, site_of, site_option, table
from sync.archive import verify_archive


@click.group()
def archives() -> None:
    """The terminals' signed archives kept by the hub.

    \b
    Example:
      kiosk admin archives list --site ACME-LYON
      kiosk admin archives get 3 -o T1-2026-11.jsonl
    """


@archives.command("list")
@site_option
@click.option("--terminal", default=None, help="One terminal's archives.")
@json_option
@click.pass_context
def list_archives(
    ctx: click.Context, *, site: str | None, terminal: str | None, as_json: bool
) -> None:
    """The archives of the site's terminals, oldest first for each.

    \b
    Example:
      kiosk admin archives list --site ACME-LYON --terminal T-0001
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        found = admin.archives(code, terminal)
    if as_json:
        print_json([a.model_dump() for a in found])
        return
    rows = [
        [a.id, a.terminal_id, a.period, f"{a.first_seq}-{a.last_seq}", a.size, a.sha256[:16],
         a.received_at]
        for a in found
    ]  # fmt: skip
    columns = ["id", "terminal", "period", "entries", "bytes", "sha256", "received"]
    table(f"archives of {code}", columns, rows)


@archives.command("get")
@click.argument("archive_id", type=click.IntRange(min=1))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the archive.",
)
@json_option
@click.pass_context
def get_archive(ctx: click.Context, archive_id: int, output: Path, as_json: bool) -> None:
    """Download one archive, check it and write it to a file.

    \b
    Example:
      kiosk admin archives get 3 -o T-0001-2026-11.jsonl
    """
    with client(ctx) as admin:
        data = admin.archive_bytes(archive_id)
    output.write_bytes(data)
    report = verify_archive(data)
    if as_json:
        problems = [str(p) for p in report.problems]
        print_json({"file": str(output), "bytes": len(data), "entries": report.entries,
                    "verifies": report.ok, "problems": problems})  # fmt: skip
        return
    verdict = "verifies" if report.ok else f"does NOT verify: {report.problems[0]}"
    click.echo(f"{output}: {len(data)} bytes, {report.entries} entries, {verdict}")
