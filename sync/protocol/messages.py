"""Messages of the sync protocol v1: enrolment, journal push, changes pull, errors.

Strict pydantic models (unknown fields refused, frozen) with size limits, shared by the
terminal's client and the hub. Validate wire bytes with ``Model.model_validate_json``:
strict mode accepts JSON strings for enums only in JSON mode.

Endpoints (terminal calls carry ``Authorization: Bearer <api token>``)::

    POST /v1/enrol        EnrolRequest  -> EnrolResponse       (no token: one-time code)
    POST /v1/journal      PushRequest   -> PushResponse        409 ErrorBody on a gap
    GET  /v1/changes?since=V&limit=N    -> ChangesPage
    GET  /v1/journal?since=S&limit=N    -> JournalPage         this terminal's own entries
    GET  /v1/health                     -> Health              (no token)

Every 4xx/5xx answer carries an ``ErrorBody`` naming an ``ErrorCode``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, JsonValue, field_validator

from sync.journal import TS_PATTERN, Entry, parse_ts
from sync.protocol.archives import TerminalCertificate
from sync.protocol.incidents import Incident
from sync.protocol.rows import AccountRow, CredentialRow, SiteSettings, Strict

PROTOCOL_VERSION = 1
MAX_BATCH = 1000  # entries in one push
MAX_PAGE = 5000  # rows in one changes page
DEFAULT_PAGE = 1000
MAX_BODY_BYTES = 4 * 1024 * 1024  # any request body above this gets 413
# A changes page stops before the row that would take its JSON past this; a single
# object larger than that (a big document) comes alone in its page.
MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_PAYLOAD_KEYS = 200

Token = Annotated[str, Field(min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_\-\.]+$")]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-\.:]+$")]
Hex64 = Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")]
PublicKeyText = Annotated[str, Field(min_length=40, max_length=64)]


class ErrorCode(StrEnum):
    """Why the hub refused a request (technical, for logs and the offline banner).

    Distinct from ``RejectReason``, which words refusals shown to diners.
    """

    INVALID = "invalid"  # malformed body or parameters
    TOO_LARGE = "too_large"
    UNAUTHENTICATED = "unauthenticated"  # no token or unknown token
    FORBIDDEN = "forbidden"  # valid token, not allowed here
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    ENROLMENT_REFUSED = "enrolment_refused"  # unknown site, bad/used/expired token
    SEQUENCE_GAP = "sequence_gap"  # resend from expected_seq
    CHAIN_BROKEN = "chain_broken"  # hash link or duplicate differs: not retryable
    BAD_SIGNATURE = "bad_signature"  # hash or signature invalid: nothing stored
    UNSUPPORTED_VERSION = "unsupported_version"
    ENTRY_REFUSED = "entry_refused"  # an entry breaks a site rule: `entry` and `rule` say which
    INTERNAL = "internal"
    RATE_LIMITED = "rate_limited"  # retry after the answer's Retry-After seconds


MAX_DETAIL = 2000  # characters of an error's detail


class ErrorBody(Strict):
    reason: ErrorCode
    detail: str = Field(default="", max_length=MAX_DETAIL)
    expected_seq: int | None = None  # with SEQUENCE_GAP: the next sequence the hub wants
    applied_seq: int | None = None
    # With ENTRY_REFUSED: the refused entry ("terminal id:seq") and the rule it breaks
    # (see sync.server.entry_rules); nothing of the push was stored.
    entry: str | None = Field(default=None, max_length=100)
    rule: str | None = Field(default=None, max_length=64)


class Health(Strict):
    """The hub is up; ``time`` is its clock (``sync.journal.format_ts``), so that a
    terminal can measure its clock skew before it signs anything."""

    status: str = "ok"
    protocol: int = PROTOCOL_VERSION
    time: str = Field(min_length=27, max_length=27)


# Enrolment ------------------------------------------------------------------------


class EnrolRequest(Strict):
    protocol: int = Field(default=PROTOCOL_VERSION, ge=1, le=PROTOCOL_VERSION)
    site_code: Ident
    token: Token
    public_key: PublicKeyText = Field(description="terminal's Ed25519 key, base64 raw")
    name: str = Field(default="", max_length=100, description="label, e.g. 'borne 2'")


class EnrolResponse(Strict):
    protocol: int = PROTOCOL_VERSION
    terminal_id: Ident
    api_token: Token
    hub_public_key: PublicKeyText
    settings: SiteSettings
    # The hub's signed statement that the terminal's key is its own, put in its archives.
    certificate: TerminalCertificate | None = None


# Journal push ---------------------------------------------------------------------


class WireEntry(Strict):
    """One signed journal entry on the wire (see ``sync.journal``)."""

    terminal_id: Ident
    seq: int = Field(ge=1, le=2**62)
    ts: str = Field(min_length=27, max_length=27, pattern=TS_PATTERN)
    kind: str = Field(min_length=1, max_length=32)
    account: Ident | None
    amount: int = Field(ge=-(10**12), le=10**12)
    payload: dict[str, JsonValue] = Field(max_length=MAX_PAYLOAD_KEYS)

    @field_validator("ts")
    @classmethod
    def _real_moment(cls, value: str) -> str:
        parse_ts(value)  # ValueError for 2025-13-45T99:99:99 or year 0000
        return value

    prev_hash: Hex64
    hash: Hex64
    sig: str = Field(min_length=1, max_length=120)

    @classmethod
    def of(cls, entry: Entry) -> WireEntry:
        return cls.model_construct(**entry.to_dict())

    def to_entry(self) -> Entry:
        data: dict[str, Any] = {name: getattr(self, name) for name in type(self).model_fields}
        return Entry.from_dict(data)


class PushRequest(Strict):
    """A batch of entries, applied all or nothing: when one fresh entry is refused (a
    broken chain or signature, or a site rule), nothing of the batch is stored."""

    protocol: int = Field(default=PROTOCOL_VERSION, ge=1, le=PROTOCOL_VERSION)
    entries: list[WireEntry] = Field(min_length=1, max_length=MAX_BATCH)


class PushResponse(Strict):
    applied_seq: int = Field(ge=0, description="highest sequence of this terminal applied")
    applied: int = Field(ge=0, description="entries applied by this request")
    duplicates: int = Field(ge=0, description="entries already applied, ignored")


# Changes pull ---------------------------------------------------------------------

Documents = dict[str, dict[str, dict[str, JsonValue] | None]]


class PageHead(Strict):
    """The fields of a changes page other than its accounts and credentials."""

    protocol: int = PROTOCOL_VERSION
    since: int = Field(ge=0)
    cursor: int = Field(ge=0, description="hub version to send as `since` next time")
    more: bool
    applied_seq: int = Field(ge=0)
    settings: SiteSettings | None = None
    documents: Documents = Field(default_factory=dict)
    # The hash of this terminal's entry ``applied_seq`` as the hub holds it (the
    # genesis hash when none): with ``applied_seq``, what the terminal compares with
    # its journal to find a loss on either side. None from a hub that predates it.
    last_hash: Hex64 | None = None
    # The site's incidents changed in this page (open, or cleared: ``cleared_at``).
    incidents: list[Incident] = Field(default_factory=list)

    def rows(self) -> int:
        """Accounts, credentials and documents in the page (settings not counted)."""
        documents = sum(len(docs) for docs in self.documents.values())
        return self._row_count() + documents + len(self.incidents)

    def _row_count(self) -> int:
        return 0


class ChangesPage(PageHead):
    """Rows changed after ``since``, at most ``limit`` of them, read in one snapshot.

    ``applied_seq`` is this terminal's applied high-water mark in that snapshot: every
    account balance in the page includes exactly this terminal's entries up to it.
    ``documents`` maps kind -> id -> JSON object, or null when the document was
    deleted (catalogue, tariffs, visits ...). ``settings`` is null when unchanged.
    A page holds at most ``limit`` rows and about ``MAX_PAGE_BYTES`` of JSON (less a
    single object bigger than that). Fetch again from ``cursor`` while ``more`` is true.
    The hub sends the page gzipped to a client that accepts it (``Accept-Encoding``).
    With ``rows=arrays`` each account and credential is an array of its values instead
    (``sync.protocol.page_rows.ChangesRows``: what the sync daemon reads).
    """

    accounts: list[AccountRow] = Field(default_factory=list)
    credentials: list[CredentialRow] = Field(default_factory=list)

    def _row_count(self) -> int:
        return len(self.accounts) + len(self.credentials)


# Journal recovery -----------------------------------------------------------------


class JournalPage(Strict):
    """This terminal's own entries as the hub holds them, after ``since``: how a
    terminal whose store lost its newest entries gets them back (it checks them with
    its own key and chain before it keeps them)."""

    entries: list[WireEntry] = Field(max_length=MAX_BATCH)
    applied_seq: int = Field(ge=0)
    last_hash: Hex64
    more: bool
