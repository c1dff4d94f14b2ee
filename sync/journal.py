"""The journal entry's canonical form, hash and signature, shared by terminal and hub.

Both ends import this one pure module so that they verify alike.

An entry is hashed over the canonical JSON of its body::

    {"account": ..., "amount": ..., "kind": ..., "payload": {...},
     "prev_hash": ..., "seq": ..., "terminal_id": ..., "ts": ...}

Canonical JSON is UTF-8, keys sorted, no spaces, no floats, no NaN; ``ts`` is UTC
in ISO 8601 with microseconds and a ``Z``. ``hash`` is the SHA-256 of those bytes in
lower-case hex; ``prev_hash`` is the previous entry's hash (64 zeros for the first
entry of a terminal). ``sig`` is the Ed25519 signature of the 32 raw hash bytes by the
terminal's key, in base64. ``amount`` is the signed effect on the account's balance
in cents: a sale is negative, a top-up positive, a cancellation the opposite of what
it cancels, a technical event 0 with no account.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

GENESIS_HASH = "0" * 64
# How both ends store an entry: these columns, in this order (see Entry.from_row).
ROW_COLUMNS = "terminal_id, seq, ts, kind, account, amount, payload, prev_hash, hash, sig"
_HEX64 = re.compile(r"[0-9a-f]{64}")
TS_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"
_TS = re.compile(TS_PATTERN[1:-1])


class EntryKind(StrEnum):
    """What an entry records. Business kinds may carry an account and an amount."""

    SALE = "sale"
    TOP_UP = "top_up"
    CANCEL = "cancel"
    GUEST_MEAL = "guest_meal"
    ORDER = "order"
    ADJUSTMENT = "adjustment"
    TILL_OPEN = "till_open"
    CLOSURE = "closure"
    START = "start"
    STOP = "stop"
    DEVICE_FAULT = "device_fault"
    SYNC = "sync"
    PAYMENT_PENDING = "payment_pending"  # a card payment asked of the terminal (amount 0)
    PAYMENT_RESULT = "payment_result"  # what became of it (amount 0; a top-up credits)
    CARD_SALE = "card_sale"  # a visitor's tray paid by bank card (no account, amount 0)
    CLOSURE_MONTH = "closure_month"  # the sum of a month's daily closures
    CLOSURE_YEAR = "closure_year"  # the sum of a fiscal year's monthly closures
    DUPLICATE = "duplicate"  # a ticket printed again
    TRAINING_MODE = "training_mode"  # training mode switched on or off by a manager
    TRAINING_SALE = "training_sale"  # a ticket made in training mode (in no total)
    ARCHIVE = "archive"  # a signed archive of a closed period written
    ORDER_CANCEL = "order_cancel"  # a diner cancels an order at a kiosk (the hub refunds)
    ORDER_COLLECT = "order_collect"  # an order handed over at a till


class CanonicalError(ValueError):
    """A value that has no canonical JSON form (float, non-string key, ...)."""


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise CanonicalError(f"{path}: floats are not allowed (use integer cents)")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: keys must be strings, got {key!r}")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    raise CanonicalError(f"{path}: {type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of ``value`` (see the module docstring)."""
    _check(value, "$")
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def format_ts(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds and ``Z``; refuses naive datetimes."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str) -> datetime:
    """The moment of a canonical timestamp; ValueError for any other text, and for a
    well-formed one that names no real moment (month 13, year 0000 ...)."""
    if not _TS.fullmatch(text):
        raise ValueError(f"not a canonical UTC timestamp: {text[:40]!r}")
    try:
        # The fixed layout is known: building the datetime from its fields is exact and
        # several times faster than strptime (verify parses every entry's timestamp).
        return datetime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
            int(text[20:26]),
            tzinfo=UTC,
        )
    except ValueError:
        raise ValueError(f"not a real date and time: {text!r}") from None


def entry_id(terminal_id: str, seq: int) -> str:
    """The entry's unique id: terminal id + sequence."""
    return f"{terminal_id}:{seq}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One signed journal entry, as stored on the terminal and sent to the hub."""

    terminal_id: str
    seq: int
    ts: str
    kind: str
    account: str | None
    amount: int
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str
    sig: str

    @property
    def id(self) -> str:
        return entry_id(self.terminal_id, self.seq)

    def body(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "amount": self.amount,
            "kind": self.kind,
            "payload": dict(self.payload),
            "prev_hash": self.prev_hash,
            "seq": self.seq,
            "terminal_id": self.terminal_id,
            "ts": self.ts,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash, "sig": self.sig}

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Entry:
        """From a database row of ``ROW_COLUMNS``, the payload as JSON text.

        Raises ValueError when the stored payload is not JSON."""
        return cls(
            terminal_id=row[0],
            seq=row[1],
            ts=row[2],
            kind=row[3],
            account=row[4],
            amount=row[5],
            payload=json.loads(row[6]),
            prev_hash=row[7],
            hash=row[8],
            sig=row[9],
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Entry:
        return cls(
            terminal_id=data["terminal_id"],
            seq=data["seq"],
            ts=data["ts"],
            kind=data["kind"],
            account=data["account"],
            amount=data["amount"],
            payload=data["payload"],
            prev_hash=data["prev_hash"],
            hash=data["hash"],
            sig=data["sig"],
        )


def body_hash(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


def cancelled_ids(entries: Iterable[Entry]) -> set[tuple[str, Any]]:
    """(terminal id, sequence) of the entries that ``entries`` cancel: a cancellation
    names an entry of its own terminal's journal."""
    cancels = (e for e in entries if e.kind == EntryKind.CANCEL)
    return {(e.terminal_id, e.payload.get("cancels")) for e in cancels}


def make_entry(
    *,
    key: Ed25519PrivateKey,
    terminal_id: str,
    seq: int,
    ts: datetime,
    kind: str,
    account: str | None,
    amount: int,
    payload: Mapping[str, Any],
    prev_hash: str,
) -> Entry:
    """Build, hash and sign an entry. Raises CanonicalError on a payload with floats."""
    if type(amount) is not int:
        raise CanonicalError("amount must be integer cents")
    unsigned = Entry(
        terminal_id=terminal_id,
        seq=seq,
        ts=format_ts(ts),
        kind=str(kind),
        account=account,
        amount=amount,
        payload=dict(payload),
        prev_hash=prev_hash,
        hash="",
        sig="",
    )
    digest = body_hash(unsigned.body())
    sig = base64.b64encode(key.sign(bytes.fromhex(digest))).decode("ascii")
    return replace(unsigned, hash=digest, sig=sig)


def entry_problem(entry: Entry, public_key: Ed25519PublicKey) -> str | None:
    """Why this entry on its own is not valid (hash or signature), or None."""
    if not _HEX64.fullmatch(entry.prev_hash):
        return "previous hash is not 64 hex digits"
    return _structure_problem(entry, entry.prev_hash, None) or _signature_problem(
        entry.sig, entry.hash, public_key
    )


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of checking a run of entries."""

    checked: int
    last_seq: int
    last_hash: str
    bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(
    entries: Iterable[Entry],
    public_key: Ed25519PublicKey,
    *,
    after_seq: int = 0,
    after_hash: str = GENESIS_HASH,
    terminal_id: str | None = None,
    workers: int = 1,
) -> ChainReport:
    """Check sequence continuity, hash links, hashes and signatures.

    ``after_seq``/``after_hash`` describe the entry just before the run (0 and the
    genesis hash for a whole journal). Stops at and names the first bad entry.
    With ``workers`` > 1 the signatures (most of the cost) are checked in that many
    processes while this one walks the chain; the verdict is the same.
    """
    if workers <= 1:
        return _verify_serial(
            entries, public_key, after_seq=after_seq, after_hash=after_hash, terminal_id=terminal_id
        )
    return _verify_parallel(
        entries,
        public_key,
        after_seq=after_seq,
        after_hash=after_hash,
        terminal_id=terminal_id,
        workers=workers,
    )


def _link_problem(entry: Entry, prev_hash: str, terminal_id: str | None) -> str | None:
    if terminal_id is not None and entry.terminal_id != terminal_id:
        return f"entry belongs to terminal {entry.terminal_id!r}"
    if entry.prev_hash != prev_hash:
        return "previous hash does not match the entry before it"
    return None


def _content_problem(entry: Entry) -> str | None:
    try:
        parse_ts(entry.ts)
        digest = body_hash(entry.body())
    except (CanonicalError, TypeError, ValueError, AttributeError) as exc:
        return f"entry has no canonical form: {exc}"
    if digest != entry.hash:
        return "hash does not match the entry's content"
    return None


def _structure_problem(entry: Entry, prev_hash: str, terminal_id: str | None) -> str | None:
    return _link_problem(entry, prev_hash, terminal_id) or _content_problem(entry)


def _verify_serial(
    entries: Iterable[Entry],
    public_key: Ed25519PublicKey,
    *,
    after_seq: int,
    after_hash: str,
    terminal_id: str | None,
) -> ChainReport:
    expected_seq, prev_hash, checked = after_seq + 1, after_hash, 0
    for entry in entries:
        if entry.seq != expected_seq:
            problem = f"sequence gap: expected {expected_seq}, found {entry.seq}"
            return ChainReport(checked, expected_seq - 1, prev_hash, expected_seq, problem)
        problem_text = _structure_problem(entry, prev_hash, terminal_id) or _signature_problem(
            entry.sig, entry.hash, public_key
        )
        if problem_text is not None:
            return ChainReport(checked, expected_seq - 1, prev_hash, entry.seq, problem_text)
        checked += 1
        expected_seq += 1
        prev_hash = entry.hash
    return ChainReport(checked, expected_seq - 1, prev_hash)


def _signature_problem(sig: str, digest: str, public_key: Ed25519PublicKey) -> str | None:
    try:
        public_key.verify(base64.b64decode(sig, validate=True), bytes.fromhex(digest))
    except (InvalidSignature, ValueError):
        return "signature is not valid for the terminal's key"
    return None


def _first_bad_entry(raw_key: bytes, batch: list[Entry]) -> tuple[int, str] | None:
    """Worker: the first entry of ``batch`` whose hash or signature is wrong."""
    key = Ed25519PublicKey.from_public_bytes(raw_key)
    for entry in batch:
        problem = _content_problem(entry) or _signature_problem(entry.sig, entry.hash, key)
        if problem is not None:
            return entry.seq, problem
    return None


_BATCH = 1000


def _verify_parallel(
    entries: Iterable[Entry],
    public_key: Ed25519PublicKey,
    *,
    after_seq: int,
    after_hash: str,
    terminal_id: str | None,
    workers: int,
) -> ChainReport:
    """This process checks the links between entries; the workers recompute each
    entry's hash and check its signature. The first bad entry wins, as in serial.
    At most a few batches are in flight, so memory stays flat on long journals."""
    import multiprocessing
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw_key = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    expected_seq, prev_hash = after_seq + 1, after_hash
    pending: deque[tuple[Future[tuple[int, str] | None], list[Entry], str]] = deque()
    batch: list[Entry] = []
    batch_prev = prev_hash

    def report(seq: int, problem: str, hash_before: str) -> ChainReport:
        return ChainReport(seq - after_seq - 1, seq - 1, hash_before, seq, problem)

    def settle(item: tuple[Future[tuple[int, str] | None], list[Entry], str]) -> ChainReport | None:
        future, done, before = item
        found = future.result()
        if found is None:
            return None
        seq, problem = found
        index = seq - done[0].seq
        return report(seq, problem, done[index - 1].hash if index else before)

    context = multiprocessing.get_context("spawn")  # never fork a threaded process
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        link: tuple[int, str] | None = None
        for entry in entries:
            if entry.seq != expected_seq:
                link = (expected_seq, f"sequence gap: expected {expected_seq}, found {entry.seq}")
                break
            problem = _link_problem(entry, prev_hash, terminal_id)
            if problem is not None:
                link = (entry.seq, problem)
                break
            batch.append(entry)
            prev_hash, expected_seq = entry.hash, expected_seq + 1
            if len(batch) == _BATCH:
                pending.append((pool.submit(_first_bad_entry, raw_key, batch), batch, batch_prev))
                batch, batch_prev = [], prev_hash
                if len(pending) > 2 * workers:
                    bad = settle(pending.popleft())
                    if bad is not None:
                        pool.shutdown(cancel_futures=True)
                        return bad
        if batch:
            pending.append((pool.submit(_first_bad_entry, raw_key, batch), batch, batch_prev))
        # Batches are in sequence order and every link before them held.
        for item in pending:
            bad = settle(item)
            if bad is not None:
                pool.shutdown(cancel_futures=True)
                return bad
    if link is not None:
        return report(link[0], link[1], prev_hash)
    return ChainReport(expected_seq - after_seq - 1, expected_seq - 1, prev_hash)


# Keys ------------------------------------------------------------------------------


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64 (how keys travel and are stored)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    """Parse a base64 raw Ed25519 public key. Raises ValueError with the reason."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ValueError("public key is not base64") from exc
    if len(raw) != 32:
        raise ValueError(f"public key must be 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)
