"""The portal's rules: sessions, first connection (site code, identifier, e-mailed
one-time code, password), sign-in with lock-out, and the signed-in diner's reads.

Every method that takes a ``Session`` reads only that session's account: no route
passes an account id of its own, so no diner can name another's data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync.journal import format_ts, parse_ts
from sync.protocol.rows import AccountStatus
from sync.server.portal.errors import MailError, PortalConfigError
from sync.server.portal.mail import send_code
from sync.server.portal.settings import PortalSettings
from sync.server.portal.store import AccountLine, PortalStore, SessionRow
from sync.server.service import Hub
from sync.server.storage import SqliteStorage

log = logging.getLogger(__name__)

CODE_DIGITS = 6
MIN_PASSWORD = 10
MAX_PASSWORD = 256
MAX_IDENTIFIER = 64


class Refusal(Enum):
    """Why the portal said no; the pages word each one."""

    UNKNOWN_SITE = "unknown_site"
    UNKNOWN_ACCOUNT = "unknown_account"
    CLOSED = "closed"
    NO_EMAIL = "no_email"
    LOCKED = "locked"
    BAD_CODE = "bad_code"
    BAD_PASSWORD = "bad_password"
    WEAK_PASSWORD = "weak_password"
    PASSWORDS_DIFFER = "passwords_differ"
    NOT_ACTIVATED = "not_activated"
    MAIL_FAILED = "mail_failed"


@dataclass(frozen=True, slots=True)
class Session:
    token: str  # the cookie's value (never stored)
    row: SessionRow

    @property
    def signed_in(self) -> bool:
        return self.row.account_id is not None


@dataclass(frozen=True, slots=True)
class Home:
    account_id: str
    display_name: str
    balance: int
    latest: str | None  # time of the latest line, canonical UTC
    lines: list[AccountLine]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(account_id: str, code: str) -> str:
    return hashlib.sha256(f"{account_id}\x00{code}".encode()).hexdigest()


class Portal:
    """The diner portal over a ``Hub`` (its storage, clock and accounts)."""

    def __init__(self, hub: Hub, settings: PortalSettings) -> None:
        self.hub = hub
        self.settings = settings
        if not isinstance(hub.storage, SqliteStorage):
            raise PortalConfigError("the portal keeps its tables in the hub's SQLite storage")
        self.store = PortalStore(hub.storage)
        self.hasher = PasswordHasher(  # argon2id
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
        )

    # Sessions --------------------------------------------------------------------------

    def session(self, token: str | None) -> Session | None:
        if not token or len(token) > 128:
            return None
        row = self.store.session(token_hash(token), self.hub.clock())
        return None if row is None else Session(token, row)

    def new_session(self) -> Session:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        ttl = timedelta(seconds=self.settings.anonymous_ttl_s)
        self.store.new_session(token_hash(token), csrf, self.hub.clock(), ttl)
        session = self.session(token)
        assert session is not None
        return session

    @staticmethod
    def csrf_ok(session: Session, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(session.row.csrf, sent)

    def sign_out(self, session: Session) -> None:
        self.store.end_session(token_hash(session.token))

    def _sign_in(self, session: Session, site: str, account_id: str) -> Session:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        ttl = timedelta(seconds=self.settings.session_ttl_s)
        self.store.sign_in(
            token_hash(session.token), token_hash(token), csrf, site, account_id,
            self.hub.clock(), ttl,
        )  # fmt: skip
        log.info("portal: %s signed in (site %s)", account_id, site)
        signed = self.session(token)
        assert signed is not None
        return signed

    # Lock-out --------------------------------------------------------------------------

    def _locked(self, key: str) -> bool:
        found = self.store.attempts(key)
        return (
            found is not None
            and found.locked_until is not None
            and parse_ts(found.locked_until) > self.hub.clock()
        )

    def _fail(self, key: str, limit: int | None = None) -> None:
        s = self.settings
        self.store.count_failure(
            key,
            self.hub.clock(),
            timedelta(seconds=s.failure_window_s),
            limit or s.max_failures,
            timedelta(seconds=s.lockout_s),
        )

    # First connection and sign-in ---------------------------------------------------------

    def choose_site(self, session: Session, site: str) -> Refusal | None:
        site = site.strip()
        if not site or len(site) > 64 or self.hub.storage.site_settings(site) is None:
            return Refusal.UNKNOWN_SITE
        self.store.update_session(
            token_hash(session.token), site=site, pending_account=None, code_ok=False
        )
        return None

    def find_account(self, session: Session, identifier: str, client: str) -> Refusal | None:
        """Look the diner up in the session's site; remember the account found.
        Unknown identifiers count against the client's address (guessing ids)."""
        site, identifier = session.row.site, identifier.strip()
        if site is None:
            return Refusal.UNKNOWN_SITE
        lookups = f"lookup:{site}:{client}"
        if self._locked(lookups):
            return Refusal.LOCKED
        if not identifier or len(identifier) > MAX_IDENTIFIER:
            return Refusal.UNKNOWN_ACCOUNT
        status = self.store.account_status(site, identifier)
        if status is None:
            self._fail(lookups)
            return Refusal.UNKNOWN_ACCOUNT
        if status == AccountStatus.CLOSED:
            return Refusal.CLOSED
        self.store.update_session(
            token_hash(session.token), site=site, pending_account=identifier, code_ok=False
        )
        return None

    def is_activated(self, account_id: str) -> bool:
        return self.store.password_hash(account_id) is not None

    def send_activation_code(self, session: Session, lang: str) -> Refusal | None:
        site, account = session.row.site, session.row.pending_account
        if site is None or account is None:
            return Refusal.UNKNOWN_ACCOUNT
        sends = f"send:{account}"
        if self._locked(sends) or self._locked(f"code:{account}"):
            return Refusal.LOCKED
        email = self.store.account_email(site, account)
        if email is None:
            return Refusal.NO_EMAIL
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        expires = self.hub.clock() + timedelta(seconds=self.settings.code_ttl_s)
        self.store.put_code(account, _code_hash(account, code), expires)
        self._fail(sends, self.settings.max_codes)  # every code sent counts
        try:
            send_code(self.settings, email, code, lang)
        except MailError as exc:
            self.store.drop_code(account)
            log.error("portal: activation code for %s not sent: %s", account, exc)
            return Refusal.MAIL_FAILED
        log.info("portal: activation code sent for %s", account)
        return None

    def check_code(self, session: Session, code: str) -> Refusal | None:
        account = session.row.pending_account
        if account is None:
            return Refusal.UNKNOWN_ACCOUNT
        key = f"code:{account}"
        if self._locked(key):
            return Refusal.LOCKED
        code = code.strip()
        if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
            self._fail(key)
            return Refusal.BAD_CODE
        if not self.store.use_code(account, _code_hash(account, code), self.hub.clock()):
            self._fail(key)
            return Refusal.BAD_CODE
        self.store.clear_attempts(key)
        self.store.update_session(
            token_hash(session.token), site=session.row.site, pending_account=account,
            code_ok=True,
        )  # fmt: skip
        return None

    def _password_problem(self, password: str, again: str) -> Refusal | None:
        if password != again:
            return Refusal.PASSWORDS_DIFFER
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            return Refusal.WEAK_PASSWORD
        return None

    def activate(self, session: Session, password: str, again: str) -> Session | Refusal:
        """Set the first password after a good code; the diner is then signed in."""
        site, account = session.row.site, session.row.pending_account
        if site is None or account is None or not session.row.code_ok:
            return Refusal.BAD_CODE
        problem = self._password_problem(password, again)
        if problem is not None:
            return problem
        self.store.set_password(account, self.hasher.hash(password), self.hub.clock())
        log.info("portal: %s activated", account)
        return self._sign_in(session, site, account)

    def sign_in(self, session: Session, password: str) -> Session | Refusal:
        site, account = session.row.site, session.row.pending_account
        if site is None or account is None:
            return Refusal.UNKNOWN_ACCOUNT
        key = f"signin:{account}"
        if self._locked(key):
            return Refusal.LOCKED
        if self.store.account_status(site, account) != AccountStatus.ACTIVE:
            return Refusal.CLOSED
        stored = self.store.password_hash(account)
        if stored is None:
            return Refusal.NOT_ACTIVATED
        try:
            self.hasher.verify(stored, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            self._fail(key)
            log.info("portal: failed sign-in for %s", account)
            return Refusal.LOCKED if self._locked(key) else Refusal.BAD_PASSWORD
        self.store.clear_attempts(key)
        if self.hasher.check_needs_rehash(stored):
            self.store.set_password(account, self.hasher.hash(password), self.hub.clock())
        return self._sign_in(session, site, account)

    def open_session(self, session: Session, site: str, account_id: str) -> Session | Refusal:
        """Sign in an account that proved itself another way than by its password (a
        single-use code shown by a signed-in device, a passkey): if still active."""
        if self.store.account_status(site, account_id) != AccountStatus.ACTIVE:
            return Refusal.CLOSED
        if not self.is_activated(account_id):
            return Refusal.NOT_ACTIVATED
        return self._sign_in(session, site, account_id)

    # The signed-in diner's data -----------------------------------------------------------

    def home(self, session: Session, lines: int = 5) -> Home:
        site, account = session.row.site, session.row.account_id
        assert site is not None and account is not None
        record = self.hub.account(account)
        recent = self.store.history(site, account, 0, lines)
        return Home(
            account_id=account,
            display_name=record.row.display_name,
            balance=record.row.balance,
            latest=recent[0].ts if recent else None,
            lines=recent,
        )

    def tickets(self, session: Session, page: int, per_page: int) -> tuple[list[AccountLine], int]:
        site, account = session.row.site, session.row.account_id
        assert site is not None and account is not None
        total = self.store.history_size(site, account)
        return self.store.history(site, account, (page - 1) * per_page, per_page), total

    def ticket(self, session: Session, terminal_id: str, seq: int) -> AccountLine | None:
        site, account = session.row.site, session.row.account_id
        assert site is not None and account is not None
        return self.store.entry_of(site, account, terminal_id, seq)

    def change_password(
        self, session: Session, current: str, password: str, again: str
    ) -> Refusal | None:
        """A new password after the current one; the diner's other sessions end."""
        account = session.row.account_id
        assert account is not None
        key = f"signin:{account}"
        if self._locked(key):
            return Refusal.LOCKED
        stored = self.store.password_hash(account)
        try:
            self.hasher.verify(stored or "", current[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            self._fail(key)
            return Refusal.LOCKED if self._locked(key) else Refusal.BAD_PASSWORD
        problem = self._password_problem(password, again)
        if problem is not None:
            return problem
        self.store.set_password(account, self.hasher.hash(password), self.hub.clock())
        ended = self.store.end_other_sessions(account, token_hash(session.token))
        log.info("portal: %s changed the password (%d other sessions ended)", account, ended)
        return None

    def personal_data(self, session: Session) -> dict[str, Any]:
        """Everything the hub holds about the signed-in diner, as plain JSON values."""
        site, account = session.row.site, session.row.account_id
        assert site is not None and account is not None
        record = self.hub.account(account)
        login = self.store.login_times(account)
        total = self.store.history_size(site, account)
        return {
            "exported_at": format_ts(self.hub.clock()),
            "site": site,
            "account": record.row.model_dump(mode="json"),
            "email": self.store.account_email(site, account),
            "badges": [
                {"value": c.value, "kind": c.kind.value, "status": c.status.value}
                for c in self.hub.storage.credentials_of(account)
            ],
            "portal": None
            if login is None
            else {"activated_at": login[0], "password_set_at": login[1]},
            "entries": [
                {
                    "source": line.source,
                    "ref": line.ref,
                    "ts": line.ts,
                    "kind": line.kind,
                    "amount_cents": line.amount,
                    "payload": json.loads(line.payload),
                }
                for line in self.store.history(site, account, 0, total)
            ],
        }
