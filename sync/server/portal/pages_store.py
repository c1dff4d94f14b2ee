"""The SQL of the diner's account pages: one signed entry or hub movement of the
account, and the site's rules for visit requests in the portal (who approves, which
cost centres a guest's meals may be billed to, whether to the host). Each write is one
transaction of ``SqliteStorage``; every read names the account and its site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sync.journal import Entry, format_ts
from sync.server.sqlrows import ENTRY_COLS, entry_record
from sync.server.storage import SqliteStorage


@dataclass(frozen=True, slots=True)
class HubMovement:
    id: int
    ts: str
    kind: str
    amount: int
    note: str


@dataclass(frozen=True, slots=True)
class CostCentre:
    account_id: str
    label: str


@dataclass(frozen=True, slots=True)
class VisitRules:
    """How the site's diners declare visits in the portal."""

    host_billing: bool  # meals may be billed to the host's own account
    cost_centres: tuple[CostCentre, ...]
    approvers: tuple[str, ...]  # account ids with the approver role


class PagesStore:
    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    # Tickets ---------------------------------------------------------------------------

    def entry_of(self, site: str, account_id: str, terminal_id: str, seq: int) -> Entry | None:
        """The signed entry, only if it is this account's from a terminal of its site."""
        cols = ", ".join(f"e.{c.strip()}" for c in ENTRY_COLS.split(","))
        with self.storage.reading() as db:
            row = db.execute(
                f"SELECT {cols} FROM entries e JOIN terminals t ON t.id = e.terminal_id "
                "WHERE e.terminal_id = ? AND e.seq = ? AND e.account_id = ? AND t.site = ?",
                (terminal_id, seq, account_id, site),
            ).fetchone()
        return None if row is None else entry_record(row)

    def movement_of(self, site: str, account_id: str, movement_id: int) -> HubMovement | None:
        """A hub movement, only if it is this account's (an account of ``site``)."""
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT h.id, h.ts, h.kind, h.amount, h.note FROM hub_ledger h "
                "JOIN accounts a ON a.id = h.account_id "
                "WHERE h.id = ? AND h.account_id = ? AND a.site = ?",
                (movement_id, account_id, site),
            ).fetchone()
        return (
            None if row is None else HubMovement(int(row[0]), row[1], row[2], int(row[3]), row[4])
        )

    # Visit rules -----------------------------------------------------------------------

    def visit_rules(self, site: str) -> VisitRules:
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT host_billing FROM portal_visit_rules WHERE site = ?", (site,)
            ).fetchone()
            centres = db.execute(
                "SELECT c.account_id, c.label FROM portal_cost_centres c "
                "JOIN accounts a ON a.id = c.account_id AND a.site = c.site "
                "WHERE c.site = ? ORDER BY c.label, c.account_id",
                (site,),
            ).fetchall()
            approvers = db.execute(
                "SELECT p.account_id FROM portal_approvers p "
                "JOIN accounts a ON a.id = p.account_id WHERE a.site = ? ORDER BY 1",
                (site,),
            ).fetchall()
        return VisitRules(
            host_billing=True if row is None else bool(row[0]),
            cost_centres=tuple(CostCentre(r[0], r[1]) for r in centres),
            approvers=tuple(r[0] for r in approvers),
        )

    def set_visit_rules(self, site: str, rules: VisitRules, now: datetime) -> None:
        """Replace the site's rules (the accounts named are checked by the caller)."""
        at = format_ts(now)
        with self.storage.atomic() as db:
            db.execute(
                "INSERT INTO portal_visit_rules VALUES (?, ?, ?) ON CONFLICT (site) DO UPDATE "
                "SET host_billing = excluded.host_billing, updated_at = excluded.updated_at",
                (site, int(rules.host_billing), at),
            )
            db.execute("DELETE FROM portal_cost_centres WHERE site = ?", (site,))
            db.executemany(
                "INSERT INTO portal_cost_centres VALUES (?, ?, ?)",
                [(site, c.account_id, c.label) for c in rules.cost_centres],
            )
            db.execute(
                "DELETE FROM portal_approvers WHERE account_id IN "
                "(SELECT id FROM accounts WHERE site = ?)",
                (site,),
            )
            db.executemany(
                "INSERT INTO portal_approvers VALUES (?, ?)",
                [(account, at) for account in rules.approvers],
            )

    def is_approver(self, site: str, account_id: str) -> bool:
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT 1 FROM portal_approvers p JOIN accounts a ON a.id = p.account_id "
                "WHERE p.account_id = ? AND a.site = ?",
                (account_id, site),
            ).fetchone()
        return row is not None

    def display_names(self, site: str, account_ids: set[str]) -> dict[str, str]:
        """The names of the site's accounts among ``account_ids``."""
        if not account_ids:
            return {}
        ids = sorted(account_ids)
        marks = ", ".join("?" for _ in ids)
        with self.storage.reading() as db:
            rows = db.execute(
                f"SELECT id, display_name FROM accounts WHERE site = ? AND id IN ({marks})",
                (site, *ids),
            ).fetchall()
        return {r[0]: r[1] for r in rows}
