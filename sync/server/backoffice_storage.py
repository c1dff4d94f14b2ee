"""The back office's SQL on the hub's SQLite file: staged account imports, menu
versions, terminal names, the account export and the day's report.

``BackofficeStorage`` is a mixin of ``SqliteStorage`` (it uses its transactions and
version counter), kept in its own module so that the core storage stays readable.
Every write is one ``BEGIN IMMEDIATE`` transaction: an import is applied whole or not
at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sync.journal import format_ts
from sync.protocol.admin import ExportRow, ImportResult, ImportRow, LineError
from sync.protocol.rows import (
    AccountKind,
    AccountStatus,
    CredentialKind,
    CredentialStatus,
    new_credential_ref,
)
from sync.server.sqlrows import chunks

SALE_KINDS = ("sale", "order", "guest_meal")


class _Rollback(Exception):
    """Raised inside a write transaction to undo it (dry run, or a line refused)."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("rolled back")
        self.result = result


class Staged(NamedTuple):
    """A staged import line (validated as ``ImportRow`` when it was received)."""

    line: int
    id: str
    name: str
    profile: str
    badges: list[str]
    email: str
    overdraft: int
    postpaid: bool
    cost_centre: str


@dataclass(frozen=True, slots=True)
class MenuVersionRecord:
    version: int
    effective: str
    published_at: str
    note: str
    activated_at: str | None


@dataclass(slots=True)
class TillTotals:
    terminal_id: str
    name: str
    sales_count: int = 0
    cancellations_count: int = 0
    net_sales: int = 0
    top_ups: int = 0
    closure: bool = False
    by_vat: dict[str, int] = field(default_factory=dict)
    by_means: dict[str, int] = field(default_factory=dict)


def _add(table: dict[str, int], key: str, cents: int) -> None:
    table[key] = table.get(key, 0) + cents


class BackofficeStorage:
    """Back-office methods of ``SqliteStorage`` (see the module docstring)."""

    if TYPE_CHECKING:

        def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self) -> AbstractContextManager[sqlite3.Connection]: ...
        @staticmethod
        def _bump(db: sqlite3.Connection, site: str, kind: str, keys: Sequence[str]) -> None: ...

    # Account imports ------------------------------------------------------------------

    def import_start(self, import_id: str, site: str, total: int, now: datetime) -> None:
        """Stage a new import; imports left unapplied for a day are dropped."""
        with self._write() as db:
            stale = "SELECT id FROM account_imports WHERE committed_at IS NULL AND created_at < ?"
            old = [r[0] for r in db.execute(stale, (format_ts(now - timedelta(days=1)),))]
            for chunk in chunks(old, 500):
                marks = ",".join("?" * len(chunk))
                db.execute(f"DELETE FROM account_import_rows WHERE import_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM account_imports WHERE id IN ({marks})", chunk)
            db.execute(
                "INSERT INTO account_imports (id, site, total, created_at) VALUES (?, ?, ?, ?)",
                (import_id, site, total, format_ts(now)),
            )

    def import_site(self, import_id: str) -> tuple[str, int, bool] | None:
        """(site, rows announced, committed) of a staged import."""
        with self._read() as db:
            row = db.execute(
                "SELECT site, total, committed_at FROM account_imports WHERE id = ?", (import_id,)
            ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]), row[2] is not None)

    def import_add(self, import_id: str, rows: Sequence[ImportRow]) -> int:
        """Stage rows (a line sent twice replaces itself); the count staged so far."""
        with self._write() as db:
            db.executemany(
                "INSERT INTO account_import_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (import_id, line) DO UPDATE SET id = excluded.id, "
                "name = excluded.name, profile = excluded.profile, badges = excluded.badges, "
                "email = excluded.email, overdraft = excluded.overdraft, "
                "postpaid = excluded.postpaid, cost_centre = excluded.cost_centre",
                [
                    (import_id, r.line, r.id, r.name, r.profile, " ".join(r.badges), r.email,
                     r.overdraft, int(r.postpaid), r.cost_centre)
                    for r in rows
                ],
            )  # fmt: skip
            sql = "SELECT count(*) FROM account_import_rows WHERE import_id = ?"
            return int(db.execute(sql, (import_id,)).fetchone()[0])

    def import_apply(
        self, import_id: str, profiles: frozenset[str] | None, now: datetime, *, dry_run: bool
    ) -> ImportResult:
        """Apply a staged import in one transaction, or nothing when a line is refused.

        ``profiles``: the tariff profiles of the site's menu (None: not checked).
        """
        try:
            with self._write() as db:
                site = str(
                    db.execute(
                        "SELECT site FROM account_imports WHERE id = ?", (import_id,)
                    ).fetchone()[0]
                )
                rows = [
                    Staged(r[0], r[1], r[2], r[3], r[4].split(), r[5], r[6], bool(r[7]), r[8])
                    for r in db.execute(
                        "SELECT line, id, name, profile, badges, email, overdraft, postpaid, "
                        "cost_centre FROM account_import_rows WHERE import_id = ? ORDER BY line",
                        (import_id,),
                    )
                ]
                result, accounts, badges = _apply_import(db, site, rows, profiles, now)
                if result.errors or dry_run:
                    raise _Rollback(result.model_copy(update={"dry_run": dry_run}))
                db.execute("DELETE FROM account_import_rows WHERE import_id = ?", (import_id,))
                db.execute(
                    "UPDATE account_imports SET committed_at = ? WHERE id = ?",
                    (format_ts(now), import_id),
                )
                self._bump(db, site, "account", accounts)
                self._bump(db, site, "credential", badges)
        except _Rollback as undone:
            return undone.result
        return result

    # Accounts export --------------------------------------------------------------------

    def export_accounts(self, site: str) -> list[ExportRow]:
        with self._read() as db:
            badges: dict[str, list[str]] = {}
            for value, account_id in db.execute(
                "SELECT value, account_id FROM credentials WHERE site = ? AND kind = ? "
                "AND status = ? ORDER BY value",
                (site, CredentialKind.NFC.value, CredentialStatus.ACTIVE.value),
            ):
                badges.setdefault(account_id, []).append(str(value))
            rows = db.execute(
                "SELECT a.id, a.display_name, a.profile, coalesce(d.email, ''), a.overdraft, "
                "a.kind, coalesce(d.cost_centre, ''), a.status, a.balance FROM accounts a "
                "LEFT JOIN account_details d ON d.account_id = a.id WHERE a.site = ? ORDER BY a.id",
                (site,),
            ).fetchall()
        return [
            ExportRow(
                id=r[0],
                name=r[1],
                profile=r[2],
                badges=badges.get(r[0], []),
                email=r[3],
                overdraft=r[4],
                postpaid=r[5] == AccountKind.POSTPAID.value,
                cost_centre=r[6],
                status=AccountStatus(r[7]),
                balance=r[8],
            )
            for r in rows
        ]

    # Menu versions ------------------------------------------------------------------------

    def menu_publish(
        self, site: str, body: dict[str, Any], effective: str, note: str, now: datetime
    ) -> int:
        with self._write() as db:
            top = db.execute(
                "SELECT coalesce(max(version), 0) FROM menu_versions WHERE site = ?", (site,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO menu_versions (site, version, effective, published_at, note, body) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (site, top + 1, effective, format_ts(now), note, json.dumps(body)),
            )
            return int(top) + 1

    def menu_versions(self, site: str) -> list[MenuVersionRecord]:
        with self._read() as db:
            rows = db.execute(
                "SELECT version, effective, published_at, note, activated_at FROM menu_versions "
                "WHERE site = ? ORDER BY version",
                (site,),
            ).fetchall()
        return [MenuVersionRecord(*r) for r in rows]

    def menu_body(self, site: str, version: int) -> dict[str, Any] | None:
        with self._read() as db:
            row = db.execute(
                "SELECT body FROM menu_versions WHERE site = ? AND version = ?", (site, version)
            ).fetchone()
        if row is None:
            return None
        body: dict[str, Any] = json.loads(row[0])
        return body

    def menu_due(self, site: str, today: str) -> tuple[int, bool] | None:
        """The version that should be live on ``today`` (the latest effective day wins),
        and whether it went live already: a read, so that a terminal's pull takes no
        write lock when nothing is due."""
        with self._read() as db:
            row = db.execute(
                "SELECT version, activated_at FROM menu_versions WHERE site = ? "
                "AND effective <= ? ORDER BY effective DESC, version DESC LIMIT 1",
                (site, today),
            ).fetchone()
        return None if row is None else (int(row[0]), row[1] is not None)

    def menu_activate(self, site: str, version: int, kind: str, doc_id: str, now: datetime) -> bool:
        """Make ``version`` the site's live menu document (once); True when it changed."""
        stamp = format_ts(now)
        with self._write() as db:
            row = db.execute(
                "SELECT body, activated_at FROM menu_versions WHERE site = ? AND version = ?",
                (site, version),
            ).fetchone()
            live = db.execute(
                "SELECT body FROM documents WHERE site = ? AND kind = ? AND id = ?",
                (site, kind, doc_id),
            ).fetchone()
            body = json.dumps(json.loads(row[0]), separators=(",", ":"))
            if row[1] is not None and live is not None and live[0] == body:
                return False
            db.execute(
                """INSERT INTO documents VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (site, kind, id) DO UPDATE SET body = excluded.body,
                       updated_at = excluded.updated_at""",
                (site, kind, doc_id, body, stamp),
            )
            db.execute(
                "UPDATE menu_versions SET activated_at = coalesce(activated_at, ?) "
                "WHERE site = ? AND version = ?",
                (stamp, site, version),
            )
            self._bump(db, site, f"doc:{kind}", [doc_id])
        return True

    # Terminals -------------------------------------------------------------------------

    def rename_terminal(self, terminal_id: str, name: str) -> bool:
        with self._write() as db:
            sql = "UPDATE terminals SET name = ? WHERE id = ?"
            return db.execute(sql, (name, terminal_id)).rowcount == 1

    # Reports ------------------------------------------------------------------------------

    def day_totals(self, site: str, day: str) -> list[TillTotals]:
        """Per till of the site: the business day's sales, cancellations, top-ups, closure."""
        with self._read() as db:
            tills = {
                str(t): TillTotals(str(t), str(n))
                for t, n in db.execute(
                    "SELECT id, name FROM terminals WHERE site = ? ORDER BY id", (site,)
                )
            }
            for terminal_id, kind, amount, payload in _day_entries(db, site, day):
                totals = tills[terminal_id]
                body = json.loads(payload)
                if kind in SALE_KINDS:
                    totals.sales_count += 1
                    _count_sale(totals, -amount, body, 1)
                elif kind == "top_up":
                    totals.top_ups += amount
                    _add(totals.by_means, str(body.get("means")), amount)
                elif kind == "cancel":
                    totals.cancellations_count += 1
                    original = db.execute(
                        "SELECT kind, amount, payload FROM entries WHERE terminal_id = ? "
                        "AND seq = ?",
                        (terminal_id, body.get("cancels")),
                    ).fetchone()
                    if original is not None and original[0] in SALE_KINDS:
                        _count_sale(totals, -original[1], json.loads(original[2]), -1)
                    elif original is not None and original[0] == "top_up":
                        totals.top_ups -= original[1]
                        means = str(json.loads(original[2]).get("means"))
                        _add(totals.by_means, means, -original[1])
                elif kind == "closure":
                    totals.closure = True
        return list(tills.values())


def _apply_import(
    db: sqlite3.Connection,
    site: str,
    rows: Sequence[Staged],
    profiles: frozenset[str] | None,
    now: datetime,
) -> tuple[ImportResult, list[str], list[str]]:
    """Check every line against the file and the hub, then write (the caller rolls back
    when ``errors`` is not empty): (result, accounts changed, badges changed)."""
    errors: list[LineError] = []
    lines: dict[str, int] = {}
    badge_lines: dict[str, int] = {}
    by_id: dict[str, Staged] = {}
    account_of = {r.line: r.id for r in rows}
    for r in rows:
        if r.id in lines:
            errors.append(_err(r.line, f"account {r.id} is already on line {lines[r.id]}"))
            continue
        lines[r.id], by_id[r.id] = r.line, r
        if profiles is not None and r.profile not in profiles:
            known = ", ".join(sorted(profiles))
            errors.append(
                _err(r.line, f"profile {r.profile!r} is not in the site's menu ({known})")
            )
        for badge in r.badges:
            if badge in badge_lines:
                errors.append(
                    _err(r.line, f"badge {badge} is already on line {badge_lines[badge]}")
                )
            badge_lines[badge] = r.line
    existing: dict[str, tuple[Any, ...]] = {}
    for chunk in chunks(list(by_id), 500):
        marks = ",".join("?" * len(chunk))
        for found in db.execute(
            "SELECT a.id, a.site, a.display_name, a.kind, a.profile, a.overdraft, "
            "coalesce(d.email, ''), coalesce(d.cost_centre, '') FROM accounts a "
            f"LEFT JOIN account_details d ON d.account_id = a.id WHERE a.id IN ({marks})",
            chunk,
        ):
            existing[found[0]] = tuple(found[1:])
            if found[1] != site:
                errors.append(_err(lines[found[0]], f"account {found[0]} belongs to another site"))
    owners: dict[str, str] = {}
    for chunk in chunks(list(badge_lines), 500):
        marks = ",".join("?" * len(chunk))
        for value, its_site, owner in db.execute(
            f"SELECT value, site, account_id FROM credentials WHERE value IN ({marks})", chunk
        ):
            owners[value] = owner
            line = badge_lines[value]
            if its_site != site:
                errors.append(_err(line, f"badge {value} belongs to another site"))
            elif owner != account_of[line] and owner not in by_id:
                errors.append(
                    LineError(
                        line=line,
                        problem=f"badge {value} is the badge of account {owner}: "
                        "replace it (`kiosk admin badges replace`) or list it there",
                    )
                )
    result = ImportResult(errors=sorted(errors, key=lambda e: e.line))
    if errors:
        return result, [], []
    stamp = format_ts(now)
    new = [r for r in by_id.values() if r.id not in existing]
    changed = [
        r
        for r in by_id.values()
        if r.id in existing
        and existing[r.id][1:]
        != (r.name, _kind(r).value, r.profile, r.overdraft, r.email, r.cost_centre)
    ]
    db.executemany(
        "INSERT INTO accounts (id, site, display_name, kind, status, profile, overdraft, "
        "balance, flagged, created_at) VALUES (?, ?, ?, ?, 'active', ?, ?, 0, 0, ?)",
        [(r.id, site, r.name, _kind(r).value, r.profile, r.overdraft, stamp) for r in new],
    )
    db.executemany(
        "UPDATE accounts SET display_name = ?, kind = ?, profile = ?, overdraft = ? WHERE id = ?",
        [(r.name, _kind(r).value, r.profile, r.overdraft, r.id) for r in changed],
    )
    db.executemany(
        """INSERT INTO account_details VALUES (?, ?, ?) ON CONFLICT (account_id)
           DO UPDATE SET email = excluded.email, cost_centre = excluded.cost_centre""",
        [(r.id, r.email, r.cost_centre) for r in [*new, *changed]],
    )
    badges = [
        (value, account_of[line])
        for value, line in badge_lines.items()
        if owners.get(value) != account_of[line]
    ]
    db.executemany(
        """INSERT INTO credentials (value, site, kind, status, account_id, public_key,
               updated_at, ref) VALUES (?, ?, 'nfc', 'active', ?, NULL, ?, ?)
           ON CONFLICT (value) DO UPDATE SET account_id = excluded.account_id,
               updated_at = excluded.updated_at, ref = excluded.ref""",
        [(value, site, owner, stamp, new_credential_ref()) for value, owner in badges],
    )
    result = ImportResult(
        created=len(new),
        updated=len(changed),
        unchanged=len(by_id) - len(new) - len(changed),
        badges_assigned=len(badges),
    )
    return result, [r.id for r in [*new, *changed]], [value for value, _ in badges]


def _err(line: int, problem: str) -> LineError:
    return LineError(line=line, problem=problem)


def _kind(row: Staged) -> AccountKind:
    return AccountKind.POSTPAID if row.postpaid else AccountKind.PREPAID


def _day_entries(
    db: sqlite3.Connection, site: str, day: str
) -> Iterator[tuple[str, str, int, str]]:
    yield from db.execute(
        "SELECT e.terminal_id, e.kind, e.amount, e.payload FROM entries e "
        "JOIN terminals t ON t.id = e.terminal_id WHERE t.site = ? "
        "AND e.kind IN ('sale', 'order', 'guest_meal', 'top_up', 'cancel', 'closure') "
        "AND json_extract(e.payload, '$.business_day') = ? ORDER BY e.terminal_id, e.seq",
        (site, day),
    )


def _count_sale(totals: TillTotals, cents: int, body: dict[str, Any], sign: int) -> None:
    totals.net_sales += cents * sign
    _add(totals.by_means, str(body.get("means", "balance")), cents * sign)
    vat = body.get("vat")
    if isinstance(vat, dict) and vat:
        for rate, part in vat.items():
            _add(totals.by_vat, str(rate), int(part) * sign)
    else:
        _add(totals.by_vat, "unknown", cents * sign)
