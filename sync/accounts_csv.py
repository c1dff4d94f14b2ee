"""The accounts CSV of the back office: an HR export in, the hub's accounts out.

Columns (header on line 1, in any order, names case-insensitive; ``,`` or ``;``
separated, UTF-8 with or without BOM)::

    id           the diner's account id (employee number), required
    name         display name, required
    profile      tariff profile of the site's menu (default ``employee``)
    badges       card UIDs in hex, several separated by spaces or ``|``
                 (``04A1B2C3``, ``04:a1:b2:c3`` and ``nfc:04A1B2C3`` are the same badge)
    email        e-mail address (kept on the hub only, never synced to tills)
    overdraft    authorised overdraft in euros (``15``, ``15.00`` or ``15,00``)
    postpaid     ``yes``/``no`` (also ``oui``/``non``, ``true``/``false``, ``1``/``0``):
                 payroll deduction, no floor
    cost_centre  the diner's cost centre (kept on the hub)

``parse_accounts`` returns every row it could read and every problem with its line
number; the caller imports nothing unless the list of problems is empty.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from pydantic import ValidationError

from sync.protocol.admin import ExportRow, ImportRow, LineError
from sync.protocol.rows import NFC_UID_BYTES

COLUMNS = ("id", "name", "profile", "badges", "email", "overdraft", "postpaid", "cost_centre")
REQUIRED = ("id", "name")
_YES = {"yes", "oui", "true", "1", "y", "o"}
_NO = {"no", "non", "false", "0", "n", ""}
_EUROS = re.compile(r"^(-?)(\d{1,8})(?:[.,](\d{1,2}))?$")
_UID = re.compile(r"^(?:[0-9A-F]{2}){4,10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CsvProblem(ValueError):
    """A value of the CSV that cannot be used (the message says why)."""


def parse_euros(text: str) -> int:
    """``"15"``, ``"15.5"``, ``"-3,00"`` -> cents, exactly (no float)."""
    found = _EUROS.match(text.strip())
    if found is None:
        raise CsvProblem(f"{text!r} is not an amount in euros (e.g. 15,00)")
    sign, whole, frac = found.groups()
    cents = int(whole) * 100 + int((frac or "0").ljust(2, "0"))
    return -cents if sign else cents


def format_euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def normalise_uid(text: str) -> str:
    """A card UID in any usual spelling -> ``nfc:`` + upper-case hex."""
    raw = text.strip()
    if raw.lower().startswith("nfc:"):
        raw = raw[4:]
    uid = re.sub(r"[\s:\-]", "", raw).upper()
    if not _UID.match(uid) or len(uid) // 2 not in NFC_UID_BYTES:
        sizes = ", ".join(str(n) for n in sorted(NFC_UID_BYTES))
        raise CsvProblem(f"badge {text!r} is not a card UID ({sizes} bytes in hex)")
    return f"nfc:{uid}"


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise CsvProblem(f"postpaid {text!r} is not yes or no")


def _header(fields: list[str]) -> list[str]:
    names = [f.strip().lower().replace(" ", "_").replace("-", "_") for f in fields]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise CsvProblem(f"unknown column {unknown[0]!r} (columns: {', '.join(COLUMNS)})")
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise CsvProblem(f"missing column {missing[0]!r}")
    return names


def _row(line: int, values: dict[str, str]) -> ImportRow:
    badges = [normalise_uid(b) for b in re.split(r"[\s|]+", values.get("badges", "")) if b]
    email = values.get("email", "").strip()
    if email and not _EMAIL.match(email):
        raise CsvProblem(f"email {email!r} is not an e-mail address")
    overdraft = parse_euros(values["overdraft"]) if values.get("overdraft", "").strip() else 0
    if overdraft < 0:
        raise CsvProblem("overdraft cannot be negative")
    try:
        return ImportRow(
            line=line,
            id=values["id"].strip(),
            name=values["name"].strip(),
            profile=values.get("profile", "").strip() or "employee",
            badges=badges,
            email=email,
            overdraft=overdraft,
            postpaid=_flag(values.get("postpaid", "")),
            cost_centre=values.get("cost_centre", "").strip(),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CsvProblem(f"{first['loc'][0]}: {first['msg']}") from exc


def parse_accounts(text: str) -> tuple[list[ImportRow], list[LineError]]:
    """Every row that reads well, and every problem by line (1 is the header)."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[ImportRow] = []
    errors: list[LineError] = []
    try:
        header = _header(next(reader))
    except StopIteration:
        return [], [LineError(line=1, problem="the file is empty (a header line is needed)")]
    except CsvProblem as exc:
        return [], [LineError(line=1, problem=str(exc))]
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(
                LineError(line=line, problem=f"{len(values)} fields, the header has {len(header)}")
            )
            continue
        try:
            rows.append(_row(line, dict(zip(header, values, strict=True))))
        except CsvProblem as exc:
            errors.append(LineError(line=line, problem=str(exc)))
    if not rows and not errors:
        errors.append(LineError(line=1, problem="no account in the file"))
    return rows, errors


def write_accounts(rows: Iterable[ExportRow]) -> str:
    """The export, in the import's columns: it can be edited and imported back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.id,
                r.name,
                r.profile,
                " ".join(b.removeprefix("nfc:") for b in r.badges),
                r.email,
                format_euros(r.overdraft),
                "yes" if r.postpaid else "no",
                r.cost_centre,
            ]
        )
    return out.getvalue()
