"""Rows the hub sends to terminals in a changes page: accounts, credentials, settings.

Strict models (unknown fields refused, frozen). Amounts are integer cents.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


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
    id: str = Field(min_length=1, max_length=64)
    display_name: str = Field(max_length=200)
    kind: AccountKind = AccountKind.PREPAID
    status: AccountStatus = AccountStatus.ACTIVE
    profile: str = Field(default="employee", min_length=1, max_length=64)
    balance: int = Field(description="hub balance in cents, every channel and terminal")
    overdraft: int = Field(default=0, ge=0, description="authorised overdraft in cents")
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
    site_code: str = Field(min_length=1, max_length=64)
    site_name: str = Field(default="", max_length=200)
    timezone: str = "Europe/Paris"
    # Offline risk: when the last successful sync is older than this many seconds,
    # one account may spend at most `offline_daily_cap` cents a day on this terminal.
    offline_after_s: int = Field(default=900, ge=0)
    offline_daily_cap: int = Field(default=1500, ge=0)
    # Largest single sale or top-up, in cents; anything above is refused as input.
    max_amount: int = Field(default=50_000, gt=0)
    # Phone badges: how many 30 s time steps a code may be away from our clock.
    qr_window_steps: int = Field(default=1, ge=0, le=20)
    # One charge per presentation: a credential charged less than this many seconds ago
    # is not charged again without the cashier's confirmation (kiosk.presence).
    repeat_holdoff_s: float = Field(default=3.0, ge=0, le=60)
    # Card and online top-ups: the smallest and largest amount a diner may choose (cents).
    top_up_min: int = Field(default=500, gt=0)
    top_up_max: int = Field(default=15_000, gt=0)
