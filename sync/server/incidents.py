"""Incidents found while applying journals: overdrafts and double subsidies.

Called by ``SqliteStorage.apply_entries`` for each account a push touches, inside the
push's transaction (``record``), so that an incident is stored exactly when the
entries that caused it are. One incident stays open per account and kind: further
entries that deepen it are added to it (their terminals and ids, the amount), until
the back office clears it with a reason; the next one opens a new incident.

Each change gives the incident a new version in the site's change log (kind
``incident``), so that tills receive it through ``/v1/changes``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sync import subsidy
from sync.journal import Entry, entry_id, format_ts
from sync.protocol.incidents import Incident, IncidentKind
from sync.protocol.rows import AccountKind, AccountRow

Bump = Callable[[sqlite3.Connection, str, str, Sequence[str]], None]
COLUMNS = (
    "id, site, kind, account_id, terminals, entries, amount, created_at, updated_at, "
    "cleared_at, cleared_reason"
)
CHANGE_KIND = "incident"
MAX_IDS = 500  # entry ids kept on one incident (the wire allows 1000)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: IncidentKind
    entries: list[tuple[str, int]]  # (terminal, seq) of the entries that caused it
    amount: int


def findings(row: AccountRow, entries: Sequence[Entry]) -> list[Finding]:
    """What ``entries`` (one account's, in order, not applied yet) cause."""
    found: list[Finding] = []
    if row.kind is AccountKind.PREPAID:
        floor, balance, deepest, below = -row.overdraft, row.balance, 0, []
        for entry in entries:
            balance += entry.amount
            if entry.amount < 0 and balance < floor:
                below.append(entry)
                deepest = max(deepest, floor - balance)
        if below:
            ids = [(e.terminal_id, e.seq) for e in below]
            found.append(Finding(IncidentKind.OVERDRAFT, ids, deepest))
    mark = row.subsidy
    for entry in entries:
        granted = subsidy.follow(None, [entry])
        if granted is None:
            continue
        if (
            mark is not None
            and mark.day == granted.day
            and ((mark.terminal_id, mark.seq) != (granted.terminal_id, granted.seq))
        ):
            ids = [(mark.terminal_id, mark.seq), (entry.terminal_id, entry.seq)]
            found.append(Finding(IncidentKind.DOUBLE_SUBSIDY, ids, _subsidy(entry)))
        mark = subsidy.follow(mark, [entry])
    return found


def record(
    db: sqlite3.Connection,
    site: str,
    row: AccountRow,
    entries: Sequence[Entry],
    *,
    now: datetime,
    bump: Bump,
) -> list[int]:
    """Store what ``entries`` cause for the account ``row`` (before they apply);
    returns the ids of the incidents opened or extended."""
    stamp, touched = format_ts(now), []
    for finding in findings(row, entries):
        ids = [entry_id(terminal, seq) for terminal, seq in finding.entries]
        terminals = sorted({terminal for terminal, _ in finding.entries})
        current = db.execute(
            "SELECT id, terminals, entries, amount FROM incidents "
            "WHERE site = ? AND account_id = ? AND kind = ? AND cleared_at IS NULL",
            (site, row.id, finding.kind.value),
        ).fetchone()
        if current is None:
            incident_id = db.execute(
                "INSERT INTO incidents (site, kind, account_id, terminals, entries, amount, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (site, finding.kind.value, row.id, _json(terminals), _json(ids), finding.amount,
                 stamp, stamp),
            ).fetchone()[0]  # fmt: skip
        else:
            incident_id = current[0]
            old_ids = json.loads(current[2])
            merged_ids = old_ids + [i for i in ids if i not in old_ids]
            if len(merged_ids) > MAX_IDS:  # one left open for long: the first and the latest
                merged_ids = [merged_ids[0], *merged_ids[-(MAX_IDS - 1) :]]
            merged_terminals = sorted(set(json.loads(current[1])) | set(terminals))
            amount = (
                max(current[3], finding.amount)
                if finding.kind is IncidentKind.OVERDRAFT
                else current[3] + finding.amount
            )
            db.execute(
                "UPDATE incidents SET terminals = ?, entries = ?, amount = ?, updated_at = ? "
                "WHERE id = ?",
                (_json(merged_terminals), _json(merged_ids), amount, stamp, incident_id),
            )
        touched.append(int(incident_id))
    if touched:
        bump(db, site, CHANGE_KIND, [str(i) for i in touched])
    return touched


def clear(
    db: sqlite3.Connection, incident_id: int, reason: str, now: datetime, bump: Bump
) -> Incident | None:
    """Clear an open incident; None when there is no such open incident."""
    row = db.execute(
        "UPDATE incidents SET cleared_at = ?, cleared_reason = ? "
        f"WHERE id = ? AND cleared_at IS NULL RETURNING {COLUMNS}",
        (format_ts(now), reason, incident_id),
    ).fetchone()
    if row is None:
        return None
    incident = incident_of(row)
    bump(db, incident.site_code, CHANGE_KIND, [str(incident_id)])
    return incident


def listing(
    db: sqlite3.Connection,
    site: str,
    *,
    state: str = "open",
    kind: IncidentKind | None = None,
    account_id: str | None = None,
    limit: int = 500,
) -> list[Incident]:
    """The site's incidents, newest first; ``state`` is open, cleared or all."""
    where, params = ["site = ?"], [site]
    if state == "open":
        where.append("cleared_at IS NULL")
    elif state == "cleared":
        where.append("cleared_at IS NOT NULL")
    if kind is not None:
        where.append("kind = ?")
        params.append(kind.value)
    if account_id is not None:
        where.append("account_id = ?")
        params.append(account_id)
    rows = db.execute(
        f"SELECT {COLUMNS} FROM incidents WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [incident_of(r) for r in rows]


def one(db: sqlite3.Connection, incident_id: int) -> Incident | None:
    row = db.execute(f"SELECT {COLUMNS} FROM incidents WHERE id = ?", (incident_id,)).fetchone()
    return None if row is None else incident_of(row)


def changed(db: sqlite3.Connection, site: str, since: int, top: int) -> list[Incident]:
    """The site's incidents whose change version is in (since, top] (the changes feed)."""
    rows = db.execute(
        f"SELECT {', '.join('i.' + c for c in COLUMNS.split(', '))} FROM changes c "
        "JOIN incidents i ON i.id = CAST(c.key AS INTEGER) "
        "WHERE c.site = ? AND c.kind = ? AND c.version > ? AND c.version <= ? "
        "ORDER BY c.version",
        (site, CHANGE_KIND, since, top),
    ).fetchall()
    return [incident_of(r) for r in rows]


def incident_of(row: Sequence[object]) -> Incident:
    return Incident(
        id=row[0],  # type: ignore[arg-type]
        site_code=row[1],  # type: ignore[arg-type]
        kind=IncidentKind(str(row[2])),
        account_id=row[3],  # type: ignore[arg-type]
        terminals=json.loads(str(row[4])),
        entries=json.loads(str(row[5])),
        amount=row[6],  # type: ignore[arg-type]
        created_at=row[7],  # type: ignore[arg-type]
        updated_at=row[8],  # type: ignore[arg-type]
        cleared_at=row[9],  # type: ignore[arg-type]
        cleared_reason=row[10],  # type: ignore[arg-type]
    )


def _subsidy(entry: Entry) -> int:
    """The subsidy the sale's ticket granted, in cents (positive)."""
    ticket = entry.payload.get("ticket")
    line = ticket.get("subsidy") if isinstance(ticket, Mapping) else None
    amount = line.get("amount") if isinstance(line, Mapping) else None
    return -amount if isinstance(amount, int) and amount < 0 else 0


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
