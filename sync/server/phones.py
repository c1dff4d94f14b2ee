"""Phone badges on the hub: register a phone's public key for an account, and mint the
codes of virtual phones (the demo and tests stand in for the app with them).

A phone registered without a key is a *virtual phone*: its private key is derived
from the hub's key and the credential value (HMAC-SHA256 as the Ed25519 seed), so the
hub stores no phone secret and can mint that phone's codes at any time. A phone
registered with the app's own key keeps its private key on the phone: the hub
refuses to mint for it (409).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from sync import phonebadge
from sync.journal import format_ts, public_key_text
from sync.protocol.phones import PhoneBadge, PhoneCodeView
from sync.protocol.rows import CredentialKind
from sync.server.errors import ConflictError, InvalidRequestError

if TYPE_CHECKING:
    from sync.server.service import Hub


def virtual_phone_key(hub: Hub, credential: str) -> Ed25519PrivateKey:
    secret = hub.key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    seed = hmac.new(secret, b"virtual-phone:" + credential.encode(), hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def register(hub: Hub, account_id: str, public_key: str | None) -> PhoneBadge:
    value = phonebadge.new_credential_value()
    held = public_key is None
    key = public_key_text(virtual_phone_key(hub, value).public_key()) if held else public_key
    row = hub.assign_credential(value, CredentialKind.PHONE, account_id, key)
    return PhoneBadge(credential=row, held_by_hub=held)


def mint(hub: Hub, credential: str, at: datetime | None = None) -> PhoneCodeView:
    _, row = hub.credential(credential)
    if row.kind is not CredentialKind.PHONE:
        raise InvalidRequestError(f"{credential} is not a phone badge")
    key = virtual_phone_key(hub, credential)
    if public_key_text(key.public_key()) != row.public_key:
        raise ConflictError(f"{credential}: the phone holds its key, the hub cannot mint")
    moment = at or hub.clock()
    code = phonebadge.mint(key, credential, moment)
    start = phonebadge.step_start(phonebadge.time_step(moment))
    return PhoneCodeView(
        code=code,
        credential=credential,
        step=phonebadge.time_step(moment),
        valid_from=format_ts(start),
        valid_until=format_ts(start + timedelta(seconds=phonebadge.STEP_S)),
    )
