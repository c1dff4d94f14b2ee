"""The delta-sync read of the hub's storage (SQLite or PostgreSQL), written straight to
JSON bytes.

A new terminal's first pull reads every account and badge of its site: 300,000 rows
for a site of 100,000 diners with two badges each. Building a pydantic model per row
and serialising it again cost most of that pull, so the page is made by the database
itself: ``json_object`` (or ``json_array``, for ``rows=arrays``) writes each account
and credential (the columns were checked when they were written), Python only joins
the texts. The few other objects of a page (documents, settings, incidents) go
through their models as before.

The page is the wire form of ``sync.protocol.messages.ChangesPage`` (same fields, same
order), or with ``rows=arrays`` of ``sync.protocol.page_rows.ChangesRows``.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sync.protocol.messages import MAX_PAGE_BYTES, PROTOCOL_VERSION
from sync.protocol.page_rows import RowForm
from sync.server import incidents

# Accounts and credentials as their JSON text (the fields and order of ``AccountRow``
# and ``CredentialRow``: objects, or with ``rows=arrays`` arrays of the values, see
# ``sync.protocol.page_rows``); every other kind as an upper bound of its bytes in the
# page (the byte length of its text columns, doubled where JSON escapes could grow
# them), written as text too: one type in every branch, as PostgreSQL wants.
_ACCOUNT_JSON = {
    "objects": """json_object('id', a.id, 'display_name', a.display_name, 'kind', a.kind,
      'status', a.status, 'profile', a.profile, 'balance', a.balance,
      'overdraft', a.overdraft, 'subsidy', json(a.subsidy))""",
    "arrays": """json_array(a.id, a.display_name, a.kind, a.status, a.profile, a.balance,
      a.overdraft, json(a.subsidy))""",
}
_CREDENTIAL_JSON = {
    "objects": """json_object('value', r.value, 'kind', r.kind, 'status', r.status,
      'account_id', r.account_id, 'public_key', r.public_key, 'ref', r.ref)""",
    "arrays": """json_array(r.value, r.kind, r.status, r.account_id, r.public_key, r.ref)""",
}
_PAGE_ROWS = """
SELECT c.version, c.kind, CASE
  WHEN c.kind = 'account' THEN (
    SELECT CAST({account} AS TEXT) FROM accounts a WHERE a.id = c.key)
  WHEN c.kind = 'credential' THEN (
    SELECT CAST({credential} AS TEXT) FROM credentials r WHERE r.value = c.key)
  WHEN c.kind = 'incident' THEN (
    SELECT CAST(300 + 2 * (length(CAST(i.terminals AS BLOB))
      + length(CAST(i.entries AS BLOB)) + coalesce(length(CAST(i.cleared_reason AS BLOB)), 0))
      AS TEXT)
    FROM incidents i WHERE i.id = CAST(c.key AS INTEGER))
  WHEN c.kind = 'settings' THEN (
    SELECT CAST(50 + length(CAST(s.settings AS BLOB)) AS TEXT) FROM sites s WHERE s.code = c.key)
  ELSE (
    SELECT CAST(50 + 2 * (length(CAST(d.id AS BLOB)) + length(CAST(d.kind AS BLOB)))
      + coalesce(length(CAST(d.body AS BLOB)), 4) AS TEXT)
    FROM documents d WHERE d.site = c.site AND 'doc:' || d.kind = c.kind AND d.id = c.key)
END
FROM changes c WHERE c.site = ? AND c.version > ? ORDER BY c.version LIMIT ?
"""
PAGE_ROWS = {
    form: _PAGE_ROWS.format(account=_ACCOUNT_JSON[form], credential=_CREDENTIAL_JSON[form])
    for form in ("objects", "arrays")
}

_ROW_KINDS = frozenset({"account", "credential"})

_DOCUMENTS = """
SELECT d.kind, d.id, d.body FROM changes c
JOIN documents d ON d.site = c.site AND 'doc:' || d.kind = c.kind AND d.id = c.key
WHERE c.site = ? AND c.kind LIKE 'doc:%' AND c.version > ? AND c.version <= ?
ORDER BY c.version
"""

_SETTINGS = """
SELECT s.settings FROM changes c JOIN sites s ON s.code = c.key
WHERE c.site = ? AND c.kind = 'settings' AND c.version > ? AND c.version <= ?
"""


def changes_json(
    db: sqlite3.Connection,
    site: str,
    terminal_id: str,
    since: int,
    limit: int,
    *,
    rows: RowForm = "objects",
    max_bytes: int = MAX_PAGE_BYTES,
) -> bytes:
    """The ``ChangesPage`` of ``site`` after ``since`` as JSON (call inside one read
    transaction, so that balances and ``applied_seq`` come from the same snapshot).

    ``rows``: accounts and credentials as objects (``ChangesPage``) or as arrays of
    their values (``sync.protocol.page_rows.ChangesRows``). At most ``limit`` objects,
    stopping before the one that would take the page past
    ``max_bytes`` (but never before the first, so that a big object still goes, alone).
    """
    version = int(db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0])
    applied, last_hash = db.execute(
        "SELECT applied_seq, last_hash FROM terminals WHERE id = ?", (terminal_id,)
    ).fetchone()
    if since > version:
        since = 0  # a cursor from a hub restored from backup: start over
    accounts: list[str] = []
    credentials: list[str] = []
    others = False
    top, total, taken, seen, more = since, 1024, 0, 0, False  # 1 KiB for the page's fields
    listed = db.execute(PAGE_ROWS[rows], (site, since, limit)).fetchall()
    for row_version, kind, value in listed:
        seen += 1
        if value is None:  # the object's row is gone: nothing to send
            top = int(row_version)
            continue
        is_row = kind in _ROW_KINDS
        total += len(value) + 1 if is_row else int(value)
        if taken and total > max_bytes:
            more = True
            break
        top, taken = int(row_version), taken + 1
        if not is_row:
            others = True
        elif kind == "account":
            accounts.append(value)
        else:
            credentials.append(value)
    else:
        more = seen == limit
    top = top if more else version
    span = (site, since, top)
    documents: dict[str, dict[str, Any]] = {}
    settings = incident_list = None
    if others:  # documents, settings and incidents are few: read them only when there
        for kind, doc_id, body in db.execute(_DOCUMENTS, span):
            documents.setdefault(kind, {})[doc_id] = None if body is None else json.loads(body)
        found = db.execute(_SETTINGS, span).fetchone()
        settings = None if found is None else found[0]
        incident_list = incidents.changed(db, site, since, top)
    parts = [
        f'{{"protocol":{PROTOCOL_VERSION},"since":{since},"cursor":{max(top, since)},'
        f'"more":{"true" if more else "false"},"applied_seq":{int(applied)},"accounts":[',
        ",".join(accounts),
        '],"credentials":[',
        ",".join(credentials),
        '],"settings":',
        "null" if settings is None else str(settings),
        ',"documents":',
        json.dumps(documents, separators=(",", ":"), ensure_ascii=False),
        ',"last_hash":',
        json.dumps(str(last_hash)),
        ',"incidents":[',
        ",".join(i.model_dump_json() for i in incident_list or ()),
        "]}",
    ]
    return "".join(parts).encode()
