"""The hub's SQL on PostgreSQL: the small translation from the portable SQLite subset
that the storage modules and the migrations are written in.

The hub has one migration list (``sync.server.schema.MIGRATIONS``) and one set of
storage methods, written in SQLite's SQL restricted to what PostgreSQL also means the
same way, with these translations (``statement`` for queries, ``migration`` for
migrations):

- placeholders: ``?`` becomes ``%s`` and ``:name`` becomes ``%(name)s`` (a literal
  ``%`` is doubled);
- ``length(CAST(x AS BLOB))`` (bytes of a text) becomes ``octet_length(x)``;
- ``json_object(...)`` and ``json_array(...)`` become PostgreSQL's ``json_build_...``
  cast to text;
- ``json_extract(text, '$.key')`` is a PostgreSQL function of the same name (created
  with the schema, ``PG_FUNCTIONS``) that returns the value as text: compare it with
  text, or ``CAST(json_extract(...) AS INTEGER)`` with a number, so that both
  databases agree;
- in migrations: ``INTEGER PRIMARY KEY`` becomes an identity ``BIGINT`` key,
  ``INTEGER`` becomes ``BIGINT`` (SQLite's integers are 64-bit), a ``TEXT`` column is
  ``COLLATE "C"`` (SQLite compares text by bytes: timestamps and ids sort the same on
  both), ``BLOB`` becomes ``BYTEA``, and ``WITHOUT ROWID`` is dropped;
- a new row's id: ``INSERT ... RETURNING id`` (``cursor.lastrowid`` has no PostgreSQL
  form: it raises ``TranslationError``).

What cannot be translated is refused (``TranslationError``) rather than guessed:
``INSERT OR REPLACE`` (write ``INSERT ... ON CONFLICT (...) DO UPDATE``), SQLite's
date functions and JSON aggregates, ``typeof``, triggers, pragmas. A migration that
needs one of them gets its PostgreSQL form in ``PG_MIGRATIONS`` under the same name.

Adding a migration: append ``(name, sql)`` to ``schema.MIGRATIONS`` in this subset;
``tests/sync/test_pg_schema.py`` checks that both backends end with the same tables,
columns and indexes. Adding a storage method: write its SQL once, in this subset, in
the storage module; the suites run every hub test on both backends.
"""

from __future__ import annotations

import functools
import re

from sync.server.errors import StorageError
from sync.server.schema import MIGRATIONS


class TranslationError(StorageError):
    """SQL that has no PostgreSQL form here (see the module docstring)."""


# PostgreSQL forms of migrations whose SQLite text does not translate.
PG_MIGRATIONS: dict[str, str] = {
    # The triggers guard SQLite's silent turn of a 64-bit overflow into REAL; a
    # PostgreSQL BIGINT raises instead, so only the columns are added.
    "0003_trust": """
        ALTER TABLE enrolment_tokens ADD COLUMN mode TEXT;
        ALTER TABLE terminals ADD COLUMN mode TEXT;
    """,
    # SQLite's randomblob/hex give each existing credential its opaque ref; md5 of a
    # random number gives as many random hex digits here.
    "0013_personal_data": dict(MIGRATIONS)["0013_personal_data"].replace(
        "lower(hex(randomblob(8)))", "substr(md5(random()::text || value), 1, 16)"
    ),
}

# Functions of SQLite's that the portable subset uses, defined for PostgreSQL.
PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ($1::jsonb) #>> string_to_array(substr($2, 3), '.') $$
"""

_REFUSED = [
    (re.compile(r"\bINSERT\s+OR\s+\w+", re.I), "INSERT OR ...: use INSERT ... ON CONFLICT"),
    (re.compile(r"\b(datetime|julianday|strftime|unixepoch)\s*\(", re.I), "SQLite date functions"),
    (re.compile(r"\bjson_group_\w+\s*\(", re.I), "SQLite JSON aggregates"),
    (re.compile(r"\btypeof\s*\(", re.I), "typeof()"),
    (re.compile(r"\bCREATE\s+TRIGGER\b", re.I), "triggers"),
    (re.compile(r"\bPRAGMA\b", re.I), "pragmas"),
    (re.compile(r"\blast_insert_rowid\b|\browid\b", re.I), "rowid"),
]
_JSON_BUILDER = re.compile(r"\bjson_(object|array)\s*\(", re.I)
_BLOB_LENGTH = re.compile(r"\blength\(\s*CAST\(\s*([\w.]+)\s+AS\s+BLOB\s*\)\s*\)", re.I)
_PARTS = re.compile(r"('(?:[^']|'')*')|(--[^\n]*)|(\?)|(?<!:):([A-Za-z_]\w*)|(%)")


def _refuse(sql: str) -> None:
    code = re.sub(r"'(?:[^']|'')*'|--[^\n]*", "''", sql)
    for pattern, what in _REFUSED:
        if pattern.search(code):
            raise TranslationError(f"no PostgreSQL form for {what}: {sql.strip()[:200]}")


@functools.lru_cache(maxsize=4096)
def statement(sql: str) -> str:
    """The PostgreSQL form of one statement of the portable subset (cached: the same
    few hundred statements run again and again)."""
    _refuse(sql)
    sql = _json_builders(_BLOB_LENGTH.sub(r"octet_length(\1)", sql))

    def part(m: re.Match[str]) -> str:
        literal, comment, mark, name, percent = m.groups()
        if literal is not None:
            return literal.replace("%", "%%")
        if comment is not None:
            return ""
        if mark is not None:
            return "%s"
        if name is not None:
            return f"%({name})s"
        assert percent is not None
        return "%%"

    return _PARTS.sub(part, sql)


def _json_builders(sql: str, *, as_text: bool = True) -> str:
    """``json_object(...)`` and ``json_array(...)`` as PostgreSQL's builders; the
    outermost cast to text as SQLite's are (the spacing of the text differs, its JSON
    does not), those nested in them kept as JSON values."""
    start = 0
    while found := _JSON_BUILDER.search(sql, start):
        depth, i, quoted = 1, found.end(), False
        while depth:
            char = sql[i]
            if char == "'":
                quoted = not quoted
            elif not quoted:
                depth += {"(": 1, ")": -1}.get(char, 0)
            i += 1
        inner = _json_builders(sql[found.end() : i - 1], as_text=False)
        built = f"json_build_{found.group(1).lower()}({inner})"
        if as_text:
            built = f"CAST({built} AS TEXT)"
        sql = sql[: found.start()] + built + sql[i:]
        start = found.start() + len(built)
    return sql


_COMMENT = re.compile(r"('(?:[^']|'')*')|--[^\n]*")
_INT_KEY = re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\b", re.I)
_INTEGER = re.compile(r"\bINTEGER\b", re.I)
_BLOB = re.compile(r"\bBLOB\b", re.I)
_TEXT = re.compile(r"\bTEXT\b(?!\s+COLLATE)", re.I)
_NO_ROWID = re.compile(r"\)\s*WITHOUT\s+ROWID\s*;?\s*$", re.I)
_COLUMNS = re.compile(r"^\s*(CREATE\s+TABLE|ALTER\s+TABLE)\b", re.I)


def migration(sql: str) -> str:
    """The PostgreSQL form of one statement of a migration (DDL or data; run without
    parameters, so placeholders have no place in it)."""
    sql = _COMMENT.sub(lambda m: m.group(1) or "", sql).strip()
    if _COLUMNS.match(sql):
        sql = _INT_KEY.sub("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
        sql = _INTEGER.sub("BIGINT", sql)
        sql = _TEXT.sub('TEXT COLLATE "C"', sql)
        sql = _BLOB.sub("BYTEA", sql)
        sql = _NO_ROWID.sub(")", sql)
    _refuse(sql)
    return _BLOB_LENGTH.sub(r"octet_length(\1)", sql)
