"""Signed journal archives, written by the terminal and checked by anyone: the form,
the writer and the verifier, pure (no store, no network), shared by the terminal, the
hub (which checks every archive it keeps) and an auditor's ``kiosk journal
verify-archive``.

An archive is UTF-8 JSON Lines, each line the canonical JSON of ``sync.journal``
(keys sorted, no spaces) and a newline, an open form any tool can read:

1. the header: ``format``, ``terminal_id``, ``site_code``, ``period`` and its days,
   the journal range (``first_seq``, ``last_seq``, ``prev_hash``: the hash of the entry
   before the first), how many entries and which of them are closures, the terminal's
   ``public_key``, its ``certificate`` from the hub (or null), ``created_at``, and a
   ``signature`` by the terminal's key over the rest of the header;
2. one line per journal entry of the range, in order, exactly as signed
   (``Entry.to_dict``): each carries its own hash and signature;
3. the end line: how many lines come before it, the SHA-256 of those bytes and the
   terminal's signature of that digest.

Every part is checked on its own, so that a change is located: a byte altered in an
entry breaks that entry (its form, hash or signature) and is reported with its line
and sequence; in the header, the header's signature; lines taken out, added or
swapped break the sequence, the chain and the end line. Each daily closure is also
recounted from the entries of its period, when the archive holds them all, and each
closure's perpetual grand total must be the previous one's plus its period's total.

The certificate binds the terminal's id and public key to its site, signed by the
hub's key (``issue_certificate``): with the hub's public key an auditor knows that
the key that signed the archive is the one the hub enrolled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.closure_totals import closure_mismatch
from sync.journal import (
    Entry,
    canonical_json,
    entry_problem,
    format_ts,
    load_public_key,
    public_key_text,
)

FORMAT = "canteen-journal-archive/1"
CLOSURE_KINDS = frozenset({"closure", "closure_month", "closure_year"})


class ArchiveError(ValueError):
    """An archive that cannot be written (nothing to archive, a period not closed)."""


# Certificates ---------------------------------------------------------------------------


def _sign(key: Ed25519PrivateKey, fields: Mapping[str, Any]) -> str:
    return base64.b64encode(key.sign(canonical_json(dict(fields)))).decode("ascii")


def _signature_ok(public_key: Ed25519PublicKey, sig: object, fields: Mapping[str, Any]) -> bool:
    if not isinstance(sig, str):
        return False
    try:
        raw = base64.b64decode(sig, validate=True)
        # Base64 may carry unused bits: only the one canonical text of a signature counts,
        # so that no byte of the file can change without being noticed.
        if base64.b64encode(raw).decode("ascii") != sig:
            return False
        public_key.verify(raw, canonical_json(dict(fields)))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def issue_certificate(
    hub_key: Ed25519PrivateKey,
    *,
    terminal_id: str,
    site_code: str,
    public_key: str,
    issued_at: datetime,
) -> dict[str, Any]:
    """The hub's signed statement that ``public_key`` is terminal ``terminal_id``'s."""
    body = {
        "terminal_id": terminal_id,
        "site_code": site_code,
        "public_key": public_key,
        "hub_public_key": public_key_text(hub_key.public_key()),
        "issued_at": format_ts(issued_at),
    }
    return {**body, "signature": _sign(hub_key, body)}


def certificate_problem(
    certificate: Mapping[str, Any], hub_public_key: str | None = None
) -> str | None:
    """Why ``certificate`` is not the hub's (with its key: checked against that key;
    without: against the key it names, which proves only that it is whole)."""
    body = {k: v for k, v in certificate.items() if k != "signature"}
    expected = {"terminal_id", "site_code", "public_key", "hub_public_key", "issued_at"}
    if set(body) != expected or not all(isinstance(v, str) for v in body.values()):
        return "the certificate's fields are not those the hub writes"
    if hub_public_key is not None and body["hub_public_key"] != hub_public_key:
        return "the certificate is signed by another hub key than the one given"
    try:
        key = load_public_key(str(body["hub_public_key"]))
    except ValueError as exc:
        return f"the certificate's hub key: {exc}"
    if not _signature_ok(key, certificate.get("signature"), body):
        return "the certificate's signature is not valid"
    return None


# Writing --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArchiveHeader:
    terminal_id: str
    site_code: str
    period: str
    first_day: str
    last_day: str
    prev_hash: str
    certificate: Mapping[str, Any] | None
    created_at: datetime


def _line(value: Mapping[str, Any]) -> bytes:
    return canonical_json(dict(value)) + b"\n"


def write_archive(key: Ed25519PrivateKey, header: ArchiveHeader, entries: Sequence[Entry]) -> bytes:
    """The archive's bytes for ``entries`` (a contiguous range of one journal)."""
    if not entries:
        raise ArchiveError(f"{header.period}: no entries to archive")
    head: dict[str, Any] = {
        "format": FORMAT,
        "terminal_id": header.terminal_id,
        "site_code": header.site_code,
        "period": header.period,
        "first_day": header.first_day,
        "last_day": header.last_day,
        "first_seq": entries[0].seq,
        "last_seq": entries[-1].seq,
        "prev_hash": header.prev_hash,
        "entries": len(entries),
        "closures": [e.seq for e in entries if e.kind in CLOSURE_KINDS],
        "public_key": public_key_text(key.public_key()),
        "certificate": None if header.certificate is None else dict(header.certificate),
        "created_at": format_ts(header.created_at),
    }
    out = bytearray(_line({**head, "signature": _sign(key, head)}))
    for entry in entries:
        out += _line(entry.to_dict())
    digest = hashlib.sha256(out).hexdigest()
    end = {"end": True, "lines": len(entries) + 1, "sha256": digest}
    out += _line({**end, "signature": _sign(key, end)})
    return bytes(out)


# Verifying ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, where: ``line`` (1-based), what it is (``header``, ``entry 12``,
    ``closure 40``, ``end``) and why."""

    line: int
    where: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line} ({self.where}): {self.message}"


@dataclass(slots=True)
class ArchiveReport:
    problems: list[Problem] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    entries: int = 0
    closures: int = 0
    certified: bool = False  # the certificate was checked against the given hub key

    @property
    def ok(self) -> bool:
        return not self.problems


def _parse_line(raw: bytes) -> dict[str, Any] | str:
    """The JSON object of one line, or why it is not a canonical one."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return f"not JSON: {exc}"
    if not isinstance(value, dict):
        return "not a JSON object"
    try:
        canonical = canonical_json(value)
    except ValueError as exc:
        return f"not canonical JSON: {exc}"
    if canonical != raw:
        return "not in canonical form (the bytes differ from what was signed)"
    return value


_HEADER_FIELDS = {
    "format": str,
    "terminal_id": str,
    "site_code": str,
    "period": str,
    "first_day": str,
    "last_day": str,
    "first_seq": int,
    "last_seq": int,
    "prev_hash": str,
    "entries": int,
    "closures": list,
    "public_key": str,
    "created_at": str,
    "signature": str,
}


def _check_header(
    header: dict[str, Any], hub_public_key: str | None, report: ArchiveReport
) -> Ed25519PublicKey | None:
    def bad(message: str) -> None:
        report.problems.append(Problem(1, "header", message))

    for name, kind in _HEADER_FIELDS.items():
        if not isinstance(header.get(name), kind) or isinstance(header.get(name), bool):
            bad(f"{name}: missing or not a {kind.__name__}")
            return None
    if header["format"] != FORMAT:
        bad(f"format {header['format']!r} is not {FORMAT!r}")
        return None
    try:
        key = load_public_key(header["public_key"])
    except ValueError as exc:
        bad(f"public_key: {exc}")
        return None
    body = {k: v for k, v in header.items() if k != "signature"}
    if not _signature_ok(key, header["signature"], body):
        bad("the header's signature is not valid for its public key")
    certificate = header.get("certificate")
    if certificate is None:
        if hub_public_key is not None:
            bad("no certificate from the hub: the key that signed cannot be checked")
        return key
    if not isinstance(certificate, dict):
        bad("certificate: not an object")
        return key
    problem = certificate_problem(certificate, hub_public_key)
    if problem is not None:
        bad(problem)
    elif (certificate["terminal_id"], certificate["public_key"]) != (
        header["terminal_id"],
        header["public_key"],
    ):
        bad("the certificate names another terminal or key than the archive")
    else:
        report.certified = hub_public_key is not None
    return key


def verify_archive(data: bytes, hub_public_key: str | None = None) -> ArchiveReport:
    """Check an archive with nothing but its bytes (and, optionally, the hub's public
    key); every problem found, each with its line and what it is."""
    report = ArchiveReport()
    if not data.endswith(b"\n"):
        report.problems.append(Problem(data.count(b"\n") + 1, "end", "the file is cut short"))
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) < 3:
        report.problems.append(Problem(1, "file", "not an archive: fewer than three lines"))
        return report
    header = _parse_line(lines[0])
    if isinstance(header, str):
        report.problems.append(Problem(1, "header", header))
        return report
    report.header = header
    key = _check_header(header, hub_public_key, report)
    if key is None:
        return report
    entries = _check_entries(lines[1:-1], header, key, report)
    _check_closures(entries, report)
    _check_end(lines, key, report)
    return report


def _check_entries(
    lines: Sequence[bytes], header: dict[str, Any], key: Ed25519PublicKey, report: ArchiveReport
) -> list[tuple[int, Entry]]:
    """The entries that are whole (line number, entry); the others reported."""
    good: list[tuple[int, Entry]] = []
    expected_seq, prev_hash = header["first_seq"], header["prev_hash"]
    for number, raw in enumerate(lines, start=2):
        value = _parse_line(raw)
        if isinstance(value, str):
            report.problems.append(Problem(number, f"entry {expected_seq}?", value))
            expected_seq, prev_hash = expected_seq + 1, None
            continue
        shape = _entry_shape(value)
        if shape is not None:
            report.problems.append(Problem(number, f"entry {expected_seq}?", shape))
            expected_seq, prev_hash = expected_seq + 1, None
            continue
        entry = Entry.from_dict(value)
        where = f"{'closure' if entry.kind in CLOSURE_KINDS else 'entry'} {entry.seq}"
        problem = _entry_problem(entry, header, expected_seq, prev_hash, key)
        if problem is not None:
            report.problems.append(Problem(number, where, problem))
        else:
            good.append((number, entry))
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    report.entries = len(lines)
    if len(lines) != header["entries"] or expected_seq != header["last_seq"] + 1:
        report.problems.append(
            Problem(
                len(lines) + 2,  # where the next entry or the end line should be
                "file",
                f"the header announces entries {header['first_seq']} to {header['last_seq']} "
                f"({header['entries']}), the file holds {len(lines)} lines of entries",
            )
        )
    return good


_ENTRY_FIELDS: dict[str, tuple[type, ...]] = {
    "terminal_id": (str,),
    "seq": (int,),
    "ts": (str,),
    "kind": (str,),
    "account": (str, type(None)),
    "amount": (int,),
    "payload": (dict,),
    "prev_hash": (str,),
    "hash": (str,),
    "sig": (str,),
}


def _entry_shape(value: dict[str, Any]) -> str | None:
    """Why a line's object is not an entry's form (fields and their types), or None."""
    if set(value) != set(_ENTRY_FIELDS):
        return "not an entry: its fields are not an entry's"
    for name, kinds in _ENTRY_FIELDS.items():
        if not isinstance(value[name], kinds) or isinstance(value[name], bool):
            return f"not an entry: {name} is not a {kinds[0].__name__}"
    return None


def _entry_problem(
    entry: Entry,
    header: dict[str, Any],
    expected_seq: int,
    prev_hash: str | None,
    key: Ed25519PublicKey,
) -> str | None:
    if entry.terminal_id != header["terminal_id"]:
        return f"written by terminal {entry.terminal_id!r}, not {header['terminal_id']!r}"
    if entry.seq != expected_seq:
        return f"sequence {entry.seq} where {expected_seq} was expected (a line missing or moved)"
    if prev_hash is not None and entry.prev_hash != prev_hash:
        return "its previous hash is not the hash of the entry before it (chain broken)"
    try:
        problem = entry_problem(entry, key)
    except (TypeError, ValueError) as exc:
        return f"cannot be checked: {exc}"
    if problem is not None:
        return problem
    if base64.b64encode(base64.b64decode(entry.sig)).decode("ascii") != entry.sig:
        return "signature text is not the canonical base64 of the signature"
    return None


def _check_closures(entries: list[tuple[int, Entry]], report: ArchiveReport) -> None:
    """Each daily closure recounted from its entries (when all are here), and each
    closure's grand total against the previous one's."""
    by_seq = {entry.seq: entry for _, entry in entries}
    previous: dict[str, Entry] = {}
    for number, entry in entries:
        if entry.kind not in CLOSURE_KINDS:
            continue
        report.closures += 1
        problem = closure_mismatch(entry, by_seq, previous.get(entry.kind))
        if problem is not None:
            report.problems.append(Problem(number, f"closure {entry.seq}", problem))
        previous[entry.kind] = entry


def _check_end(lines: Sequence[bytes], key: Ed25519PublicKey, report: ArchiveReport) -> None:
    number = len(lines)

    def bad(message: str) -> None:
        report.problems.append(Problem(number, "end", message))

    end = _parse_line(lines[-1])
    if isinstance(end, str):
        bad(end)
        return
    body = {k: v for k, v in end.items() if k != "signature"}
    if set(body) != {"end", "lines", "sha256"}:
        bad("not the end line of an archive")
        return
    if not _signature_ok(key, end.get("signature"), body):
        bad("the end line's signature is not valid")
    if body["lines"] != number - 1:
        bad(f"{number - 1} lines before the end line, {body['lines']} signed")
    digest = hashlib.sha256(b"".join(line + b"\n" for line in lines[:-1])).hexdigest()
    if body["sha256"] != digest:
        bad("the SHA-256 of the lines before it is not the one signed")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entries_of(data: bytes) -> Iterable[Entry]:
    """The entries of an archive (as stored; verify it first)."""
    for raw in data.split(b"\n")[1:-2]:
        yield Entry.from_dict(json.loads(raw))
