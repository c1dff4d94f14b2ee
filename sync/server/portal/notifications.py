"""Low-balance notifications: a diner sets a threshold; when a push from a till or
kiosk takes the account's hub balance from at or above it to below it, one e-mail goes
to the address the site imported, through the configured SMTP server.

Once per crossing, whatever the timing: the crossing is decided inside the push's
transaction (``derive``, a hook of ``Hub.push``), where the balance before the pushed
entries is the balance written less their amounts, and the e-mail is queued in the
same transaction (``portal_outbox``). A duplicate push applies nothing and so queues
nothing; a balance that stays below queues nothing more until it has come back up.
The outbox is sent after the push (``wake``) by a short-lived thread, so a slow or
failing SMTP server never slows a till's sync; a failed send stays queued and is tried
again at the next wake, at most ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from email.message import EmailMessage

from sync.journal import Entry, format_ts
from sync.money import Money
from sync.server.portal.errors import MailError
from sync.server.portal.mail import send_message
from sync.server.portal.notifications_store import NotificationStore, OutMail
from sync.server.portal.service import Portal
from sync.server.records import PushTx
from sync.server.sqlrows import SqlitePushTx

log = logging.getLogger(__name__)

LOW_BALANCE = "low_balance"
MAX_ATTEMPTS = 5
MAX_THRESHOLD = 100_000  # cents: 1 000 EUR

SUBJECT = {"fr": "Votre solde est bas", "en": "Your balance is low"}
BODY = {
    "fr": (
        "Bonjour,\n\nVotre solde au restaurant est de {balance}, sous le seuil d'alerte "
        "de {threshold} que vous avez choisi.\n\nPensez à recharger votre compte.\n"
        "Vous pouvez changer ce seuil dans Mon compte > Notifications.\n"
    ),
    "en": (
        "Hello,\n\nYour restaurant balance is {balance}, below the alert threshold of "
        "{threshold} you chose.\n\nRemember to top up your account.\n"
        "You can change this threshold in My account > Notifications.\n"
    ),
}


def _euros(cents: int, lang: str) -> str:
    if lang == "en":
        sign = "-" if cents < 0 else ""
        return f"{sign}€{abs(cents) // 100:,}.{abs(cents) % 100:02d}"
    return Money(cents).format()


def crossings(
    alerts: dict[str, tuple[int, str, int]], entries: Sequence[Entry]
) -> list[tuple[str, int, int, str, str]]:
    """The accounts whose balance these entries took from >= threshold to < threshold:
    (account, balance, threshold, lang, the last entry's id). ``alerts`` maps an
    account to (threshold, lang, balance after the entries)."""
    found = []
    for account, (threshold, lang, after) in sorted(alerts.items()):
        its = [e for e in entries if e.account == account]
        if not its:
            continue
        before = after - sum(e.amount for e in its)
        if before >= threshold > after:
            found.append((account, after, threshold, lang, its[-1].id))
    return found


class Notifier:
    """Decides low-balance e-mails in the push's transaction and sends them after it."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.store = NotificationStore(portal.store.storage)
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._again = False

    # Settings --------------------------------------------------------------------------

    def set_threshold(self, account_id: str, threshold: int | None, lang: str) -> None:
        self.store.set_alert(account_id, threshold, lang, self.portal.hub.clock())

    # Inside the push's transaction -----------------------------------------------------

    def derive(self, tx: PushTx, entries: Sequence[Entry]) -> None:
        if not isinstance(tx, SqlitePushTx):  # the portal's tables are SQLite's
            return
        accounts = sorted({e.account for e in entries if e.account is not None})
        alerts = NotificationStore.alerts_of(tx.db, tx.site, accounts)
        now = format_ts(self.portal.hub.clock())
        for account, balance, threshold, lang, entry_id in crossings(alerts, entries):
            body = {"balance": balance, "threshold": threshold, "lang": lang, "entry": entry_id}
            NotificationStore.queue(tx.db, account, LOW_BALANCE, body, now)
            log.info("portal: %s went below %d (%d): e-mail queued", account, threshold, balance)

    # After it --------------------------------------------------------------------------

    def wake(self) -> None:
        """Send what waits, in a thread of its own (one at a time)."""
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                self._again = True
                return
            self._again = False
            self._worker = threading.Thread(target=self._run, name="portal-mail", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        try:
            while True:
                self.drain()
                with self._lock:
                    if not self._again:
                        return
                    self._again = False
        except Exception:  # a thread's failure is logged, never lost in silence
            log.exception("portal: the outbox could not be sent")

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the sending thread (tests, shutdown)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def drain(self) -> int:
        """Send the waiting e-mails; stop at the first failure (the server is down).
        Returns how many went."""
        count = 0
        for mail in self.store.waiting(MAX_ATTEMPTS):
            try:
                self._send(mail)
            except MailError as exc:
                self.store.failed(mail.id, str(exc))
                log.warning("portal: e-mail %d to %s not sent: %s", mail.id, mail.account_id, exc)
                break
            except LookupError as exc:
                self.store.failed(mail.id, str(exc), give_up=True)
                log.warning("portal: e-mail %d dropped: %s", mail.id, exc)
                continue
            self.store.sent(mail.id, self.portal.hub.clock())
            count += 1
        return count

    def _send(self, mail: OutMail) -> None:
        record = self.portal.hub.storage.account(mail.account_id)
        if record is None:
            raise LookupError(f"no account {mail.account_id}")
        email = self.portal.store.account_email(record.site, mail.account_id)
        if email is None:
            raise LookupError(f"no e-mail address for {mail.account_id}")
        lang = str(mail.body.get("lang", "fr"))
        lang = lang if lang in BODY else "fr"
        message = EmailMessage()
        message["From"] = self.portal.settings.smtp_sender
        message["To"] = email
        message["Subject"] = SUBJECT[lang]
        message.set_content(
            BODY[lang].format(
                balance=_euros(int(mail.body["balance"]), lang),
                threshold=_euros(int(mail.body["threshold"]), lang),
            )
        )
        send_message(self.portal.settings, message)
        log.info("portal: low-balance e-mail sent for %s", mail.account_id)
