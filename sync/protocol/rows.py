"""Rows the hub sends to terminals in a changes page: accounts, credentials, settings.

Strict models (unknown fields refused, frozen). Amounts are integer cents, balances
within signed 64 bits, settings' amounts and limits non-negative and bounded.

Identifiers that travel in URLs (site codes, account ids) follow ``ID_PATTERN``: 1 to
64 ASCII letters, digits, ``.``, ``_`` or ``-``, starting with a letter or digit. A
badge is ``nfc:`` + its UID in upper-case hex of 4, 7, 8 or 10 bytes (what the tills'
readers report), a phone badge ``phone:`` + 16 lower-case hex digits
(``credential_problem``). A time zone must be one of the IANA database
(``settings_problem``): both the hub, where settings are written, and the terminal,
where they are applied, check it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_SETTING_CENTS = 10**9  # bound of any amount in settings (10 million euros)
MAX_OFFLINE_AFTER_S = 10**9  # about 31 years: "never offline" in tests and demos
NFC_UID_BYTES = frozenset({4, 7, 8, 10})  # ISO 14443 UIDs, and FeliCa IDm
_NFC_VALUE = re.compile(r"nfc:((?:[0-9A-F]{2})+)")
_PHONE_VALUE = re.compile(r"phone:[0-9a-f]{16}")
_TIMEZONE = r"^[A-Za-z][A-Za-z0-9_+-]{0,29}(/[A-Za-z0-9_+-]{1,30}){0,2}$"


class Strict(BaseModel):
    """Base of every wire model: frozen, strict types, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class AccountKind(StrEnum):
    PREPAID = "prepaid"
    POSTPAID = "postpaid"  # payroll deduction: no floor


class AccountStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class CredentialKind(StrEnum):
    NFC = "nfc"  # physical badge, UID read by nfcpy or PC/SC
    PHONE = "phone"  # phone badge: signed rotating QR code


class CredentialStatus(StrEnum):
    ACTIVE = "active"
    LOST = "lost"
    REVOKED = "revoked"  # blocked: on the deny list


class SubsidyMark(Strict):
    """The last business day a diner had the daily employer subsidy, and the sale that
    used it (any terminal of the site)."""

    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="business day, site time")
    terminal_id: str = Field(min_length=1, max_length=64)
    seq: int = Field(ge=1)


class AccountRow(Strict):
    # No pattern here: rows made before ids were checked must still sync; the admin
    # API checks ``ID_PATTERN`` on every id it creates (``sync.protocol.admin``).
    id: str = Field(min_length=1, max_length=64)
    display_name: str = Field(max_length=200)
    kind: AccountKind = AccountKind.PREPAID
    status: AccountStatus = AccountStatus.ACTIVE
    profile: str = Field(default="employee", min_length=1, max_length=64)
    balance: int = Field(
        ge=INT64_MIN, le=INT64_MAX, description="hub balance in cents, every channel and terminal"
    )
    overdraft: int = Field(
        default=0, ge=0, le=MAX_SETTING_CENTS, description="authorised overdraft in cents"
    )
    subsidy: SubsidyMark | None = Field(
        default=None,
        description="set by the hub from the journals (ignored on import): the subsidy is "
        "granted once per diner and day across the site's terminals",
    )


class CredentialRow(Strict):
    value: str = Field(min_length=1, max_length=256, description="normalised, e.g. nfc:04A1B2C3")
    kind: CredentialKind
    status: CredentialStatus = CredentialStatus.ACTIVE
    account_id: str = Field(min_length=1, max_length=64)
    public_key: str | None = Field(default=None, description="phone badges: base64 Ed25519")


class SiteSettings(Strict):
    site_code: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)
    site_name: str = Field(default="", max_length=200)
    timezone: str = Field(default="Europe/Paris", pattern=_TIMEZONE)
    # Offline risk: when the last successful sync is older than this many seconds,
    # one account may spend at most `offline_daily_cap` cents a day on this terminal.
    offline_after_s: int = Field(default=900, ge=0, le=MAX_OFFLINE_AFTER_S)
    offline_daily_cap: int = Field(default=1500, ge=0, le=MAX_SETTING_CENTS)
    # Largest single sale or top-up, in cents; anything above is refused as input.
    max_amount: int = Field(default=50_000, gt=0, le=MAX_SETTING_CENTS)
    # Phone badges: how many 30 s time steps a code may be away from our clock.
    qr_window_steps: int = Field(default=1, ge=0, le=20)
    # One charge per presentation: a credential charged less than this many seconds ago
    # is not charged again without the cashier's confirmation (kiosk.presence).
    repeat_holdoff_s: float = Field(default=3.0, ge=0, le=60)
    # Card and online top-ups: the smallest and largest amount a diner may choose (cents).
    top_up_min: int = Field(default=500, gt=0, le=MAX_SETTING_CENTS)
    top_up_max: int = Field(default=15_000, gt=0, le=MAX_SETTING_CENTS)
    # The month in which the site's fiscal year starts (1: the calendar year); the
    # yearly closure sums the monthly closures of one fiscal year.
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)


def settings_problem(settings: SiteSettings) -> str | None:
    """What makes these settings unusable on this machine (``field: reason``), or None.

    The model checks forms and bounds; this checks what needs the system (the time
    zone must be in its IANA database) and what ties two fields."""
    if settings.top_up_max < settings.top_up_min:
        return f"top_up_max: {settings.top_up_max} is below top_up_min ({settings.top_up_min})"
    try:
        ZoneInfo(settings.timezone)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return f"timezone: unknown time zone {settings.timezone!r}"
    return None


def credential_problem(value: str, kind: CredentialKind) -> str | None:
    """Why a tills could never read ``value`` as a badge of ``kind``, or None."""
    if kind is CredentialKind.NFC:
        match = _NFC_VALUE.fullmatch(value)
        if match is None or len(match[1]) // 2 not in NFC_UID_BYTES:
            return (
                "value: a badge is nfc: and its UID in upper-case hex of 4, 7, 8 or 10 "
                f"bytes, not {value[:80]!r}"
            )
        return None
    if not _PHONE_VALUE.fullmatch(value):
        return f"value: a phone badge is phone: and 16 lower-case hex digits, not {value[:80]!r}"
    return None
