"""Passkeys (WebAuthn) as a second way into the portal, with the ``webauthn`` library.

A signed-in diner adds a passkey from the devices page; later the connection page
signs in with it, without identifier or password (a discoverable credential: the
authenticator says which one it is, the hub knows its account).

Challenges are not stored: each is 16 random bytes, its expiry and an HMAC (under a
key derived from the hub's key) binding both to the purpose and to the portal
session that asked for it. A response is accepted only with a challenge this hub
made for this session in the last five minutes; signing in replaces that session,
so a challenge serves once. The relying party is the host the diner's browser
reached (``rp_id``) and its origin, as the routes pass them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import struct
from enum import Enum
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from sync.journal import format_ts
from sync.protocol.rows import AccountStatus
from sync.server.portal.devices import clean_label
from sync.server.portal.passkeys_store import Passkey, PasskeysStore
from sync.server.portal.service import Portal, Refusal, Session, token_hash

log = logging.getLogger(__name__)

CHALLENGE_TTL_S = 300
MAX_PASSKEYS = 10
_NONCE = 16
_MAC = 16
_PACK = struct.Struct(f">{_NONCE}sQ{_MAC}s")


class PasskeyRefusal(Enum):
    """Why a passkey was not added or did not sign in; the pages word each one."""

    BAD_RESPONSE = "bad_passkey"
    UNKNOWN_KEY = "unknown_passkey"
    TOO_MANY = "too_many_passkeys"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Passkeys:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.hub = portal.hub
        self.store = PasskeysStore(portal.store.storage)
        seed = self.hub.key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        self._secret = hmac.new(seed, b"portal-passkey-challenges", hashlib.sha256).digest()

    # Challenges --------------------------------------------------------------------------

    def _mac(self, purpose: str, session: Session, nonce: bytes, expiry: int) -> bytes:
        bound = f"{purpose}\x00{token_hash(session.token)}\x00".encode() + nonce
        return hmac.new(self._secret, bound + expiry.to_bytes(8, "big"), "sha256").digest()[:_MAC]

    def _challenge(self, purpose: str, session: Session) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        expiry = int(self.hub.clock().timestamp()) + CHALLENGE_TTL_S
        return _PACK.pack(nonce, expiry, self._mac(purpose, session, nonce, expiry))

    def _challenge_of(self, purpose: str, session: Session, response: dict[str, Any]) -> bytes:
        """The challenge the browser signed, if this hub made it for this session and
        purpose and it is still fresh; raise ValueError otherwise."""
        client_data = json.loads(_unb64url(str(response["response"]["clientDataJSON"])))
        challenge = _unb64url(str(client_data["challenge"]))
        if len(challenge) != _PACK.size:
            raise ValueError("not a challenge of this hub")
        nonce, expiry, mac = _PACK.unpack(challenge)
        if not hmac.compare_digest(mac, self._mac(purpose, session, nonce, expiry)):
            raise ValueError("not a challenge of this hub for this session")
        if expiry < self.hub.clock().timestamp():
            raise ValueError("challenge expired")
        return challenge

    # Adding one ----------------------------------------------------------------------

    def registration_options(self, session: Session, rp_id: str) -> str:
        account = session.row.account_id
        assert account is not None
        record = self.hub.account(account)
        options = generate_registration_options(
            rp_id=rp_id,
            rp_name="Mon restaurant",
            # An opaque user handle: the authenticator keeps it, no need for the id.
            user_id=hmac.new(self._secret, account.encode(), "sha256").digest()[:16],
            user_name=account,
            user_display_name=record.row.display_name or account,
            challenge=self._challenge("register", session),
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=_unb64url(k.credential_id))
                for k in self.store.of_account(account)
            ],
        )
        return options_to_json(options)

    def register(
        self, session: Session, response: dict[str, Any], rp_id: str, origin: str, label: str
    ) -> PasskeyRefusal | None:
        account = session.row.account_id
        assert account is not None
        if len(self.store.of_account(account)) >= MAX_PASSKEYS:
            return PasskeyRefusal.TOO_MANY
        try:
            challenge = self._challenge_of("register", session, response)
            verified = verify_registration_response(
                credential=response,
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                require_user_verification=True,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
            log.info("portal: passkey of %s refused: %s", account, exc)
            return PasskeyRefusal.BAD_RESPONSE
        now = self.hub.clock()
        added = self.store.add(
            Passkey(
                credential_id=_b64url(verified.credential_id),
                account_id=account,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                label=clean_label(label, now),
                created_at=format_ts(now),
                last_used_at=None,
            )
        )
        if not added:
            return PasskeyRefusal.BAD_RESPONSE
        log.info("portal: %s added a passkey", account)
        return None

    # Signing in with one ------------------------------------------------------------------

    def authentication_options(self, session: Session, rp_id: str) -> str:
        options = generate_authentication_options(
            rp_id=rp_id,
            challenge=self._challenge("sign-in", session),
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        return options_to_json(options)

    def sign_in(
        self, session: Session, response: dict[str, Any], rp_id: str, origin: str
    ) -> Session | PasskeyRefusal | Refusal:
        try:
            key = self.store.get(str(response["id"])[:512])
        except (KeyError, TypeError):
            return PasskeyRefusal.BAD_RESPONSE
        if key is None:
            return PasskeyRefusal.UNKNOWN_KEY
        try:
            challenge = self._challenge_of("sign-in", session, response)
            verified = verify_authentication_response(
                credential=response,
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=key.public_key,
                credential_current_sign_count=key.sign_count,
                require_user_verification=True,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
            log.info("portal: passkey sign-in for %s refused: %s", key.account_id, exc)
            return PasskeyRefusal.BAD_RESPONSE
        if not self.store.used(
            key.credential_id, key.sign_count, verified.new_sign_count, self.hub.clock()
        ):
            return PasskeyRefusal.BAD_RESPONSE
        site = self.hub.account(key.account_id).site
        if self.portal.store.account_status(site, key.account_id) != AccountStatus.ACTIVE:
            return Refusal.CLOSED
        return self.portal.open_session(session, site, key.account_id)

    # The list ------------------------------------------------------------------------

    def of(self, session: Session) -> list[Passkey]:
        account = session.row.account_id
        assert account is not None
        return self.store.of_account(account)

    def remove(self, session: Session, credential_id: str) -> bool:
        account = session.row.account_id
        assert account is not None
        return self.store.remove(account, credential_id[:512])
