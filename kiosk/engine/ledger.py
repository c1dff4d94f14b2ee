"""The transaction engine: who is this, may they pay, and the signed durable entry.

Each decision and its journal entry happen in one ``BEGIN IMMEDIATE`` transaction, so
a concurrent snapshot from the sync daemon can never slip between the balance check
and the debit, and the entry is on disk (WAL, ``synchronous=FULL``) before the call
returns: nothing is shown or printed for a sale that is not committed.

Usable balance (DESIGN.md, money rules)::

    usable = hub_balance + sum(amount of this terminal's entries
                               for the account with seq > included_seq)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine import phone, visits
from kiosk.engine.credentials import MalformedCredential, parse_credential
from kiosk.engine.errors import TerminalMismatch
from kiosk.engine.keys import terminal_key
from kiosk.engine.results import Accepted, Identified, Refused, Result
from kiosk.engine.store import SETTINGS_PROBLEM, AccountState, Store
from kiosk.engine.store_tx import Tx
from sync.journal import (
    CanonicalError,
    ChainReport,
    Entry,
    EntryKind,
    make_entry,
    public_key_text,
    verify_chain,
)
from sync.money import Money
from sync.phonebadge import PhoneCode
from sync.protocol.payloads import build_payload
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import (
    AccountKind,
    AccountStatus,
    CredentialRow,
    CredentialStatus,
    SiteSettings,
    settings_problem,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
DEBIT_KINDS = (EntryKind.SALE, EntryKind.ORDER, EntryKind.GUEST_MEAL, EntryKind.CANCEL)
CANCELLABLE = frozenset({EntryKind.SALE, EntryKind.TOP_UP, EntryKind.ORDER, EntryKind.GUEST_MEAL})
PARALLEL_VERIFY_FROM = 20_000
TOP_UP_MEANS = frozenset({"cash", "card", "cheque", "voucher", "online"})


# What the engine goes by until the hub sends this site's settings.
_UNSET = UNSET_SETTINGS = SiteSettings(site_code="unset")


def store_settings_problem(store: Store) -> str | None:
    """Why a store's site settings are not the hub's (None when they are): the last
    settings the hub sent were refused, or the stored ones cannot be used here."""
    refused = store.meta(SETTINGS_PROBLEM)
    if refused is not None:
        return f"settings from the hub refused, the last good ones kept: {refused}"
    stored = store.site_settings()
    problem = None if stored is None else settings_problem(stored)
    return None if problem is None else f"stored settings unusable ({problem}): default used"


def utc_now() -> datetime:
    return datetime.now(UTC)


def cannot_sync(store: Store, db: Tx, settings: SiteSettings, now: datetime) -> bool:
    """Whether the offline cap applies: the last sync failed, or the last success is
    older than the site's threshold (or there was none)."""
    last, failing = store.sync_health(db)
    limit = timedelta(seconds=settings.offline_after_s)
    return last is None or failing is not None or now - last > limit


class Engine:
    """Sales, top-ups and cancellations for one terminal, against its store."""

    def __init__(
        self,
        store: Store,
        key: Ed25519PrivateKey,
        terminal_id: str,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self._key = key
        self.terminal_id = terminal_id
        self.public_key = key.public_key()
        self._clock = clock
        store.bind_terminal(terminal_id, public_key_text(self.public_key))

    @classmethod
    def open(
        cls,
        db_path: Path | str,
        key_path: Path | str,
        *,
        terminal_id: str | None,
        clock: Clock = utc_now,
    ) -> Engine:
        """Open the store and the key; ``terminal_id`` None: the one the store is bound to.

        Only a store not bound yet (being provisioned) may get a new key; a bound one
        needs its own key (``kiosk.engine.keys.terminal_key``).
        """
        store = Store.open(db_path)
        try:
            owner = store.meta("terminal_id")
            if terminal_id is not None and owner is not None and owner != terminal_id:
                raise TerminalMismatch(
                    f"{store.path} belongs to terminal {owner!r}, not {terminal_id!r}"
                )
            bound_id = terminal_id or store.terminal_id()  # before any key is made
            key = terminal_key(key_path, store.meta("public_key"))
            return cls(store, key, bound_id, clock=clock)
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        self.store.close()

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        """The terminal's key, for what it signs besides entries (its archives)."""
        return self._key

    # Reading -----------------------------------------------------------------------

    def settings(self, db: Tx | None = None) -> SiteSettings:
        """The site's settings; stored ones that cannot be used here (kept by a version
        that did not check them) have their time zone replaced by the default, so that
        the till keeps selling, and ``settings_problem`` says so."""
        stored = self.store.site_settings(db) or _UNSET
        if settings_problem(stored) is not None:
            return stored.model_copy(update={"timezone": _UNSET.timezone})
        return stored

    def settings_problem(self) -> str | None:
        """Why the site's settings from the hub are not in use (None when they are)."""
        return store_settings_problem(self.store)

    def now(self) -> datetime:
        """The engine's clock (timezone-aware UTC)."""
        return self._clock()

    def business_day(
        self, moment: datetime | None = None, *, settings: SiteSettings | None = None
    ) -> str:
        zone = ZoneInfo((settings or self.settings()).timezone)
        return (moment or self._clock()).astimezone(zone).date().isoformat()

    def usable_balance(self, account_id: str) -> Money:
        """Hub balance plus this terminal's entries the hub had not yet applied."""
        with self.store.reading() as db:
            state = self.store.account(account_id, db)
            if state is None:
                raise LookupError(f"unknown account {account_id!r}")
            return self._usable(state, db)

    def usable_in(self, state: AccountState, db: Tx) -> Money:
        """``usable_balance`` inside the caller's transaction."""
        return self._usable(state, db)

    def _usable(self, state: AccountState, db: Tx) -> Money:
        unsynced = self.store.unsynced_sum(state.row.id, state.included_seq, db)
        return Money(state.row.balance + unsynced)

    def is_offline(self, db: Tx | None = None, *, settings: SiteSettings | None = None) -> bool:
        """True when this terminal cannot sync now: the last sync failed, or the last
        success is older than the site's threshold (or there was none).

        Entries of the other terminals are unknown from the first failed sync on, so
        the offline cap applies from then, not only once the threshold has passed.
        """
        if db is None:
            with self.store.reading() as conn:
                return self.is_offline(conn)
        return cannot_sync(self.store, db, settings or self.settings(db), self._clock())

    def _loss_refusal(self, db: Tx) -> Refused | None:
        """Refuse every debit and credit while the hub holds entries this journal lost:
        a balance without them is wrong, and the chain cannot go on from here."""
        ahead = self.store.hub_ahead(db)
        if ahead is None:
            return None
        return Refused(
            RejectReason.JOURNAL_INCOMPLETE,
            f"the hub holds this terminal's entries up to {ahead[0]} that its journal "
            "lacks: run `kiosk journal recover`",
        )

    def present(self, credential: str | bytes) -> Identified | Refused:
        """Who is this and what may they spend (no entry is written)."""
        with self.store.reading() as db:
            found = self._resolve(credential, db)
            if isinstance(found, Refused):
                return found
            cred, state, _code = found
            return Identified(
                account=state.row,
                credential=cred,
                balance=self._usable(state, db),
                offline=self.is_offline(db),
            )

    def _resolve(
        self,
        credential: str | bytes,
        db: Tx,
        *,
        settings: SiteSettings | None = None,
    ) -> tuple[CredentialRow, AccountState, PhoneCode | None] | Refused:
        """The credential, its account and, for a phone badge, its code; or a refusal."""
        try:
            parsed = parse_credential(credential)
        except MalformedCredential as exc:
            return Refused(RejectReason.MALFORMED_CREDENTIAL, str(exc))
        cred = self.store.credential(parsed.value, db)
        if cred is None:
            return Refused(RejectReason.UNKNOWN_CREDENTIAL, f"{parsed.value} is not enrolled")
        # The deny list comes first: a lost or blocked badge says nothing more.
        if cred.status is CredentialStatus.LOST:
            return Refused(RejectReason.LOST_BADGE, f"{cred.value} was reported lost")
        if cred.status is CredentialStatus.REVOKED:
            return Refused(RejectReason.BLOCKED_BADGE, f"{cred.value} is blocked")
        if parsed.code is not None:
            window = (settings or self.settings(db)).qr_window_steps
            refused = phone.check(parsed.code, cred, self._clock(), window, db)
            if refused is not None:
                return refused
        state = self.store.account(cred.account_id, db)
        if state is None:
            return Refused(RejectReason.UNKNOWN_CREDENTIAL, f"{cred.value} has no account here")
        if state.row.status is AccountStatus.CLOSED:
            return Refused(
                RejectReason.ACCOUNT_CLOSED,
                f"account {state.row.id} is closed",
                account_id=state.row.id,
                display_name=state.row.display_name,
            )
        return cred, state, parsed.code

    # Writing -----------------------------------------------------------------------

    def _check_amount(
        self,
        amount: Money,
        db: Tx,
        *,
        allow_zero: bool = False,
        settings: SiteSettings | None = None,
    ) -> Refused | None:
        if amount.cents < 0 or (amount.cents == 0 and not allow_zero):
            return Refused(RejectReason.INVALID_AMOUNT, f"amount must be positive, got {amount}")
        limit = (settings or self.settings(db)).max_amount
        if amount.cents > limit:
            return Refused(
                RejectReason.AMOUNT_TOO_LARGE, f"{amount} is above the limit of {Money(limit)}"
            )
        return None

    def _append(
        self,
        db: Tx,
        kind: EntryKind,
        account: str | None,
        amount: int,
        payload: Mapping[str, Any],
        *,
        settings: SiteSettings | None = None,
    ) -> Entry:
        """Write one entry; its payload goes through its kind's model
        (``sync.protocol.payloads``): a field that does not fit raises PayloadError."""
        seq, prev_hash = self.store.head(db)
        now = self._clock()
        body = build_payload(
            kind, {"business_day": self.business_day(now, settings=settings), **payload}
        )
        entry = make_entry(
            key=self._key,
            terminal_id=self.terminal_id,
            seq=seq + 1,
            ts=now,
            kind=kind,
            account=account,
            amount=amount,
            payload=body,
            prev_hash=prev_hash,
        )
        self.store.append(entry, db)
        return entry

    def post(
        self,
        db: Tx,
        kind: EntryKind,
        account: str | None,
        amount: int,
        payload: Mapping[str, Any],
        *,
        settings: SiteSettings | None = None,
    ) -> Entry:
        """Append one signed entry inside the caller's ``store.atomic()`` transaction.

        The posting primitive for the engine's own modules (card payments ...); the
        caller has made its checks in the same transaction.
        """
        return self._append(db, kind, account, amount, payload, settings=settings)

    def sell(
        self,
        credential: str | bytes,
        amount: Money | None,
        *,
        kind: EntryKind = EntryKind.SALE,
        details: Mapping[str, Any] | None = None,
        price: Callable[[Identified], tuple[Money, Mapping[str, Any], Any] | Refused] | None = None,
    ) -> Result:
        """Debit the account behind ``credential`` by ``amount``, or say why not.

        ``price``, when given, is called inside the transaction with the identified
        diner and returns (amount, payload details, ticket) - how a tray is repriced
        for that diner's tariff - or a refusal; ``amount`` is then None. A priced
        ticket may come to zero (fully subsidised); a plain amount must be positive.
        """
        if (amount is None) == (price is None):
            raise ValueError("give either an amount or a price callback")
        with self.store.atomic() as db:
            settings = self.settings(db)  # read once for the whole sale
            found = self._resolve(credential, db, settings=settings)
            if isinstance(found, Refused):
                return found
            cred, state, code = found
            usable = self._usable(state, db)
            offline = self.is_offline(db, settings=settings)
            ticket: Any = None
            payload: dict[str, Any] = dict(details or {})
            if price is not None:
                priced = price(Identified(state.row, cred, usable, offline))
                if isinstance(priced, Refused):
                    return priced
                amount, extra, ticket = priced
                payload.update(extra)
            assert amount is not None
            refused = self._check_amount(
                amount, db, allow_zero=price is not None, settings=settings
            ) or self._check_debit(state, usable, amount, offline, db, settings=settings)
            if refused is not None:
                return refused
            payload.update(
                {
                    "credential": cred.value,
                    "means": "balance",
                    "balance_after": (usable - amount).cents,
                }
            )
            try:
                entry = self._append(
                    db, kind, state.row.id, -amount.cents, payload, settings=settings
                )
            except CanonicalError as exc:
                raise ValueError(f"sale details have no canonical form: {exc}") from exc
            if code is not None:  # a phone code is burnt with the sale, in its transaction
                phone.consume(code, self._clock(), settings.qr_window_steps, db)
        return Accepted(
            entry, state.row.id, state.row.display_name, amount, usable - amount, ticket
        )

    def debit_refusal(
        self,
        state: AccountState,
        usable: Money,
        amount: Money,
        db: Tx,
        *,
        offline: bool = False,
    ) -> Refused | None:
        """Why ``amount`` may not be debited from the account (limit, floor, offline
        cap), checked inside the caller's ``store.atomic()`` transaction; None: it may."""
        return self._check_amount(amount, db) or self._check_debit(
            state, usable, amount, offline, db
        )

    def _check_debit(
        self,
        state: AccountState,
        usable: Money,
        amount: Money,
        offline: bool,
        db: Tx,
        *,
        settings: SiteSettings | None = None,
    ) -> Refused | None:
        lost = self._loss_refusal(db)
        if lost is not None:
            return lost
        account = state.row
        who = {"account_id": account.id, "display_name": account.display_name, "balance": usable}
        if offline:
            settings = settings or self.settings(db)
            day = self.business_day(settings=settings)
            spent = -self.store.day_sum(account.id, day, DEBIT_KINDS, db)
            if spent + amount.cents > settings.offline_daily_cap:
                return Refused(
                    RejectReason.OFFLINE_CAP_REACHED,
                    f"offline: {Money(spent)} already spent today, cap "
                    f"{Money(settings.offline_daily_cap)}",
                    **who,  # type: ignore[arg-type]
                )
        if account.kind is AccountKind.PREPAID:
            floor = -account.overdraft
            after = usable.cents - amount.cents
            if after < floor:
                return Refused(
                    RejectReason.INSUFFICIENT_BALANCE,
                    f"balance {usable}, price {amount}",
                    shortfall=Money(floor - after),
                    **who,  # type: ignore[arg-type]
                )
        return None

    def top_up(self, account_id: str, amount: Money, means: str, cashier: str) -> Result:
        """Credit an account (cash at the till, card at the kiosk ...)."""
        if means not in TOP_UP_MEANS:
            raise ValueError(f"unknown means of payment {means!r}; one of {sorted(TOP_UP_MEANS)}")
        with self.store.atomic() as db:
            state = self.store.account(account_id, db)
            if state is None:
                return Refused(RejectReason.UNKNOWN_ACCOUNT, f"unknown account {account_id!r}")
            if state.row.status is AccountStatus.CLOSED:
                return Refused(RejectReason.ACCOUNT_CLOSED, account_id=account_id)
            refused = self._check_amount(amount, db) or self._loss_refusal(db)
            if refused is not None:
                return refused
            usable = self._usable(state, db)
            entry = self._append(
                db,
                EntryKind.TOP_UP,
                account_id,
                amount.cents,
                {"means": means, "cashier": cashier, "balance_after": (usable + amount).cents},
            )
        return Accepted(entry, account_id, state.row.display_name, amount, usable + amount)

    def cancel(self, seq: int, cashier: str, reason: str) -> Result:
        """Reverse entry ``seq`` with a new entry of the opposite amount (never a delete)."""
        with self.store.atomic() as db:
            lost = self._loss_refusal(db)
            if lost is not None:
                return lost
            original = self.store.entry(seq, db)
            if original is None:
                return Refused(RejectReason.UNKNOWN_ENTRY, f"no entry {seq}")
            if original.kind not in CANCELLABLE or original.account is None:
                return Refused(RejectReason.NOT_CANCELLABLE, f"entry {seq} is a {original.kind}")
            done = self.store.cancelled_by(seq, db)
            if done is not None:
                return Refused(RejectReason.ALREADY_CANCELLED, f"cancelled by entry {done}")
            state = self.store.account(original.account, db)
            if state is None:
                return Refused(RejectReason.UNKNOWN_ACCOUNT, f"unknown account {original.account}")
            usable = self._usable(state, db)
            amount = -original.amount
            if (
                amount < 0
                and state.row.kind is AccountKind.PREPAID
                and usable.cents + amount < -state.row.overdraft
            ):
                return Refused(
                    RejectReason.INSUFFICIENT_BALANCE,
                    "cancelling this top-up would overdraw the account",
                    shortfall=Money(-state.row.overdraft - usable.cents - amount),
                    account_id=state.row.id,
                )
            entry = self._append(
                db,
                EntryKind.CANCEL,
                original.account,
                amount,
                {
                    "cancels": seq,
                    "cancelled_kind": original.kind,
                    "cashier": cashier,
                    "reason": reason,
                    "balance_after": usable.cents + amount,
                },
            )
        return Accepted(
            entry, state.row.id, state.row.display_name, Money(abs(amount)), usable + Money(amount)
        )

    def visits_today(self) -> list[visits.VisitView]:
        """Today's visits of the site, for the cashier to pick from (kiosk/engine/visits)."""
        return visits.today(self)

    def consume_visit(
        self, visit: str | bytes, guests: int, amount: Money, *, cashier: str = ""
    ) -> Result:
        """Serve ``guests`` meals of a visit (id or QR text), ``amount`` in all."""
        return visits.consume(self, visit, guests, amount, cashier=cashier)

    def record_event(self, kind: EntryKind, payload: Mapping[str, Any]) -> Entry:
        """A technical entry (start, stop, device fault, sync, closure ...)."""
        if kind in CANCELLABLE or kind is EntryKind.CANCEL:
            raise ValueError(f"{kind} entries are written by their own operation")
        with self.store.atomic() as db:
            return self._append(db, kind, None, 0, payload)

    # Verification ------------------------------------------------------------------

    def verify(self, progress: Callable[[int], None] | None = None) -> ChainReport:
        """Check the whole journal; the report names the first bad entry."""
        found: list[tuple[int, str]] = []

        def entries() -> Iterator[Entry]:
            for row in self.store.iter_journal():
                try:
                    entry = Entry.from_row(row)
                except ValueError as exc:
                    found.append((row[1], f"stored payload cannot be read: {exc}"))
                    return
                day, ref_seq = row[10], row[11]
                payload = entry.payload
                if not isinstance(payload, dict):
                    found.append((entry.seq, "stored payload is not a JSON object"))
                    return
                if day != payload.get("business_day") or ref_seq != payload.get("cancels"):
                    found.append((entry.seq, "indexed columns disagree with the signed payload"))
                    return
                if progress is not None:
                    progress(1)
                yield entry

        # Signatures dominate the cost; on a long journal check them in two processes.
        workers = 2 if self.store.last_seq() > PARALLEL_VERIFY_FROM else 1
        report = verify_chain(
            entries(), self.public_key, terminal_id=self.terminal_id, workers=workers
        )
        if report.ok and found:
            seq, problem = found[0]
            return replace(report, bad_seq=seq, problem=problem)
        return report
