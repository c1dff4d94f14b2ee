"""Admin messages for phone badges: register a phone's key for an account, and (for
the demo and tests, standing in for the app) mint its current code."""

from __future__ import annotations

from pydantic import Field

from sync.protocol.messages import PublicKeyText
from sync.protocol.rows import CredentialRow, Strict


class PhoneRegister(Strict):
    """``public_key`` is the app's key; without it the hub holds a virtual phone."""

    public_key: PublicKeyText | None = None


class PhoneBadge(Strict):
    credential: CredentialRow
    held_by_hub: bool = Field(description="the hub can mint this phone's codes")


class PhoneCodeView(Strict):
    code: str = Field(description="the QR text, MB1. + base64url")
    credential: str
    step: int
    valid_from: str
    valid_until: str = Field(description="end of the code's own 30 s step")
