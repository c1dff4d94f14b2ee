"""The hub's rules, independent of HTTP: enrolment, journal push, changes, admin.

``Hub`` checks tokens, chains and signatures and decides; ``Storage`` keeps. Every
refusal is a ``HubError`` (see ``sync.server.errors``) that the HTTP layer turns into
an ``ErrorBody``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.archive import issue_certificate
from sync.journal import (
    ChainReport,
    Entry,
    entry_problem,
    format_ts,
    load_public_key,
    parse_ts,
    public_key_text,
    verify_chain,
)
from sync.protocol.archives import TerminalCertificate
from sync.protocol.incidents import Incident, IncidentKind
from sync.protocol.messages import (
    MAX_BATCH,
    MAX_PAGE,
    EnrolRequest,
    EnrolResponse,
    JournalPage,
    PushResponse,
    WireEntry,
)
from sync.protocol.page_rows import RowForm
from sync.protocol.rows import (
    AccountRow,
    CredentialKind,
    CredentialRow,
    CredentialStatus,
    SiteSettings,
    credential_problem,
    settings_problem,
)
from sync.server import backoffice, entry_rules, orders, visits
from sync.server.errors import (
    BadSignatureError,
    ChainBrokenError,
    ConflictError,
    EnrolmentRefusedError,
    EntryRefusedError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    SequenceGapError,
    UnauthenticatedError,
)
from sync.server.limits import Rate, RateLimits
from sync.server.records import (
    ADMIN_ID_CHARS,
    AccountRecord,
    AdminTokenRecord,
    Movement,
    PushTx,
    Storage,
    TerminalRecord,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
_APPLY_ATTEMPTS = 5
TOUCH_EVERY = timedelta(seconds=10)  # how fresh a terminal's "last seen" is kept


def hash_token(token: str) -> str:
    """Tokens are random (256 bits), so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def admin_token_id(token: str) -> str:
    """An admin token's public id (listed, and named to revoke it)."""
    return hash_token(token)[:ADMIN_ID_CHARS]


class Hub:
    """The reference hub. Thread-safe: all state lives in ``storage``."""

    def __init__(
        self,
        storage: Storage,
        key: Ed25519PrivateKey,
        *,
        clock: Clock = lambda: datetime.now(UTC),
        rates: RateLimits | None = None,
    ) -> None:
        self.storage = storage
        self.key = key
        self.public_key = public_key_text(key.public_key())
        self.clock = clock
        self.rates = rates or RateLimits()
        # State derived from pushed entries by other parts of the hub (the portal's
        # low-balance alerts), in the push's transaction; and what runs after it. By
        # name, so that an app made again over the same hub replaces its hooks.
        self.push_hooks: dict[str, Callable[[PushTx, Sequence[Entry]], None]] = {}
        self.after_push: dict[str, Callable[[], None]] = {}

    # Authentication ---------------------------------------------------------------------

    def terminal_for(self, token: str | None) -> TerminalRecord:
        if not token:
            raise UnauthenticatedError("a terminal token is required")
        terminal = self.storage.terminal_by_token(hash_token(token))
        if terminal is None:
            if self.storage.is_admin_token(hash_token(token)):
                raise ForbiddenError("an admin token cannot act as a terminal")
            raise UnauthenticatedError("unknown token")
        if terminal.revoked:
            raise ForbiddenError(f"terminal {terminal.id} has been revoked")
        return terminal

    def check_admin(self, token: str | None, *, write: bool = False) -> AdminTokenRecord:
        """The admin token's record; a write (POST, PUT, PATCH, DELETE) also takes one
        from the token's rate allowance."""
        if not token:
            raise UnauthenticatedError("an admin token is required")
        record = self.storage.admin_token(hash_token(token))
        if record is None:
            if self.storage.terminal_by_token(hash_token(token)) is not None:
                raise ForbiddenError("terminal tokens cannot use the admin API")
            raise UnauthenticatedError("unknown token")
        if record.revoked_at is not None:
            raise ForbiddenError(f"admin token {record.id} was revoked at {record.revoked_at}")
        if write:
            self._take(f"admin:{record.id}", self.rates.admin_writes, f"admin token {record.id}")
        return record

    def create_admin_token(self, label: str = "admin") -> str:
        """A new admin token (the hub keeps its hash; ``admin_token_id`` names it)."""
        token = new_token("adm")
        self.storage.add_admin_token(hash_token(token), label, self.clock())
        return token

    def list_admin_tokens(self) -> list[AdminTokenRecord]:
        return self.storage.list_admin_tokens()

    def revoke_admin_token(self, token_id: str) -> None:
        if not self.storage.revoke_admin_token(token_id, self.clock()):
            raise NotFoundError(f"no admin token {token_id}")
        log.warning("admin token %s revoked", token_id)

    def _take(self, key: str, rate: Rate, who: str) -> None:
        """Take one request from ``key``'s allowance, or refuse with 429."""
        now_ms = int(self.clock().timestamp() * 1000)
        wait_ms = self.storage.take_rate(key, now_ms, rate.interval_ms, rate.burst)
        if wait_ms > 0:
            retry = max(1, -(-wait_ms // 1000))
            raise RateLimitedError(
                f"{who}: more than {rate.per_minute} requests a minute; retry in {retry} s",
                retry_after_s=retry,
            )

    # Enrolment --------------------------------------------------------------------------

    def create_enrolment_token(
        self, site: str, ttl: timedelta, mode: str | None = None
    ) -> tuple[str, datetime]:
        """A one-time enrolment token; ``mode`` (till, kiosk) binds the terminal enrolled
        with it to the entry kinds of that mode, None allows every mode."""
        self.settings(site)
        token = new_token("enr")
        expires = self.clock() + ttl
        self.storage.add_enrolment_token(site, hash_token(token), expires, mode)
        return token, expires

    def enrol(self, request: EnrolRequest) -> EnrolResponse:
        settings = self.storage.site_settings(request.site_code)
        # Attempts naming an unknown site share one allowance (no row per guessed code).
        site_key = request.site_code if settings is not None else "?"
        self._take(f"enrol:{site_key}", self.rates.enrol, "enrolment on this site")
        refused = EnrolmentRefusedError("unknown site, or enrolment token unknown, used or expired")
        if settings is None:
            raise refused
        _check_public_key(request.public_key)
        terminal_id = f"{request.site_code}-{secrets.token_hex(4).upper()}"
        api_token = new_token("trm")
        record = TerminalRecord(
            id=terminal_id,
            site=request.site_code,
            name=request.name,
            public_key=request.public_key,
            applied_seq=0,
            last_hash="",
            enrolled_at="",
            last_seen=None,
            revoked=False,
        )
        if not self.storage.enrol_terminal(
            token_hash=hash_token(request.token),
            terminal=record,
            token_hash_api=hash_token(api_token),
            now=self.clock(),
        ):
            raise refused
        log.info(
            "enrolled terminal %s (%s) on site %s", terminal_id, request.name, request.site_code
        )
        certificate = issue_certificate(
            self.key,
            terminal_id=terminal_id,
            site_code=request.site_code,
            public_key=request.public_key,
            issued_at=self.clock(),
        )
        return EnrolResponse(
            terminal_id=terminal_id,
            api_token=api_token,
            hub_public_key=self.public_key,
            settings=settings,
            certificate=TerminalCertificate.model_validate(certificate),
        )

    # Journal push -----------------------------------------------------------------------

    def push(self, terminal: TerminalRecord, entries: Sequence[Entry]) -> PushResponse:
        """Apply the entries that continue the terminal's chain; ignore duplicates.

        All or nothing: nothing is stored unless every fresh entry of the batch has a
        good chain and signature and keeps the site's rules (``entry_rules``). The
        state derived from the entries (balances, flags, subsidy marks, guests served
        by visits) is computed in the transaction that stores them, on the
        terminal's site only.
        """
        for entry in entries:
            if entry.terminal_id != terminal.id:
                raise ForbiddenError(f"entry {entry.id} belongs to another terminal's journal")
        for attempt in range(_APPLY_ATTEMPTS):
            if attempt:
                current = self.storage.terminal(terminal.id)
                assert current is not None
                terminal = current
            fresh = self._check_batch(terminal, entries)
            if not fresh:
                self.storage.touch_terminal(terminal.id, self.clock())
                return PushResponse(
                    applied_seq=terminal.applied_seq, applied=0, duplicates=len(entries)
                )
            try:
                entry_rules.check_entries(
                    self.storage, terminal, self.settings(terminal.site), fresh, self.clock()
                )
            except EntryRefusedError:
                if self._moved(terminal):
                    continue  # applied meanwhile by another push: judge what is left
                raise
            derive = functools.partial(self._derive, entries=fresh)
            outcome = self.storage.apply_entries(terminal, fresh, self.clock(), derive)
            if outcome is not None:
                for after in self.after_push.values():
                    after()
                for flag in outcome.flags:
                    log.warning(
                        "account %s flagged (%s) by %s:%s, balance %d",
                        flag.account_id,
                        flag.reason,
                        flag.terminal_id,
                        flag.seq,
                        flag.balance,
                    )
                return PushResponse(
                    applied_seq=outcome.applied_seq,
                    applied=outcome.applied,
                    duplicates=len(entries) - len(fresh),
                )
        raise ConflictError("the terminal's journal is being pushed concurrently; retry")

    def _moved(self, terminal: TerminalRecord) -> bool:
        """Whether another push (of this process or another) applied entries of the
        terminal since ``terminal`` was read: the rules then saw those entries stored,
        and a cancellation in the batch would seem to be cancelled already."""
        current = self.storage.terminal(terminal.id)
        return current is not None and current.applied_seq != terminal.applied_seq

    def _derive(self, tx: PushTx, *, entries: Sequence[Entry]) -> None:
        orders.with_orders(functools.partial(visits.derive, entries=entries), entries)(tx)
        for hook in self.push_hooks.values():
            hook(tx, entries)

    def _check_batch(self, terminal: TerminalRecord, entries: Sequence[Entry]) -> list[Entry]:
        """The entries after the hub's high-water mark, verified; raises on any problem."""
        applied = terminal.applied_seq
        seqs = [e.seq for e in entries]
        if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
            raise InvalidRequestError("entries must be consecutive and in sequence order")
        old = [e for e in entries if e.seq <= applied]
        if old:
            stored = self.storage.entry_hashes(terminal.id, old[0].seq, old[-1].seq)
            for entry in old:
                if stored.get(entry.seq) != entry.hash:
                    raise ChainBrokenError(
                        f"entry {entry.id} differs from the one already applied",
                        applied_seq=applied,
                    )
        fresh = [e for e in entries if e.seq > applied]
        if not fresh:
            return []
        if fresh[0].seq != applied + 1:
            raise SequenceGapError(
                f"expected sequence {applied + 1}, got {fresh[0].seq}",
                expected_seq=applied + 1,
                applied_seq=applied,
            )
        key = load_public_key(terminal.public_key)
        prev_hash = terminal.last_hash
        for entry in fresh:
            if entry.prev_hash != prev_hash:
                raise ChainBrokenError(
                    f"entry {entry.id} does not link to the entry before it",
                    applied_seq=applied,
                )
            problem = entry_problem(entry, key)
            if problem is not None:
                raise BadSignatureError(f"entry {entry.id}: {problem}", applied_seq=applied)
            prev_hash = entry.hash
        return fresh

    # Changes pull -----------------------------------------------------------------------

    def changes(
        self,
        terminal: TerminalRecord,
        since: int,
        limit: int,
        site: str | None = None,
        rows: RowForm = "objects",
    ) -> bytes:
        """The terminal's next ``ChangesPage`` after ``since``, as JSON bytes (``rows``:
        accounts and credentials as objects, or as arrays for the sync daemon)."""
        if site is not None and site != terminal.site:
            raise ForbiddenError("a terminal reads only its own site")
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidRequestError(f"limit must be between 1 and {MAX_PAGE}")
        if since < 0:
            raise InvalidRequestError("since must not be negative")
        backoffice.activate_due(self, terminal.site)  # a menu scheduled for today goes live
        page = self.storage.changes(terminal.site, terminal.id, since, limit, rows)
        now = self.clock()
        # A write per page would make a first snapshot of 300 pages wait on as many
        # commits, and a thousand tills pulling every few seconds fight for the write
        # lock: "last seen" is kept to within TOUCH_EVERY.
        if terminal.last_seen is None or now - parse_ts(terminal.last_seen) >= TOUCH_EVERY:
            self.storage.touch_terminal(terminal.id, now)
        return page

    # Admin: sites, accounts, ledger, credentials, documents -------------------------------

    def create_site(self, settings: SiteSettings) -> None:
        _check_settings(settings)
        if self.storage.site_settings(settings.site_code) is not None:
            raise ConflictError(f"site {settings.site_code} already exists")
        self.storage.create_site(settings, self.clock())

    def settings(self, site: str) -> SiteSettings:
        settings = self.storage.site_settings(site)
        if settings is None:
            raise NotFoundError(f"no site {site}")
        return settings

    def update_settings(self, settings: SiteSettings) -> None:
        _check_settings(settings)
        self.settings(settings.site_code)
        self.storage.update_site_settings(settings)

    def put_accounts(self, site: str, rows: Sequence[AccountRow], *, replace: bool) -> None:
        """Create accounts (``balance`` is the opening balance) or, with ``replace``,
        update existing ones' details."""
        self.settings(site)
        ids = [r.id for r in rows]
        if len(set(ids)) != len(ids):
            raise InvalidRequestError("an account id appears twice")
        sites = self.storage.account_sites(ids)  # the ones that exist, in one query
        for account_id in ids:
            its_site = sites.get(account_id)
            if its_site is not None and (not replace or its_site != site):
                raise ConflictError(f"account {account_id} already exists")
        self.storage.create_accounts(site, rows, self.clock(), replace=replace)

    def account(self, account_id: str) -> AccountRecord:
        record = self.storage.account(account_id)
        if record is None:
            raise NotFoundError(f"no account {account_id}")
        return record

    def update_account(self, record: AccountRecord) -> None:
        self.account(record.row.id)
        self.storage.update_account(record)

    def top_up(self, account_id: str, amount: int, ref: str | None, note: str = "") -> int:
        """An online top-up (from the diner's app). Idempotent per ``ref``."""
        if amount <= 0:
            raise InvalidRequestError("a top-up amount must be positive")
        return self.adjust(account_id, amount, ref, note, kind="top_up")

    def adjust(self, account_id: str, amount: int, ref: str | None, note: str, kind: str) -> int:
        self.account(account_id)
        balance, _ = self.storage.add_movement(
            Movement(account_id, kind, amount, ref, note, format_ts(self.clock()))
        )
        return balance

    def verify_terminal(self, terminal_id: str) -> ChainReport:
        """Check the chain and signatures of everything a terminal pushed, as stored."""
        terminal = self.storage.terminal(terminal_id)
        if terminal is None:
            raise NotFoundError(f"unknown terminal {terminal_id!r}")

        def stored() -> Iterator[Entry]:
            after = 0
            while batch := self.storage.entries_of_terminal(terminal_id, after, 2000):
                yield from batch
                after = batch[-1].seq

        return verify_chain(stored(), load_public_key(terminal.public_key), terminal_id=terminal_id)

    def hub_balance_check(self, account_id: str) -> tuple[int, int]:
        """(stored balance, hub movements + applied entries): equal unless corrupt."""
        record = self.account(account_id)
        total = sum(m.amount for m in self.storage.movements(account_id))
        total += sum(e.amount for e in self.storage.entries_of_account(account_id))
        return record.row.balance, total

    def assign_credential(
        self, value: str, kind: CredentialKind, account_id: str, public_key: str | None = None
    ) -> CredentialRow:
        problem = credential_problem(value, kind)
        if problem is not None:
            raise InvalidRequestError(problem)
        account = self.account(account_id)
        existing = self.storage.credential(value)
        if existing is not None and existing[0] != account.site:
            raise ConflictError(f"credential {value} belongs to another site")
        if kind is CredentialKind.PHONE:
            if public_key is None:
                raise InvalidRequestError("a phone badge needs its public key")
            _check_public_key(public_key)
        row = CredentialRow(value=value, kind=kind, account_id=account_id, public_key=public_key)
        self.storage.put_credential(account.site, row, self.clock())
        return self.credential(value)[1]  # as stored: a badge kept by its owner keeps its ref

    def set_credential_status(self, value: str, status: CredentialStatus) -> CredentialRow:
        site, row = self.credential(value)
        updated = row.model_copy(update={"status": status})
        self.storage.put_credential(site, updated, self.clock())
        return updated

    def credential(self, value: str) -> tuple[str, CredentialRow]:
        found = self.storage.credential(value)
        if found is None:
            raise NotFoundError(f"no credential {value}")
        return found

    def replace_credential(self, old: str, new: str) -> CredentialRow:
        """A new badge for the same account (so the same balance); the old one is lost."""
        site, row = self.credential(old)
        problem = credential_problem(new, row.kind)
        if problem is not None:
            raise InvalidRequestError(f"new_{problem}")
        if self.storage.credential(new) is not None:
            raise ConflictError(f"credential {new} is already assigned")
        lost = row.model_copy(update={"status": CredentialStatus.LOST})
        fresh = CredentialRow(
            value=new, kind=row.kind, account_id=row.account_id, public_key=row.public_key
        )
        # One transaction: never a moment with both badges valid, or neither.
        self.storage.put_credentials(site, [lost, fresh], self.clock())
        return fresh

    def put_document(
        self, site: str, kind: str, doc_id: str, body: Mapping[str, Any] | None
    ) -> None:
        self.settings(site)
        self.storage.put_document(site, kind, doc_id, body, self.clock())

    def document(self, site: str, kind: str, doc_id: str) -> dict[str, Any]:
        body = self.storage.document(site, kind, doc_id)
        if body is None:
            raise NotFoundError(f"no {kind} document {doc_id} on site {site}")
        return body

    # Loss on either side: the terminal's own entries back; incidents -------------------------

    def journal_page(self, terminal: TerminalRecord, since: int, limit: int) -> JournalPage:
        """This terminal's entries after ``since``, as stored (signed by the terminal)."""
        if not 1 <= limit <= MAX_BATCH:
            raise InvalidRequestError(f"limit must be between 1 and {MAX_BATCH}")
        if since < 0:
            raise InvalidRequestError("since must not be negative")
        current = self.storage.terminal(terminal.id)
        assert current is not None
        entries = self.storage.entries_of_terminal(terminal.id, since, limit)
        return JournalPage(
            entries=[WireEntry.of(e) for e in entries],
            applied_seq=current.applied_seq,
            last_hash=current.last_hash,
            more=bool(entries) and entries[-1].seq < current.applied_seq,
        )

    def incidents(
        self,
        site: str,
        *,
        state: str = "open",
        kind: IncidentKind | None = None,
        account_id: str | None = None,
        limit: int = 500,
    ) -> list[Incident]:
        self.settings(site)
        if state not in ("open", "cleared", "all"):
            raise InvalidRequestError("state must be open, cleared or all")
        return self.storage.incidents(
            site, state=state, kind=kind, account_id=account_id, limit=limit
        )

    def clear_incident(self, incident_id: int, reason: str) -> Incident:
        cleared = self.storage.clear_incident(incident_id, reason, self.clock())
        if cleared is not None:
            log.info("incident %d cleared: %s", incident_id, reason)
            return cleared
        found = self.storage.incident(incident_id)
        if found is None:
            raise NotFoundError(f"no incident {incident_id}")
        raise ConflictError(f"incident {incident_id} was already cleared ({found.cleared_reason})")


def _check_settings(settings: SiteSettings) -> None:
    """Settings are checked where they are written: a bad one would stop every till."""
    problem = settings_problem(settings)
    if problem is not None:
        raise InvalidRequestError(problem)


def _check_public_key(text: str) -> None:
    try:
        load_public_key(text)
    except ValueError as exc:
        raise InvalidRequestError(f"public_key: {exc}") from exc
