"""Phone badges on the terminal: the app's rotating QR code, verified offline.

After the deny list, a phone code must carry a valid signature by the public key the
hub synced for that credential, fall within the site's window of time steps
(``SiteSettings.qr_window_steps``, one 30 s step either side by default; a code from
further ahead is reported as clock skew) and not have been used on this terminal.

``present`` only checks (the diner may still walk away); ``sell`` marks the code used
in the same transaction as the sale entry, so a refused sale does not burn the code
and a committed sale cannot be replayed, even after a restart (the seen codes are a
table of the store, pruned once out of every window).
"""

from __future__ import annotations

import logging
from datetime import datetime

from kiosk.engine import store_codes
from kiosk.engine.results import Refused
from kiosk.engine.store_tx import Tx
from sync import phonebadge
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import CredentialKind, CredentialRow

log = logging.getLogger(__name__)


def check(
    code: phonebadge.PhoneCode,
    cred: CredentialRow,
    now: datetime,
    window_steps: int,
    db: Tx,
) -> Refused | None:
    """Why this code may not be used now on this terminal, or None."""
    if cred.kind is not CredentialKind.PHONE:
        return Refused(RejectReason.UNKNOWN_CREDENTIAL, f"{cred.value} is not a phone badge")
    verdict = phonebadge.verify(code, cred.public_key, now, window_steps)
    if verdict.reason is not None:
        if verdict.reason is RejectReason.CLOCK_SKEW:
            log.warning("phone badge %s: clock skew, %s", cred.value, verdict.detail)
        return Refused(verdict.reason, f"{cred.value}: {verdict.detail}")
    if store_codes.code_seen(db, cred.value, code.step):
        return Refused(RejectReason.QR_REPLAYED, f"{cred.value}: code already used here")
    return None


def consume(code: phonebadge.PhoneCode, now: datetime, window_steps: int, db: Tx) -> None:
    """Mark the phone code used on this terminal."""
    # Keep every step some window could still accept, whatever the window is set to.
    keep = max(window_steps, phonebadge.DEFAULT_WINDOW_STEPS) + 1
    store_codes.prune_seen_codes(db, phonebadge.time_step(now) - keep)
    store_codes.mark_code_seen(db, code.credential_value, code.step, now)
